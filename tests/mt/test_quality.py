"""Quality gate: scores equal sacrebleu's own, signatures, threshold, missing references."""

from __future__ import annotations

import pytest
from sacrebleu.metrics import BLEU, CHRF

from ablate.errors import AblateError
from ablate.mt.quality import bleu_tokenizer, check, gate, score

HYPS = ["Die Katze sitzt auf der Matte.", "Er las gestern ein Buch.", "Es regnet heute."]
REFS = ["Die Katze saß auf der Matte.", "Gestern las er ein Buch.", "Heute regnet es."]


def test_scores_equal_sacrebleu_corpus_score():
    res = score(HYPS, REFS, "de", "xnli.validation")
    assert res.status == "ok" and res.n == 3 and res.reference == "xnli.validation"
    assert res.chrf == pytest.approx(CHRF().corpus_score(HYPS, [REFS]).score)
    assert res.bleu == pytest.approx(BLEU().corpus_score(HYPS, [REFS]).score)
    assert res.chrf_signature.startswith("nrefs:1|case:mixed|eff:yes|nc:6|nw:0")
    assert "tok:13a" in res.bleu_signature and "version:" in res.bleu_signature
    perfect = score(REFS, REFS, "de")
    assert perfect.chrf == pytest.approx(100) and perfect.bleu == pytest.approx(100)


def test_bleu_tokenizer_per_target_language():
    assert bleu_tokenizer("zh") == "zh" and bleu_tokenizer("de") == "13a"
    assert bleu_tokenizer("th") == "char"
    assert bleu_tokenizer("ja") in ("ja-mecab", "char")  # char when sacrebleu[ja] is missing
    zh = score(["猫坐在垫子上。"], ["猫坐在垫子上。"], "zh")
    assert "tok:zh" in zh.bleu_signature and zh.bleu == pytest.approx(100)
    ref = BLEU(tokenize="zh").corpus_score(["猫坐在垫子上"], [["猫在垫子上"]]).score
    assert score(["猫坐在垫子上"], ["猫在垫子上"], "zh").bleu == pytest.approx(ref)


def test_min_chrf_gate_raises_with_score_and_threshold():
    res = score(HYPS, REFS, "de")
    gate(res, min_chrf=res.chrf - 1)  # passes
    gate(res, None)
    with pytest.raises(AblateError, match=rf"chrF {res.chrf:.2f} < --min-chrf 99"):
        gate(res, 99)


def test_missing_references_give_a_skipped_result_not_a_crash():
    with pytest.warns(UserWarning, match="skipped for 'sw'"):
        res = check(lambda texts, lang: texts, "sw", {"de": (["a"], ["a"])}, min_chrf=50)
    assert res.status == "skipped" and res.chrf is None
    gate(res, 50)  # a skipped gate never refuses
    with pytest.warns(UserWarning):
        assert check(lambda t, l: t, "de", None).status == "skipped"
    with pytest.warns(UserWarning, match="empty"):
        assert check(lambda t, l: t, "de", {"de": ([], [])}).status == "skipped"


def test_check_translates_sources_and_gates():
    refs = {"de": (["a cat", "a dog"], ["A CAT", "A DOG"])}
    ok = check(lambda texts, lang: [t.upper() for t in texts], "de", refs, min_chrf=90)
    assert ok.chrf == pytest.approx(100)
    with pytest.raises(AblateError, match="below the threshold"):
        check(lambda texts, lang: ["zzz" for _ in texts], "de", refs, min_chrf=20)
    with pytest.raises(AblateError, match="2 translations but 1 references"):
        score(["a", "b"], ["a"], "de")
