"""An independent re-implementation of google-research/xtreme `evaluate.py`'s rules, for tests.

It reads an `ablate export xtreme` folder the way evaluate.py does and scores it without any of
ablate's metric code: seqeval (the installed 1.x) for tags, plus seqeval 0.0.12's chunk typing
re-written here, the SQuAD v1.1 and MLQA normalisation rules, set F1 for BUCC, accuracy.
"""

from __future__ import annotations

import json
import re
import string
import sys
import unicodedata
from collections import Counter
from pathlib import Path

from seqeval.metrics import f1_score as seqeval1_f1

QA = ("xquad", "mlqa", "tydiqa")


def _lines(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as f:  # file iteration, as evaluate.py reads
        return list(f)


def read_tag(path: Path) -> list[list[str]]:
    sentences, current = [], []
    for line in _lines(path):
        line = line.strip()
        if line:
            current.append(line)
        else:
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    return sentences


def read_label(path: Path) -> list[str]:
    return [line.strip() for line in _lines(path)]


def read_squad(path: Path):
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["data"] if "data" in data else data


# --- seqeval 0.0.12: the chunk type is the text after the last '-' (the whole tag if none) ----

def old_entities(sentences: list[list[str]]) -> set[tuple[str, int, int]]:
    seq = [tag for sentence in sentences for tag in sentence + ["O"]] + ["O"]
    found, prev_tag, prev_type, begin = set(), "O", "", 0
    for i, chunk in enumerate(seq):
        tag, type_ = chunk[0], chunk.split("-")[-1]
        ends = (prev_tag in "ES" or (prev_tag in "BI" and tag in "BSO")
                or (prev_tag not in "O." and prev_type != type_))
        starts = (tag in "BS" or (prev_tag in "ESO" and tag in "EI")
                  or (tag not in "O." and prev_type != type_))
        if ends:
            found.add((prev_type, begin, i - 1))
        if starts:
            begin = i
        prev_tag, prev_type = tag, type_
    return found


def old_seqeval_f1(gold, pred) -> float:
    g, p = old_entities(gold), old_entities(pred)
    correct = len(g & p)
    if not correct:
        return 0.0
    precision, recall = correct / len(p), correct / len(g)
    return 100 * 2 * precision * recall / (precision + recall)


# --- SQuAD v1.1 and MLQA ---------------------------------------------------------------------

MLQA_PUNCT = {chr(i) for i in range(sys.maxunicode) if unicodedata.category(chr(i)).startswith("P")} | set(
    string.punctuation)
MLQA_ARTICLES = {"en": r"\b(a|an|the)\b", "es": r"\b(un|una|unos|unas|el|la|los|las)\b",
                 "de": r"\b(ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des)\b",
                 "vi": r"\b(của|là|cái|chiếc|những)\b", "ar": r"\sال^|ال"}


def squad_normalize(text: str) -> str:
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def mlqa_tokens(text: str, lang: str) -> list[str]:
    text = "".join(ch for ch in text.lower() if ch not in MLQA_PUNCT)
    if lang in MLQA_ARTICLES:
        text = re.sub(MLQA_ARTICLES[lang], " ", text)
    if lang != "zh":
        return text.split()
    out, pending = [], ""
    for ch in text:
        if re.search(r"[\u4e00-\u9fa5]", ch) or ch in MLQA_PUNCT:
            out += pending.split() + [ch]
            pending = ""
        else:
            pending += ch
    return [t for t in out + pending.split() if t.strip()]


def qa_scores(labels, predictions: dict, lang: str | None) -> dict:
    tokens = (lambda s: mlqa_tokens(s, lang)) if lang else (lambda s: squad_normalize(s).split())
    em = f1 = total = 0
    for article in labels:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                total += 1
                if qa["id"] not in predictions:
                    continue
                pred = tokens(predictions[qa["id"]])
                best_em = best_f1 = 0.0
                for answer in qa["answers"]:
                    gold = tokens(answer["text"])
                    best_em = max(best_em, float(" ".join(pred) == " ".join(gold)))
                    same = sum((Counter(pred) & Counter(gold)).values())
                    if same:
                        p, r = same / len(pred), same / len(gold)
                        best_f1 = max(best_f1, 2 * p * r / (p + r))
                em += best_em
                f1 += best_f1
    return {"exact_match": 100 * em / total, "f1": 100 * f1 / total}


# --- one language, one task ------------------------------------------------------------------

def score(task: str, lang: str, predictions: Path, labels: Path) -> dict:
    """{metric: value ×100} for one task and language, as evaluate.py computes it."""
    if task in QA:
        return qa_scores(read_squad(labels), read_squad(predictions), lang if task == "mlqa" else None)
    if task in ("udpos", "panx"):
        gold, pred = read_tag(labels), read_tag(predictions)
        assert len(gold) == len(pred)
        out = {"f1_seqeval1": 100 * seqeval1_f1(gold, pred)}
        out["f1"] = old_seqeval_f1(gold, pred) if task == "udpos" else out["f1_seqeval1"]
        return out
    gold, pred = read_label(labels), read_label(predictions)
    if task == "bucc2018":
        g, p = {tuple(x.split("\t")) for x in gold}, {tuple(x.split("\t")) for x in pred}
        correct = len(g & p)
        if not correct:
            return {"f1": 0.0, "precision": 0.0, "recall": 0.0}
        precision, recall = correct / len(p), correct / len(g)
        return {"f1": 100 * 2 * precision * recall / (precision + recall),
                "precision": 100 * precision, "recall": 100 * recall}
    assert len(gold) == len(pred)
    return {"accuracy": 100 * sum(p == g for p, g in zip(pred, gold)) / len(pred)}


def task_metric(task: str, scores: dict) -> float:
    """evaluate.py's `avg_metric` ingredient of one language: (EM+F1)/2 for QA, else F1 or accuracy."""
    if task in QA:
        return (scores["exact_match"] + scores["f1"]) / 2
    return scores["f1"] if "f1" in scores else scores["accuracy"]
