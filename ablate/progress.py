"""Progress for phases, training and evaluation: rich bars on a terminal, plain timestamped lines
when stdout is a file or pipe (so `tail -f run.log` follows a run), or silence for tests and CI."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Iterator


def line_buffered() -> None:
    """Flush stdout/stderr at every newline even when they are files (Python block-buffers them)."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and not stream.isatty():
            stream.reconfigure(line_buffering=True)


class Bar:
    def __init__(self, progress, task_id, lines=None):
        self._progress, self._id, self._lines = progress, task_id, lines

    def advance(self, n: float = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._id, n)
        elif self._lines is not None:
            self._lines.advance(n)

    def update(self, **kw) -> None:
        if self._progress is not None:
            self._progress.update(self._id, **kw)


class _Lines:
    """A bar as log lines: one at the start, one per tenth of the total, one at the end."""

    def __init__(self, console, description: str, total: float | None):
        self._console, self._description, self._total = console, description, total
        self._done, self._next_tenth, self._start = 0.0, 1, time.monotonic()
        self._say("started")

    def _say(self, what: str) -> None:
        self._console.print(f"{time.strftime('%H:%M:%S')} {self._description}: {what}", highlight=False, soft_wrap=True)

    def advance(self, n: float) -> None:
        self._done += n
        if self._total and self._done < self._total and self._done * 10 >= self._next_tenth * self._total:
            self._next_tenth = int(self._done * 10 // self._total) + 1
            self._say(f"{self._done:g}/{self._total:g}")

    def finish(self) -> None:
        total = f"/{self._total:g}" if self._total else ""
        self._say(f"{self._done:g}{total} in {time.monotonic() - self._start:.1f} s")


class Progress:
    """`with progress.bar("training xnli", total=100) as bar: bar.advance()`.

    `enabled`: rich bars; else `lines`: log lines on `console`; else nothing."""

    def __init__(self, console=None, enabled: bool = True, lines: bool = False):
        self._rich = None
        self._console = console if lines and not enabled else None
        if enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress
            from rich.progress import TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self._rich = RichProgress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), TimeRemainingColumn(), TextColumn("{task.fields[note]}"),
                console=console, transient=False,
            )

    def __enter__(self) -> "Progress":
        if self._rich is not None:
            self._rich.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._rich is not None:
            self._rich.stop()

    @contextmanager
    def bar(self, description: str, total: float | None) -> Iterator[Bar]:
        if self._rich is None:
            lines = _Lines(self._console, description, total) if self._console is not None else None
            yield Bar(None, None, lines)
            if lines is not None:
                lines.finish()
            return
        task_id = self._rich.add_task(description, total=total, note="")
        try:
            yield Bar(self._rich, task_id)
        finally:
            self._rich.update(task_id, visible=True)
            self._rich.stop_task(task_id)

    def print(self, *args, **kw) -> None:
        if self._rich is not None:
            self._rich.console.print(*args, **kw)
        elif self._console is not None:
            self._console.print(*args, **kw)
