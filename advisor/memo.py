"""Printable recommendation memos (Markdown, HTML, PDF) a structure can hand to its board or a DLA.

Every word of the memo lives in ``templates/memo.md.j2`` and ``templates/memo.html.j2`` or in the knowledge
base; this module only gathers data for them. The PDF is the HTML memo printed by WeasyPrint,
imported only when a PDF is asked for (the import is slow and needs Pango and fonts).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import io
import logging
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from jinja2 import Environment
from markdown_it import MarkdownIt
from markupsafe import Markup

from .errors import AdvisorError, OutputError
from .facts import UNKNOWN
from .files import check_writable, write_atomic
from .models import Question
from .recommendation import Recommendation
from .sheets import Sheet
from .site import environment, sheet_body

if TYPE_CHECKING:
    from .advice import Advisor

MemoFormat = Literal["md", "html", "pdf"]
FORMATS: dict[str, MemoFormat] = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".pdf": "pdf"}
TEMPLATES: dict[MemoFormat, str] = {"md": "memo.md.j2", "html": "memo.html.j2", "pdf": "memo.html.j2"}
TEXT_BAR_WIDTH = 20
PDF_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-dejavu-extra"

# Characters that carry meaning in inline Markdown or HTML; user text is backslash-escaped so it
# always reads as plain text (CommonMark allows a backslash before any ASCII punctuation).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~#!{}])")
_SHEET_LINK = re.compile(r"\[([^\]]+)\]\(([a-z][a-z0-9_]*)\.md(?:#[^)\s]*)?\)")
_HEADING = re.compile(r"^(#{1,5}) ", flags=re.MULTILINE)
_INLINE = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


class PdfUnavailableError(AdvisorError):
    """Raised when a PDF is asked for but WeasyPrint, its system libraries or fonts are missing."""


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
    """One bar of the score chart: ``status`` is ranked, other (no rule about it) or excluded."""

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


def render_memo(advisor: Advisor, answers: Mapping[Any, Any], fmt: MemoFormat = "md", *,
                description: str | None = None, today: dt.date | None = None) -> str | bytes:
    """Advise on raw answers and render the memo: ``str`` for md/html, ``bytes`` for pdf.

    Raises:
        AnswerError: an answer does not fit its question.
        PdfUnavailableError: a PDF is asked for and WeasyPrint cannot run here.
    """
    return render_recommendation(advisor, advisor.advise(answers, explain=True), fmt, description=description,
                                 today=today)


def render_recommendation(advisor: Advisor, rec: Recommendation, fmt: MemoFormat = "md", *,
                          description: str | None = None, today: dt.date | None = None) -> str | bytes:
    """Render the memo of a recommendation already computed by ``advisor``."""
    if fmt not in TEMPLATES:
        raise OutputError(f"format inconnu « {fmt} » : choisissez md, html ou pdf.")
    context = memo_context(advisor, rec, description=description, today=today)
    env = _environment(markdown_output=fmt == "md")
    text = env.get_template(TEMPLATES[fmt]).render(**context)
    return html_to_pdf(text) if fmt == "pdf" else text


def write_memo(advisor: Advisor, answers: Mapping[Any, Any], path: Path, fmt: str | None = None, *,
               force: bool = False, description: str | None = None, today: dt.date | None = None) -> MemoFormat:
    """Render the memo and write it atomically to ``path``; returns the format used.

    Raises:
        OutputError: unknown extension, missing folder, or existing file without ``force``.
    """
    path = Path(path)
    chosen = memo_format(path, fmt)
    check_writable(path, force)
    write_atomic(path, render_memo(advisor, answers, chosen, description=description, today=today))
    return chosen


# --- context -------------------------------------------------------------------------------

def memo_context(advisor: Advisor, rec: Recommendation, *, description: str | None = None,
                 today: dt.date | None = None) -> dict[str, Any]:
    """Everything the memo templates use (no wording: only data from the result and the kb)."""
    kb = advisor.kb
    top = rec.top
    form = kb.forms[top.form] if top else None
    form_sheet = kb.sheet_for(top.form) if top else None
    sheet = form_sheet or _introduction(kb.sheets)  # the annex; the introduction when nothing fits
    identity, situation = _situation(advisor, rec)
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
        "annex": _prepare_markdown(sheet_body(sheet)) if sheet else None,
        "bullets": _bullets(form_sheet),
    }


def _situation(advisor: Advisor, rec: Recommendation) -> tuple[list[AnswerLine], list[AnswerLine]]:
    """(free-text identity answers given, every other relevant question with its answer)."""
    identity: list[AnswerLine] = []
    situation: list[AnswerLine] = []
    for question in advisor.relevant_questions(rec.answers):
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


def format_number(number: int) -> str:
    """French digit grouping with a narrow no-break space (8 000)."""
    return f"{number:,}".replace(",", "\u202f")


def chart_rows(rec: Recommendation) -> list[ChartRow]:
    """Bars for every form: ranked forms best first, then forms no answer touched, then excluded ones."""
    best = max((f.score for f in rec.recommendations), default=0)
    rows: list[tuple[str, str, str, str, int | None]] = [
        (f.form, f.label, f.short_label, "ranked", f.score) for f in rec.recommendations]
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
    return lambda section: [_strip_sheet_links(b) for b in sheet.bullets(section)] if sheet else []


def _introduction(sheets: Mapping[str, Sheet]) -> Sheet | None:
    return next((s for s in sheets.values() if s.meta.kind == "introduction"), None)


# --- Markdown helpers ----------------------------------------------------------------------

def escape_markdown(text: object) -> str:
    """User free text as literal Markdown: no emphasis, link, HTML tag or entity can slip in."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _strip_sheet_links(text: str) -> str:
    """Links to other sheets (``ges.md``) lead nowhere in a standalone memo: keep only their text."""
    return _SHEET_LINK.sub(r"\1", text)


