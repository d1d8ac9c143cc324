"""The MLM corpus (local text, fixtures, Hub) and the `mlm` settings: languages, budget, keys and
every bad input with its one-line message."""

from __future__ import annotations

import pytest

from ablate.config import resolve
from ablate.errors import AblateError
from ablate.mlm import corpus
from ablate.mlm.settings import resolve_langs


def _cfg(**mlm):
    return resolve("smoke", None, {"recipe": "stilts-mlm", "task": "mnli", "targets": "xnli", "mlm": mlm})


def _text_dir(tmp_path, texts):
    root = tmp_path / "text"
    root.mkdir()
    for lang, lines in texts.items():
        (root / f"{lang}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_languages_by_target_or_codes():
    from ablate import languages

    assert resolve_langs("xnli") == list(languages.XNLI) and len(resolve_langs("xnli")) == 15
    assert resolve_langs("de, sw") == ["de", "sw"] and resolve_langs(["fr"]) == ["fr"]
    assert _cfg(langs="pawsx").mlm["langs"] == "pawsx"
    assert _cfg(langs="de,fr").mlm["langs"] == ["de", "fr"]


@pytest.mark.parametrize("mlm, message", [
    ({"langs": "de,xz"}, "Unknown MLM language (or target task) 'xz'"),
    ({"langs": "xnlii"}, "Did you mean 'xnli'?"),
    ({"langs": "de,de"}, "lists a language twice"),
    ({"ratio": 1.0}, "strictly between 0 and 1"),
    ({"ratio": 0}, "strictly between 0 and 1"),
    ({"ratio": -0.2}, "strictly between 0 and 1"),
    ({"alpha": 1.5}, "mlm.alpha must be in [0, 1]"),
    ({"budget": 0}, "mlm.budget must be a whole number >= 1"),
    ({"config": "20231101"}, "must contain '{lang}'"),
])
def test_bad_settings_are_refused(mlm, message):
    with pytest.raises(AblateError) as e:
        _cfg(**mlm)
    assert message in str(e.value)


def test_unknown_mlm_setting_gets_did_you_mean():
    with pytest.raises(AblateError, match="Did you mean 'ratio'"):
        _cfg(ration=0.5)


def test_local_text_directory(tmp_path):
    root = _text_dir(tmp_path, {"de": ["eins zwei drei", "", "vier fünf"], "sw": ["moja mbili", "tatu"]})
    cfg = _cfg(corpus=str(root), langs="de,sw")
    srcs = corpus.sources(cfg, ["de", "sw"])
    assert {s.kind for s in srcs.values()} == {"text"}
    assert list(corpus.lines(srcs["de"])) == ["eins zwei drei", "vier fünf"]  # blank lines dropped
    assert corpus.sizes(srcs) == {lang: (root / f"{lang}.txt").stat().st_size for lang in ("de", "sw")}


def test_an_mlm_language_without_text_is_refused(tmp_path):
    root = _text_dir(tmp_path, {"de": ["eins zwei"], "sw": ["   ", ""]})
    cfg = _cfg(corpus=str(root), langs="de,sw,fr")
    with pytest.raises(AblateError) as e:
        corpus.sources(cfg, ["de", "sw"])
    assert "MLM language 'sw' has no text" in str(e.value) and "sw.txt" in str(e.value)
    with pytest.raises(AblateError, match="MLM language 'fr' has no text.*text files in .*: de, sw"):
        corpus.sources(cfg, ["de", "fr"])


def test_read_holds_out_the_first_lines_then_fills_the_budget(tmp_path):
    root = _text_dir(tmp_path, {"de": [f"w{i} x{i} y{i}" for i in range(10)]})
    src = corpus.sources(_cfg(corpus=str(root), langs="de"), ["de"])["de"]
    encode = lambda text: [len(w) for w in text.split()]  # 3 "tokens" per line
    heldout, train = corpus.read(src, encode, heldout_tokens=5, train_tokens=7)
    assert len(heldout) == 2 and len(train) == 3  # whole lines: 6 >= 5 held out, 9 >= 7 trained
    with pytest.raises(AblateError, match="MLM language 'de' has no training text"):
        corpus.read(src, encode, heldout_tokens=100, train_tokens=7)


def test_fixture_corpus_covers_every_xtreme_language_with_differing_sizes():
    from ablate import languages

    cfg = _cfg(langs=",".join(languages.ALL_XTREME))
    srcs = corpus.sources(cfg, list(languages.ALL_XTREME))
    assert {s.kind for s in srcs.values()} == {"dataset"}
    sizes = corpus.sizes(srcs)
    assert len(set(sizes.values())) > 20
    first = next(corpus.lines(srcs["hi"]))
    assert first and not first.isascii()  # the language's own script


def test_unreachable_hub_corpus_names_local_files(monkeypatch):
    """Offline (as in every test), a Hub id that is not in the fixtures fails at once with a message
    that names the local alternative."""
    cfg = _cfg(corpus="nosuch-org/nosuch-corpus", langs="de,sw")
    with pytest.raises(AblateError) as e:  # planning refuses it (the smoke preset is offline)
        from ablate.recipes import load

        load("stilts-mlm").plan(cfg)
    for text in ("MLM corpus 'nosuch-org/nosuch-corpus'", "cannot be reached", "--mlm-corpus /path/to/dir",
                 "de.txt, sw.txt"):
        assert text in str(e.value)
    src = corpus.sources(cfg, ["de"])["de"]
    assert src.kind == "hub"
    with pytest.raises(AblateError, match="cannot be reached on the Hugging Face Hub.*de.txt"):
        next(corpus.lines(src))  # reading it (HF_HUB_OFFLINE=1 in tests)
    with pytest.raises(AblateError, match="cannot be reached on the Hugging Face Hub"):
        corpus.sizes({"de": src})


def test_key_changes_with_the_local_text_and_the_mlm_settings(tmp_path):
    from ablate.keys import KeyMaker
    from ablate.recipes import load

    root = _text_dir(tmp_path, {"de": ["eins zwei drei"], "sw": ["moja mbili tatu"]})

    def key(**mlm):
        cfg = _cfg(corpus=str(root), langs="de,sw", **mlm)
        plan = load("stilts-mlm").plan(cfg)
        return KeyMaker(cfg).plan_keys(plan, 1)["intermediate-mlm:mnli"]

    base, parts = key()
    assert key()[0] == base
    for change in ({"alpha": 0.5}, {"budget": 123}, {"ratio": 0.3}, {"heldout_sequences": 3}):
        assert key(**change)[0] != base, change
    (root / "sw.txt").write_text("moja mbili nne\n", encoding="utf-8")
    changed, changed_parts = key()
    assert changed != base and changed_parts["data"] != parts["data"] and changed_parts["settings"] == parts["settings"]


def test_preflight_refuses_a_hub_corpus_when_offline_and_accepts_local_text(tmp_path):
    from ablate.mlm.planning import intermediate, preflight

    online = resolve("paper", None, {"task": "mnli", "mlm": {"langs": "de,sw"}})  # plans without the Hub
    phase = intermediate(online, "mnli")
    with pytest.raises(AblateError, match="cannot be reached.*working offline.*de.txt, sw.txt"):
        preflight(online, phase, offline=True)
    root = _text_dir(tmp_path, {"de": ["eins zwei"], "sw": ["moja mbili"]})
    local = resolve("paper", None, {"task": "mnli", "mlm": {"langs": "de,sw", "corpus": str(root)}})
    preflight(local, intermediate(local, "mnli"), offline=True)  # nothing remote: passes
