"""An Objective (ablate.mixing.objective) for a registered intermediate task.

The task's format builds everything, exactly as in single-task STILTs: its training features
(at the task's own max sequence length), its collator, its head (a `transformers` head model
loaded with `load_with_head`, whose base model is then tied to the shared encoder), and its
English-dev score with ablate's own scorer (the checkpoint-selection metric of the format).
"""

from __future__ import annotations

import inspect
import zlib
from collections.abc import Iterator

import numpy as np

from ablate.mixing.objective import share_encoder
from ablate.phases.scoring import score
from ablate.tasks.formats import format_of
from ablate.tasks.spec import TaskSpec
from ablate.train_settings import TrainSettings


class TaskObjective:
    """One task head on the shared encoder. `train` and `dev` are canonical rows (`dev` already
    cut to the selection subset); `model` is the task's head model, tied here to `encoder`."""

    def __init__(self, spec: TaskSpec, settings: TrainSettings, train, dev, tokenizer, model, encoder,
                 eval_batch_size: int):
        fmt = format_of(spec)
        self.name, self.spec, self.fmt = spec.name, spec, fmt
        self.size = len(train)
        self.grad_accum = settings.grad_accum
        self.batch_size = settings.batch_size
        self.max_seq_length = settings.max_seq_length
        self.metric = fmt.SELECTION_METRIC
        self.tokenizer, self.dev, self.eval_batch_size = tokenizer, dev, eval_batch_size
        share_encoder(model, encoder)
        self.head = model
        features = fmt.train_features(train, tokenizer, settings.max_seq_length)
        accepted = set(inspect.signature(model.forward).parameters)  # as the Trainer drops extra columns
        self.features = features.remove_columns([c for c in features.column_names if c not in accepted])
        self.collate = fmt.collator(tokenizer)

    def batches(self, seed: int) -> Iterator[dict]:
        """Endless batches of `batch_size` training features, reshuffled every epoch; each task
        has its own stream for a given seed."""
        rng = np.random.default_rng([seed, zlib.crc32(self.name.encode())])
        n = len(self.features)
        while True:
            order = rng.permutation(n)
            for start in range(0, n, self.batch_size):
                yield self.collate([self.features[int(i)] for i in order[start:start + self.batch_size]])

    def loss(self, encoder, batch: dict):
        # The head model's base runs on `encoder`'s own modules (share_encoder), so its forward
        # is the encoder's forward followed by this task's head.
        return self.head(**batch).loss

    def dev_score(self) -> float | None:
        if len(self.dev) == 0:
            return None
        device = next(self.head.parameters()).device
        _, stats = score(self.head, self.tokenizer, self.fmt, self.spec, self.dev, "en", self.max_seq_length,
                         self.eval_batch_size, device)
        return float(self.fmt.aggregate(stats.sum(0), self.spec, "en")[self.metric])
