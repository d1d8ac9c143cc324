"""Run `ablate ARGS` in this interpreter through the real entry point, as `python -m ablate` does."""

from __future__ import annotations


def exit_code(args) -> int:
    """ablate.cli.main(args) -> the process exit code it would give (SystemExit's code, else 0)."""
    from ablate.cli import main

    try:
        main(list(args))
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0
