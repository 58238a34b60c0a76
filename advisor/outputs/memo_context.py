"""What the memo templates lay out, gathered from a finished ``Recommendation`` and the knowledge base.

No wording lives here (the templates phrase everything) and nothing is advised again: the memo only
picks, orders and groups what the recommendation already says. Each fact is gathered once, for the
one section that shows it (« En bref » is the only summary).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, get_args
from urllib.parse import urlsplit

from markupsafe import Markup

from ..knowledge.models import UNKNOWN, Confidence, Question, Reference
from ..knowledge.sheets import Sheet, Status
from ..reasoning.result import Alert, Reason, Recommendation
from ..wording import format_number
from .render import strip_sheet_links

if TYPE_CHECKING:
    from ..knowledge.base import KnowledgeBase

TEXT_BAR_WIDTH = 20
MIN_CHART_BARS = 3  # fewer bars say nothing a sentence (« GES 8 points, PTCE 4 points ») does not
OFFICIAL = "texte_officiel"
LEVELS: tuple[str, ...] = tuple(reversed(get_args(Confidence)))  # faible, moyenne, forte


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
    """One bar of the score chart (ranked forms only: a form without a score gets no bar)."""

    form: str
    label: str
    short_label: str
    score: int
    fraction: float
    text_bar: str
    padded_label: str


@dataclass(frozen=True)
class FirstCheck:
    """The one thing to check first, for « En bref ».

    ``kind``: alert (a dated alert), warning (from the answers), unknown (answers « je ne sais pas »
    the verdict depends on), sheet (the first vigilance point of the form's sheet, Markdown).
    """

    kind: str
    text: str = ""
    date: dt.date | None = None
    questions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Factor:
    """One fact behind the confidence level of the recommended form, for the templates to phrase.

    ``kind``: band (score against the thresholds), alone (no other form supported), ahead (the
    second is far enough), close (the second is within the margin), tie, unsure (depends on unknown
    answers), capped (a reason against caps it), deadline (a dated alert caps it).
    """

    kind: str
    score: int | None = None
    strong: int | None = None
    medium: int | None = None
    other: str | None = None
    gap: int | None = None
    level: str | None = None
    date: dt.date | None = None
    questions: list[str] = field(default_factory=list)
    costs: bool = False  # close, tie, unsure: it took a level off (never below « faible »)


@dataclass(frozen=True)
class OfficialText:
    """An official text the memo rests on, with where to read it and when it was checked."""

    label: str
    article: str | None
    url: str | None
    checked_on: dt.date


@dataclass(frozen=True)
class OfficialSource:
    """The official texts read at one address (a code holds many articles); ``checked_on`` when they were
    all checked the same day (else each text gives its own date)."""

    url: str | None
    checked_on: dt.date | None
    texts: list[OfficialText]


@dataclass(frozen=True)
class ContactLine:
    """Someone to contact, with the site's host name for print (a full address rarely fits a line)."""

    name: str
    role: str
    url: str | None
    host: str | None


@dataclass(frozen=True)
class SheetSummary:
    """A sheet in the annex: its « En bref », plus, for the recommended form, what the body left to it
    (its general vigilance points, its timeline, and its « cadre en évolution » when dated alerts
    already say it)."""

    sheet: Sheet
    summary: list[str]
    vigilance: list[str] = field(default_factory=list)
    setup: list[str] = field(default_factory=list)
    status: Status | None = None


@dataclass(frozen=True)
class Byline:
    """Who prepared the memo, how to reach them, and for whom (a key of ``memo.READERS``)."""

    prepared_by: str | None = None
    contact: str | None = None
    reader: str | None = None


def memo_context(kb: KnowledgeBase, rec: Recommendation, *, description: str | None = None,
                 today: dt.date | None = None, full: bool = False, byline: Byline | None = None,
                 readers: dict[str, str] | None = None, html: bool = False) -> dict[str, Any]:
    """Everything the memo templates use (no wording: only data from the result and the kb).

    ``html`` tells the shared phrases how to escape user text (autoescaped HTML, or Markdown).
    """
    top = rec.top
    form = kb.forms[top.form] if top else None
    sheet = kb.sheet_for(top.form) if top else None
    identity, situation = _situation(kb, rec)
    others = rec.recommendations[1:] if top else rec.recommendations
    vigilance = _bullets(sheet, "Points de vigilance")
    setup = _bullets(sheet, "Mise en place")
    byline = byline or Byline()
    memo_date = today or rec.as_of
    in_play = rec.recommendations
    # A framework « en évolution » is what the form's dated alerts already say, with their dates.
    status = sheet.meta.status if sheet and top and not any(a.form == top.form for a in rec.alerts) else None
    moved = sheet.meta.status if sheet and status is None else None
    return {
        "kb": kb, "meta": kb.meta, "rec": rec, "info": rec.knowledge_base, "top": top, "form": form,
        "variant": form.variant(top.variant) if form and top and top.variant else None,
        "sheet": sheet, "status": status, "others": others, "identity": identity, "situation": situation,
        "description": description, "today": memo_date, "full": full, "html": html,
        "byline": byline, "reader": (readers or {}).get(byline.reader or ""),
        "ignored": [kb.questions[q] for q in rec.ignored_answers],
        "unknown_here": [kb.questions[q] for q in top.unknown_questions] if top else [],
        "unanswered": [line.question for line in situation if line.kind == "unanswered"],
        "warnings": top.warnings if top else rec.warnings,
        "vigilance": vigilance, "setup": setup,
        "check": first_check(rec, vigilance), "factors": confidence_factors(kb, rec),
        "step": rec.next_steps[0] if rec.next_steps else None,
        "contacts": [ContactLine(c.name, c.role, c.url, _host(c.url)) for c in sheet.meta.contacts] if sheet else [],
        "official": official_texts(rec, sheet, full=full),
        # the annex (--full): forms in play only
        "compared": [kb.forms[f.form] for f in in_play] if full and kb.meta.criteria else [],
        "chart": chart_rows(rec) if full else [],
        "summaries": [SheetSummary(kb.sheet_for(f.form), _bullets(kb.sheet_for(f.form), "En bref"),
                                   vigilance if f is top else [], setup if f is top else [],
                                   moved if f is top else None)
                      for f in in_play] if full else [],
        # the print footer's CSS strings (built here: autoescaping is for HTML, not for CSS)
        "css_date": Markup(_css_string(f"{memo_date:%d/%m/%Y}")),  # noqa: S704
        "css_version": Markup(_css_string(rec.knowledge_base.version)),  # noqa: S704
    }


def _situation(kb: KnowledgeBase, rec: Recommendation) -> tuple[list[AnswerLine], list[AnswerLine]]:
    """(free-text identity answers given, every other relevant question with its answer)."""
    identity: list[AnswerLine] = []
    situation: list[AnswerLine] = []
    for question in (kb.questions[qid] for qid in rec.questions):
        line = describe_answer(question, rec.answers.get(question.id))
        if question.type == "text":
            if line.kind not in ("unanswered", "unknown") and str(line.value).strip():
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
    """Bars for the ranked forms, best first — none when fewer than ``MIN_CHART_BARS`` forms have a score."""
    ranked = rec.recommendations
    if len(ranked) < MIN_CHART_BARS:
        return []
    best = max(f.score for f in ranked)
    width = max(len(f.short_label) for f in ranked)
    rows = []
    for f in ranked:
        fraction = max(f.score, 0) / best if best > 0 else 0.0
        filled = round(TEXT_BAR_WIDTH * fraction)
        rows.append(ChartRow(f.form, f.label, f.short_label, f.score, round(fraction, 4),
                             "█" * filled + "░" * (TEXT_BAR_WIDTH - filled), f.short_label.ljust(width)))
    return rows


def first_check(rec: Recommendation, vigilance: list[str]) -> FirstCheck | None:
    """The most important thing to check: the most urgent dated alert, else the first warning of the
    recommended form, else the unknown answers it depends on, else the sheet's first vigilance point."""
    if rec.alerts:
        alert = rec.alerts[0]
        return FirstCheck("alert", alert.text, date=alert.date)
    warnings = rec.top.warnings if rec.top else rec.warnings
    if warnings:
        return FirstCheck("warning", warnings[0].text)
    if not rec.robustness.robust:
        return FirstCheck("unknown", questions=[q.summary for q in rec.robustness.depends_on])
    if vigilance:
        return FirstCheck("sheet", vigilance[0])
    return None


def confidence_factors(kb: KnowledgeBase, rec: Recommendation) -> list[Factor]:
    """The facts of the result that explain the recommended form's confidence (thresholds from the kb)."""
    top = rec.top
    if top is None:
        return []
    scoring = kb.meta.scoring
    band = _band(top.score, scoring.strong_score, scoring.medium_score)
    level = LEVELS.index(band)  # the penalties below take a level each, as long as one is left
    factors = [Factor("band", score=top.score, strong=scoring.strong_score, medium=scoring.medium_score, level=band)]
    if len(rec.recommendations) < 2:
        factors.append(Factor("alone"))
    else:
        second = rec.recommendations[1]
        gap = top.score - second.score
        kind = "tie" if gap == 0 else "close" if gap < scoring.close_margin else "ahead"
        factors.append(Factor(kind, other=second.short_label, gap=gap, costs=kind != "ahead" and level > 0))
        level -= 1 if kind != "ahead" else 0
    if not rec.robustness.robust:
        factors.append(Factor("unsure", questions=[q.summary for q in rec.robustness.depends_on], costs=level > 0))
    for reason in top.against + top.warnings:
        if kb.rule(reason.rule).cap == top.confidence:
            factors.append(Factor("capped", level=top.confidence))
            break
    for alert in rec.alerts:
        if alert.form == top.form and _alert_cap(kb, alert) == top.confidence:
            factors.append(Factor("deadline", level=top.confidence, date=alert.date))
            break
    return factors


def _band(score: int, strong: int, medium: int) -> str:
    return LEVELS[2] if score >= strong else LEVELS[1] if score >= medium else LEVELS[0]


def _alert_cap(kb: KnowledgeBase, alert: Alert) -> str | None:
    horizon = kb.horizon(alert.horizon)
    return horizon.cap_after if alert.past else horizon.cap_before


def official_texts(rec: Recommendation, sheet: Sheet | None, *, full: bool = False) -> list[OfficialSource]:
    """The official texts behind what the memo shows, grouped by address: the legal bases of the sheet,
    then the official references (``kind: texte_officiel``) of the reasons, alerts, exclusions and
    « déconseillées » (with ``full``, of every ranked form) read at an address no legal basis gives —
    a reference to an article of a code the sheet already lists is cited by its reason, not twice here."""
    texts: dict[tuple[str, str | None], OfficialText] = {}
    for basis in sheet.meta.legal_bases if sheet else []:
        texts.setdefault((basis.text, basis.url), OfficialText(basis.text, basis.article, basis.url,
                                                               basis.checked_on))
    covered = {url for _, url in texts}
    for ref in _shown_references(rec, full):
        if ref.kind == OFFICIAL and (ref.url is None or ref.url not in covered):
            texts.setdefault((ref.label, ref.url), OfficialText(ref.label, None, ref.url, ref.checked_on))
    groups: dict[str | None, list[OfficialText]] = {}
    for text in texts.values():
        groups.setdefault(text.url, []).append(text)
    return [OfficialSource(url, items[0].checked_on if len({t.checked_on for t in items}) == 1 else None, items)
            for url, items in groups.items()]


def _shown_references(rec: Recommendation, full: bool) -> list[Reference]:
    reasons: list[Reason] = []
    forms = rec.recommendations if full else rec.recommendations[:1] if rec.top else []
    for ranked in forms:
        reasons += ranked.reasons + ranked.against + ranked.warnings
        reasons += [ranked.variant_reason] if ranked.variant_reason else []
    for discouraged in rec.discouraged:
        reasons += discouraged.against + discouraged.reasons
    for excluded in rec.excluded:
        reasons += excluded.reasons
    refs = [ref for reason in reasons for ref in reason.references]
    return refs + [ref for alert in rec.alerts for ref in alert.references]


def _host(url: str | None) -> str | None:
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


def _bullets(sheet: Sheet | None, section: str) -> list[str]:
    return [strip_sheet_links(b) for b in sheet.bullets(section)] if sheet else []


def _css_string(text: str) -> str:
    """A CSS string literal whatever the text (every non-alphanumeric character as a hex escape)."""
    return '"' + "".join(c if c.isalnum() and c.isascii() else f"\\{ord(c):06x}" for c in text) + '"'
