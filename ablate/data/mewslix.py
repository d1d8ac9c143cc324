"""Mewsli-X from its distributed files: WikiNews mentions per language and the candidate entities.

Mewsli-X is distributed as files (google-research dense_representations_for_entity_retrieval/mel,
`get-mewsli-x.sh`), ~1M candidate entities in one JSONL. ablate reads, under `<data_dir>/mewslix/`:

- `candidate_set_entities.jsonl` (one Entity per line: entity_id, title, description,
  sentence_spans, description_language, description_url), and
- `wikinews_mentions-{dev,test}.jsonl` (one document per line: {context, mentions}), the original
  layout, or `wikinews_mentions/<lang>/{dev,test}.jsonl` (the `izhx/mewsli-x` Hub copy's layout);
- `wikipedia_pairs-{train,dev}.jsonl` (or the Hub copy's `wikipedia_pairs/{train,dev}.jsonl`; one
  MentionEntityPair per line: {contextual_mention: {context, mention}, entity}), English
  Wikipedia mentions with their entity: the dual-encoder
  fine-tune's training and selection pairs (XTREME-R's train_mewslix.sh). Nothing evaluated is
  in them (evaluation is WikiNews).

`--data fixtures` reads the shipped copy (same schema). Query and candidate texts follow XTREME-R's
baselines (third_party/utils_mewslix.py `preprocess_mention`, `preprocess_entity_description`):
a mention is its one sentence of context with the span wrapped in `{ }` (pre-existing braces in the
context become parentheses) and the mention text prepended with a colon; an entity is its
description's sentences joined by spaces; newlines and double spaces are normalised away.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ablate.errors import AblateError, MissingFiles
from ablate.fixtures import FIXTURES_DIR

SPLITS = {"validation": "dev", "test": "test"}  # ablate split -> Mewsli-X file split
PAIRS = ("wikipedia_pairs-train", "wikipedia_pairs-dev")  # training splits, named as their files
GUIDANCE = (
    "Mewsli-X is distributed as files: run get-mewsli-x.sh from github.com/google-research/"
    "google-research/tree/master/dense_representations_for_entity_retrieval/mel (or download the "
    "izhx/mewsli-x Hub copy and extract candidate_entities.jsonl.tar.gz) and put "
    "candidate_set_entities.jsonl and wikinews_mentions-{dev,test}.jsonl under DIR/mewslix/, then "
    "pass --data-dir DIR."
)
PAIRS_GUIDANCE = (
    "Mewsli-X's fine-tune trains on English Wikipedia mention-entity pairs: get-mewsli-x.sh (github.com/"
    "google-research/google-research/tree/master/dense_representations_for_entity_retrieval/mel) writes "
    "wikipedia_pairs-{train,dev}.jsonl beside candidate_set_entities.jsonl (the izhx/mewsli-x Hub copy has "
    "them as wikipedia_pairs/{train,dev}.jsonl.tar.gz: extract to DIR/mewslix/wikipedia_pairs/); put them "
    "under DIR/mewslix/ and pass --data-dir DIR, or score the encoder untuned with --set retrieval_finetune=false."
)
_BRACES = re.compile(r"\{(.*?)\}")


@dataclass(frozen=True)
class Mention:
    example_id: str
    query: str  # the preprocessed query text
    entity_id: str  # gold; "" when the file's labels were removed (XTREME's test copy)


def directory(cfg) -> Path:
    if cfg.data == "fixtures":
        return FIXTURES_DIR / "mewslix"
    if not cfg.data_dir:
        raise AblateError("Target 'mewslix' reads local files and no --data-dir was given. " + GUIDANCE)
    return Path(cfg.data_dir) / "mewslix"


def _entities_file(base: Path) -> Path:
    for name in ("candidate_set_entities.jsonl", "candidate_entities.jsonl"):
        if (base / name).is_file():
            return base / name
    raise MissingFiles("Mewsli-X", [base / "candidate_set_entities.jsonl"], GUIDANCE)


def _mentions_file(base: Path, split: str, lang: str) -> tuple[Path, bool]:
    """(file, holds every language) for a split's mentions of `lang`."""
    name = SPLITS[split]
    if (base / f"wikinews_mentions-{name}.jsonl").is_file():
        return base / f"wikinews_mentions-{name}.jsonl", True
    if (base / "wikinews_mentions" / lang / f"{name}.jsonl").is_file():
        return base / "wikinews_mentions" / lang / f"{name}.jsonl", False
    raise MissingFiles("Mewsli-X", [base / f"wikinews_mentions-{name}.jsonl"], GUIDANCE)


def _pairs_file(base: Path, split: str) -> Path:
    """`wikipedia_pairs-<train|dev>.jsonl` (the release), or the izhx/mewsli-x Hub copy's
    `wikipedia_pairs/<train|dev>.jsonl` (extracted from its .jsonl.tar.gz)."""
    for path in (base / f"{split}.jsonl", base / "wikipedia_pairs" / f"{split.rpartition('-')[2]}.jsonl"):
        if path.is_file():
            return path
    raise MissingFiles("Mewsli-X training pairs", [base / f"{split}.jsonl"], PAIRS_GUIDANCE)


