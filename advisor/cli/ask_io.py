"""``advisor ask``: where the dialogue goes, how lines are read, and how answers are never lost.

Traps guarded here (issues 12 and 16):

- A transcript piped in cp1252 (or latin-1) is not text Python can read as UTF-8: each piped line
  is read as bytes and decoded strictly, and an undecodable line stops the interview with a
  French line saying to save the file as UTF-8 (``UndecodableInput``), the answers kept.
- SIGTERM (a shutdown) and SIGHUP (a closed terminal) would kill the process with every answer
  given: ``stop_signals`` turns them into ``Stopped``, which the command handles like Ctrl-C.
- Whatever ends the interview, ``Saver.save_somewhere`` writes the answers (to ``--save``, else to
  ``reponses-conseiller-AAAAMMJJ-HHMMSS.yaml`` in the current folder, else in the temporary
  folder), unless the person asked for ``--no-save``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import signal
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from ..errors import OutputError
from ..files import dump_answers, write_atomic
from ..interview.session import Interview
from ..knowledge.base import KnowledgeBase
from .console import width_of, wrap
from .display import Style

PROMPT = "> "
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class UndecodableInput(Exception):  # noqa: N818 - an event, like EOFError, not an error of ours
    """A piped line is not UTF-8 text (``line`` is its number in the input)."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class Stopped(Exception):  # noqa: N818 - an event, like KeyboardInterrupt
    """The process received SIGTERM or SIGHUP (``signum``)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def stop_signals() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise ``Stopped`` (as Ctrl-C raises KeyboardInterrupt)."""
    def stop(signum: int, frame: Any) -> None:
        raise Stopped(signum)

    previous = {}
    for signum in STOP_SIGNALS:
        with contextlib.suppress(ValueError, OSError):  # not the main thread: leave signals alone
            previous[signum] = signal.signal(signum, stop)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def ignore_stop_signals() -> None:
    """While the answers are being saved, a second signal must not interrupt the saving."""
    for signum in STOP_SIGNALS:
        with contextlib.suppress(ValueError, OSError):
            signal.signal(signum, signal.SIG_IGN)


class Dialogue:
    """Where the dialogue goes (stderr when stdout carries JSON), wrapped to the terminal, and how lines are read."""

    def __init__(self, color: bool, to_stderr: bool) -> None:
        self.style = Style(color)
        self.err = to_stderr
        self.tty = sys.stdin.isatty()
        self.lines_read = 0
        if self.tty:
            with contextlib.suppress(ImportError):  # line editing (arrows, history) where available
                import readline  # noqa: F401

    @property
    def stream(self) -> Any:
        return sys.stderr if self.err else sys.stdout

    def say(self, text: str = "", **styles: Any) -> None:
        """Print a paragraph, wrapped at the terminal's width (with a hanging indent)."""
        text = wrap(text, width_of(self.stream))
        click.echo(self.style(text, **styles) if styles else text, err=self.err)

    def read(self) -> str:
        """One typed line; ``EOFError`` at the end of input, ``KeyboardInterrupt`` on Ctrl-C.

        Raises:
            UndecodableInput: a piped line is not UTF-8.
        """
        if self.tty:
            if self.err:
                click.echo(PROMPT, nl=False, err=True)
            try:
                return input("" if self.err else PROMPT)
            except UnicodeDecodeError:
                return "\udcff"  # the interview refuses it as unreadable and asks again
        click.echo(PROMPT, nl=False, err=self.err)
        raw = _read_line()
        if not raw:
            click.echo(err=self.err)
            raise EOFError
        self.lines_read += 1
        try:
            line = raw.decode("utf-8-sig" if self.lines_read == 1 else "utf-8") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError:
            click.echo(err=self.err)
            raise UndecodableInput(self.lines_read) from None
        line = line.rstrip("\r\n")
        click.echo(line, err=self.err)  # a piped session then reads like a transcript
        return line


def _read_line() -> bytes | str:
    """One line of the piped input, as bytes when possible (decoded by the caller, strictly)."""
    buffer = getattr(sys.stdin, "buffer", None)
    return buffer.readline() if buffer is not None else sys.stdin.readline()


class Saver:
    """Writes the answers file (atomically) after each change, and a default file when needed."""

    def __init__(self, kb: KnowledgeBase, path: Path | None, description: str | None, enabled: bool = True) -> None:
        self.kb = kb
        self.path = path
        self.description = description
        self.enabled = enabled  # False with --no-save: nothing is ever written
        self.warned = False
        self.kept: Path | None = None  # where the answers were last written by ``save_somewhere``

    def text(self, interview: Interview) -> str:
        return dump_answers(self.kb, interview.answers_to_save(), self.description)

    def save(self, interview: Interview) -> None:
        """After each change, with ``--save``: keep the file up to date."""
        if self.path is None or not self.enabled:
            return
        try:
            write_atomic(self.path, self.text(interview))
        except OutputError as err:
            if not self.warned:
                click.echo(f"Attention : {err} Vos réponses seront enregistrées ailleurs à la fin.", err=True)
                self.warned = True

    def save_somewhere(self, interview: Interview) -> Path | None:
        """Save now: to --save, else to a new file in the current (or temporary) folder; ``None`` if nothing."""
        if not self.enabled:
            return None
        text = self.text(interview)
        candidates = [] if self.path is None or self.warned else [self.path]
        if not candidates and not interview.answers:
            return None  # nothing worth a new file (at most a few optional questions skipped)
        if self.kept is not None and self.kept not in candidates:
            candidates.append(self.kept)  # saved once already (the end, then an error): the same file
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        candidates += [_free_path(folder / f"reponses-conseiller-{stamp}.yaml")
                       for folder in (Path.cwd(), Path(tempfile.gettempdir()))]
        for path in candidates:
            try:
                write_atomic(path, text)
            except OutputError:
                continue
            self.kept = path
            return path
        click.echo("Impossible d'enregistrer vos réponses dans un fichier ; les voici :\n" + text, err=True)
        return None


def _free_path(path: Path) -> Path:
    n = 2
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate
