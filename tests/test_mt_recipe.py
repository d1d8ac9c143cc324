"""mt-translate end to end on the smoke preset: translate -> train on translations -> evaluate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def mt_store(tmp_path_factory):
    from ablate.cli import main

    out = tmp_path_factory.mktemp("mt")
    main(["run", "mt-translate", "--task", "mnli", "--targets", "pawsx", "--langs", "de,sw", "--preset", "smoke",
          "--seeds", "1", "-o", str(out), "-q"])
    return out


def _runs(out: Path, flt: str):
    from mlflow import MlflowClient

    c = MlflowClient(f"sqlite:///{out / 'mlflow.db'}")
    return c, c.search_runs([c.get_experiment_by_name("ablate").experiment_id], flt)


def test_translate_phase_counts_quality_and_card(mt_store):
    c, (parent,) = _runs(mt_store, "tags.kind = 'run'")
    assert parent.info.status == "FINISHED" and parent.data.tags["recipe"] == "mt-translate"
    sig = parent.data.tags["signature"]
    assert "|mt:tiny-nllb|mt_langs:de,sw|mt_mix:translated|" in sig
    _, children = _runs(mt_store, f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
    by_name = {r.info.run_name: r for r in children}
    assert set(by_name) == {"translate:mnli", "intermediate:mnli", "finetune:pawsx", "evaluate:pawsx"}
    tr = by_name["translate:mnli"].data
    for lang in ("de", "sw"):
        assert tr.metrics[f"mt.{lang}.kept"] == 32 and tr.metrics[f"mt.{lang}.dropped"] == 0
        assert 0 <= tr.metrics[f"mt.{lang}.chrf"] <= 100  # FLORES+ references exist for de and sw
    card = Path(c.download_artifacts(by_name["translate:mnli"].info.run_id, "card.md")).read_text()
    assert "mnli" in card and "tiny-nllb" in card and "chrF" in card
    # the intermediate phase trained on exactly the kept translations (mix = translated)
    inputs = {i.dataset.name: i for i in by_name["intermediate:mnli"].inputs.dataset_inputs}
    assert "translations" in inputs["mnli.train"].dataset.source


def test_translated_rows_keep_the_hub_schema_and_labels(mt_store):
    d = next((mt_store / "phases" / "translate").iterdir())
    src = [json.loads(line) for line in (Path(__file__).parent.parent / "ablate/fixtures/data/nyu-mll__glue/mnli/train.jsonl").read_text().splitlines()]
    by_idx = {r["idx"]: r for r in src}
    for lang in ("de", "sw"):
        rows = [json.loads(line) for line in (d / "data" / lang / "0" / "train.jsonl").read_text().splitlines()]
        assert len(rows) == 32 and set(rows[0]) == {"premise", "hypothesis", "label", "idx"}
        assert all(r["label"] == by_idx[r["idx"]]["label"] for r in rows)
        assert all(r["premise"] != by_idx[r["idx"]]["premise"] for r in rows)


def test_a_rerun_reuses_the_translation(mt_store, cli):
    r = cli("translate", "--task", "mnli", "--langs", "de,sw", "--targets", "pawsx", "--preset", "smoke",
            "-o", str(mt_store), "-q")
    assert r.code == 0, r.err
    _, runs = _runs(mt_store, "tags.recipe = 'translate'")
    _, (child,) = _runs(mt_store, f"tags.mlflow.parentRunId = '{runs[0].info.run_id}'")
    assert child.data.tags["cached"] == "yes"


@pytest.mark.parametrize("args, needle", [
    (["--task", "ccg"], "cannot follow machine translation"),
    (["--task", "mnli", "--langs", "de,xx"], "Unknown language to translate into 'xx'"),
    (["--task", "mnli", "--mt-mix", "both"], "Unknown --mt-mix value 'both'"),
])
def test_bad_mt_input(cli, tmp_path, args, needle):
    r = cli("run", "mt-translate", *args, "--preset", "smoke", "-o", str(tmp_path / "o"), "-q")
    assert r.code == 2 and needle in " ".join(r.err.split())
    assert not (tmp_path / "o").exists()


def test_quality_gate_refuses_low_chrf(cli, tmp_path):
    r = cli("run", "mt-translate", "--task", "mnli", "--targets", "pawsx", "--langs", "de", "--min-chrf", "99",
            "--preset", "smoke", "-o", str(tmp_path / "o"), "-q")
    assert r.code == 2 and "chrF" in r.err and "99" in r.err
