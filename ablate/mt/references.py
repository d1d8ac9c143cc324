"""Reference sets of the MT quality gate: human translations of English text, never test data.

    python -c "from ablate.mt.references import resolve; print(resolve('span_qa', 'flores_plus'))"

The gate scores the MT model on English sentences whose human translations are known. Its
default is FLORES+ `dev` (general domain: Wikinews, Wikijunior, Wikivoyage; one config per
language; covers every XTREME language). The in-domain options read only splits that ablate
never reports as test: XNLI `validation` premises (NLI data) and MLQA `validation` questions
(QA data). XQuAD is refused: its single split is XTREME's test set.

Planning resolves the choice (`resolve`, pure: no data loaded) so the reference set and its split
are in the run's signature; the translate phase loads the texts (`load_references`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ablate.errors import AblateError, unknown
from ablate.tasks.spec import Source

if TYPE_CHECKING:
    from ablate.config import RunConfig

FLORES_PLUS_HINT = (
    "FLORES+ is gated on the Hugging Face Hub: accept its terms at "
    "https://huggingface.co/datasets/openlanguagedata/flores_plus and log in (`hf auth login` or "
    "HF_TOKEN); or put its files under --data-dir "
    "(openlanguagedata__flores_plus/<config>/dev.parquet, e.g. deu_Latn); or use in-domain "
    "references (--set mt.reference=in-domain) or none (--set mt.reference=none)."
)


@dataclass(frozen=True)
class ReferenceSet:
    """Where the English side and each language's human translation of one reference set live."""

    name: str
    source: Source  # the English side; `for_lang` gives the other languages
    text_column: str
    languages: tuple[str, ...]
    domain: str
    key_column: str | None = None  # joins English and translation; None = row position

    @property
    def label(self) -> str:
        """`<set>.<split>`: what the signature and the data card record."""
        return f"{self.name}.{self.source.split}"

    def for_lang(self, lang: str) -> Source:
        if self.name == "flores_plus":
            return replace(self.source, config=flores_plus_config(lang))
        return self.source.for_lang(lang)


def flores_plus_config(lang: str) -> str:
    from ablate.languages import FLORES_PLUS_CODES

    return FLORES_PLUS_CODES[lang]


def _sets() -> dict[str, ReferenceSet]:
    from ablate import languages as L
    from ablate.tasks import get_task

    return {
        "flores_plus": ReferenceSet(
            "flores_plus",
            Source("openlanguagedata/flores_plus", "eng_Latn", "dev", {"text": "text"}, id_column="id",
                   parallel=True, hint=FLORES_PLUS_HINT),
            "text", ("en", *L.NON_ENGLISH), "general (Wikinews, Wikijunior, Wikivoyage)", "id"),
        "xnli": ReferenceSet("xnli", get_task("xnli").evaluation["validation"], "text_a", L.XNLI,
                             "NLI (XNLI validation premises)"),
        "mlqa": ReferenceSet("mlqa", get_task("mlqa").evaluation["validation"], "question", L.MLQA,
                             "QA (MLQA validation questions)", "id"),
    }


IN_DOMAIN = {"classification": "xnli", "span_qa": "mlqa"}  # task format -> in-domain set
CHOICES = ("flores_plus", "in-domain", "xnli", "mlqa", "none")
REFUSED = {  # sets a user may expect, and why the gate never reads them
    "xquad": "XQuAD's only split is evaluated as test (XTREME); the gate never reads a target "
             "task's test split. Use mlqa (MLQA validation questions) or flores_plus.",
}


def resolve(fmt: str, choice: str) -> ReferenceSet | None:
    """The reference set for data of format `fmt` under the `mt.reference` setting (None: none)."""
    if choice in REFUSED:
        raise AblateError(f"mt.reference '{choice}' is not allowed: {REFUSED[choice]}")
    if choice not in CHOICES:
        raise unknown("mt.reference", choice, CHOICES)
    if choice == "none":
        return None
    if choice == "in-domain":
        if fmt not in IN_DOMAIN:
            raise AblateError(f"mt.reference 'in-domain': there is no in-domain reference set for {fmt} "
                              f"data (there is for {', '.join(IN_DOMAIN)}); use flores_plus or none.")
        choice = IN_DOMAIN[fmt]
    return _sets()[choice]


def label(fmt: str, choice: str) -> str:
    """The signature value: `flores_plus.dev`, `xnli.validation`, `mlqa.validation` or `none`."""
    found = resolve(fmt, choice)
    return found.label if found else "none"


def load_references(ref: ReferenceSet, langs: list[str], size: int, cfg: "RunConfig"
                    ) -> dict[str, tuple[list[str], list[str]]]:
    """{lang: (English sentences, human translations)}, the first `size` shared keys; languages
    the set does not cover are left out (the gate reports them as skipped)."""
    english = _texts(ref, "en", cfg)
    out = {}
    for lang in langs:
        if lang not in ref.languages:
            continue
        other = _texts(ref, lang, cfg)
        shared = [k for k in english if k in other][:size]
        out[lang] = ([english[k] for k in shared], [other[k] for k in shared])
    return out


def _texts(ref: ReferenceSet, lang: str, cfg: "RunConfig") -> dict[str, str]:
    from ablate.cards import check_features, find_card
    from ablate.data.load import load_raw

    src = ref.for_lang(lang)
    raw = load_raw(src, cfg)
    column = src.columns.get(ref.text_column, ref.text_column)
    needed = [c for c, _ in src.where] + [column] + ([ref.key_column] if ref.key_column else [])
    missing = [c for c in needed if c not in raw.column_names]
    if missing:
        raise AblateError(f"MT references {src.describe()}: columns {missing} are missing; it has "
                          f"{raw.column_names} (see the data card).")
    check_features(find_card(src.hub_id, src.config), raw.features, columns=[column])
    rows = raw.to_list()
    for c, v in src.where:  # XNLI: one config, the language is a column
        rows = [r for r in rows if r[c] == v]
    if ref.key_column is None:  # parallel by position among the language's rows
        return {str(i): r[column] for i, r in enumerate(rows)}
    return {str(r[ref.key_column]): r[column] for r in rows}
