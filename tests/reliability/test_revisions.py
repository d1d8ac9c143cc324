"""Model and dataset revisions are pinnable and recorded: a pinned model revision and a pinned
dataset revision reach every Hub load (preflight, tokenizer, model, data), and the run's MLflow
record says which were used. The Hub is unreachable here, so a stand-in answers Hub ids with the
tiny model and the shipped fixtures (same schemas) and records the revision each load asked for."""

from __future__ import annotations

import json

import pytest

MODEL, MODEL_REV, DATA_REV = "example-org/encoder", "0123abcd", "def456"


@pytest.fixture
def hub(monkeypatch):
    """Every Hub load of a model or dataset as (kind, id, revision)."""
    import datasets
    import transformers

    from ablate.data import load
    from ablate.models import _HEADS, build_tiny

    loads: list[tuple[str, str, str | None]] = []
    tiny = str(build_tiny("tiny-xlmr"))

    def model_loader(real):
        def from_pretrained(ident, *args, revision=None, **kw):
            if ident != MODEL:
                return real(ident, *args, revision=revision, **kw)
            loads.append(("model", ident, revision))
            return real(tiny, *args, **kw)
        return from_pretrained

    # ablate's own heads ("module:Class", the dual encoder) load their encoder through AutoModel
    for name in ("AutoConfig", "AutoTokenizer", *(h for h in _HEADS.values() if ":" not in h)):
        cls = getattr(transformers, name)
        monkeypatch.setattr(cls, "from_pretrained", model_loader(cls.from_pretrained))

    real_load = datasets.load_dataset

    def load_dataset(path, name=None, *args, split=None, revision=None, **kw):
        if path in ("json", "parquet"):  # a local file: the fixtures themselves
            return real_load(path, name, *args, split=split, **kw)
        loads.append(("dataset", path, revision))
        base = load.local_dir(load.FIXTURES, path, name)
        return load._read_file(str(next(base / f"{split}.{ext}" for ext in ("jsonl", "parquet")
                                        if (base / f"{split}.{ext}").is_file())))

    def load_dataset_builder(path, name=None, revision=None, **kw):
        loads.append(("dataset", path, revision))

    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    monkeypatch.setattr(datasets, "load_dataset_builder", load_dataset_builder)
    # the fixtures are a few rows of each split, not the sizes the data cards record (tests/data checks those)
    monkeypatch.setattr("ablate.cards.check_size", lambda *args, **kw: False)
    load._load_hub.cache_clear()
    yield loads
    load._load_hub.cache_clear()


def test_pinned_model_and_dataset_revisions_reach_every_hub_load_and_are_recorded(tmp_path, cli, hub):
    from tests.reliability.runs import runs

    out = tmp_path / "out"
    r = cli("run", "baseline", "--targets", "xnli", "--preset", "smoke", "--seeds", "1", "-q", "--set", "data=hub",
            "--model", MODEL, "--set", f"model_revision={MODEL_REV}", "--set", "offline=true",
            "--set", f'dataset_revisions={{"google/xtreme": "{DATA_REV}"}}', "-o", str(out))
    assert r.code == 0, r.err
    models = {rev for kind, _, rev in hub if kind == "model"}
    xtreme = {rev for kind, ident, rev in hub if kind == "dataset" and ident == "google/xtreme"}
    assert models == {MODEL_REV} and xtreme == {DATA_REV}  # preflight, tokenizer, model; dev and test data
    assert len([c for c in hub if c[0] == "model"]) >= 3
    assert {ident for kind, ident, _ in hub if kind == "dataset"} >= {"google/xtreme", "nyu-mll/glue"}

    _, found = runs(f"sqlite:///{out / 'mlflow.db'}")
    parent = next(r for r in found if r.data.tags["kind"] == "run")
    assert parent.data.tags["model_revision"] == MODEL_REV
    assert json.loads(parent.data.tags["dataset_revisions"]) == {"google/xtreme": DATA_REV}
    assert f"model:{MODEL}@{MODEL_REV}" in parent.data.tags["signature"]
    notes = parent.data.tags.get("key_notes", "")  # what was keyed 'unpinned' (test_phase_keys: pins key phases)
    assert MODEL not in notes and "google/xtreme" not in notes
