"""A progress bar for management commands (imports, exports, bulk conversions).

On a terminal it redraws one line in place; anywhere else (a log file, a test's StringIO) it
writes a plain line at every tenth of the way, so logs stay readable. It writes to the stream it
is given, which should be the command's stderr so that stdout keeps only the results.

    with ProgressBar(total=len(ids), stream=self.stderr, label="Converting leads") as bar:
        for pk in ids:
            ...
            bar.advance()
"""

from __future__ import annotations

import time
from typing import TextIO

from django.core.management.base import OutputWrapper


class ProgressBar:
    width = 30
    # A terminal is redrawn at most this often (seconds); the last step is always drawn.
    redraw_interval = 0.1

    def __init__(self, *, total: int, stream: TextIO, label: str = "", interactive=None):
        self.total = max(total, 0)
        self.stream = stream
        self.label = label
        if interactive is None:
            isatty = getattr(stream, "isatty", None)
            interactive = bool(isatty and isatty())
        self.interactive = interactive
        self.done = 0
        self._last_draw = 0.0
        self._drawn = -1  # ``done`` as last drawn on a terminal
        self._last_tenth = -1

    def _write(self, text: str) -> None:
        if isinstance(self.stream, OutputWrapper):
            # A command's stderr would end every write with a newline and paint it as an error.
            self.stream.write(text, style_func=lambda line: line, ending="")
        else:
            self.stream.write(text)
        self.stream.flush()

    def __enter__(self) -> ProgressBar:
        self._draw(force=True)
        return self

    def __exit__(self, *exc_info) -> None:
        self.finish()

    def advance(self, steps: int = 1) -> None:
        self.done = min(self.done + steps, self.total)
        self._draw(force=self.done == self.total)

    def finish(self) -> None:
        if self.interactive:
            if self._drawn != self.done:
                self._draw(force=True)
            self._write("\n")

    def render(self) -> str:
        """``Converting leads [#########---------------------]  12/40  30%``"""
        fraction = self.done / self.total if self.total else 1.0
        filled = round(self.width * fraction)
        bar = "#" * filled + "-" * (self.width - filled)
        digits = len(str(self.total))
        label = f"{self.label} " if self.label else ""
        return f"{label}[{bar}] {self.done:>{digits}}/{self.total} {fraction:>4.0%}"

    def _draw(self, *, force: bool = False) -> None:
        if self.interactive:
            now = time.monotonic()
            if force or now - self._last_draw >= self.redraw_interval:
                self._last_draw = now
                self._drawn = self.done
                self._write(f"\r{self.render()}")
            return
        tenth = int(10 * self.done / self.total) if self.total else 10
        if tenth != self._last_tenth:
            self._last_tenth = tenth
            self._write(f"{self.render()}\n")
