"""MT quality-gate references: FLORES+ dev by default, in-domain on request, never a test split."""

from __future__ import annotations

from pathlib import Path

import pytest

from ablate.config import resolve as resolve_config
from ablate.errors import AblateError
from ablate.tasks import TASKS

TARGETS = [t for t in TASKS.values() if t.role == "target"]


def _test_splits() -> set[tuple[str, str, str]]:
    """(hub id, config, split) of every split a target task reports as test, in every language."""
    out = set()
    for spec in TARGETS:
        src = spec.evaluation.get("test")
        if src is not None:
            out |= {(s.hub_id, s.config, s.split) for s in (src.for_lang(lang) for lang in spec.languages)}
    return out


@pytest.mark.parametrize("fmt, choice, expected", [
    ("span_qa", "flores_plus", "flores_plus.dev"),
    ("classification", "flores_plus", "flores_plus.dev"),
    ("span_qa", "in-domain", "mlqa.validation"),
    ("classification", "in-domain", "xnli.validation"),
    ("multiple_choice", "flores_plus", "flores_plus.dev"),
])
def test_reference_sets_read_no_test_split(fmt, choice, expected, monkeypatch):
    """Spy on every dataset the gate loads: it is never a split any target evaluates as test."""
    import ablate.data.load as load
    from ablate.mt.references import label, load_references, resolve

    assert label(fmt, choice) == expected
    read = []
    real = load.load_raw
    monkeypatch.setattr(load, "load_raw", lambda src, cfg: read.append(src) or real(src, cfg))
    langs = ["de", "zh", "sw", "et", "tl"]
    refs = load_references(resolve(fmt, choice), langs, 16, resolve_config("smoke"))
    assert read and not {(s.hub_id, s.config, s.split) for s in read} & _test_splits()
    covered = resolve(fmt, choice).languages
    assert set(refs) == {lang for lang in langs if lang in covered}
    for english, human in refs.values():
        assert len(english) == len(human) > 0 and english != human


def test_flores_plus_pairs_sentences_by_id():
    from ablate.mt.references import load_references, resolve

    (english, german), = load_references(resolve("span_qa", "flores_plus"), ["de"], 5,
                                         resolve_config("smoke")).values()
    root = Path(__file__).parents[2] / "ablate/fixtures/data/openlanguagedata__flores_plus"
    import json

    rows = {lang: [json.loads(x) for x in (root / cfg / "dev.jsonl").read_text().splitlines()]
            for lang, cfg in (("en", "eng_Latn"), ("de", "deu_Latn"))}
    assert english == [r["text"] for r in rows["en"][:5]] and german == [r["text"] for r in rows["de"][:5]]


@pytest.mark.parametrize("choice, needle", [
    ("xquad", "evaluated as test"),
    ("flores", "Did you mean 'flores_plus'"),
])
def test_bad_reference_choice_is_one_clear_line(choice, needle):
    from ablate.mt.references import resolve

    with pytest.raises(AblateError, match=needle):
        resolve("span_qa", choice)


def test_in_domain_needs_an_in_domain_set():
    from ablate.mt.references import resolve

    with pytest.raises(AblateError, match="no in-domain reference set for multiple_choice"):
        resolve("multiple_choice", "in-domain")
    assert resolve("span_qa", "none") is None


def test_gated_flores_plus_says_how_to_get_it(monkeypatch):
    """On the Hub path a failed FLORES+ load names access, local files and the in-domain option."""
    import ablate.data.load as load
    from ablate.data.hub import hub_error
    from ablate.mt.references import load_references, resolve

    def refuse(hub_id, config, split, revision):
        raise hub_error("dataset", f"{hub_id} ({config}, split {split})", OSError("401 gated repo"))

    monkeypatch.setattr(load, "_load_hub", refuse)
    cfg = resolve_config(None, overrides={"data": "hub"})
    with pytest.raises(AblateError) as e:
        load_references(resolve("span_qa", "flores_plus"), ["de"], 16, cfg)
    text = str(e.value)
    assert "\n" not in text
    for needle in ("gated", "accept its terms", "--data-dir", "mt.reference=in-domain", "eng_Latn"):
        assert needle in text, needle


def test_cli_refuses_xquad_references_before_anything(cli, tmp_path):
    r = cli("run", "mt-translate", "--task", "squad", "--targets", "xquad", "--langs", "de", "--preset", "smoke",
            "--set", "mt.reference=xquad", "-o", str(tmp_path / "o"), "-q")
    assert r.code == 2 and "evaluated as test" in " ".join(r.err.split()) and "Traceback" not in r.err
    assert not (tmp_path / "o").exists()


def test_squad_to_xquad_mt_run_gates_on_flores_plus(cli, tmp_path):
    """The issue's reproduction (a KeyError 'validation' traceback on main) now runs, and the
    reference set and split are in the signature, the phase tags and its data card."""
    from mlflow import MlflowClient

    out = tmp_path / "o"
    r = cli("run", "mt-translate", "--task", "squad", "--targets", "xquad", "--langs", "de", "--preset", "smoke",
            "--seeds", "1", "-o", str(out), "-q")
    assert r.code == 0, r.err
    c = MlflowClient(f"sqlite:///{out / 'mlflow.db'}")
    runs = c.search_runs([c.get_experiment_by_name("ablate").experiment_id])
    by_name = {x.info.run_name: x for x in runs}
    parent = by_name["mt-translate:squad seed=1"]
    assert "|mt_ref:flores_plus.dev|" in parent.data.tags["signature"]
    tr = by_name["translate:squad"]
    assert tr.data.tags["mt.reference"] == "flores_plus.dev" and 0 <= tr.data.metrics["mt.de.chrf"] <= 100
    card = Path(c.download_artifacts(tr.info.run_id, "card.md")).read_text()
    assert "flores_plus.dev (`openlanguagedata/flores_plus`, split `dev`" in card
    for phase in ("intermediate:squad", "finetune:xquad"):  # selection dropped XQuAD's paragraphs
        assert by_name[phase].data.metrics["selection.excluded_test_questions"] == 8
        assert "XQuAD.en" in by_name[phase].data.tags["selection.rules"]


def test_preflight_checks_the_reference_set_and_the_excluded_test_contexts(monkeypatch):
    """Offline with Hub data, preflight looks for FLORES+ (with its access hint) and for XQuAD.en
    (SQuAD selection needs its contexts) before any run is opened."""
    import ablate.preflight as pf
    from ablate.mt.references import FLORES_PLUS_HINT
    from ablate.recipes import load

    cfg = resolve_config("smoke", overrides={"data": "hub", "task": "squad", "targets": ["xquad"],
                                             "mt": {"langs": ["de"]}})
    checked = []
    monkeypatch.setattr(pf, "_check_hub_dataset", lambda *a: checked.append(a[:4]))
    pf.preflight(load("mt-translate").plan(cfg), cfg, offline=True)
    assert ("openlanguagedata/flores_plus", "eng_Latn", None, FLORES_PLUS_HINT) in checked
    assert ("google/xtreme", "XQuAD.en", None, "") in checked
