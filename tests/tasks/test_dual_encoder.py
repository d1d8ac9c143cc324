"""Mewsli-X / LAReQA dual-encoder fine-tune: loss, training pairs, learning, planning, metric names."""

from __future__ import annotations

import numpy as np
import pytest

from ablate.config import resolve
from ablate.data.load import load_task_split
from ablate.errors import AblateError
from ablate.tasks import get_task


@pytest.fixture(scope="module")
def smoke():
    return resolve("smoke")


def _reference_loss(q: np.ndarray, c: np.ndarray, scale: float) -> float:
    """XTREME-R's BertForRetrieval loss written out: L2-normalise, scaled cosine logits, softmax
    over the batch's candidates per query, -log p(own candidate), mean over queries."""
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    c = c / np.linalg.norm(c, axis=1, keepdims=True)
    logits = scale * q @ c.T
    logits -= logits.max(axis=1, keepdims=True)
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return float(-np.mean(np.diag(log_p)))


@pytest.mark.parametrize("scale", [100.0, 3.5])
def test_in_batch_loss_equals_a_numpy_reference(scale):
    import torch

    from ablate.dual_encoder_model import in_batch_loss

    rng = np.random.default_rng(0)
    q, c = rng.normal(size=(5, 8)), rng.normal(size=(5, 8))
    tq, tc = (torch.nn.functional.normalize(torch.tensor(x), dim=1) for x in (q, c))
    got = float(in_batch_loss(tq, tc, torch.tensor([scale], dtype=torch.float64)))
    assert got == pytest.approx(_reference_loss(q, c, scale), rel=1e-12)
    # one direction only (queries -> candidates), as XTREME-R: swapping the sides changes it
    assert got != pytest.approx(_reference_loss(c, q, scale), rel=1e-6)


def test_lareqa_pairs_are_question_to_answer_sentence_plus_paragraph():
    """XTREME-R processors/lareqa.py: the sb_sed sentence holding the first answer's start, then the
    paragraph, no separator, newlines dropped; an answer starting between sentences is skipped."""
    from datasets import Dataset

    from ablate.tasks.dual_encoder import pairs

    context = "The river is long.\nDr. Smith swam it in 1990. It took a week."
    rows = Dataset.from_dict({
        "query": ["Who swam?", "How long?", "Between?"],
        "context": [context] * 3,
        "answers": [{"text": ["Dr. Smith"], "answer_start": [19]}, {"text": ["a week"], "answer_start": [54]},
                    {"text": [" "], "answer_start": [18]}],  # the space after "long." is in no sentence
    })
    kept, queries, candidates, keys = pairs(rows)
    flat = context.replace("\n", "")
    assert kept == [0, 1] and queries == ["Who swam?", "How long?"]
    assert candidates == ["Dr. Smith swam it in 1990." + flat, "It took a week." + flat]
    assert keys == candidates


def test_mewslix_pairs_read_the_release_schema(smoke):
    spec = get_task("mewslix")
    train = load_task_split(spec, "train", smoke)
    assert set(train.column_names) >= {"query", "candidate", "candidate_id"}
    # the query is marked up exactly as evaluation queries are (XTREME-R preprocess_mention)
    q = train[0]["query"]
    assert "{ " in q and " }" in q and q.split(":")[0] in q.split(":", 1)[1]
    assert train[0]["candidate_id"].startswith("Q")


