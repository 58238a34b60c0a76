"""Fired rules → scores, variant, confidence, exclusions → a ``Recommendation``.

The engine only says which rules fired. Everything that depends on *all* the firings — scores,
exclusions, the chosen variant, confidence, the "nothing fits" fallback — is computed here, because
durable-rules cannot retract a queued activation (engine-notes §7). No form or rule is named in
this module: weights, thresholds and texts come from the knowledge base.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..knowledge.models import Form, Rule, Scoring
from .answers import Answers, iter_unknown
from .result import (
    Confidence,
    ExcludedForm,
    KnowledgeBaseInfo,
    OtherForm,
    RankedForm,
    Reason,
    Recommendation,
    Robustness,
    SheetRef,
)

if TYPE_CHECKING:
    from ..knowledge.base import KnowledgeBase

LEVELS: tuple[Confidence, ...] = ("faible", "moyenne", "forte")


class Verdict:
    """Scores and ranks the forms of a knowledge base from the rules that fired."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._form_order = list(kb.forms)

    def outcome(self, fired: set[str]) -> tuple[str | None, str | None]:
        """(recommended form, its variant) from what fired on settled answers; ``(None, None)`` if nothing fits."""
        tallies = [(form, self._tally(form, fired)) for form in self.kb.forms.values()]
        ranked = [(t[0], form, t[1]) for form, t in tallies if t is not None]
        if not ranked:
            return None, None
        score, form, variant = min(ranked, key=lambda r: (-r[0], self._form_order.index(r[1].id)))
        return (form.id, variant) if score >= self.kb.meta.scoring.min_score else (None, None)

    def _tally(self, form: Form, fired: set[str]) -> tuple[int, str | None] | None:
        """(score, variant) of a form in play, or ``None`` if it is excluded or unsupported."""
        own = [r for r in self.kb.rules_of(form.id) if r.id in fired]
        if any(r.effect == "excludes" for r in own) or not any(r.effect == "supports" for r in own):
            return None
        score = _score(own)
        return (score, _variant(form, own)) if score > 0 else None

    def recommendation(self, answers: Answers, fired: set[str], dropped: list[str], robustness: Robustness,
                       questions: list[str]) -> Recommendation:
        """The ranked, explained recommendation for settled answers and the rules that fired on them.

        Args:
            answers: the settled answers (those whose question applies).
            fired: ids of the rules that hold on them.
            dropped: ids of the questions whose answers were dropped as no longer applying.
            robustness: whether a « je ne sais pas » could change the recommended form.
            questions: ids of the questions that apply, in order.
        """
        rules = [r for r in self.kb.rules if r.id in fired]
        unknown = list(iter_unknown(answers))
        ranked, excluded, others = [], [], []
        for form in self.kb.forms.values():
            own = [r for r in rules if self.kb.rule_form[r.id] == form.id]
            blockers = [r for r in own if r.effect == "excludes"]
            if blockers:
                excluded.append(ExcludedForm(form=form.id, label=form.label, short_label=form.short_label,
                                             reasons=[_reason(r) for r in blockers], sheet=self._sheet(form)))
            elif any(r.effect == "supports" for r in own) and _score(own) > 0:
                ranked.append(self._rank(form, own, unknown))
            else:
                others.append(OtherForm(form=form.id, label=form.label, short_label=form.short_label,
                                        sheet=self._sheet(form)))
        ranked.sort(key=lambda f: (-f.score, self._form_order.index(f.form)))
        scoring = self.kb.meta.scoring
        no_fit = not ranked or ranked[0].score < scoring.min_score
        if ranked:
            top = ranked[0]
            # For the top form, unknown answers cost a level only if one of them could put another
            # form first (robustness); a close second costs another.
            level = _level(top.score, scoring)
            if len(ranked) >= 2 and top.score - ranked[1].score < scoring.close_margin:
                level -= 1
            if not robustness.robust:
                level -= 1
            ranked[0] = top.model_copy(update={"confidence": LEVELS[max(0, level)]})
        if no_fit:
            next_steps = list(self.kb.meta.no_fit.next_steps)
        else:
            best = self.kb.forms[ranked[0].form]
            next_steps = _unique(best.next_steps + [s for r in rules if self.kb.rule_form[r.id] == best.id
                                                    and r.effect != "excludes" for s in r.next_steps])
        meta = self.kb.meta
        return Recommendation(
            recommendations=ranked, excluded=excluded, other_forms=others,
            warnings=[w for f in ranked for w in f.warnings],
            next_steps=next_steps, first_steps=list(meta.first_steps),
            no_clear_fit=no_fit, no_fit_message=meta.no_fit.message if no_fit else None,
            robustness=robustness,
            answers=answers, questions=questions, ignored_answers=dropped, unknown_answers=unknown,
            knowledge_base=KnowledgeBaseInfo(title=meta.title, version=meta.version,
                                             facts_checked_on=meta.facts_checked_on, facts_as_of=meta.facts_as_of),
        )

    def _rank(self, form: Form, own: list[Rule], unknown: list[str]) -> RankedForm:
        supports = [r for r in own if r.effect == "supports"]
        weakens = [r for r in own if r.effect == "weakens"]
        score = _score(own)
        selectors = _selectors(own)
        variant_id = _variant(form, own)
        variant = form.variant(variant_id) if variant_id else None
        warnings = [r for r in own if r.effect == "warns" and r.variant in (None, variant_id)]
        touched = set().union(*(r.when.questions() for r in self.kb.rules_of(form.id)))
        unknown_here = [q for q in unknown if q in touched]
        level = _level(score, self.kb.meta.scoring) - (1 if unknown_here else 0)
        return RankedForm(
            form=form.id, label=form.label, short_label=form.short_label, family=form.family,
            variant=variant.id if variant else None, variant_label=variant.label if variant else None,
            variant_reason=_reason(selectors[0]) if selectors else None,
            score=score, confidence=LEVELS[max(0, level)],
            reasons=[_reason(r) for r in sorted(supports, key=lambda r: -(r.weight or 0))],
            against=[_reason(r) for r in sorted(weakens, key=lambda r: -(r.weight or 0))],
            warnings=[_reason(r) for r in warnings], unknown_questions=unknown_here, sheet=self._sheet(form),
        )

    def _sheet(self, form: Form) -> SheetRef:
        sheet = self.kb.sheets.get(form.sheet)
        title = sheet.title if sheet else form.label
        return SheetRef(id=form.sheet, title=title, path=f"sheets/{form.sheet}.md")



def _reason(rule: Rule) -> Reason:
    return Reason(rule=rule.id, text=rule.reason, weight=rule.weight, references=list(rule.references))


def _score(own: list[Rule]) -> int:
    signs = {"supports": 1, "weakens": -1}
    return sum((r.weight or 0) * signs[r.effect] for r in own if r.effect in signs)


def _selectors(own: list[Rule]) -> list[Rule]:
    """Variant-selecting rules that fired, strongest first (file order breaks ties)."""
    return sorted((r for r in own if r.effect == "selects_variant"), key=lambda r: -(r.weight or 0))


def _variant(form: Form, own: list[Rule]) -> str | None:
    selectors = _selectors(own)
    return selectors[0].variant if selectors else form.default_variant


def _level(score: int, scoring: Scoring) -> int:
    """Index in LEVELS for a score."""
    return 2 if score >= scoring.strong_score else 1 if score >= scoring.medium_score else 0


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
