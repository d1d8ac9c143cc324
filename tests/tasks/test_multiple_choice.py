"""Multiple choice: label mapping of the three datasets, (n_choices x len) features, gold-peaked
accuracy, quick intermediate training, and an end-to-end smoke run (HellaSwag -> PAN-X)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ablate import languages as L
from ablate.config import resolve
from ablate.data.load import FIXTURES, load_task_split, local_dir
from ablate.errors import AblateError
from ablate.tasks import get_task
from ablate.tasks import multiple_choice as fmt
from ablate.tasks.multiple_choice_tasks import COSMOS_QA_HINT

N_CHOICES = {"hellaswag": 4, "commonsense_qa": 5, "cosmos_qa": 4}


@pytest.fixture(scope="module")
def smoke_cfg():
    return resolve("smoke", None, {})


@pytest.fixture(scope="module")
def tokenizer():
    from ablate.models import build_tiny, load_tokenizer

    return load_tokenizer(str(build_tiny("tiny-xlmr")))


def raw_rows(hub_id: str, split: str) -> list[dict]:
    path = local_dir(FIXTURES, hub_id, "default") / f"{split}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("split", ["train", "validation"])
def test_label_mapping(split, smoke_cfg):
    which = "train" if split == "train" else "dev"
    hella = load_task_split(get_task("hellaswag"), which, smoke_cfg)
    raw = raw_rows("Rowan/hellaswag", split)
    assert list(hella["label"]) == [int(r["label"]) for r in raw]
    assert list(hella["context"]) == [r["ctx_a"] for r in raw]

    csqa = load_task_split(get_task("commonsense_qa"), which, smoke_cfg)
    raw = raw_rows("tau/commonsense_qa", split)
    assert list(csqa["label"]) == [r["choices"]["label"].index(r["answerKey"]) for r in raw]
    assert all(r["choices"]["label"] == list("ABCDE") for r in raw)  # what the letter map assumes

    cosmos = load_task_split(get_task("cosmos_qa"), which, smoke_cfg)
    raw = raw_rows("allenai/cosmos_qa", split)
    assert list(cosmos["label"]) == [r["label"] for r in raw]
    assert fmt.choices(cosmos)[0] == [raw[0][f"answer{i}"] for i in range(4)]


def test_test_splits_without_gold_are_refused(smoke_cfg):
    from ablate.tasks.spec import Source
    from ablate.data.load import canonical, load_raw

    spec = get_task("hellaswag")
    src = Source("Rowan/hellaswag", "default", "test", spec.train[0].columns, label_map=spec.train[0].label_map)
    with pytest.raises(AblateError, match="lacks a gold label"):
        canonical(load_raw(src, smoke_cfg), src, spec)


def test_prompts_and_choices_follow_jiant(smoke_cfg):
    hella = load_task_split(get_task("hellaswag"), "dev", smoke_cfg)
    raw = raw_rows("Rowan/hellaswag", "validation")[0]
    assert fmt.prompts(hella)[0] == raw["ctx_a"]
    assert fmt.choices(hella)[0] == [f"{raw['ctx_b']} {e}" for e in raw["endings"]]
    cosmos = load_task_split(get_task("cosmos_qa"), "dev", smoke_cfg)
    raw = raw_rows("allenai/cosmos_qa", "validation")[0]
    assert fmt.prompts(cosmos)[0] == f"{raw['context']} {raw['question']}"
    csqa = load_task_split(get_task("commonsense_qa"), "dev", smoke_cfg)
    raw = raw_rows("tau/commonsense_qa", "validation")[0]
    assert fmt.prompts(csqa)[0] == raw["question"] and fmt.choices(csqa)[0] == raw["choices"]["text"]


@pytest.mark.parametrize("task", sorted(N_CHOICES))
def test_features_are_n_choices_by_length_and_collate_to_3d(task, tokenizer, smoke_cfg):
    ds = load_task_split(get_task(task), "train", smoke_cfg)
    features = fmt.train_features(ds, tokenizer, 32)
    n = N_CHOICES[task]
    for row in features:
        assert len(row["input_ids"]) == len(row["attention_mask"]) == n
        assert all(len(ids) <= 32 for ids in row["input_ids"])
    first = features[0]
    pair = tokenizer.decode(first["input_ids"][1])
    assert fmt.choices(ds)[0][1].split()[-1].rstrip(".") in pair  # the choice is in its own sequence
    batch = fmt.collator(tokenizer)([features[i] for i in range(3)])
    assert batch["input_ids"].shape[:2] == (3, n) and batch["input_ids"].shape == batch["attention_mask"].shape
    assert batch["labels"].tolist() == list(ds["label"])[:3]
    evaluated, meta = fmt.eval_features(ds, tokenizer, 32)
    assert meta is None and "labels" not in evaluated.column_names and len(evaluated) == len(ds)


@pytest.mark.parametrize("task", sorted(N_CHOICES))
def test_gold_peaked_logits_give_accuracy_100(task, smoke_cfg):
    spec = get_task(task)
    ds = load_task_split(spec, "dev", smoke_cfg)
    rng = np.random.default_rng(0)
    outputs = []
    for label in ds["label"]:
        logits = rng.normal(size=N_CHOICES[task])
        logits[label] = 10.0
        outputs.append({"logits": logits})
    predictions = fmt.predict(ds, outputs, None, spec)
    stats = fmt.example_stats(ds, predictions, spec, "en")
    assert stats.shape == (len(ds), 2)
    assert fmt.aggregate(stats.sum(0), spec) == {"accuracy": 100.0}
    wrong = [(p + 1) % N_CHOICES[task] for p in predictions]
    assert fmt.aggregate(fmt.example_stats(ds, wrong, spec, "en").sum(0), spec) == {"accuracy": 0.0}


def test_model_scores_every_choice(tokenizer, smoke_cfg):
    import torch

    from ablate.models import build_tiny, load_with_head
    from ablate.phases.scoring import score

    spec = get_task("commonsense_qa")
    model = load_with_head(str(build_tiny("tiny-xlmr")), fmt.HEAD, seed=1, **fmt.head_kwargs(spec))
    ds = load_task_split(spec, "dev", smoke_cfg)
    batch = fmt.collator(tokenizer)([fmt.train_features(ds, tokenizer, 32)[i] for i in range(2)])
    out = model(**batch)
    assert out.logits.shape == (2, 5) and out.loss.ndim == 0
    predictions, stats = score(model, tokenizer, fmt, spec, ds, "en", 32, 8, torch.device("cpu"))
    assert all(0 <= p < 5 for p in predictions) and stats.sum(0)[1] == len(ds)


def test_cosmos_qa_hint_names_both_ways_out():
    assert "--set dataset_revisions.allenai/cosmos_qa=refs/convert/parquet" in COSMOS_QA_HINT
    assert "--data-dir" in COSMOS_QA_HINT
    cfg = resolve("paper", None, {"dataset_revisions": {"allenai/cosmos_qa": "refs/convert/parquet"}})
    assert cfg.dataset_revisions["allenai/cosmos_qa"] == "refs/convert/parquet"


def test_cosmos_qa_reads_a_local_copy_from_data_dir(tmp_path):
    base = local_dir(tmp_path, "allenai/cosmos_qa", "default")
    base.mkdir(parents=True)
    source = local_dir(FIXTURES, "allenai/cosmos_qa", "default")
    for name in ("train.jsonl", "features.json"):
        (base / name).write_text((source / name).read_text(encoding="utf-8"), encoding="utf-8")
    cfg = resolve("paper", None, {"data_dir": str(tmp_path), "offline": True})
    ds = load_task_split(get_task("cosmos_qa"), "train", cfg)
    assert len(ds) == 96 and set(ds["label"]) <= {0, 1, 2, 3}


@pytest.mark.parametrize("task", ["commonsense_qa", "cosmos_qa"])
def test_trains_as_an_intermediate_task(task, tmp_path):
    from ablate.phases import PhaseContext
    from ablate.phases.train import run_intermediate
    from ablate.plan import Phase
    from ablate.progress import Progress

    cfg = resolve("smoke", None, {"intermediate": {task: {"max_steps": 2, "eval_every": 2}},
                                  "output_dir": str(tmp_path / "store")})  # the tokenized cache goes there
    logged = []
    ctx = PhaseContext(cfg=cfg, phase=Phase(f"intermediate:{task}", "intermediate", task), seed=1, inputs={},
                       out=tmp_path, log=lambda m, step: logged.append(m), progress=Progress(enabled=False))
    result = run_intermediate(ctx)
    assert result.metrics["train.steps"] == 2 and 0 <= result.metrics["dev.accuracy"] <= 100
    assert (tmp_path / "encoder" / "config.json").is_file()
    assert any("curve.dev.accuracy" in m for m in logged)  # the selection curve, step by step


def test_stilts_hellaswag_to_panx_end_to_end(tmp_path):
    from typer.testing import CliRunner

    from ablate.cli import app
    from mlflow import MlflowClient

    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", "stilts", "--task", "hellaswag", "--targets", "panx", "--preset", "smoke",
                                      "--seeds", "1", "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    client = MlflowClient(f"sqlite:///{out / 'mlflow.db'}")
    exp = client.get_experiment_by_name("ablate")
    (run,) = client.search_runs([exp.experiment_id], "tags.kind = 'run'")
    metrics = run.data.metrics
    for lang in L.PANX:
        assert 0 <= metrics[f"panx.{lang}.f1"] <= 100 and f"dev.panx.{lang}.f1" in metrics
    assert metrics["panx.avg.f1"] == pytest.approx(np.mean([metrics[f"panx.{lang}.f1"] for lang in L.PANX]))
    children = {r.info.run_name: r for r in client.search_runs(
        [exp.experiment_id], f"tags.mlflow.parentRunId = '{run.info.run_id}'")}
    assert 0 <= children["intermediate:hellaswag"].data.metrics["dev.accuracy"] <= 100
