"""Progress bars for phases, training and evaluation (rich), or silence for tests and CI."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator


class Bar:
    def __init__(self, progress, task_id):
        self._progress, self._id = progress, task_id

    def advance(self, n: float = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._id, n)

    def update(self, **kw) -> None:
        if self._progress is not None:
            self._progress.update(self._id, **kw)


class Progress:
    """`with progress.bar("training xnli", total=100) as bar: bar.advance()`."""

    def __init__(self, console=None, enabled: bool = True):
        self._rich = None
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
            yield Bar(None, None)
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