def _prepare_markdown(text: str) -> str:
    """A sheet body for the annex: headings one level down (the annex is an H2), no sheet links."""
    return _HEADING.sub(r"#\1 ", _strip_sheet_links(text)).strip()


def _inline_markdown(text: str) -> Markup:
    return Markup(_INLINE.renderInline(text))  # noqa: S704 - markdown-it with html disabled escapes raw HTML


def _environment(markdown_output: bool) -> Environment:
    env = environment()
    env.filters["md_text"] = escape_markdown
    env.filters["inline_markdown"] = _inline_markdown
    env.filters["number"] = format_number
    return env.overlay(autoescape=False) if markdown_output else env


# --- PDF -----------------------------------------------------------------------------------

def html_to_pdf(html: str) -> bytes:
    """Print an HTML memo to PDF with WeasyPrint.

    Raises:
        PdfUnavailableError: WeasyPrint, Pango or fonts are missing (says what to install).
    """
    weasyprint = _load_weasyprint()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf


def _load_weasyprint() -> Any:
    # WeasyPrint prints a banner on stdout and warns when a library is missing: the library
    # never prints, so both are captured and replaced by one French message.
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            weasyprint = importlib.import_module("weasyprint")
    except ImportError:
        raise PdfUnavailableError(_missing(
            "WeasyPrint n'est pas installé", "WeasyPrint avec « pip install 'cooperation-advisor[pdf]' » et, "
            f"sous Debian ou Ubuntu, ses bibliothèques avec « apt-get install {PDF_PACKAGES} »")) from None
    except OSError:
        raise PdfUnavailableError(_missing(
            "les bibliothèques Pango ou HarfBuzz dont WeasyPrint a besoin sont introuvables",
            f"les bibliothèques manquantes (sous Debian ou Ubuntu : « apt-get install {PDF_PACKAGES} »)")) from None
    logging.getLogger("weasyprint").addHandler(logging.NullHandler())
    if _font_count() == 0:
        raise PdfUnavailableError(_missing(
            "aucune police de caractères n'est installée",
            "des polices (sous Debian ou Ubuntu : « apt-get install fonts-dejavu-core fonts-dejavu-extra »)"))
    return weasyprint


def _font_count() -> int | None:
    """How many fonts fontconfig sees (``None`` when this WeasyPrint version hides it)."""
    try:
        text_ffi = importlib.import_module("weasyprint.text.ffi")
        ffi, fontconfig = text_ffi.ffi, text_ffi.fontconfig
    except (ImportError, AttributeError):
        return None
    config = fontconfig.FcInitLoadConfigAndFonts()
    try:
        fonts = fontconfig.FcConfigGetFonts(config, fontconfig.FcSetSystem)
        return 0 if fonts == ffi.NULL else int(fonts.nfont)
    finally:
        fontconfig.FcConfigDestroy(config)


def _missing(what: str, install: str) -> str:
    return (f"impossible de produire un PDF : {what}. Installez {install}. Ou bien écrivez la note en HTML "
            "(-o note.html) et imprimez-la depuis un navigateur (Imprimer, puis Enregistrer au format PDF) : "
            "c'est le même document.")
