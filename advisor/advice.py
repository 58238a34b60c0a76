"""From answers to a ranked, explained recommendation (scoring and ranking done in Python).

The engine only says which rules fired. Everything that depends on *all* the firings — scores,
exclusions, the chosen variant, confidence, the "nothing fits" fallback — is computed here, because
durable-rules cannot retract a queued activation (engine-notes §7). No form or rule is named in
this module: weights, thresholds and texts come from the knowledge base.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Protocol

from .answers import Answers, iter_unknown, normalise
from .conditions import predicate
from .engine import Engine
from .knowledge import KnowledgeBase, load_knowledge_base
from .models import Form, Question, Rule, Scoring
from .recommendation import (
    Confidence,
    ExcludedForm,
    KnowledgeBaseInfo,
    OtherForm,
    QuestionRef,
    RankedForm,
    Reason,
    Recommendation,
    Robustness,
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

    def __init__(self, kb: KnowledgeBase | None = None, consultant: Consultant | None = None,
                 order: Literal["smart", "file"] = "smart") -> None:
        self.kb = kb if kb is not None else load_knowledge_base()
        self.consultant: Consultant = consultant if consultant is not None else Engine(self.kb)
        self.order = order
        self._form_order = list(self.kb.forms)
        self._relevance = {qid: predicate(cond) for qid, cond in self.kb.question_conditions()}
        self._searcher: Advisor | None = None

    @property
    def searcher(self) -> Advisor:
        """The same advisor on the plain-Python evaluator, ten times faster than durable-rules.

        Used to explore many hypothetical answer sets (question order, what would change the
        verdict); every conclusion shown to a user is then re-checked on the engine.
        """
        from .reference import ReferenceEvaluator

        if self._searcher is None:
            fast = isinstance(self.consultant, ReferenceEvaluator)
            self._searcher = self if fast else Advisor(self.kb, ReferenceEvaluator(self.kb), self.order)
        return self._searcher

    # --- questions ----------------------------------------------------------------------

    def validate(self, raw: Mapping[Any, Any]) -> Answers:
        """Normalise raw answers; raises ``AnswerError`` naming the question and allowed values."""
        return normalise(self.kb, raw)

    def settle(self, answers: Mapping[str, Any]) -> tuple[Answers, list[str], set[str]]:
        """Drop answers whose question no longer applies, then consult the rules once.

        Returns:
            (kept answers, dropped question ids, rule ids that fired on the kept answers).
        """
        kept = self._applicable(answers)
        return kept, [qid for qid in answers if qid not in kept], self.consultant.consult(kept)

    def _applicable(self, answers: Mapping[str, Any]) -> Answers:
        # Relevance conditions only cite earlier questions (checked at load), so one pass in
        # question order settles them. They are questionnaire logic, evaluated in Python with the
        # same condition language as the rules; the engine only runs the rules.
        kept: Answers = {}
        for qid, question in self.kb.questions.items():
            if qid in answers and self._applies(question, kept):
                kept[qid] = answers[qid]
        return kept

    def _applies(self, question: Question, answers: Mapping[str, Any]) -> bool:
        holds = self._relevance.get(question.id)
        return holds is None or holds(answers)

    def relevant_questions(self, answers: Mapping[str, Any]) -> list[Question]:
        """Every question that applies given these (normalised) answers, in order."""
        kept = self._applicable(answers)
        return [q for q in self.kb.questions.values() if self._applies(q, kept)]

    def next_question(self, answers: Mapping[str, Any]) -> Question | None:
        """The next relevant question not answered yet, or ``None`` when the interview is complete.

        With ``order="smart"`` (the default), free-text questions (the structure's name…) come
        first, then the question whose possible answers would change the current verdict the most,
        so that interviews reach a stable recommendation sooner; ties keep the file order.
        With ``order="file"``, questions come in file order.
        """
        pending = [q for q in self.relevant_questions(answers) if q.id not in answers]
        if not pending or self.order == "file":
            return pending[0] if pending else None
        texts = [q for q in pending if q.type == "text"]
        if texts:
            return texts[0]
        return max(pending, key=lambda q: (self.searcher._separation(answers, q), -pending.index(q)))

    def can_still_change(self, answers: Mapping[str, Any]) -> bool:
        """Whether answering one of the remaining questions could still change the verdict.

        A one-step look-ahead: when it is false, the interview may offer to stop early (the
        remaining questions would only refine warnings and confidence).
        """
        pending = [q for q in self.relevant_questions(answers) if q.id not in answers and q.type != "text"]
        return any(self.searcher._separation(answers, q)[1] for q in pending)

    def _separation(self, answers: Mapping[str, Any], question: Question) -> tuple[int, int]:
        """(distinct verdicts over the question's answers, how many of them differ from the current one)."""
        from .explain import alternative_values

        current = self.outcome(answers)
        verdicts = [self.outcome({**answers, question.id: value})
                    for value in alternative_values(self.kb, question, None)]
        return len(set(verdicts)), sum(v != current for v in verdicts)

    # --- advice -------------------------------------------------------------------------

    def advise(self, raw: Mapping[Any, Any], explain: bool = False) -> Recommendation:
        """Validate the answers and return the ranked, explained recommendation.

        Args:
            raw: the answers, as given by a person or a tool.
            explain: also compute what would change the verdict (slower: one consultation per
                possible alternative answer; batch processing leaves it off).

        Raises:
            AnswerError: an answer does not fit its question.
            EngineError: the rules engine failed.
        """
        answers, dropped, fired = self.settle(self.validate(raw))
        rec = self._build(answers, fired, dropped)
        if explain:
            from .explain import what_would_change

            rec = rec.model_copy(update={"changes": what_would_change(self, rec)})
        return rec

    def outcome(self, answers: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """(recommended form, its variant) for normalised answers; ``(None, None)`` when nothing fits."""
        return self.verdict(self.settle(answers)[2])

    def verdict(self, fired: set[str]) -> tuple[str | None, str | None]:
        """(recommended form, its variant) from what fired on settled answers."""
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

    def _build(self, answers: Answers, fired: set[str], dropped: list[str]) -> Recommendation:
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
        robustness = self._robustness(answers, unknown, fired)
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
            answers=answers, ignored_answers=dropped, unknown_answers=unknown,
            knowledge_base=KnowledgeBaseInfo(title=meta.title, version=meta.version,
                                             facts_checked_on=meta.facts_checked_on, facts_as_of=meta.facts_as_of),
        )

    def _robustness(self, answers: Answers, unknown: list[str], fired: set[str]) -> Robustness:
        """Whether any possible answer to a « je ne sais pas » would change the recommended form.

        Candidate answers are screened on the fast evaluator; an answer that would change the
        verdict is confirmed on the engine before the recommendation is called fragile.
        """
        from .explain import alternative_values

        if not unknown:
            return Robustness(robust=True)
        base = self.verdict(fired)[0]
        fast = self.searcher
        depends = []
        for qid in unknown:
            for value in alternative_values(self.kb, self.kb.questions[qid], None):
                changed = {**answers, qid: value}
                if fast.outcome(changed)[0] != base and self.outcome(changed)[0] != base:
                    depends.append(qid)
                    break
        return Robustness(robust=not depends, depends_on=[
            QuestionRef(question=qid, summary=self.kb.questions[qid].summary, text=self.kb.questions[qid].text)
            for qid in depends])

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
        return SheetRef(id=form.sheet, title=title, path=f"sheets/{form.sheet}.md",
                        command=f"advisor sheets show {form.sheet}")


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
