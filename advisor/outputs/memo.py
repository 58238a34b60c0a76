"""Printable recommendation memos (Markdown, HTML, PDF) a structure can hand to its board or a DLA.

Every word of the memo lives in ``templates/memo.md.j2``, ``templates/memo.html.j2`` and their shared
``_memo_phrases.j2``, or in the knowledge base — except the names of the readers (``READERS``), which the
command line lists too. ``memo_context`` gathers the data from a finished ``Recommendation``: the memo
never advises. The PDF is the HTML memo printed by ``pdf.py``.

The default memo is what a board reads in five minutes (two to four A4 pages, « En bref » first, each
fact once); ``full=True`` adds the annex (comparison of the forms in play, every reason of every
ranked form, the sheets' summaries) and a table of contents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import astuple
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ..errors import AnswerError, EntryError, OutputError
from ..files import check_writable, write_atomic
from ..knowledge.text import MAX_DESCRIPTION, description_problem, tidy_lines
from ..reasoning.result import Recommendation
from ..wording import MAX_TEXT
from .glyphs import missing_glyphs
from .memo_context import AnswerLine, Byline, ChartRow, chart_rows, describe_answer, memo_context
from .pdf import html_to_pdf, undrawable_message
from .render import environment, markdown_environment

if TYPE_CHECKING:
    from ..knowledge.base import KnowledgeBase

MemoFormat = Literal["md", "html", "pdf"]
FORMATS: dict[str, MemoFormat] = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".pdf": "pdf"}
TEMPLATES: dict[MemoFormat, str] = {"md": "memo.md.j2", "html": "memo.html.j2", "pdf": "memo.html.j2"}
# Whom the memo is for (``--for``): key → how the header names them.
READERS: dict[str, str] = {
    "conseil": "conseil d'administration",
    "reseau": "réseau régional",
    "dla": "dispositif local d'accompagnement (DLA)",
    "etat": "services de l'État (DREETS, DDETS)",
    "partenaires": "partenaires du projet",
    "autre": "autres lecteurs",
}
# What ``advisor ask`` asks at the end (the answer is the memo's description, kept in the answers file).
DESCRIPTION_PROMPT = ("En une ligne, votre projet de coopération (il figurera dans la note d'orientation ; "
                      "facultatif, Entrée pour passer) :")

__all__ = ["DESCRIPTION_PROMPT", "READERS", "AnswerLine", "Byline", "ChartRow", "chart_rows", "describe_answer",
           "memo_context", "memo_format", "one_line", "render", "undrawable", "undrawable_warning", "write"]


def memo_format(path: Path, fmt: str | None = None) -> MemoFormat:
    """The memo format: ``fmt`` when given, else from the file extension.

    Raises:
        OutputError: unknown format or extension.
    """
    if fmt is not None:
        if fmt not in TEMPLATES:
            raise OutputError(f"format inconnu « {fmt} » : choisissez md, html ou pdf.")
        return fmt
    if Path(path).is_dir():
        raise OutputError(f"{path} est un dossier : donnez un nom de fichier, par exemple {Path(path) / 'note.pdf'}.")
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        shown = f"« {suffix} »" if suffix else "absente"
        raise OutputError(f"extension {shown} pour {path} : utilisez .md, .html ou .pdf, "
                          "ou précisez le format avec --format.")
    return FORMATS[suffix]


def render(kb: KnowledgeBase, rec: Recommendation, fmt: MemoFormat = "md", *, description: str | None = None,
           today: dt.date | None = None, full: bool = False, byline: Byline | None = None) -> str | bytes:
    """The memo of a finished recommendation: ``str`` for md/html, ``bytes`` for pdf.

    Args:
        kb: the knowledge base that produced ``rec``.
        rec: the recommendation (with ``changes``: ``advise(..., explain=True)``).
        fmt: md, html or pdf.
        description: the project in one line (from the answers file).
        today: the memo's date (default: the consultation date ``rec.as_of``, so no clock is read).
        full: add the annex and a table of contents.
        byline: who prepared it, their contact and for whom.

    Raises:
        AnswerError: the description is too long or holds control characters.
        OutputError: unknown format or reader.
        PdfUnavailableError: a PDF is asked for and WeasyPrint cannot run here.
    """
    if fmt not in TEMPLATES:
        raise OutputError(f"format inconnu « {fmt} » : choisissez md, html ou pdf.")
    if description is not None and (problem := description_problem(description)):
        raise AnswerError("description", description, f"un texte de {MAX_DESCRIPTION} caractères au plus, "
                          "sans caractère de contrôle", problem)
    description = tidy_lines(description) or None if description is not None else None
    if byline is not None and byline.reader is not None and byline.reader not in READERS:
        raise OutputError(f"destinataire inconnu « {byline.reader} » : choisissez parmi {', '.join(READERS)}.")
    env = markdown_environment() if fmt == "md" else environment()
    context = memo_context(kb, rec, description=description, today=today, full=full, byline=byline,
                           readers=READERS, html=fmt != "md")
    text = env.get_template(TEMPLATES[fmt]).render(**context)
    return html_to_pdf(text) if fmt == "pdf" else text


def write(kb: KnowledgeBase, rec: Recommendation, path: Path, fmt: str | None = None, *, force: bool = False,
          description: str | None = None, today: dt.date | None = None, full: bool = False,
          byline: Byline | None = None) -> MemoFormat:
    """Render the memo (see ``render``) and write it atomically to ``path``; returns the format used.

    Raises:
        OutputError: unknown extension or reader, missing folder, or existing file without ``force``.
        PdfUnavailableError: a PDF is asked for and WeasyPrint cannot run here.
    """
    path = Path(path)
    chosen = memo_format(path, fmt)
    check_writable(path, force)
    write_atomic(path, render(kb, rec, chosen, description=description, today=today, full=full, byline=byline))
    return chosen


def one_line(text: str | None, what: str = "le texte") -> str | None:
    """A free text typed for the memo (description, author, contact) as one line: ``None`` when blank.

    Raises:
        EntryError: longer than ``MAX_TEXT`` characters once its spaces and line breaks are collapsed.
    """
    if text is None:
        return None
    line = " ".join(text.split())
    if len(line) > MAX_TEXT:
        raise EntryError(f"{what} est trop long ({len(line)} caractères) : {MAX_TEXT} au plus, sur une ligne.")
    return line or None


def undrawable(rec: Recommendation, *, description: str | None = None, byline: Byline | None = None) -> str:
    """The characters of what the user typed (names, description, byline) that no installed font can
    draw: a PDF would print them as empty boxes. Empty when all can be drawn (or fonts cannot be listed)."""
    typed = [str(v) for v in rec.answers.values() if isinstance(v, str)]
    typed += [t for t in (description, *(astuple(byline) if byline else ())) if t]
    return missing_glyphs(" ".join(typed))


def undrawable_warning(rec: Recommendation, *, description: str | None = None,
                       byline: Byline | None = None) -> str | None:
    """A French warning when a PDF of this memo would show typed characters as empty boxes, else ``None``."""
    missing = undrawable(rec, description=description, byline=byline)
    return undrawable_message(missing) if missing else None
