"""The terminal, for every command: encodings that lack a character, closed pipes, width, pager.

Traps guarded here, each once for the whole command line:

- A console in cp1252 (Windows, or ``PYTHONIOENCODING=cp1252``) cannot encode ``↔ █ → ✗``: a plain
  ``print`` raises ``UnicodeEncodeError`` in the middle of a verdict. ``protect_output`` makes every
  write to stdout and stderr go through the ``advisor-degrade`` error handler, which writes
  ``<-> # -> x`` (and an unaccented letter, or ``?``) instead of crashing.
- ``advisor questions | head -1``: the reader goes away. Python then raises ``BrokenPipeError``,
  click turns it into exit 1, and the final flush can fail again at exit. ``silence_stdout`` points
  stdout at the null device so that the command ends quietly with 0.
- Text is wrapped on word boundaries at the terminal's width, with a hanging indent, by
  ``textwrap`` (which never cuts a word); colours survive the wrapping.
- Long outputs go through a pager the way git does it (``less -FRX``: no pager for a short text),
  and never when stdout or stdin is not a terminal.

Nothing here imports more than the standard library and click at module level: ``advisor --help``
must stay fast.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import shutil
import sys
import textwrap
import unicodedata
from typing import IO, Any

import click

ERRORS = "advisor-degrade"  # the codec error handler registered by ``protect_output``

# What a console that lacks a character shows instead (only ASCII, which every console has).
DEGRADED = {
    "↔": "<->", "→": "->", "←": "<-", "⇒": "=>", "█": "#", "░": ".", "▒": ":", "✗": "x", "✓": "v", "✔": "v",
    "−": "-", "–": "-", "—": "-", "…": "...", "«": '"', "»": '"', "“": '"', "”": '"', "‘": "'", "’": "'",
    "•": "*", "·": "-", "≥": ">=", "≤": "<=", "≠": "!=", "×": "x", "€": "EUR", "œ": "oe", "Œ": "OE",
    "\u202f": " ", "\xa0": " ", "\u2009": " ",
}
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# A line's hanging indent: its leading spaces, then a list marker (« 1. », « + », « ✗ »…) if any.
MARKER = re.compile(r"^( *)((?:\d{1,3}\.|[-+−✗!→?*•]|\(\d{1,3}\)) +)?")
LESS_LIKE_GIT = "FRX"  # quit if one screen, keep colours, leave the text on screen


def _degrade(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start:error.end]
    return "".join(_ascii(ch) for ch in text), error.end


def _ascii(ch: str) -> str:
    if ch in DEGRADED:
        return DEGRADED[ch]
    plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode("ascii")
    return plain or "?"


codecs.register_error(ERRORS, _degrade)


def protect_output() -> None:
    """Make stdout and stderr write a stand-in for any character their encoding lacks (never crash)."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors != ERRORS:
            stream.reconfigure(errors=ERRORS)


def fit(text: str, stream: IO[Any] | None = None) -> str:
    """``text`` with the characters ``stream``'s encoding lacks replaced by their stand-ins."""
    encoding = getattr(stream if stream is not None else sys.stdout, "encoding", None) or "utf-8"
    try:
        return text.encode(encoding, ERRORS).decode(encoding, "replace")
    except LookupError:  # an encoding Python does not know: keep the text as it is
        return text


def silence_stdout() -> None:
    """The reader of stdout went away: send what is left to the null device, so nothing fails at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, io.UnsupportedOperation):  # not a real file (tests): nothing to protect
        pass


# --- width and wrapping ---------------------------------------------------------------------

def width_of(stream: IO[Any] | None) -> int | None:
    """The number of columns to wrap at for ``stream``: its terminal's, ``COLUMNS`` if set, else none."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        return shutil.get_terminal_size().columns
    return None


def wrap(text: str, width: int | None) -> str:
    """Wrap each line of ``text`` at ``width`` columns on word boundaries, with a hanging indent.

    A line that starts with spaces and a list marker (« 1. », « + », « ✗ »…) continues under the
    first word after the marker. No word is ever cut: a word longer than the line (a web address)
    stands alone on its line. Colour codes do not count in the width and are kept.
    """
    if width is None:
        return text
    usable = max(width - 1, 20)  # the last column makes some terminals wrap on their own
    return "\n".join(_wrap_line(line, usable) for line in text.split("\n"))


def _wrap_line(line: str, width: int) -> str:
    plain = ANSI.sub("", line)
    if len(plain) <= width:
        return line
    marker = MARKER.match(plain)
    indent = " " * (marker.end() if marker else 0)
    wrapper = textwrap.TextWrapper(width=width, subsequent_indent=indent, break_long_words=False,
                                   break_on_hyphens=False)
    pieces = wrapper.wrap(plain)
    if plain == line:
        return "\n".join(pieces)
    return _restyle(line, plain, pieces, indent)


def _restyle(line: str, plain: str, pieces: list[str], indent: str) -> str:
    """Cut the coloured ``line`` where textwrap cut its plain text (colour codes travel with the words)."""
    where = []  # index in ``line`` of each character of ``plain``
    i = 0
    while i < len(line):
        code = ANSI.match(line, i)
        if code:
            i = code.end()
            continue
        where.append(i)
        i += 1
    where.append(len(line))
    starts, cursor = [], 0
    for number, piece in enumerate(pieces):
        body = piece[len(indent):] if number else piece
        cursor = plain.find(body, cursor)
        if cursor < 0:  # textwrap changed the spacing: keep the words, drop the colours
            return "\n".join(pieces)
        starts.append(cursor)
        cursor += len(body)
    cuts = [where[s] for s in starts] + [len(line)]
    rows = [re.sub(r" +((?:\x1b\[[0-9;]*m)*)$", r"\1", line[a:b]) for a, b in zip(cuts, cuts[1:], strict=False)]
    return ("\n" + indent).join(rows)


# --- long outputs ---------------------------------------------------------------------------

def pager_wanted(no_pager: bool) -> bool:
    """Whether a long output should go through a pager: both ends are a terminal and it was not refused."""
    return not no_pager and sys.stdin.isatty() and sys.stdout.isatty()


def show_long(text: str, *, pager: bool) -> None:
    """Print a long text wrapped to the terminal, through a pager when ``pager`` (see ``pager_wanted``)."""
    page(wrap(text, width_of(sys.stdout)), pager=pager)


def page(text: str, *, pager: bool) -> None:
    """Print a text already laid out, through a pager when ``pager`` (see ``pager_wanted``).

    Colour codes are kept only where they can show: a terminal, or a pager that shows them.
    """
    if not pager:
        click.echo(text)
        return
    os.environ.setdefault("LESS", LESS_LIKE_GIT)  # as git: a text that fits the screen is not paged
    click.echo_via_pager(fit(text.rstrip("\n")))
