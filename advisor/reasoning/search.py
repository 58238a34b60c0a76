"""The search behind « what would change »: one changed answer, else two — exact, and fast.

The plain search settles every trial from scratch: each value of each question that applies, then,
when no single change alters the verdict, every pair (first change, second change) in that order,
up to ``MAX_TRIALS`` trials, keeping the first change found for each new verdict. This one returns
exactly the same changes, in the same order, with far less work:

- every trial is settled from the base answers (``neighbours.Neighbourhood``), re-evaluating only
  the rules the change can reach;
- a single change whose question surely keeps the verdict (``neighbours.Bounds``) is not evaluated;
- for pairs, the effect of each second change *alone* on the rules it reaches is computed once
  (``Profile``). When the two changes reach neither the same questions nor the same rules, the pair
  fires the first change's rules outside the second's reach plus the second change's own effect, so
  the pair's scores are known without evaluating anything, and a whole question of second changes is
  skipped when none of its values can put another form first;
- a pair met earlier in the other order (the same answers, however that trial was settled, composed
  or bounded) is not settled again: it can only reach a verdict already found, or none.
- a step differs from the base only in the rules and relevance conditions one of whose tests gives
  another result (for a toggled choice, a few rules): its groups of second changes, the shared rules a
  composition bounds or evaluates, and the failing tests of its ``Bounds`` are taken from the base
  everywhere else.

Skipped trials still count towards ``MAX_TRIALS``, so the search stops at the same place.

The tests compare this search with the plain one on generated situations (``test_whatif_incremental``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any, Protocol

from ..knowledge.models import Question
from .answers import Answers
from .composition import Composition, Profile, Step, Steps
from .neighbours import Bounds, Neighbourhood

if TYPE_CHECKING:
    from ..knowledge.base import KnowledgeBase

MAX_TRIALS = 1500
Outcome = tuple[str | None, str | None]
Values = Callable[[Question, Any], list[Any]]
"""The values worth trying for a question, given its current answer (``whatif.alternative_values``)."""


class Searcher(Protocol):
    """What the search needs of an advisor on the fast evaluator."""

    kb: KnowledgeBase

    def near(self, answers: Mapping[str, Any], fired: Iterable[str] | None = None) -> Neighbourhood: ...

    def verdict(self, fired: Iterable[str]) -> Outcome: ...

    def relevant_questions(self, answers: Mapping[str, Any]) -> list[Question]: ...


class Search:
    """The changes of one base answer set that alter its verdict, tried one by one, then two by two.

    Args:
        advisor: an advisor on the fast evaluator (``Advisor.searcher``).
        base_answers: settled, normalised answers.
        values: the values worth trying for a question (``whatif.alternative_values``).
        near: the base answers already settled (``advisor.near``), when known.
    """

    def __init__(self, advisor: Searcher, base_answers: dict[str, Any], values: Values,
                 near: Neighbourhood | None = None) -> None:
        self.advisor = advisor
        self.kb = advisor.kb
        self.base_answers = base_answers
        self.values = values
        self.near = near or advisor.near(base_answers)
        self.index = self.near.index
        self.base = advisor.verdict(self.near.fired)
        self.min_score = self.kb.meta.scoring.min_score
        self.trials = 0
        self.found: dict[Outcome, tuple[dict[str, Any], list[str]]] = {}
        """For each verdict reached, the first changed answers that reach it and the questions changed."""
        self.groups = self._groups(base_answers)
        self._singles: dict[tuple[str, int], frozenset[str]] = {}
        self._kept: dict[tuple[str, int], Answers] = {}
        self._changed: dict[tuple[str, int], list[str]] = {}  # singles: the questions whose kept answer changed
        self._touched: dict[tuple[str, int], frozenset[str]] = {}  # singles: the rules whose tests changed
        self._moved: dict[tuple[str, int], frozenset[str]] = {}  # steps: ``_moved_by``
        self._dropped: set[tuple[str, int]] = set()  # singles whose changed question no longer applies
        self._verdicts: dict[tuple[str, int], Outcome | None] = {}
        self._outcomes: dict[frozenset[str], Outcome] = {}  # many trials fire the same rules (a third, measured)
        self._base_values = dict(self.groups)
        self._base_facts = self.near.facts(self.near.kept)
        self._step_facts: tuple[tuple[str, int] | None, dict[str, Any]] = (None, {})
        self.composition = Composition(self.index, self.kb, self.base, self.near.fired, self._base_facts,
                                       self.min_score)
        self._position = {qid: n for n, (qid, _) in enumerate(self.groups)}
        self._value_index = {qid: {_hashable(v): n for n, v in enumerate(values)} for qid, values in self.groups}
        self._seen: dict[tuple[str, int], dict[str, list[Any]]] = {}  # each step searched: its second changes
        self._profiles: dict[str, Profile] = {}
        self._bounds: Bounds | None = None
        self._steps: dict[tuple[str, int], Step] = {}
        self._base_step: Step | None = None
        self._kept_steps: dict[str, Steps] = {}  # for each first question, its steps that keep the verdict
        self._unmoved: dict[tuple[str, str], bool] = {}  # (first, second) sharing no rule: ``keeps_all``

    def _groups(self, answers: Mapping[str, Any]) -> list[tuple[str, list[Any]]]:
        """(question, values to try) for every question that applies and may be varied, in order."""
        return [(q.id, self.values(q, answers.get(q.id))) for q in self.advisor.relevant_questions(answers)
                if q.what_if]

    def _record(self, changed: dict[str, Any], touched: list[str], target: Outcome | None) -> None:
        if target is not None and target != self.base and target not in self.found:
            self.found[target] = (changed, touched)

    def _single(self, qid: str, n: int, value: Any) -> frozenset[str]:
        """The rules that hold when the base's answer to ``qid`` becomes its ``n``-th value to try."""
        if (qid, n) not in self._singles:
            if qid in self.near.kept and not self.index.dependents.get(qid):
                # No relevance condition cites the question: only its own kept answer may change.
                kept = {**self.near.kept, qid: value}
                changed = [qid]
            else:
                kept = self.near.relevance.applicable({**self.base_answers, qid: value})
                changed = self.near.changed(kept)
            touched = self.near.touched(kept, changed)
            self._singles[(qid, n)] = frozenset(self.near.fire(kept, touched))
            self._changed[(qid, n)], self._touched[(qid, n)] = changed, frozenset(touched)
            self._kept[(qid, n)] = kept
            if qid not in kept:
                self._dropped.add((qid, n))
        return self._singles[(qid, n)]

    def _verdict(self, fired: AbstractSet[str]) -> Outcome:
        key = fired if isinstance(fired, frozenset) else frozenset(fired)
        if key not in self._outcomes:
            self._outcomes[key] = self.advisor.verdict(key)
        return self._outcomes[key]

    def _single_verdict(self, qid: str, n: int, value: Any) -> Outcome | None:
        if (qid, n) not in self._verdicts:
            fired = self._single(qid, n, value)
            self._verdicts[(qid, n)] = None if (qid, n) in self._dropped else self._verdict(fired)
        return self._verdicts[(qid, n)]

    # --- one change ---------------------------------------------------------------------------

    def singles(self) -> list[tuple[dict[str, Any], list[str], Outcome]]:
        """The verdicts one changed answer reaches: (changed answers, changed question, verdict)."""
        bounds = self._base_bounds()
        for qid, values in self.groups:
            for n, value in enumerate(values):
                self.trials += 1
                if not bounds.cannot_change(qid):
                    self._record({**self.base_answers, qid: value}, [qid], self._single_verdict(qid, n, value))
        return self.results()

    def _base_bounds(self) -> Bounds:
        if self._bounds is None:
            self._bounds = self.near.bounds(self.near.kept, self.near.fired, self.base, self.min_score)
        return self._bounds

    def results(self) -> list[tuple[dict[str, Any], list[str], Outcome]]:
        """What was found so far, in the order found."""
        return [(changed, touched, target) for target, (changed, touched) in self.found.items()]

    # --- two changes --------------------------------------------------------------------------

    def pairs(self) -> list[tuple[dict[str, Any], list[str], Outcome]]:
        """The verdicts two changed answers reach (the first ``MAX_TRIALS`` trials, singles included)."""
        for first, values in self.groups:
            for n, value in enumerate(values):
                if self.trials >= MAX_TRIALS:
                    return self.results()
                self._pairs_from(first, n, value)
        return self.results()

    def _pairs_from(self, first: str, n: int, value: Any) -> None:
        step = {**self.base_answers, first: value}
        fired = self._single(first, n, value)
        # Pairs are composed, and whole questions skipped, only from a step that keeps the verdict.
        keeps = self._single_verdict(first, n, value) == self.base
        kept = self._kept[(first, n)]
        settled = self._step(first, n) if keeps else None
        near: Neighbourhood | None = None  # pairs are settled from the step, not from the base (when needed)
        bounds: Bounds | None = None
        reach = self.index.reach
        groups = self._step_groups(first, step, kept, self._moved_by(first, n))
        self._seen[(first, n)] = self._base_values if groups is self.groups else dict(groups)
        for second, values in groups:
            if second == first:
                continue
            # Neither change decides whether the other question applies: the pair can be composed.
            independent = (second in self._base_values and second not in reach[first].questions
                           and first not in reach[second].questions)
            if independent and self._position[second] < self._position[first]:
                # Each pair was tried, in the other order, from the steps of ``second``: same answers.
                self.trials = min(self.trials + len(values), MAX_TRIALS)
                continue
            if keeps and independent:
                assert settled is not None
                if self._unmoved.get((first, second)):  # settled for all the steps of ``first`` (``_keeps_all``)
                    self.trials = min(self.trials + len(values), MAX_TRIALS)
                    if self.trials >= MAX_TRIALS:
                        return
                    continue
                if not self._composed(first, n, step, settled, second, values):
                    return
                continue
            repeated = self._repeated(first, value, second, values)
            if repeated is not None and all(repeated):
                self.trials = min(self.trials + len(values), MAX_TRIALS)
                continue
            if keeps and bounds is None:
                assert settled is not None
                bounds = self.near.bounds(kept, fired, self.base, self.min_score, settled.states, self._base_bounds(),
                                          settled.touched)
            if bounds is not None and bounds.cannot_change(second):
                self.trials = min(self.trials + len(values), MAX_TRIALS)
                continue
            for m, value2 in enumerate(values):
                if self.trials >= MAX_TRIALS:
                    return
                self.trials += 1
                if repeated is not None and repeated[m]:
                    continue  # the same answers, tried in the other order
                changed = {**step, second: value2}
                near = near or self.near.around(kept, fired)
                pair_kept, _, pair_fired = near.settle(changed)
                if first in pair_kept and second in pair_kept:
                    self._record(changed, [first, second], self._verdict(pair_fired))

    def _repeated(self, first: str, value: Any, second: str, values: list[Any]) -> list[bool] | None:
        """For each value of ``second``, whether the pair was tried already, in the other order, from a step
        of ``second`` (its answers are the same): None when no step of ``second`` came before."""
        position = self._position.get(second)
        if position is None or position > self._position[first]:
            return None
        index, seen = self._value_index[second], self._seen
        found = []
        for value2 in values:
            m = index.get(_hashable(value2))
            tried = seen.get((second, m)) if m is not None else None
            found.append(tried is not None and value in tried.get(first, ()))
        return found

    def _composed(self, first: str, n: int, step: dict[str, Any], settled: Step, second: str,
                  values: list[Any]) -> bool:
        """Try the second changes of one question from a step, composing each pair from the two single changes.

        The questions apply independently of each other (neither's relevance reads the other), so the
        pair fires the step's rules out of the second question's reach, the second change's own rules,
        and, for the rules both can reach, what they give on the pair's answers.

        Returns:
            False once ``MAX_TRIALS`` trials are reached.
        """
        # Questions both changes reach (whether they apply depends on both): settled on the pair itself.
        both = self.index.reach_of_both(first, second)
        fixed, alone = self.composition.shared_split(first, second, self.index.shared_rules(first, second), both)
        if self._keeps_all(first, second, fixed, alone, both):
            # No value of ``second`` changes the verdict from any step of ``first`` that keeps it.
            self.trials = min(self.trials + len(values), MAX_TRIALS)
            return self.trials < MAX_TRIALS
        # The rules to evaluate on the pair: any other holds there as in the value's change (``shared_split``),
        # or is a warning, which no verdict reads. When the step moved the relevance of no question both
        # reach, each of those applies in the pair as in the value's change, so a rule reading one is
        # bounded like the others: only if the step touched it.
        touched = settled.touched
        if settled.moved.isdisjoint(both):
            evaluated = [rid for rid in (*fixed, *alone) if rid in touched]
        else:
            evaluated = [*fixed, *(rid for rid in alone if rid in touched)]
        profile = self._profile(second)
        reached = self.index.reach[second].questions
        step_facts = self._facts_of(first, n) if evaluated else {}
        if self.composition.cannot_change(first, profile, settled, evaluated, step_facts, reached, both):
            self.trials = min(self.trials + len(values), MAX_TRIALS)
            return self.trials < MAX_TRIALS
        outside = settled.fired - profile.rules
        predicates = self.index.predicates
        dropped = frozenset(evaluated)
        ordered_both = [qid for qid in self.kb.questions if qid in both]
        questions, applies = self.kb.questions, self.near.relevance.applies
        facts_copy: dict[str, Any] | None = None
        for m, (effect, value2) in enumerate(zip(profile.effects, values, strict=True)):
            if self.trials >= MAX_TRIALS:
                return False
            self.trials += 1
            if (second, m) in self._dropped:
                continue  # the second changed question no longer applies: nothing to record
            pair = outside | effect
            if evaluated:
                if both:
                    # The pair keeps the step's answers out of the second change's reach, the second change's
                    # out of the first's; the questions both reach are settled again, in question order.
                    kept = _overlay(dict(self._kept[(first, n)]), self._kept[(second, m)], reached)
                    for qid in ordered_both:
                        if qid in step and applies(questions[qid], kept):
                            kept[qid] = step[qid]
                        else:
                            kept.pop(qid, None)
                    facts = self.near.facts(kept)
                else:
                    if facts_copy is None:
                        facts_copy = dict(step_facts)
                    # the step's answers, with the second change's (reached questions only)
                    facts = _overlay(facts_copy, self._kept[(second, m)], reached)
                pair = (pair - dropped) | {rid for rid in evaluated if predicates[rid](facts)}
            target = self._verdict(pair)
            if target != self.base and target not in self.found:
                self._record({**step, second: value2}, [first, second], target)
        return True

    def _step(self, first: str, n: int) -> Step:
        """The ``n``-th first change of ``first``, settled as the pair bounds read it."""
        if (first, n) not in self._steps:
            if self._base_step is None:
                self._base_step = Step(self.index, self.base[0], self.near.fired, frozenset())
            self._steps[(first, n)] = Step(self.index, self.base[0], self._singles[(first, n)],
                                           self._touched[(first, n)], self._moved_by(first, n), self._base_step)
        return self._steps[(first, n)]

    def _keeps_all(self, first: str, second: str, fixed: list[str], alone: list[str], both: frozenset[str]) -> bool:
        """Whether no value of ``second`` changes the verdict from any step of ``first`` that keeps it
        (``Composition.keeps_all``), settled once for all those steps.

        False when the pair must evaluate a rule both reach on some step (``shared_split``): one the step
        touched, or one reading a question both reach whose relevance the step moved.
        """
        if (first, second) not in self._unmoved:
            if first not in self._kept_steps:
                steps = [self._step(first, n) for n, value in enumerate(self._base_values[first])
                         if self._single_verdict(first, n, value) == self.base]
                self._kept_steps[first] = Steps(steps, self.base[0], self.index.form_order)
            steps = self._kept_steps[first]
            self._unmoved[(first, second)] = (
                steps.touched.isdisjoint(alone) and steps.touched.isdisjoint(fixed)
                and (not fixed or steps.moved.isdisjoint(both))
                and self.composition.keeps_all(steps, self._profile(second)))
        return self._unmoved[(first, second)]

    def _facts_of(self, first: str, n: int) -> dict[str, Any]:
        """What the rules read of a step's settled answers (kept for the step being searched; not to be changed)."""
        if self._step_facts[0] != (first, n):
            self._step_facts = ((first, n), self.near.facts(self._kept[(first, n)]))
        return self._step_facts[1]

    def _moved_by(self, first: str, n: int) -> frozenset[str]:
        """The questions whose relevance tests give otherwise on a step than on the base (``Neighbourhood.moved``)."""
        if (first, n) not in self._moved:
            self._moved[(first, n)] = frozenset(self.near.moved(self._kept[(first, n)], self._changed[(first, n)]))
        return self._moved[(first, n)]

    def _step_groups(self, first: str, step: dict[str, Any], kept: Answers,
                     moved_by: Iterable[str]) -> list[tuple[str, list[Any]]]:
        """The groups of second changes after ``first`` changed (``kept``: the step's settled answers, ``moved_by``:
        its ``_moved_by``): the base's, except where relevance moved.

        Only a question one of whose relevance tests gives otherwise on the step (``Neighbourhood.moved``)
        can apply otherwise than on the base; a question that still applies keeps its base values (its
        answer is the base's). The entry of ``first`` itself is never read (it is not its own second change).
        """
        questions, applies = self.kb.questions, self.near.relevance.applies
        moved = {qid for qid in moved_by
                 if (qid in self._base_values) != (questions[qid].what_if and applies(questions[qid], kept))}
        if not moved:
            return self.groups
        groups = []
        for qid, question in questions.items():
            if (qid in self._base_values) != (qid in moved):
                values = self._base_values[qid] if qid in self._base_values else self.values(question, step.get(qid))
                groups.append((qid, values))
        return groups

    def _profile(self, qid: str) -> Profile:
        if qid not in self._profiles:
            rules = self.index.reach[qid].rules
            self._profiles[qid] = self.composition.profile(qid, rules, [
                self._single(qid, n, value) & rules for n, value in enumerate(self._base_values[qid])])
        return self._profiles[qid]


def _overlay(answers: dict[str, Any], other: Mapping[str, Any], questions: Iterable[str]) -> dict[str, Any]:
    """``answers`` (changed in place, returned) with ``other``'s answers to ``questions`` (none where it has none)."""
    for qid in questions:
        if qid in other:
            answers[qid] = other[qid]
        else:
            answers.pop(qid, None)
    return answers


def _hashable(value: Any) -> Any:
    """An answer as a dictionary key (a multiple choice is a list)."""
    return tuple(value) if isinstance(value, list) else value
