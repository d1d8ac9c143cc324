"""Run `ablate ARGS` in a process where unpickling fails loudly: the check behind "no unpickling of
artifacts or cache entries" (docs/reliability.md).

    ABLATE_TEST_UNPICKLED=/tmp/found.txt python -m tests.reliability.no_unpickling run baseline ...

Installed before ablate or any library is imported, so a later `from pickle import loads` gets the
guarded function too. Refused: `pickle.load`/`loads`/`Unpickler` (and so anything built on them),
`torch.load(..., weights_only=False)` (its default and `weights_only=True` use torch's restricted
unpickler, which builds tensors and plain containers only), `numpy.load(..., allow_pickle=True)`.
Each refusal is appended to the file in ABLATE_TEST_UNPICKLED (with the caller) before it raises,
so a caller that swallows the error still leaves a trace for the test to find.
"""

from __future__ import annotations

import os
import pickle
import sys
import traceback

ENV = "ABLATE_TEST_UNPICKLED"


class Unpickled(RuntimeError):
    pass


def _refuse(what: str) -> None:
    caller = "".join(traceback.format_stack(limit=8)[:-2])
    path = os.environ.get(ENV)
    if path:
        with open(path, "a") as f:
            f.write(f"refused {what}\n{caller}")  # the caller's stack lines are indented
    raise Unpickled(f"unpickling refused: {what}")


def install() -> None:
    def load(*args, **kwargs):
        _refuse("pickle.load")

    def loads(*args, **kwargs):
        _refuse("pickle.loads")

    class Unpickler(pickle.Unpickler):  # a subclass: libraries read its attributes at import time
        def load(self):
            _refuse("pickle.Unpickler")

    pickle.load, pickle.loads, pickle.Unpickler = load, loads, Unpickler

    import numpy

    numpy_load = numpy.load

    def guarded_numpy_load(*args, allow_pickle=False, **kwargs):
        if allow_pickle:
            _refuse("numpy.load(allow_pickle=True)")
        return numpy_load(*args, allow_pickle=False, **kwargs)

    numpy.load = guarded_numpy_load

    import torch

    torch_load = torch.load

    def guarded_torch_load(*args, weights_only=None, **kwargs):
        if weights_only is False:
            _refuse("torch.load(weights_only=False)")
        return torch_load(*args, weights_only=True, **kwargs)

    torch.load = guarded_torch_load


def main(args: list[str]) -> None:
    install()
    from ablate.cli import main as ablate

    ablate(args)


if __name__ == "__main__":
    main(sys.argv[1:])
