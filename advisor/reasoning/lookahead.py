"""What the questions not answered yet could still change: the recommended form, its variant, the warnings.

The trap this module guards (issue 12): a one-step look-ahead, which tries each remaining question
alone, said « nothing can change any more » while two answers together (whether the work splits
and who guarantees it) still switched the GME variant, and while an answer could open follow-up
questions that could. The search here tries combinations of remaining answers, follow-up
questions included, by growing size (every single answer, then every pair…), each combination
once (questions taken in file order), on the fast reference evaluator. Past ``MAX_TRIALS`` it
stops and reports « may still change » for whatever it has not settled, rather than claim a
certainty it does not have.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..knowledge.models import UNKNOWN, Condition, Question
from .conditions import Predicate, predicate
from .whatif import Outcomes, alternative_values

if TYPE_CHECKING:
    from ..knowledge.base import KnowledgeBase

MAX_TRIALS = 2000  # hypothetical answer sets tried: at most about 0.3 s on the reference evaluator


@dataclass(frozen=True)
class StillOpen:
    """What answering the remaining questions could still change (``True``: it may).

    Once the form may change, the variant and the warnings are not searched (reported as « may »):
    the recommendation itself is still open.
    """

    form: bool
    variant: bool
    warnings: bool

    @property
    def verdict(self) -> bool:
        """Whether the recommended form or its variant may still change."""
        return self.form or self.variant


def still_open(advisor: Outcomes, answers: Mapping[str, Any]) -> StillOpen:
    """What the questions that apply and have no answer in ``answers`` could still change.

    ``answers`` are normalised; a question answered « je ne sais pas » counts as answered.
    """
    searcher = advisor.searcher
    kb = advisor.kb
    position = {qid: i for i, qid in enumerate(kb.questions)}
    choices = _Choices(kb)
    base = _state(searcher, answers)
    found = [False, False, False]
    trials = 0
    frontier: list[tuple[dict[str, Any], int]] = [(dict(answers), 0)]
    while frontier and not _enough(found):
        grown: list[tuple[dict[str, Any], int]] = []
        for hypothesis, start in frontier:
            for question in searcher.relevant_questions(hypothesis):
                if question.id in hypothesis or question.type == "text" or position[question.id] < start:
                    continue
                for value in choices.values(question):
                    trials += 1
                    if trials > MAX_TRIALS:  # not settled in time: say « may still change »
                        return StillOpen(True, True, True)
                    trial = {**hypothesis, question.id: value}
                    state = _state(searcher, trial)
                    found = [f or now != then for f, now, then in zip(found, state, base, strict=True)]
                    if _enough(found):
                        return StillOpen(True, True, True) if found[0] else StillOpen(*found)
                    grown.append((trial, position[question.id] + 1))
        frontier = grown
    return StillOpen(*found)


def _enough(found: list[bool]) -> bool:
    """Whether the search can stop: the form may change, or everything else may."""
    return found[0] or (found[1] and found[2])


class _Choices:
    """The answers worth trying for each question: one per distinct effect on the conditions.

    Two answers that make every test on the question (rules and relevance) come out the same are
    interchangeable, and an answer that tests like no answer at all adds nothing: a combination
    without the question covers it. This keeps the search small (eleven partners, say, are a few
    distinct answers for the rules).
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._tests: dict[str, list[Predicate]] = {}
        for cond in [r.when for r in kb.rules] + [c for _, c in kb.question_conditions()]:
            for test in _tests(cond):
                if test.question is not None:
                    self._tests.setdefault(test.question, []).append(predicate(test))
        self._cache: dict[str, list[Any]] = {}

    def values(self, question: Question) -> list[Any]:
        if question.id not in self._cache:
            tests = self._tests.get(question.id, [])
            candidates = alternative_values(self.kb, question, None)
            if question.type == "multiple":
                candidates.append([c.id for c in question.choices])
            if question.allow_unknown:
                candidates.append(UNKNOWN)
            seen = {tuple(t({}) for t in tests)}  # what no answer gives
            kept = []
            for value in candidates:
                signature = tuple(t({question.id: value}) for t in tests)
                if signature not in seen:
                    seen.add(signature)
                    kept.append(value)
            self._cache[question.id] = kept
        return self._cache[question.id]


def _tests(cond: Condition) -> Iterator[Condition]:
    """Every test of a question inside a condition."""
    if cond.question is not None:
        yield cond
    for child in cond.children():
        yield from _tests(child)


def _state(advisor: Outcomes, answers: Mapping[str, Any]) -> tuple[Any, Any, frozenset[str]]:
    """(form, variant, warning rules of the forms not excluded) for hypothetical answers."""
    kept, _, fired = advisor.settle(answers)
    form, variant = advisor.verdict(fired)
    kb = advisor.kb
    excluded = {kb.rule_form[r.id] for r in kb.rules if r.id in fired and r.effect == "excludes"}
    warnings = frozenset(r.id for r in kb.rules
                         if r.id in fired and r.effect == "warns" and kb.rule_form[r.id] not in excluded)
    return form, variant, warnings
