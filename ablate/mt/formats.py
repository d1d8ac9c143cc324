"""Translating task records (plain dicts in the exact Hub schemas) into one language.

    python -c "from ablate.mt.formats import default_fields as d; print(d('classification', {'premise': '', 'hypothesis': '', 'label': 0, 'idx': 0}))"

Formats: `classification` (both sentences of a pair), `multiple_choice` (context, question, each
choice), `span_qa` (context, question, answers kept aligned — see spans.py). `tagging` is refused:
one label per token cannot follow MT without word alignment. All strings of all records go to
the engine in one call, so identical strings (MNLI premises, repeated choices, answers) are
translated once and the whole set is one resumable cache entry.

Field paths name the strings to translate: `premise`, `endings[]` (each element of a list),
`choices.text[]` (a list inside a dict). Everything else is copied unchanged.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field

from ablate.errors import AblateError, unknown
from ablate.mt import segment, spans

FORMATS = ("classification", "multiple_choice", "span_qa")
REFUSED = {
    "tagging": "tagging tasks (UD-POS, PAN-X, CCG) cannot be machine-translated: one label per "
    "token cannot follow MT without word alignment. Translate a classification, multiple-choice "
    "or span-QA task instead.",
    "retrieval": "retrieval tasks are evaluation-only and are never translated.",
}

# Known Hub schemas → fields to translate (data_cards/); detected from a record's keys.
KNOWN_FIELDS = (
    ({"premise", "hypothesis"}, ("premise", "hypothesis")),  # MNLI, SNLI, ANLI
    ({"question1", "question2"}, ("question1", "question2")),  # QQP
    ({"sentence1", "sentence2"}, ("sentence1", "sentence2")),  # PAWS-X, XNLI (google/xtreme)
    ({"ctx", "endings"}, ("ctx_a", "ctx_b", "ctx", "endings[]")),  # HellaSwag
    ({"question", "choices"}, ("question", "choices.text[]")),  # CommonsenseQA
    ({"context", "question", "answer0"}, ("context", "question", "answer0", "answer1",
                                          "answer2", "answer3")),  # Cosmos QA
    ({"premise", "choice1", "choice2"}, ("premise", "choice1", "choice2")),  # XCOPA
)


def default_fields(fmt: str, record: dict) -> tuple[str, ...]:
    """Fields to translate for a record of a known Hub schema; AblateError if unknown."""
    if fmt == "span_qa":
        return ("context", "question", "answers")
    for keys, fields in KNOWN_FIELDS:
        if keys <= set(record):
            return tuple(f for f in fields if f.split(".")[0].removesuffix("[]") in record)
    raise AblateError(f"Do not know which fields of a {fmt} record to translate (keys: "
                      f"{', '.join(sorted(record))}); pass fields=('field', 'list_field[]', ...).")


@dataclass
class TranslatedRecords:
    """Translated records of one language plus what happened to them."""

    lang: str
    fmt: str
    records: list[dict]  # same schema as the input; dropped span-QA examples are left out
    kept: int
    dropped: int
    drop_reasons: dict[str, int] = field(default_factory=dict)
    recovered_by: dict[str, int] = field(default_factory=dict)  # span QA: markers / answer_search
    stats: dict = field(default_factory=dict)  # EngineStats.as_dict()
    quality: object | None = None  # ablate.mt.quality.QualityResult when a gate ran
    signature: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict:
        """Flat numbers for logging and the data card."""
        out = {"lang": self.lang, "kept": self.kept, "dropped": self.dropped,
               **{f"dropped_{k}": v for k, v in self.drop_reasons.items()},
               **{f"recovered_by_{k}": v for k, v in self.recovered_by.items()}, **self.stats}
        if self.quality is not None:
            out.update(self.quality.as_dict())
        return out


# -- field paths -------------------------------------------------------------------------------

def _get(record: dict, path: str):
    node = record
    for part in path.removesuffix("[]").split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _set(record: dict, path: str, value) -> None:
    parts = path.removesuffix("[]").split(".")
    node = record
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = value


def _strings(record: dict, path: str) -> list[str] | None:
    """The strings at `path` (a list for `[]` paths, one string otherwise), None if absent."""
    value = _get(record, path)
    if path.endswith("[]"):
        return list(value) if isinstance(value, list) and all(isinstance(v, str) for v in value) \
            else None
    return [value] if isinstance(value, str) else None


# -- the translation ---------------------------------------------------------------------------

class _Pool:
    """Collects segments to translate and hands out their translations by index."""

    def __init__(self):
        self.segments: list[str] = []
        self.out: list[str] = []

    def add(self, text: str) -> int:
        self.segments.append(text)
        return len(self.segments) - 1

    def add_text(self, text: str, split_chars: int) -> list[int]:
        return [self.add(s) for s in segment.split(text, split_chars)]

    def get(self, i: int) -> str:
        return self.out[i]


def translate_records(records: list[dict], fmt: str, lang: str, engine,
                      fields: tuple[str, ...] | None = None) -> TranslatedRecords:
    """Translate `records` of format `fmt` into `lang` with `engine` (an MTEngine).

    Returns new records in the input schema (inputs are not modified) with kept/dropped counts;
    only span QA drops examples (answer not recoverable). `fields` overrides the detected fields
    (for span QA: names of the context, question and answers columns).
    """
    if fmt in REFUSED:
        raise AblateError(f"Cannot translate format '{fmt}': {REFUSED[fmt]}")
    if fmt not in FORMATS:
        raise unknown("task format", fmt, FORMATS + tuple(REFUSED))
    if not records:
        raise AblateError(f"Nothing to translate into '{lang}': the record list is empty.")
    fields = tuple(fields) if fields else default_fields(fmt, records[0])
    pool = _Pool()
    split_chars = engine.settings.split_chars
    if fmt == "span_qa":
        plans = [_plan_qa(r, fields, pool) for r in records]
    else:
        plans = [_plan_fields(r, fields, pool, split_chars) for r in records]
    pool.out = engine.translate_segments(pool.segments, lang)
    join = segment.joiner(lang)
    reasons, recovered = Counter(), Counter()
    out = []
    for record, plan in zip(records, plans):
        if fmt == "span_qa":
            new = _finish_qa(record, fields, plan, pool, join, reasons, recovered)
        else:
            new = _finish_fields(record, plan, pool, join)
        if new is not None:
            out.append(new)
    stats = engine.last.as_dict()
    stats["texts"] = len(records)
    return TranslatedRecords(lang=lang, fmt=fmt, records=out, kept=len(out),
                             dropped=len(records) - len(out), drop_reasons=dict(reasons),
                             recovered_by=dict(recovered), stats=stats,
                             signature=engine.signature())


def _plan_fields(record, fields, pool, split_chars):
    plan = {}
    for path in fields:
        strings = _strings(record, path)
        if strings is not None:
            plan[path] = [pool.add_text(s, split_chars) for s in strings]
    return plan


def _finish_fields(record, plan, pool, join):
    new = copy.deepcopy(record)
    for path, items in plan.items():
        texts = [join.join(pool.get(i) for i in idx) for idx in items]
        _set(new, path, texts if path.endswith("[]") else texts[0])
    return new


def _plan_qa(record, fields, pool):
    """Segments of one QA example: context sentences (answer sentence marked), question, answers."""
    ctx_key, q_key, ans_key = fields
    context, answers = record[ctx_key], record[ans_key]
    plan = {"question": pool.add_text(record[q_key], 0), "answers": [], "marked": None}
    texts, starts = list(answers.get("text", [])), list(answers.get("answer_start", []))
    sents = segment.sentence_spans(context) or [(0, len(context))]
    if texts:
        start = int(starts[0])
        end = start + len(texts[0])
        if context[start:end] != texts[0]:  # bad offset in the source data: find the text
            found = context.find(texts[0])
            start, end = (found, found + len(texts[0])) if found >= 0 else (-1, -1)
        if start >= 0:
            # merge the sentences the answer touches, so the markers land in one segment
            inside = [k for k, (s, e) in enumerate(sents) if s < end and e > start]
            if inside:
                a, b = inside[0], inside[-1]
                sents = sents[:a] + [(sents[a][0], sents[b][1])] + sents[b + 1:]
                k = a
                markers = spans.choose_markers(context[sents[k][0]:sents[k][1]])
                if markers is not None:
                    plan["marked"] = (k, markers)
        plan["answers"] = [pool.add(t) for t in texts]
        plan["bad_source"] = start < 0
    ctx_ids = []
    for k, (s, e) in enumerate(sents):
        text = context[s:e]
        if plan["marked"] and plan["marked"][0] == k:
            _, markers = plan["marked"]
            rel_start = start - s
            text = spans.mark(text, rel_start, rel_start + (end - start), markers)
        ctx_ids.append(pool.add(text))
    plan["context"] = ctx_ids
    return plan


def _finish_qa(record, fields, plan, pool, join, reasons, recovered):
    ctx_key, q_key, ans_key = fields
    parts = [pool.get(i) for i in plan["context"]]
    answers = record[ans_key]
    new = copy.deepcopy(record)
    new[q_key] = pool.get(plan["question"][0]) if len(plan["question"]) == 1 else \
        join.join(pool.get(i) for i in plan["question"])
    texts = list(answers.get("text", []))
    if not texts:  # unanswerable (SQuAD v2): nothing to align
        new[ctx_key] = join.join(parts)
        return new
    if plan.get("bad_source"):
        reasons["source_span_mismatch"] += 1
        return None
    first = None
    if plan["marked"] is not None:
        k, markers = plan["marked"]
        got = spans.recover(parts[k], markers)
        if got is not None:
            parts[k], rel, text = got
            first = (sum(len(p) + len(join) for p in parts[:k]) + rel, text)
            recovered["markers"] += 1
        else:
            parts[k] = spans.strip_markers(parts[k], markers)
    context = join.join(parts)
    answer_tr = [pool.get(i) for i in plan["answers"]]
    if first is None:
        pos = spans.locate(answer_tr[0], context)
        if pos is None:
            reasons["answer_not_found"] += 1
            return None
        first = (pos, context[pos:pos + len(answer_tr[0].strip())])
        recovered["answer_search"] += 1
    out_text, out_start = [first[1]], [first[0]]
    starts = list(answers.get("answer_start", []))
    for t, s, tr in zip(texts[1:], starts[1:], answer_tr[1:]):
        if t == texts[0] and int(s) == int(starts[0]):
            out_text.append(first[1])
            out_start.append(first[0])
            continue
        pos = spans.locate(tr, context)
        if pos is not None:  # secondary gold answers that cannot be found are left out
            out_text.append(context[pos:pos + len(tr.strip())])
            out_start.append(pos)
    new[ctx_key] = context
    new[ans_key] = {**answers, "text": out_text, "answer_start": out_start}
    return new