def test_fine_tuning_lifts_map20_over_the_untuned_encoder_on_planted_pairs():
    """16 words each paired with an unrelated word (nothing on the surface links them): the
    in-batch objective learns the pairing, so mAP@20 rises far above the untuned encoder's.

    Dropout is off: on the 64-dim tiny model, dropout noise times XTREME-R's scale of 100 swamps
    the cosine differences and the loss sits at chance (log 16); XLM-R's 1024 dimensions do not."""
    import torch
    from datasets import Dataset

    from ablate.dual_encoder_model import DualEncoder
    from ablate.fixtures import text
    from ablate.models import build_tiny, load_tokenizer
    from ablate.phases.scoring import score
    from ablate.tasks import dual_encoder as fmt

    words = text.words("en", list(range(32)))
    pairs = Dataset.from_dict({"query": words[:16], "candidate": words[16:][::-1],
                               "candidate_id": [str(i) for i in range(16)]})
    spec, path = get_task("mewslix"), str(build_tiny("tiny-xlmr"))
    tokenizer = load_tokenizer(path)
    torch.manual_seed(0)
    model = DualEncoder.from_pretrained(path)

    def map20() -> float:
        _, stats = score(model, tokenizer, fmt, spec, pairs, "en", (16, 16), 32, "cpu")
        return float(fmt.aggregate(stats.sum(0), spec)["map20"])

    before = map20()
    batch = fmt.collator(tokenizer)(list(fmt.train_features(pairs, tokenizer, (16, 16))))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.eval()  # no dropout (docstring)
    losses = []
    for _ in range(30):
        loss = model(**batch)["loss"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    after = map20()
    assert losses[-1] < 0.1 * losses[0]
    assert before < 50 and after > 90, (before, after)


def test_plan_fine_tunes_then_retrieves_and_the_setting_switches_it_off():
    from ablate.phases_plan import target

    tuned = target(resolve("smoke"), "lareqa")
    assert [p.kind for p in tuned] == ["finetune", "retrieve"]
    fine, retrieve = tuned
    assert retrieve.inputs == (fine.name,)
    # the key carries the dual encoder's settings: the query length is the fine-tune's
    assert fine.settings["train"]["max_query_length"] == 96
    assert retrieve.settings["dual_encoder"] == {"max_query_length": 96, "max_seq_length": 64}
    untuned = target(resolve("smoke", None, {"retrieval_finetune": False}), "lareqa")
    assert [p.kind for p in untuned] == ["retrieve"] and "dual_encoder" not in untuned[0].settings
    # BUCC and Tatoeba have no training pairs: never fine-tuned
    assert [p.kind for p in target(resolve("smoke"), "tatoeba")] == ["retrieve"]


def test_selection_sets_are_english_training_data_never_an_evaluated_split(monkeypatch):
    from dataclasses import replace

    from ablate.phases_plan import target
    from ablate.tasks import definitions
    from ablate.tasks.evaluated import evaluated_splits, identity

    evaluated = evaluated_splits()
    for name in ("mewslix", "lareqa"):
        spec = get_task(name)
        assert spec.train and spec.dev
        assert all(identity(s.for_lang("en")) not in evaluated for s in (*spec.train, *spec.dev))
    # LAReQA selects on SQuAD dev minus XQuAD's paragraphs (XQuAD-R's English paragraphs)
    (dev,) = get_task("lareqa").dev
    assert [x.hub_id + "/" + x.config for x in dev.exclude_contexts] == ["google/xtreme/XQuAD.en"]
    # a fine-tune that would select on Mewsli-X's evaluated WikiNews dev is refused at planning
    spec = get_task("mewslix")
    monkeypatch.setitem(definitions.TASKS, "mewslix", replace(spec, dev=(spec.evaluation["validation"].for_lang("en"),)))
    with pytest.raises(AblateError, match="selects checkpoints on local/mewslix/en:validation"):
        target(resolve("smoke"), "mewslix")


def test_a_model_without_a_pooler_is_refused_with_the_untuned_alternative(tmp_path):
    from transformers import DistilBertConfig, DistilBertModel

    DistilBertModel(DistilBertConfig(vocab_size=50, dim=16, n_layers=1, n_heads=2, hidden_dim=32)).save_pretrained(
        tmp_path)
    from ablate.dual_encoder_model import DualEncoder

    with pytest.raises(AblateError, match="has no pooler.*retrieval_finetune=false"):
        DualEncoder.from_pretrained(str(tmp_path))


def test_the_signature_says_whether_retrieval_was_fine_tuned():
    from ablate.execute import signature
    from ablate.recipes import load

    def fragment(**layer) -> str:
        cfg = resolve("smoke", None, {"recipe": "baseline", "targets": "mewslix", **layer})
        return next(p for p in signature(load("baseline").plan(cfg), cfg, 1).format().split("|")
                    if p.startswith("dualenc:"))

    assert fragment() == "dualenc:yes"
    assert fragment(retrieval_finetune=False) == "dualenc:no"
