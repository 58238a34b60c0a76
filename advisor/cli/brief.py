"""« En bref »: the verdict and its confidence in a few lines, where an 80×24 terminal shows them.

A full recommendation is longer than a screen. ``advisor recommend`` prints this block first (a
pager then opens on it) and ``advisor ask`` prints it last (the screen ends on it), so that the
recommended form and how sure it is are visible without scrolling.
"""

from __future__ import annotations

from ..reasoning.result import Recommendation
from .display import CONFIDENCE_COLORS, Style

OTHERS_SHOWN = 2


def format_brief(rec: Recommendation, color: bool = False) -> str:
    """The short verdict block, in French: form and variant, confidence and solidity, what comes next."""
    s = Style(color)
    lines = [s("En bref", bold=True)]
    top = rec.top
    if top is None:
        closest = rec.recommendations[0] if rec.recommendations else None
        lines.append(s("Aucune forme ne se dégage clairement.", fg="yellow")
                     + (f" Piste la plus proche : {closest.label} (score {closest.score})." if closest else ""))
    else:
        variant = f", variante « {top.variant_label} »" if top.variant_label else ""
        lines.append("Forme recommandée : " + s(top.label, bold=True) + variant + ".")
        solidity = ("recommandation robuste" if rec.robustness.robust
                    else "elle dépend de réponses « je ne sais pas »")
        lines.append(f"Confiance : {s(top.confidence, fg=CONFIDENCE_COLORS[top.confidence])} ; {solidity}.")
        others = rec.recommendations[1:1 + OTHERS_SHOWN]
        if others:
            lines.append("Autres pistes : " + ", ".join(f"{f.short_label} (score {f.score})" for f in others) + ".")
        lines.append(f"Fiche : advisor sheets show {top.sheet.id}")
    return "\n".join(lines)
