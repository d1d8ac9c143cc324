"""MT quality gate: chrF and BLEU of machine translations against human references.

    python -c "from ablate.mt.quality import score; print(score(['Das ist gut.'], ['Das ist gut.'], 'de'))"

References are human translations of English source sentences that no target task evaluates as
test: FLORES+ dev by default, XNLI or MLQA validation in-domain (`ablate.mt.references` loads
them). chrF (chrF2) is the
gate metric (robust for every script); BLEU is reported too with sacrebleu's tokenizer for the
target language (`trg_lang` rules: zh → zh, ja → ja-mecab, ko → ko-mecab), falling back to
`char` when the MeCab extras (`pip install "sacrebleu[ja,ko]"`) are missing and for Thai/Burmese (no
spaces). Both carry sacrebleu's signature. A missing reference set is a skipped result with a
warning — never an exception.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from collections.abc import Callable, Sequence

from ablate.errors import AblateError

NO_SPACE_BLEU = ("th", "my")  # sacrebleu has no tokenizer for these; use characters


@dataclass(frozen=True)
class QualityResult:
    """Scores of one language (or why there are none)."""

    lang: str
    status: str  # "ok" | "skipped"
    n: int = 0  # segments scored
    chrf: float | None = None
    bleu: float | None = None
    chrf_signature: str = ""
    bleu_signature: str = ""
    reference: str = ""  # name of the reference set, e.g. "xnli.validation"
    message: str = ""

    def as_dict(self) -> dict:
        return {f"quality_{k}": v for k, v in asdict(self).items() if k != "lang"}


def bleu_tokenizer(lang: str) -> str:
    """The BLEU tokenizer sacrebleu would pick for `lang`, or `char` where it is unusable here."""
    from sacrebleu.metrics import BLEU

    name = BLEU._TOKENIZER_MAP.get(lang, BLEU.TOKENIZER_DEFAULT)
    if lang in NO_SPACE_BLEU:
        return "char"
    if name.endswith("-mecab"):
        try:
            BLEU(tokenize=name)
        except (ImportError, RuntimeError, OSError):
            return "char"
    return name


def score(hypotheses: Sequence[str], references: Sequence[str], lang: str,
          reference_name: str = "") -> QualityResult:
    """Corpus chrF and BLEU of `hypotheses` against one reference each (same order)."""
    from sacrebleu.metrics import BLEU, CHRF

    if len(hypotheses) != len(references):
        raise AblateError(f"Quality check for '{lang}': {len(hypotheses)} translations but "
                          f"{len(references)} references.")
    if not hypotheses:
        return skipped(lang, "the reference set is empty", reference_name)
    chrf, bleu = CHRF(), BLEU(trg_lang=lang, tokenize=bleu_tokenizer(lang))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "consider using the zh tokenizer…" — we already did
        c = chrf.corpus_score(list(hypotheses), [list(references)])
        b = bleu.corpus_score(list(hypotheses), [list(references)])
    return QualityResult(lang=lang, status="ok", n=len(hypotheses), chrf=c.score,
                         bleu=b.score, chrf_signature=str(chrf.get_signature()),
                         bleu_signature=str(bleu.get_signature()), reference=reference_name)


def skipped(lang: str, why: str, reference_name: str = "") -> QualityResult:
    """A skipped gate (with a warning) for `lang`."""
    message = f"MT quality gate skipped for '{lang}': {why}."
    warnings.warn(message, stacklevel=2)
    return QualityResult(lang=lang, status="skipped", reference=reference_name, message=message)


def check(translate: Callable[[list[str], str], list[str]], lang: str,
          references: dict[str, tuple[Sequence[str], Sequence[str]]] | None,
          min_chrf: float | None = None, reference_name: str = "") -> QualityResult:
    """Translate the English side of `references[lang]`, score it, apply `min_chrf`.

    `references` maps a language to (english_sources, human_translations); a language without
    one gives a skipped result. `translate(texts, lang)` is e.g. `MTEngine.translate_texts`.
    """
    if not references or lang not in references:
        return skipped(lang, "no reference translations for this language", reference_name)
    sources, refs = references[lang]
    if not sources:
        return skipped(lang, "the reference set is empty", reference_name)
    result = score(translate(list(sources), lang), refs, lang, reference_name)
    gate(result, min_chrf)
    return result


def gate(result: QualityResult, min_chrf: float | None) -> None:
    """Raise AblateError when a scored result is below `min_chrf` (skipped results pass)."""
    if min_chrf is None or result.status != "ok":
        return
    if result.chrf < min_chrf:
        raise AblateError(
            f"MT quality for '{result.lang}' is below the threshold: chrF {result.chrf:.2f} < "
            f"--min-chrf {min_chrf:g} (on {result.n} sentences of "
            f"{result.reference or 'the reference set'}; "
            f"{result.chrf_signature}). Refusing to train on these translations: choose a better "
            "MT model for this language or lower --min-chrf."
        )
