"""Length-grouped batching: a permutation per epoch, reproducible per seed, and the padding it
saves on fixed length distributions equals the hand-computed figures."""

from __future__ import annotations

import numpy as np
import pytest

from ablate.batching import feature_lengths, grouped_order, padded_tokens


@pytest.mark.parametrize("n,batch_size", [(1, 4), (7, 4), (8, 4), (203, 8), (1000, 3)])
def test_every_example_exactly_once_per_epoch(n, batch_size):
    lengths = np.random.default_rng(n).integers(1, 300, size=n)
    for epoch in range(3):
        order = grouped_order(lengths, batch_size, seed=5, epoch=epoch, bucket_batches=4)
        assert sorted(order.tolist()) == list(range(n))


def test_deterministic_per_seed_and_fresh_per_epoch_and_seed():
    lengths = np.random.default_rng(0).integers(1, 300, size=500)
    first = grouped_order(lengths, 8, seed=1, epoch=0)
    assert np.array_equal(first, grouped_order(lengths, 8, seed=1, epoch=0))
    assert not np.array_equal(first, grouped_order(lengths, 8, seed=2, epoch=0))
    assert not np.array_equal(first, grouped_order(lengths, 8, seed=1, epoch=1))


def test_batches_are_sorted_within_buckets_longest_first_and_short_batch_last():
    lengths = np.random.default_rng(3).integers(1, 500, size=103)
    order = grouped_order(lengths, 10, seed=4, bucket_batches=100)  # one bucket: a global sort
    batches = [lengths[order[i:i + 10]] for i in range(0, 103, 10)]
    assert batches[0].max() == lengths.max()  # an out-of-memory error shows at step 1
    assert len(batches[-1]) == 3
    # one bucket: the full batches partition the sorted lengths into contiguous ranges
    spans = sorted((b.min(), b.max()) for b in batches)
    assert all(hi <= lo_next for (_, hi), (lo_next, _) in zip(spans, spans[1:]))


def test_padding_on_fixed_distributions_equals_hand_computed_figures():
    # Two lengths, batch 4, one bucket: a batch of 100s and a batch of 10s whatever the seed.
    lengths = [10, 100, 10, 100, 100, 10, 10, 100]
    for seed in range(5):
        order = grouped_order(lengths, 4, seed=seed)
        assert padded_tokens(lengths, order, 4) == 4 * 100 + 4 * 10  # = 440, no padding at all
    assert padded_tokens(lengths, np.arange(8), 4, pad_to=128) == 8 * 128  # jiant: 1024, 584 more
    assert padded_tokens(lengths, np.arange(8), 4) == 4 * 100 + 4 * 100  # this random order: 800
    # Six lengths, batch 2: sorted pairs (9,8) (7,5) (3,1) -> 18 + 14 + 6 = 38 tokens, 5 of padding.
    lengths = [5, 9, 3, 7, 1, 8]
    order = grouped_order(lengths, 2, seed=0)
    assert padded_tokens(lengths, order, 2) == 38
    assert padded_tokens(lengths, order, 2) - sum(lengths) == 5


def test_feature_lengths_of_rows_and_multiple_choice_features():
    rows = [{"input_ids": [1, 2, 3]}, {"input_ids": [1]}]
    assert feature_lengths(rows).tolist() == [3, 1]
    choices = [{"input_ids": [[1, 2], [1, 2, 3, 4]]}, {"input_ids": [[1], [1]]}]
    assert feature_lengths(choices).tolist() == [4, 1]  # the collator pads to the longest choice


def test_the_training_dataloader_draws_the_grouped_batches():
    """SelectionTrainer with `train_order` set: its DataLoader yields exactly grouped_order's batches."""
    from datasets import Dataset
    from transformers import DataCollatorWithPadding, Trainer, TrainingArguments

    from ablate.models import build_tiny, load_tokenizer, load_with_head
    from ablate.phases.train import _selection_trainer

    path = str(build_tiny("tiny-xlmr"))
    tokenizer = load_tokenizer(path)
    rng = np.random.default_rng(0)
    lengths = rng.integers(3, 40, size=37)
    ds = Dataset.from_dict({"input_ids": [[5] * int(n) for n in lengths],
                            "attention_mask": [[1] * int(n) for n in lengths], "labels": [0] * 37})
    model = load_with_head(path, "sequence_classification", seed=1, num_labels=2)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        args = TrainingArguments(output_dir=tmp, per_device_train_batch_size=4, use_cpu=True, report_to="none",
                                 seed=3, data_seed=3)
        trainer = _selection_trainer(Trainer)(model=model, args=args, train_dataset=ds,
                                              data_collator=DataCollatorWithPadding(tokenizer))
        trainer.train_order = (feature_lengths(ds), 4, 3)
        widths = [batch["input_ids"].shape[1] for batch in trainer.get_train_dataloader()]
    order = grouped_order(lengths, 4, seed=3, epoch=0)
    assert widths == [int(lengths[order[i:i + 4]].max()) for i in range(0, 37, 4)]
