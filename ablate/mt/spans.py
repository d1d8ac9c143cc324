"""Keeping span-QA answers aligned through MT: mark the answer, translate, recover it.

    python -c "from ablate.mt.spans import mark, recover; m = mark('He lives in Paris now.', 12, 17, ('[', ']')); print(m, recover(m, ('[', ']')))"

The answer span is wrapped in bracket markers before translation (MT systems tend to copy
brackets around the phrase they translate); after translation the markers give the new span
and are removed. When the markers are lost or garbled, the separately translated answer text is
searched in the translated context instead (`locate`); the caller drops the example otherwise.
"""

from __future__ import annotations

# Marker pairs, most MT-robust first; the first pair absent from the text is used.
MARKERS = (("[", "]"), ("«", "»"), ("{", "}"), ("【", "】"), ("⟦", "⟧"))


def choose_markers(text: str) -> tuple[str, str] | None:
    """The first marker pair whose characters do not occur in `text`, or None."""
    for pair in MARKERS:
        if pair[0] not in text and pair[1] not in text:
            return pair
    return None


def mark(text: str, start: int, end: int, markers: tuple[str, str]) -> str:
    """`text` with text[start:end] wrapped in the markers."""
    return f"{text[:start]}{markers[0]}{text[start:end]}{markers[1]}{text[end:]}"


def recover(translated: str, markers: tuple[str, str]) -> tuple[str, int, str] | None:
    """(clean text, answer start, answer text) from a marked translation, or None if unusable.

    Usable means exactly one opening and one closing marker, in that order, around non-blank text.
    Whitespace just inside the markers is dropped with them.
    """
    left, right = markers
    if translated.count(left) != 1 or translated.count(right) != 1:
        return None
    i, j = translated.index(left), translated.index(right)
    if j < i:
        return None
    answer = translated[i + 1:j].strip()
    if not answer:
        return None
    before, after = translated[:i], translated[j + 1:]
    return before + answer + after, len(before), answer


def strip_markers(translated: str, markers: tuple[str, str]) -> str:
    """`translated` with every marker character removed (and doubled spaces closed)."""
    out = translated.replace(markers[0], "").replace(markers[1], "")
    while "  " in out:
        out = out.replace("  ", " ")
    return out.strip()


def locate(answer: str, context: str) -> int | None:
    """Start of `answer` in `context`: exact match first, then case-insensitive; None if absent.

    Only used when it is unambiguous enough: the first occurrence is taken (as SQuAD's own
    answer_start convention does for duplicated answers).
    """
    answer = answer.strip()
    if not answer:
        return None
    pos = context.find(answer)
    if pos >= 0:
        return pos
    low_ctx, low_ans = context.casefold(), answer.casefold()
    if len(low_ctx) == len(context) and len(low_ans) == len(answer):  # offsets stay valid
        pos = low_ctx.find(low_ans)
        if pos >= 0:
            return pos
    return None
