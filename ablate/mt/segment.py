"""Sentence splitting of (English) source text and re-joining of translated sentences.

    python -c "from ablate.mt.segment import sentence_spans as s; print(s('Dr. Smith came. He sat.'))"

MT models translate sentences; long texts (SQuAD contexts, HellaSwag contexts) are split before
translation and their translations joined again. Splitting also lets identical sentences be
translated once across examples. The splitter is deliberately simple and multilingual-safe: it
splits after `.!?…` (plus closing quotes/brackets) followed by whitespace and a character that
is not a lowercase letter, unless the word before is a common abbreviation or a single letter,
and after CJK full stops `。！？` anywhere. It never changes the text: spans index the original.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st mt vs etc e.g i.e no vol fig inc ltd co corp dept gen gov col lt "
    "sgt capt rev est approx jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k a.m p.m"
    .split()
)
_LATIN_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s+[^\sa-z])")
_CJK_END = re.compile(r"[。！？]+[」』”’）)]*")
_WORD_BEFORE = re.compile(r"([\w.]+)$")

# Scripts written without spaces between sentences: translated sentences are joined with "".
NO_SPACE_LANGS = ("ja", "zh")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the sentences of `text`, whitespace between them excluded.

    Concatenating `text[s:e]` with the original gaps gives back `text`; an all-whitespace text
    gives [].
    """
    cuts = set()
    for match in _LATIN_END.finditer(text):
        word = _WORD_BEFORE.search(text, 0, match.start())
        token = word.group(1).lower() if word else ""
        if match.group().startswith(".") and (token in _ABBREVIATIONS or len(token) == 1
                                              or re.fullmatch(r"(\w\.)+\w", token)):
            continue
        cuts.add(match.end())
    for match in _CJK_END.finditer(text):
        cuts.add(match.end())
    spans, start = [], 0
    for cut in sorted(cuts) + [len(text)]:
        piece = text[start:cut]
        lead = len(piece) - len(piece.lstrip())
        body = piece.strip()
        if body:
            spans.append((start + lead, start + lead + len(body)))
        start = cut
    return spans


def split(text: str, max_chars: int = 0) -> list[str]:
    """The sentences of `text`, or [text] when it is at most `max_chars` long (0: always split)."""
    if max_chars and len(text) <= max_chars:
        return [text]
    spans = sentence_spans(text)
    return [text[s:e] for s, e in spans] if spans else [text]


def joiner(lang: str) -> str:
    """String placed between translated sentences in language `lang`."""
    return "" if lang in NO_SPACE_LANGS else " "
