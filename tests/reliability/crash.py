"""Run `ablate ARGS` and SIGKILL this process at a named point: a real kill -9, at a known place.

    python -m tests.reliability.crash checkpoint 1 run baseline --targets xnli --preset smoke -q

WHERE is `checkpoint` (after the Nth training checkpoint is complete on disk), `shard` (after the
Nth machine-translation cache shard) or `predictions` (after the Nth prediction file of an
evaluation). Nothing is caught on the way down: the process dies as it would under the OOM
killer. Unpickling is refused throughout (tests/reliability/no_unpickling.py).
"""

from __future__ import annotations

import os
import signal
import sys

from tests.reliability import no_unpickling


def _after(owner, name: str, n: int) -> None:
    original = getattr(owner, name)
    calls = [0]

    def wrapped(*args, **kwargs):
        out = original(*args, **kwargs)
        calls[0] += 1
        if calls[0] == n:
            os.kill(os.getpid(), signal.SIGKILL)
        return out

    setattr(owner, name, wrapped)


def main(where: str, n: int, args: list[str]) -> None:
    no_unpickling.install()
    if where == "checkpoint":
        import transformers

        _after(transformers.Trainer, "_save_checkpoint", n)
    elif where == "shard":
        from ablate.mt.cache import TranslationCache

        _after(TranslationCache, "_write_shard", n)
    elif where == "predictions":
        import ablate.phases.evaluate as evaluate

        _after(evaluate, "_write_predictions", n)
    else:
        raise SystemExit(f"unknown crash point {where!r}: checkpoint, shard or predictions")
    from ablate.cli import main as ablate

    ablate(args)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3:])