def check_source(src, cfg) -> None:
    """Preflight hook (`ablate.data.load.LOCAL_FILES`): `src.config` is the language. Names the
    candidate file and the mention file when both are missing; a training split its pairs file."""
    base, missing = directory(cfg), []
    if src.split in PAIRS:
        _pairs_file(base, src.split)
        return
    for find, args in ((_entities_file, (base,)), (_mentions_file, (base, src.split, src.config))):
        try:
            find(*args)
        except MissingFiles as e:
            missing.append(e)
    if missing:
        raise MissingFiles.combined(missing)


def read_entities(cfg) -> tuple[list[str], list[str]]:
    """(entity ids, description texts) of the candidate set, in file order."""
    ids, texts = [], []
    for row in _jsonl(_entities_file(directory(cfg))):
        try:
            ids.append(row["entity_id"])
            texts.append(entity_text(row["description"], row["sentence_spans"]))
        except (KeyError, TypeError) as e:
            raise AblateError(f"A Mewsli-X entity lacks {e}; expected the Entity schema. " + GUIDANCE) from e
    return ids, texts


def read_mentions(cfg, split: str, lang: str) -> list[Mention]:
    """The mentions of `lang` in `split`, one per (document, mention), in file order."""
    path, mixed = _mentions_file(directory(cfg), split, lang)
    out = []
    for doc in _jsonl(path):
        try:
            context = doc["context"]
            if mixed and context["language"] != lang:
                continue
            spans = [(s["start"], s["end"]) for s in context["sentence_spans"]]
            for m in doc["mentions"]:
                span = m["mention_span"]
                out.append(Mention(m["example_id"], mention_query(context["text"], spans, span["start"],
                                                                  span["end"], span["text"]),
                                   m.get("entity_id", "")))
        except (KeyError, TypeError) as e:
            raise AblateError(f"{path}: a document lacks {e}; expected Mewsli-X's ContextualMentions "
                              "schema. " + GUIDANCE) from e
    return out


def read_pairs(cfg, split: str) -> dict[str, list[str]]:
    """The pairs of `split` (a `PAIRS` name) as columns example_id, query (the mention, marked up
    as for evaluation), candidate (the entity's description text) and entity_id, in file order."""
    path = _pairs_file(directory(cfg), split)
    out: dict[str, list[str]] = {"example_id": [], "query": [], "candidate": [], "entity_id": []}
    for pair in _jsonl(path):
        try:
            context, mention, entity = (pair["contextual_mention"]["context"], pair["contextual_mention"]["mention"],
                                        pair["entity"])
            spans = [(s["start"], s["end"]) for s in context["sentence_spans"]]
            span = mention["mention_span"]
            out["query"].append(mention_query(context["text"], spans, span["start"], span["end"], span["text"]))
            out["candidate"].append(entity_text(entity["description"], entity["sentence_spans"]))
            out["example_id"].append(mention["example_id"])
            out["entity_id"].append(entity["entity_id"])
        except (KeyError, TypeError) as e:
            raise AblateError(f"{path}: a pair lacks {e}; expected Mewsli-X's MentionEntityPair schema "
                              "({contextual_mention: {context, mention}, entity}). " + PAIRS_GUIDANCE) from e
    return out


def read_split(src, cfg) -> "datasets.Dataset":  # noqa: F821 (datasets is imported lazily)
    """`LOCAL_READERS` hook: the mentions of language `src.config` in `src.split`, one row each
    (example_id, query, entity_id); a `PAIRS` split's pairs (`read_pairs`)."""
    import datasets

    if src.split in PAIRS:
        return datasets.Dataset.from_dict(read_pairs(cfg, src.split))
    rows = read_mentions(cfg, src.split, src.config)
    return datasets.Dataset.from_dict({"example_id": [m.example_id for m in rows], "query": [m.query for m in rows],
                                       "entity_id": [m.entity_id for m in rows]})


def mention_query(text: str, spans, start: int, end: int, mention: str) -> str:
    """One sentence of context around the mention, marked up as XTREME-R's baseline does."""
    sentence = next(((s, e) for s, e in spans if s <= start < e and s < end <= e), None)
    if sentence is None:
        raise AblateError(f"Mewsli-X mention '{mention}' at [{start}:{end}] crosses sentence boundaries.")
    s, e = sentence
    left = _BRACES.sub(r"(\1)", text[s:start])
    right = _BRACES.sub(r"(\1)", text[end:e])
    query = f"{mention}: {left} {{ {mention} }} {right}"
    return _normalise(query)


def entity_text(description: str, spans) -> str:
    return _normalise(" ".join(description[s["start"]:s["end"]] for s in spans))


def _normalise(text: str) -> str:
    # XTREME-R: newlines become spaces, then double spaces are replaced once (not collapsed fully)
    return " ".join(text.splitlines()).replace("  ", " ").strip()


def _jsonl(path: Path):
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as e:
                    raise AblateError(f"{path} line {n} is not JSON ({e}). " + GUIDANCE) from e
