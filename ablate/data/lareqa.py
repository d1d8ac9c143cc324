"""LAReQA (XQuAD-R) from its distributed files: questions and the multilingual candidate pool.

XQuAD-R is only usable for LAReQA in its original files: the answer candidates are the
*sentences* of every paragraph, given by each paragraph's `sentence_breaks` ([start, end] character
offsets), and the Hub copy (`google-research-datasets/xquad_r`) drops them (and strips contexts).
So ablate reads `<data_dir>/lareqa/xquad-r/<lang>.json` — the layout XTREME's download_data.sh
makes — for the eleven languages; `--data fixtures` reads the shipped copy in the same format.

Rules (google-research/xtreme third_party/utils_lareqa.py `load_data`, `generate_examples`):
- each question keeps its `id` as `xling_id`, shared by its translations;
- a paragraph's candidates are its sentences `context[start:end]`; a candidate's id is
  `<lang>_<paragraph number>_<sentence position>` (paragraphs numbered from 1 per language file);
- the answer sentence is the one whose span holds the first answer's `answer_start`; questions
  whose answer start lies in no sentence are skipped (XTREME prints a warning);
- a question's relevant candidates are the answer sentences of its xling_id in every language;
- the candidate text encoded is sentence + context, concatenated without a separator, newlines
  removed (evaluate_retrieval.py); the question is encoded alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ablate.errors import AblateError, MissingFiles
from ablate.fixtures import FIXTURES_DIR

GUIDANCE = (
    "LAReQA needs XQuAD-R's original files (with sentence_breaks, which the Hub copy "
    "google-research-datasets/xquad_r lacks): put https://github.com/google-research-datasets/lareqa "
    "xquad-r/<lang>.json for ar de el en es hi ru th tr vi zh under DIR/lareqa/xquad-r/ and pass "
    "--data-dir DIR (XTREME's scripts/download_data.sh `download_lareqa` makes this layout)."
)


@dataclass
class Pool:
    """Questions of all languages and the candidate sentences of all languages."""

    question_ids: list[str] = field(default_factory=list)  # "<xling_id>_<lang>"
    question_langs: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    xling_ids: list[str] = field(default_factory=list)
    candidate_ids: list[str] = field(default_factory=list)
    candidate_texts: list[str] = field(default_factory=list)  # sentence + context (what is encoded)
    candidate_sentences: list[str] = field(default_factory=list)
    answers: dict[str, list[str]] = field(default_factory=dict)  # xling_id -> candidate ids
    skipped: int = 0  # questions whose answer start lies in no sentence


def directory(cfg) -> Path:
    """The directory holding `xquad-r/`: the shipped fixtures or `<data_dir>/lareqa`."""
    if cfg.data == "fixtures":
        return FIXTURES_DIR / "lareqa"
    if not cfg.data_dir:
        raise AblateError("Target 'lareqa' reads local files and no --data-dir was given. " + GUIDANCE)
    return Path(cfg.data_dir) / "lareqa"


def path(cfg, lang: str) -> Path:
    return directory(cfg) / "xquad-r" / f"{lang}.json"


def check_files(cfg, langs) -> None:
    """Raise the guidance, naming every missing file, unless all of `langs` are present."""
    missing = [path(cfg, lang) for lang in langs if not path(cfg, lang).is_file()]
    if missing:
        raise MissingFiles("LAReQA", missing, GUIDANCE)


def check_source(src, cfg) -> None:
    """Preflight hook (`ablate.data.load.LOCAL_FILES`): `src.config` is the language."""
    check_files(cfg, [src.config])


def read_split(src, cfg) -> "datasets.Dataset":  # noqa: F821 (datasets is imported lazily)
    """`LOCAL_READERS` hook: the questions of language `src.config` (id, question, and the text of
    their answer sentence)."""
    import datasets

    pool = read_pool(cfg, [src.config])
    sentence = dict(zip(pool.candidate_ids, pool.candidate_sentences))
    return datasets.Dataset.from_dict({"id": pool.xling_ids, "question": pool.questions,
                                       "answer": [sentence[pool.answers[x][0]] for x in pool.xling_ids]})


def read_pool(cfg, langs) -> Pool:
    """All languages' questions and candidates, in language order, then file order."""
    check_files(cfg, langs)
    pool = Pool()
    index: dict[str, int] = {}
    for lang in langs:
        try:
            data = json.loads(path(cfg, lang).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise AblateError(f"LAReQA file {path(cfg, lang)} is not readable JSON ({e}). " + GUIDANCE) from e
        _add_language(pool, index, lang, data, path(cfg, lang))
    return pool


def _add_language(pool: Pool, index: dict[str, int], lang: str, data: dict, where: Path) -> None:
    number = 0
    try:
        for article in data["data"]:
            for paragraph in article["paragraphs"]:
                number += 1
                context = paragraph["context"]
                breaks = [(int(s), int(e)) for s, e in paragraph["sentence_breaks"]]
                ids = []
                for pos, (start, end) in enumerate(breaks):
                    cid = f"{lang}_{number}_{pos}"
                    if cid not in index:
                        index[cid] = len(pool.candidate_ids)
                        pool.candidate_ids.append(cid)
                        pool.candidate_texts.append((context[start:end] + context).replace("\n", ""))
                        pool.candidate_sentences.append(context[start:end])
                    ids.append(cid)
                for qa in paragraph["qas"]:
                    start = int(qa["answers"][0]["answer_start"])
                    at = next((i for i, (s, e) in enumerate(breaks) if s <= start < e), None)
                    if at is None:
                        pool.skipped += 1
                        continue
                    pool.question_ids.append(f"{qa['id']}_{lang}")
                    pool.question_langs.append(lang)
                    pool.questions.append(qa["question"])
                    pool.xling_ids.append(qa["id"])
                    answers = pool.answers.setdefault(qa["id"], [])
                    if ids[at] not in answers:
                        answers.append(ids[at])
    except (KeyError, TypeError, ValueError, IndexError) as e:
        raise AblateError(f"LAReQA file {where} is not in XQuAD-R's format (SQuAD JSON with per-paragraph "
                          f"sentence_breaks): {e!r}. " + GUIDANCE) from e
