"""From answers to a ranked, explained recommendation (scoring and ranking done in Python).

The engine only says which rules fired. Everything that depends on *all* the firings — scores,
exclusions, the chosen variant, confidence, the "nothing fits" fallback — is computed here, because
durable-rules cannot retract a queued activation (engine-notes §7). No form or rule is named in
this module: weights, thresholds and texts come from the knowledge base.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from .answers import Answers, iter_unknown, normalise
from .engine import ASK_PREFIX, Engine
from .knowledge import KnowledgeBase, load_knowledge_base
from .models import Form, Question, Rule
from .recommendation import (
    Confidence,
    ExcludedForm,
    KnowledgeBaseInfo,
    OtherForm,
    RankedForm,
    Reason,
    Recommendation,
    SheetRef,
)

LEVELS: tuple[Confidence, ...] = ("faible", "moyenne", "forte")


class Consultant(Protocol):
    """Anything that says which rules and relevance conditions hold (engine or reference)."""

    def consult(self, answers: Mapping[str, Any]) -> set[str]: ...


class Advisor:
    """The library's entry point: one knowledge base, one engine.

    Args:
        kb: a loaded knowledge base (the packaged one when omitted).
        consultant: what evaluates the rules (the durable-rules engine by default; tests may pass
            the plain-Python reference evaluator).
    """

    def __init__(self, kb: KnowledgeBase | None = None, consultant: Consultant | None = None) -> None:
        self.kb = kb if kb is not None else load_knowledge_base()
        self.consultant: Consultant = consultant if consultant is not None else Engine(self.kb)
        self._form_order = list(self.kb.forms)

    # --- questions ----------------------------------------------------------------------

    def validate(self, raw: Mapping[Any, Any]) -> Answers:
        """Normalise raw answers; raises ``AnswerError`` naming the question and allowed values."""
        return normalise(self.kb, raw)

    def settle(self, answers: Mapping[str, Any]) -> tuple[Answers, list[str], set[str]]:
        """Drop answers whose question no longer applies, until stable.

        Returns:
            (kept answers, dropped question ids, names that fired on the kept answers).
        """
        kept = dict(answers)
        dropped: list[str] = []
        while True:
            fired = self.consultant.consult(kept)
            stale = [qid for qid in kept if not self._relevant(qid, fired)]
            if not stale:
                return kept, dropped, fired
            for qid in stale:
                del kept[qid]
            dropped += stale

    def _relevant(self, qid: str, fired: set[str]) -> bool:
        return self.kb.questions[qid].relevant_if is None or ASK_PREFIX + qid in fired

    def relevant_questions(self, answers: Mapping[str, Any]) -> list[Question]:
        """Every question that applies given these (normalised) answers, in order."""
        kept, _, fired = self.settle(answers)
        return [q for q in self.kb.questions.values() if self._relevant(q.id, fired)]

    def next_question(self, answers: Mapping[str, Any]) -> Question | None:
        """The next relevant question not answered yet, or ``None`` when the interview is complete."""
        return next((q for q in self.relevant_questions(answers) if q.id not in answers), None)

    # --- advice -------------------------------------------------------------------------

    def advise(self, raw: Mapping[Any, Any]) -> Recommendation:
        """Validate the answers and return the ranked, explained recommendation.

        Raises:
            AnswerError: an answer does not fit its question.
            EngineError: the rules engine failed.
        """
        answers, dropped, fired = self.settle(self.validate(raw))
        rules = [r for r in self.kb.rules if r.id in fired]
        unknown = list(iter_unknown(answers))
        ranked, excluded, others = [], [], []
        for form in self.kb.forms.values():
            own = [r for r in rules if self.kb.rule_form[r.id] == form.id]
            blockers = [r for r in own if r.effect == "excludes"]
            if blockers:
                excluded.append(ExcludedForm(form=form.id, label=form.label, short_label=form.short_label,
                                             reasons=[_reason(r) for r in blockers], sheet=self._sheet(form)))
            elif any(r.effect == "supports" for r in own):
                ranked.append(self._rank(form, own, unknown))
            else:
                others.append(OtherForm(form=form.id, label=form.label, short_label=form.short_label,
                                        sheet=self._sheet(form)))
        ranked.sort(key=lambda f: (-f.score, self._form_order.index(f.form)))
        scoring = self.kb.meta.scoring
        if len(ranked) >= 2 and ranked[0].score - ranked[1].score < scoring.close_margin:
            ranked[0] = ranked[0].model_copy(update={"confidence": _lower(ranked[0].confidence)})
        no_fit = not ranked or ranked[0].score < scoring.min_score
        if no_fit:
            next_steps = list(self.kb.meta.no_fit.next_steps)
        else:
            top = self.kb.forms[ranked[0].form]
            next_steps = _unique(top.next_steps + [s for r in rules if self.kb.rule_form[r.id] == top.id
                                                   and r.effect != "excludes" for s in r.next_steps])
        meta = self.kb.meta
        return Recommendation(
            recommendations=ranked, excluded=excluded, other_forms=others,
            warnings=[w for f in ranked for w in f.warnings],
            next_steps=next_steps, first_steps=list(meta.first_steps),
            no_clear_fit=no_fit, no_fit_message=meta.no_fit.message if no_fit else None,
            answers=answers, ignored_answers=dropped, unknown_answers=unknown,
            knowledge_base=KnowledgeBaseInfo(title=meta.title, version=meta.version,
                                             facts_checked_on=meta.facts_checked_on, facts_as_of=meta.facts_as_of),
        )

    def _rank(self, form: Form, own: list[Rule], unknown: list[str]) -> RankedForm:
        supports = [r for r in own if r.effect == "supports"]
        weakens = [r for r in own if r.effect == "weakens"]
        score = sum(r.weight or 0 for r in supports) - sum(r.weight or 0 for r in weakens)
        selectors = sorted((r for r in own if r.effect == "selects_variant"), key=lambda r: -(r.weight or 0))
        variant_id = selectors[0].variant if selectors else form.default_variant
        variant = form.variant(variant_id) if variant_id else None
        warnings = [r for r in own if r.effect == "warns" and r.variant in (None, variant_id)]
        touched = set().union(*(r.when.questions() for r in self.kb.rules_of(form.id)))
        unknown_here = [q for q in unknown if q in touched]
        scoring = self.kb.meta.scoring
        level = 2 if score >= scoring.strong_score else 1 if score >= scoring.medium_score else 0
        confidence = LEVELS[max(0, level - (1 if unknown_here else 0))]
        return RankedForm(
            form=form.id, label=form.label, short_label=form.short_label, family=form.family,
            variant=variant.id if variant else None, variant_label=variant.label if variant else None,
            variant_reason=_reason(selectors[0]) if selectors else None,
            score=score, confidence=confidence,
            reasons=[_reason(r) for r in sorted(supports, key=lambda r: -(r.weight or 0))],
            against=[_reason(r) for r in sorted(weakens, key=lambda r: -(r.weight or 0))],
            warnings=[_reason(r) for r in warnings], unknown_questions=unknown_here, sheet=self._sheet(form),
        )

    def _sheet(self, form: Form) -> SheetRef:
        sheet = self.kb.sheets.get(form.sheet)
        title = sheet.title if sheet else form.label
        return SheetRef(id=form.sheet, title=title, path=f"sheets/{form.sheet}.md",
                        command=f"advisor sheets show {form.sheet}")


def _reason(rule: Rule) -> Reason:
    return Reason(rule=rule.id, text=rule.reason, weight=rule.weight, references=list(rule.references))


def _lower(level: Confidence) -> Confidence:
    return LEVELS[max(0, LEVELS.index(level) - 1)]


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
