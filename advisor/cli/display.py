"""Plain-text rendering of results for the terminal (French), with optional colours."""

from __future__ import annotations

from typing import Any

import click

from ..knowledge.base import KnowledgeBase
from ..reasoning.result import Reason, Recommendation

BAR_WIDTH = 20
CONFIDENCE_COLORS = {"forte": "green", "moyenne": "yellow", "faible": "red"}


class Style:
    """Applies colours only when asked (``--no-color``, ``NO_COLOR`` and pipes turn them off)."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, **styles: Any) -> str:
        return click.style(text, **styles) if self.color else text


def score_bar(score: int, best: int) -> str:
    """A text bar proportional to the score (the best score fills the bar)."""
    filled = round(BAR_WIDTH * max(score, 0) / best) if best > 0 else 0
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def _reason_line(reason: Reason, sign: str) -> str:
    refs = " ; ".join(r.label for r in reason.references)
    return f"   {sign} {reason.text}" + (f"\n     Réf. : {refs}" if refs else "")


def format_recommendation(rec: Recommendation, kb: KnowledgeBase, color: bool = False) -> str:
    """The full verdict as readable text."""
    s = Style(color)
    lines: list[str] = []
    info = rec.knowledge_base
    if info.stale:
        lines += [s(f"Attention : {info.stale_message}", bold=True, fg="yellow"), ""]
    if rec.alerts:
        lines.append(s("Échéances à connaître", bold=True))
        lines += [f" ! {a.date:%d/%m/%Y} : {a.text}" for a in rec.alerts]
        lines.append("")
    if rec.no_clear_fit:
        lines += [s("Aucune forme ne se dégage clairement.", bold=True, fg="yellow"), "", rec.no_fit_message or "", ""]
    best = max((f.score for f in rec.recommendations), default=0)
    if rec.recommendations:
        lines.append(s("Formes de coopération classées", bold=True))
    for rank, form in enumerate(rec.recommendations, start=1):
        variant = f" — {form.variant_label}" if form.variant_label else ""
        confidence = s(form.confidence, fg=CONFIDENCE_COLORS[form.confidence])
        lines.append(f"{rank}. {s(form.label, bold=True)}{variant}")
        lines.append(f"   {score_bar(form.score, best)} score {form.score} · confiance {confidence}")
        if rank == 1 and rec.tie:
            question = rec.tie.question
            separating = f" ; votre réponse à « {question.summary} » les départagerait" if question else ""
            lines.append(f"   Ex aequo : {' et '.join(rec.tie.labels)} ont le même score{separating}.")
        if form.variant_reason:
            lines.append(f"   Variante : {form.variant_reason.text}")
        elif kb.forms[form.form].variants and not form.variant:
            lines.append("   Variante : à préciser, les réponses ne permettent pas de la choisir.")
        lines += [_reason_line(r, "+") for r in (form.reasons if rank == 1 else form.reasons[:2])]
        lines += [_reason_line(r, "−") for r in (form.against if rank == 1 else form.against[:2])]
        if form.unknown_questions:
            names = ", ".join(kb.questions[q].summary.lower() for q in form.unknown_questions)
            lines.append(f"   ? Réponses inconnues qui comptent ici : {names}.")
        lines.append(f"   Fiche : advisor sheets show {form.sheet.id}")
        lines.append("")
    if rec.excluded:
        lines.append(s("Formes écartées", bold=True))
        for excluded in rec.excluded:
            lines.append(f" ✗ {excluded.label}")
            lines += [f"   {r.text}" for r in excluded.reasons]
        lines.append("")
    if rec.discouraged:
        lines.append(s("Formes déconseillées (les raisons contre l'emportent)", bold=True))
        for form in rec.discouraged:
            lines.append(f" − {form.label}")
            lines += [_reason_line(r, "−") for r in form.against]
            lines += [_reason_line(r, "+") for r in form.reasons]
        lines.append("")
    if rec.other_forms:
        lines.append("Sans lien avec vos réponses : " + ", ".join(f.short_label for f in rec.other_forms) + ".")
        lines.append("")
    if rec.warnings:
        lines.append(s("Points de vigilance", bold=True))
        lines += [f" ! {w.text}" for w in rec.warnings]
        lines.append("")
    if rec.recommendations and not rec.no_clear_fit:
        if rec.robustness.robust:
            note = ("aucune réponse « je ne sais pas » ne pourrait changer la forme recommandée."
                    if rec.unknown_answers else "toutes les questions utiles ont une réponse.")
            lines.append(s("Solidité : ", bold=True) + "recommandation robuste, " + note)
        else:
            names = " ; ".join(d.summary.lower() for d in rec.robustness.depends_on)
            lines.append(s("Solidité : ", bold=True) + f"la recommandation dépend de : {names} (tant que ces réponses "
                         "restent inconnues, elle reste incertaine).")
        lines.append("")
    if rec.changes is not None:
        lines.append(s("Ce qui changerait la recommandation", bold=True))
        lines += [f" → {c.statement}" for c in rec.changes] or [" Aucun changement d'une ou deux réponses ne la "
                                                               "modifierait."]
        lines.append("")
    lines.append(s("Prochaines étapes", bold=True))
    lines += [f" {i}. {step}" for i, step in enumerate(rec.next_steps, start=1)]
    if rec.ignored_answers:
        names = ", ".join(kb.questions[q].summary.lower() for q in rec.ignored_answers)
        lines += ["", f"Réponses ignorées car leur question ne s'applique plus : {names}."]
    lines += ["", s(f"Conseil établi selon le droit au {rec.as_of:%d/%m/%Y}. Base de connaissances {info.version}, "
                    f"faits vérifiés le {info.facts_checked_on:%d/%m/%Y} (état du droit au {info.facts_as_of}).",
                    dim=True)]
    return "\n".join(lines)
