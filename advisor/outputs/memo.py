"""Printable recommendation memos (Markdown, HTML, PDF) a structure can hand to its board or a DLA.

Every word of the memo lives in ``templates/memo.md.j2`` and ``templates/memo.html.j2`` or in the knowledge
base; this module only gathers data for them from a finished ``Recommendation`` — it never advises.
The PDF is the HTML memo printed by ``pdf.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import AnswerError, OutputError
from ..files import check_writable, write_atomic
from ..knowledge.models import UNKNOWN, Question
from ..knowledge.sheets import Sheet
from ..knowledge.text import MAX_DESCRIPTION, description_problem, tidy_lines
from ..reasoning.result import Recommendation
from ..wording import format_number
from .pdf import html_to_pdf
from .render import annex_markdown, environment, markdown_environment, strip_sheet_links

if TYPE_CHECKING:
    from ..knowledge.base import KnowledgeBase

MemoFormat = Literal["md", "html", "pdf"]
FORMATS: dict[str, MemoFormat] = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".pdf": "pdf"}
TEMPLATES: dict[MemoFormat, str] = {"md": "memo.md.j2", "html": "memo.html.j2", "pdf": "memo.html.j2"}
TEXT_BAR_WIDTH = 20

@dataclass(frozen=True)
class AnswerLine:
    """One question of the situation and how it was answered, for the templates to phrase.

    ``kind`` is one of: choices, none (no choice ticked), yes, no, number, text, unknown, unanswered.
    """

    question: Question
    kind: str
    labels: list[str] = field(default_factory=list)
    value: Any = None


@dataclass(frozen=True)
class ChartRow:
    """One bar of the score chart: ``status`` is ranked, discouraged, other (no rule about it) or excluded."""

    form: str
    label: str
    short_label: str
    status: str
    score: int | None
    fraction: float
    text_bar: str
    padded_label: str


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


def render(kb: KnowledgeBase, rec: Recommendation, fmt: MemoFormat = "md", *,
           description: str | None = None, today: dt.date | None = None) -> str | bytes:
    """The memo of a finished recommendation: ``str`` for md/html, ``bytes`` for pdf.

    Raises:
        AnswerError: the description is too long or holds control characters.
        OutputError: unknown format.
        PdfUnavailableError: a PDF is asked for and WeasyPrint cannot run here.
    """
    if fmt not in TEMPLATES:
        raise OutputError(f"format inconnu « {fmt} » : choisissez md, html ou pdf.")
    if description is not None and (problem := description_problem(description)):
        raise AnswerError("description", description, f"un texte de {MAX_DESCRIPTION} caractères au plus, "
                          "sans caractère de contrôle", problem)
    description = tidy_lines(description) or None if description is not None else None
    env = markdown_environment() if fmt == "md" else environment()
    text = env.get_template(TEMPLATES[fmt]).render(**memo_context(kb, rec, description=description, today=today))
    return html_to_pdf(text) if fmt == "pdf" else text


def write(kb: KnowledgeBase, rec: Recommendation, path: Path, fmt: str | None = None, *, force: bool = False,
          description: str | None = None, today: dt.date | None = None) -> MemoFormat:
    """Render the memo and write it atomically to ``path``; returns the format used.

    Raises:
        OutputError: unknown extension, missing folder, or existing file without ``force``.
        PdfUnavailableError: a PDF is asked for and WeasyPrint cannot run here.
    """
    path = Path(path)
    chosen = memo_format(path, fmt)
    check_writable(path, force)
    write_atomic(path, render(kb, rec, chosen, description=description, today=today))
    return chosen


# --- context -------------------------------------------------------------------------------

def memo_context(kb: KnowledgeBase, rec: Recommendation, *, description: str | None = None,
                 today: dt.date | None = None) -> dict[str, Any]:
    """Everything the memo templates use (no wording: only data from the result and the kb)."""
    top = rec.top
    form = kb.forms[top.form] if top else None
    form_sheet = kb.sheet_for(top.form) if top else None
    sheet = form_sheet or kb.introduction  # the annex; the introduction when nothing fits
    identity, situation = _situation(kb, rec)
    others = rec.recommendations[1:] if top else rec.recommendations
    compared = ([top] if top else []) + others[:3 - (1 if top else 0)] if kb.meta.criteria else []
    return {
        "kb": kb, "meta": kb.meta, "rec": rec, "info": rec.knowledge_base, "top": top, "form": form,
        "variant": form.variant(top.variant) if form and top and top.variant else None,
        "sheet": sheet, "others": others, "compared": [kb.forms[f.form] for f in compared],
        "identity": identity, "situation": situation, "description": description,
        "ignored": [kb.questions[q] for q in rec.ignored_answers],
        "unknown_here": [kb.questions[q] for q in top.unknown_questions] if top else [],
        "warnings": top.warnings if top else rec.warnings,
        "chart": chart_rows(rec), "today": today or dt.date.today(),
        "annex": annex_markdown(sheet) if sheet else None,
        "bullets": _bullets(form_sheet),
    }


def _situation(kb: KnowledgeBase, rec: Recommendation) -> tuple[list[AnswerLine], list[AnswerLine]]:
    """(free-text identity answers given, every other relevant question with its answer)."""
    identity: list[AnswerLine] = []
    situation: list[AnswerLine] = []
    for question in (kb.questions[qid] for qid in rec.questions):
        line = describe_answer(question, rec.answers.get(question.id))
        if question.type == "text":
            if line.kind != "unanswered":
                identity.append(line)
        else:
            situation.append(line)
    return identity, situation


def describe_answer(question: Question, value: Any) -> AnswerLine:
    """How one normalised answer reads: its kind, plus choice labels or the formatted value."""
    if value is None:
        return AnswerLine(question, "unanswered")
    if value == UNKNOWN:
        return AnswerLine(question, "unknown")
    if question.type == "single":
        return AnswerLine(question, "choices", [_label(question, value)])
    if question.type == "multiple":
        return AnswerLine(question, "choices" if value else "none", [_label(question, v) for v in value])
    if question.type == "boolean":
        return AnswerLine(question, "yes" if value else "no")
    if question.type == "number":
        return AnswerLine(question, "number", value=format_number(value))
    return AnswerLine(question, "text", value=value)


def _label(question: Question, choice_id: str) -> str:
    choice = question.choice(choice_id)
    return choice.label if choice else choice_id


def chart_rows(rec: Recommendation) -> list[ChartRow]:
    """Bars for every form: ranked forms best first, then forms no answer touched, then excluded ones."""
    best = max((f.score for f in rec.recommendations), default=0)
    rows: list[tuple[str, str, str, str, int | None]] = [
        (f.form, f.label, f.short_label, "ranked", f.score) for f in rec.recommendations]
    rows += [(f.form, f.label, f.short_label, "discouraged", None) for f in rec.discouraged]
    rows += [(f.form, f.label, f.short_label, "other", None) for f in rec.other_forms]
    rows += [(f.form, f.label, f.short_label, "excluded", None) for f in rec.excluded]
    width = max((len(r[2]) for r in rows), default=0)
    result = []
    for form, label, short, status, score in rows:
        fraction = max(score, 0) / best if score is not None and best > 0 else 0.0
        filled = round(TEXT_BAR_WIDTH * fraction)
        result.append(ChartRow(form, label, short, status, score, round(fraction, 4),
                               "█" * filled + "░" * (TEXT_BAR_WIDTH - filled), short.ljust(width)))
    return result


def _bullets(sheet: Sheet | None) -> Callable[[str], list[str]]:
    """``bullets(section)`` for templates: they name the sheet sections they quote, Python does not."""
    return lambda section: [strip_sheet_links(b) for b in sheet.bullets(section)] if sheet else []
