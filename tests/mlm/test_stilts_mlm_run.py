"""stilts-mlm end to end (offline smoke run) and its pieces that need torch: the pretrained LM
head kept and tied, trained by the MLM objective; the encoder handed to phase 3 exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ablate import languages


@pytest.fixture(scope="module")
def tiny():
    from ablate.models import build_tiny

    return str(build_tiny("tiny-xlmr"))


def _objective(tiny, seed=0):
    from ablate.config import resolve
    from ablate.mlm import corpus
    from ablate.mlm.lm_head import load_mlm, share_encoder
    from ablate.mlm.masking import pack
    from ablate.mlm.objective import MlmObjective
    from ablate.models import load_tokenizer, load_with_head

    tok = load_tokenizer(tiny)
    encoder = load_with_head(tiny, "encoder", seed=seed)
    model = load_mlm(tiny)
    share_encoder(model, encoder)
    srcs = corpus.sources(resolve("smoke"), ["de", "sw"])
    enc = lambda t: tok(t, add_special_tokens=False)["input_ids"]
    seqs = {lang: pack(corpus.read(src, enc, 10, 400)[1], 64, 0, 2) for lang, src in srcs.items()}
    return encoder, model, MlmObjective(model, tok, seqs, {"de": 0.5, "sw": 0.5}, batch_size=4, grad_accum=1)


def test_lm_head_is_the_pretrained_one_tied_to_the_shared_encoder_and_trains(tiny):
    from safetensors.torch import load_file

    from ablate.mixing.objective import unique_parameters
    from ablate.mlm.lm_head import head_state

    saved = load_file(f"{tiny}/model.safetensors")
    encoder, model, objective = _objective(tiny)
    before = head_state(model)
    head_keys = [k for k in saved if k.startswith("lm_head.")]
    assert {"lm_head.dense.weight", "lm_head.layer_norm.weight", "lm_head.bias"} <= set(head_keys)
    for k in head_keys:  # the checkpoint's LM head, not a fresh one
        torch.testing.assert_close(before[k], saved[k], rtol=0, atol=0)
    decoder = model.get_output_embeddings().weight
    assert decoder is encoder.get_input_embeddings().weight  # tied to the SHARED embeddings

    params = unique_parameters([encoder, objective.head])
    optimizer = torch.optim.AdamW(params, lr=1e-3)
    batches = objective.batches(seed=1)
    losses = []
    for _ in range(3):
        loss = objective.loss(encoder, next(batches))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(float(loss.detach()))
    after = head_state(model)
    assert all(torch.isfinite(torch.tensor(losses)))
    for k in ("lm_head.dense.weight", "lm_head.layer_norm.weight", "lm_head.bias"):
        assert not torch.equal(after[k], before[k]), k
    assert model.get_output_embeddings().weight is encoder.get_input_embeddings().weight  # still tied
    assert objective.drawn["de"] + objective.drawn["sw"] == 12


def test_a_checkpoint_without_lm_head_is_refused(tiny, tmp_path):
    from ablate.errors import AblateError
    from ablate.mlm.lm_head import load_mlm
    from ablate.models import load_tokenizer, load_with_head, save_encoder

    save_encoder(load_with_head(tiny, "encoder", seed=0), load_tokenizer(tiny), tmp_path / "enc")
    with pytest.raises(AblateError, match="has no pretrained LM head"):
        load_mlm(str(tmp_path / "enc"))


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """One offline smoke run through the CLI, recording phase 2's encoder at its end and the
    model phase 3 starts from (the hand-over)."""
    import ablate.mlm.phase as mlm_phase
    import ablate.phases.train as train
    from ablate.cli import main

    out = tmp_path_factory.mktemp("stilts-mlm")
    seen: dict = {}
    real_save, real_load = mlm_phase.save_encoder, train.load_with_head

    def save_encoder(model, tokenizer, out_dir):
        seen["end_of_phase2"] = {k: v.detach().clone() for k, v in model.state_dict().items()}
        return real_save(model, tokenizer, out_dir)

    def load_with_head(path, head, **kw):
        model = real_load(path, head, **kw)
        seen.setdefault("phase3_starts", []).append((path, {k: v.detach().clone() for k, v in model.state_dict().items()}))
        return model

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mlm_phase, "save_encoder", save_encoder)
        mp.setattr(train, "load_with_head", load_with_head)
        try:
            main(["run", "stilts-mlm", "--task", "mnli", "--targets", "xnli", "--mlm-langs", "xnli", "--mlm-ratio", "0.5",
                  "--preset", "smoke", "--seeds", "1", "--set", "eval_splits=test", "-o", str(out), "-q"])
        except SystemExit as e:
            assert not e.code
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{out / 'mlflow.db'}")
    exp = client.get_experiment_by_name("ablate")
    (parent,) = client.search_runs([exp.experiment_id], "tags.kind = 'run'")
    children = {r.info.run_name: r for r in client.search_runs(
        [exp.experiment_id], f"tags.mlflow.parentRunId = '{parent.info.run_id}'")}
    return parent, children, seen, out


def test_smoke_run_has_the_expected_runs_and_metrics(smoke):
    parent, children, _, out = smoke
    assert parent.info.status == "FINISHED"
    assert parent.data.tags["recipe"] == "stilts-mlm" and parent.data.tags["intermediate_task"] == "mnli"
    assert parent.data.params["arm"] == "stilts-mlm:mnli"
    assert set(children) == {"intermediate-mlm:mnli", "finetune:xnli", "evaluate:xnli"}
    assert all(c.info.status == "FINISHED" for c in children.values())
    m = children["intermediate-mlm:mnli"].data.metrics
    for when in ("before", "after"):
        assert m[f"mlm.heldout.loss.{when}"] > 0
        assert m[f"mlm.heldout.ppl.{when}"] == pytest.approx(torch.tensor(m[f"mlm.heldout.loss.{when}"]).exp().item())
        for lang in languages.XNLI:
            assert m[f"mlm.ppl.{lang}.{when}"] > 1
    assert m["mlm.heldout.loss.after"] != m["mlm.heldout.loss.before"]  # training moved the LM
    assert m["sampler.p.mlm"] == 0.5 and m["sampler.share.mlm"] + m["sampler.share.mnli"] == pytest.approx(1)
    assert sum(m[f"mlm.q.{lang}"] for lang in languages.XNLI) == pytest.approx(1)
    assert "dev.accuracy" in m and m["train.steps"] >= 1
    tags = children["intermediate-mlm:mnli"].data.tags
    assert tags["mlm.langs"] == ",".join(languages.XNLI) and tags["sampler"] == "proportional+fixed(mlm=0.5)"
    assert any(k.startswith("xnli.") and k.endswith(".accuracy") for k in parent.data.metrics)
    import json

    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{out / 'mlflow.db'}")
    info = json.loads((Path(client.download_artifacts(children["intermediate-mlm:mnli"].info.run_id, "phase.json"))
                       ).read_text())["info"]
    assert info["data_parallel"].startswith("no: the mixture loop runs in one process")
    sig = parent.data.tags["signature"]
    assert "recipe:stilts-mlm" in sig and "task:mnli" in sig
    assert f"|mlm:wikimedia/wikipedia|mlm_langs:{','.join(languages.XNLI)}|mlm_ratio:0.5|mlm_alpha:0.3|" in sig


def test_the_encoder_trained_with_mlm_is_handed_to_phase_3_exactly(smoke, tiny):
    from ablate.models import load_with_head

    _, _, seen, _ = smoke
    end2 = seen["end_of_phase2"]  # the shared encoder (a base model: no prefix)
    (path, start3), = seen["phase3_starts"]
    assert path.endswith("encoder")
    encoder_keys = [k for k in start3 if k.startswith("roberta.")]
    assert encoder_keys
    for k in encoder_keys:
        torch.testing.assert_close(start3[k], end2[k.removeprefix("roberta.")], rtol=0, atol=0)
    pretrained = load_with_head(tiny, "encoder", seed=0).state_dict()
    assert any(not torch.equal(pretrained[k], end2[k]) for k in end2)  # phase 2 really trained it
    head = [k for k in start3 if k.startswith("classifier.")]
    assert head  # a fresh task head; nothing of the LM head travels
    assert not any(k.startswith("lm_head.") for k in start3)


def test_compare_takes_the_stilts_mlm_arm_against_stilts(smoke, cli):
    """The paper's comparison on real runs: a stilts run next to the stilts-mlm one in the same
    store is the other arm (same evaluated examples, same selection policy)."""
    import json

    _, _, _, out = smoke
    res = cli("run", "stilts", "--task", "mnli", "--targets", "xnli", "--preset", "smoke", "--seeds", "1",
              "--set", "eval_splits=test", "-o", str(out), "-q")
    assert res.code == 0, res.err
    res = cli("compare", "--arms", "stilts:mnli,stilts-mlm:mnli", "--targets", "xnli",
              "--tracking-uri", f"sqlite:///{out / 'mlflow.db'}", "--out", str(out / "compare"))
    assert res.code == 0, res.err
    report = json.loads((out / "compare" / "report.json").read_text())
    assert report["arms"] == ["stilts:mnli", "stilts-mlm:mnli"] and report["baseline"] == "stilts:mnli"
    (line,) = [m for m in report["lines"] if m["level"] == "task"]
    assert line["treatment"] == "stilts-mlm:mnli" and line["task"] == "xnli"
    # the report's arm means are the runs' own logged XNLI averages
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{out / 'mlflow.db'}")
    exp = client.get_experiment_by_name("ablate")
    logged = {r.data.params["arm"]: next(v for k, v in r.data.metrics.items() if k.startswith("xnli.") and
                                         k.endswith(".accuracy") and ".avg." in f".{k}.")
              for r in client.search_runs([exp.experiment_id], "tags.kind = 'run'")}
    assert line["mean_a"] == pytest.approx(logged["stilts-mlm:mnli"]) and line["mean_b"] == pytest.approx(logged["stilts:mnli"])
