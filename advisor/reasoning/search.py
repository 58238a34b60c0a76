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
  skipped when none of its values can put another form first. Skipped trials still count towards
  ``MAX_TRIALS``, so the search stops at the same place.

The tests compare this search with the plain one on generated situations (``test_whatif_incremental``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from ..knowledge.models import Question
from .answers import Answers
from .neighbours import Bounds, FormState, Neighbourhood, form_states

if TYPE_CHECKING:
    from ..knowledge.base import KnowledgeBase

MAX_TRIALS = 1500
Outcome = tuple[str | None, str | None]
Values = Callable[[Question, Any], list[Any]]
"""The values worth trying for a question, given its current answer (``whatif.alternative_values``)."""


class Searcher(Protocol):
    """What the search needs of an advisor on the fast evaluator."""

    kb: KnowledgeBase

    def near(self, answers: Mapping[str, Any]) -> Neighbourhood: ...

    def verdict(self, fired: Iterable[str]) -> Outcome: ...

    def relevant_questions(self, answers: Mapping[str, Any]) -> list[Question]: ...


class Profile(NamedTuple):
    """What each value of one question does alone, from the base answers, to the rules it can reach."""

    rules: frozenset[str]
    effects: list[frozenset[str]]
    """For each value (in the order tried), the reachable rules that then hold."""
    rise: dict[str, int]
    """For each form, the most its score can gain on the top form's (on its own when nothing is first)."""
    lowest_top: int
    """The most the top form's score can lose."""
    may_exclude_top: bool
    top_selectors: list[str | None]
    """For each value, the strongest rule among ``effects`` that selects a variant of the top form."""
    always_supports_top: bool
    may_support: frozenset[str]
    some: frozenset[str]
    """The rules that hold for some value."""
    every: frozenset[str]
    """The rules that hold for every value."""


class Search:
    """The changes of one base answer set that alter its verdict, tried one by one, then two by two.

    Args:
        advisor: an advisor on the fast evaluator (``Advisor.searcher``).
        base_answers: settled, normalised answers.
        values: the values worth trying for a question (``whatif.alternative_values``).
    """

    def __init__(self, advisor: Searcher, base_answers: dict[str, Any], values: Values) -> None:
        self.advisor = advisor
        self.kb = advisor.kb
        self.base_answers = base_answers
        self.values = values
        self.near = advisor.near(base_answers)
        self.index = self.near.index
        self.base = advisor.verdict(self.near.fired)
        self.min_score = self.kb.meta.scoring.min_score
        self.trials = 0
        self.found: dict[Outcome, tuple[dict[str, Any], list[str]]] = {}
        """For each verdict reached, the first changed answers that reach it and the questions changed."""
        self.groups = self._groups(base_answers)
        self._singles: dict[tuple[str, int], frozenset[str]] = {}
        self._kept: dict[tuple[str, int], Answers] = {}
        self._dropped: set[tuple[str, int]] = set()  # singles whose changed question no longer applies
        self._base_values = dict(self.groups)
        self._base_facts = self.near.facts(self.near.kept)
        self._step_facts: tuple[tuple[str, int] | None, dict[str, Any]] = (None, {})
        self._on_base: dict[tuple[str, str], bool] = {}  # (rule, first question): its tests on it hold on the base
        self._position = {qid: n for n, (qid, _) in enumerate(self.groups)}
        self._tried: set[frozenset[tuple[str, Any]]] = set()  # pairs settled one by one
        self._profiles: dict[str, Profile] = {}

    def _groups(self, answers: Mapping[str, Any]) -> list[tuple[str, list[Any]]]:
        """(question, values to try) for every question that applies and may be varied, in order."""
        return [(q.id, self.values(q, answers.get(q.id))) for q in self.advisor.relevant_questions(answers)
                if q.what_if]

    def _record(self, changed: dict[str, Any], touched: list[str], target: Outcome | None) -> None:
        if target is not None and target != self.base and target not in self.found:
            self.found[target] = (changed, touched)

    def _settled(self, changed: dict[str, Any], touched: list[str]) -> Outcome | None:
        """The verdict of changed answers, or None if a changed question no longer applies."""
        kept, _, fired = self.near.settle(changed)
        return None if any(qid not in kept for qid in touched) else self.advisor.verdict(fired)

    def _single(self, qid: str, n: int, value: Any) -> frozenset[str]:
        """The rules that hold when the base's answer to ``qid`` becomes its ``n``-th value to try."""
        if (qid, n) not in self._singles:
            kept, _, fired = self.near.settle({**self.base_answers, qid: value})
            self._singles[(qid, n)] = frozenset(fired)
            self._kept[(qid, n)] = kept
            if qid not in kept:
                self._dropped.add((qid, n))
        return self._singles[(qid, n)]

    def _single_verdict(self, qid: str, n: int, value: Any) -> Outcome | None:
        fired = self._single(qid, n, value)
        return None if (qid, n) in self._dropped else self.advisor.verdict(fired)

    # --- one change ---------------------------------------------------------------------------

    def singles(self) -> list[tuple[dict[str, Any], list[str], Outcome]]:
        """The verdicts one changed answer reaches: (changed answers, changed question, verdict)."""
        bounds = self.near.bounds(self.near.kept, self.near.fired, self.base, self.min_score)
        for qid, values in self.groups:
            for n, value in enumerate(values):
                self.trials += 1
                if not bounds.cannot_change(qid):
                    self._record({**self.base_answers, qid: value}, [qid], self._single_verdict(qid, n, value))
        return self.results()

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
        states = form_states(self.index, fired)
        # Pairs are composed, and whole questions skipped, only from a step that keeps the verdict.
        keeps = self._single_verdict(first, n, value) == self.base
        kept = self._kept[(first, n)]
        near = self.near.around(kept, fired)  # pairs are settled from the step, not from the base
        bounds: Bounds | None = None
        reach = self.index.reach
        for second, values in self._step_groups(first, step, kept):
            if second == first:
                continue
            # Neither change decides whether the other question applies: the pair can be composed.
            independent = (second in self._base_values and second not in reach[first].questions
                           and first not in reach[second].questions)
            if independent and self._position[second] < self._position[first]:
                # Each pair was tried, in the other order, from the steps of ``second``: same answers.
                self.trials += min(len(values), max(0, MAX_TRIALS - self.trials))
                continue
            if keeps and independent:
                if not self._composed(first, n, step, fired, states, second, values):
                    return
                continue
            if keeps and bounds is None:
                bounds = near.bounds(kept, fired, self.base, self.min_score)
            if bounds is not None and bounds.cannot_change(second):
                self.trials += min(len(values), max(0, MAX_TRIALS - self.trials))
                continue
            for value2 in values:
                if self.trials >= MAX_TRIALS:
                    return
                self.trials += 1
                key = frozenset(((first, _hashable(value)), (second, _hashable(value2))))
                if key in self._tried:
                    continue  # the same answers, tried in the other order
                self._tried.add(key)
                changed = {**step, second: value2}
                pair_kept, _, pair_fired = near.settle(changed)
                if first in pair_kept and second in pair_kept:
                    self._record(changed, [first, second], self.advisor.verdict(pair_fired))

    def _composed(self, first: str, n: int, step: dict[str, Any], fired: frozenset[str],
                  states: dict[str, FormState], second: str, values: list[Any]) -> bool:
        """Try the second changes of one question from a step, composing each pair from the two single changes.

        The questions apply independently of each other (neither's relevance reads the other), so the
        pair fires the step's rules out of the second question's reach, the second change's own rules,
        and, for the rules both can reach, what they give on the pair's answers.

        Returns:
            False once ``MAX_TRIALS`` trials are reached.
        """
        profile = self._profile(second)
        shared = self.index.shared_rules(first, second)
        reached = self.index.reach[second].questions
        step_facts = self._facts_of(first, n) if shared else {}
        # Questions both changes reach (whether they apply depends on both): settled on the pair itself.
        both = self.index.reach_of_both(first, second)
        if self._cannot_change(first, profile, fired, states, shared, step_facts, reached, both):
            self.trials += min(len(values), max(0, MAX_TRIALS - self.trials))
            return self.trials < MAX_TRIALS
        outside = fired - profile.rules
        predicates = self.index.predicates
        facts_copy: dict[str, Any] | None = None
        for m, (effect, value2) in enumerate(zip(profile.effects, values, strict=True)):
            if self.trials >= MAX_TRIALS:
                return False
            self.trials += 1
            if (second, m) in self._dropped:
                continue  # the second changed question no longer applies: nothing to record
            pair = outside | effect
            if shared:
                if both:
                    facts = self.near.facts(self.near.relevance.applicable({**step, second: value2}))
                else:
                    if facts_copy is None:
                        facts_copy = dict(step_facts)
                    facts = facts_copy  # the step's answers, with the second change's (reached questions only)
                    other = self._kept[(second, m)]
                    for qid in reached:
                        if qid in other:
                            facts[qid] = other[qid]
                        else:
                            facts.pop(qid, None)
                pair = (pair - shared) | {rid for rid in shared if predicates[rid](facts)}
            target = self.advisor.verdict(pair)
            if target != self.base and target not in self.found:
                self._record({**step, second: value2}, [first, second], target)
        return True

    def _facts_of(self, first: str, n: int) -> dict[str, Any]:
        """What the rules read of a step's settled answers (kept for the step being searched; not to be changed)."""
        if self._step_facts[0] != (first, n):
            self._step_facts = ((first, n), self.near.facts(self._kept[(first, n)]))
        return self._step_facts[1]

    def _step_groups(self, first: str, step: dict[str, Any], kept: Answers) -> list[tuple[str, list[Any]]]:
        """The groups of second changes after ``first`` changed (``kept``: the step's settled answers): the
        base's, except where relevance moved."""
        reached = self.index.reach[first].questions
        if len(reached) == 1:
            return self.groups  # only the first question's own values differ, and it is skipped
        groups = []
        for question in self.kb.questions.values():
            if question.id in reached:
                if question.what_if and self.near.relevance.applies(question, kept):
                    groups.append((question.id, self.values(question, step.get(question.id))))
            elif question.id in self._base_values:
                groups.append((question.id, self._base_values[question.id]))
        return groups

    def _profile(self, qid: str) -> Profile:
        if qid in self._profiles:
            return self._profiles[qid]
        index, top = self.index, self.base[0]
        rules = index.reach[qid].rules
        effects = [self._single(qid, n, value) & rules for n, value in enumerate(self._base_values[qid])]
        before = form_states(index, self.near.fired & rules)
        rise: dict[str, int] = {}
        lowest_top, may_exclude, always, may_support = 0, False, True, set()
        selectors: list[str | None] = []
        for effect in effects:
            after = form_states(index, effect)
            delta = {f: after.get(f, FormState()).score - before.get(f, FormState()).score for f in index.form_order}
            top_delta = delta[top] if top is not None else 0
            for form_id, change in delta.items():
                rise[form_id] = max(rise.get(form_id, change - top_delta), change - top_delta)
            may_support |= {f for f, state in after.items() if state.supports}
            if top is not None:
                lowest_top = min(lowest_top, top_delta)
                mine = after.get(top, FormState())
                always = always and mine.supports > 0
                may_exclude = may_exclude or mine.excludes > 0
                selectors.append(self._strongest_selector(effect))
        profile = Profile(rules, effects, rise, lowest_top, may_exclude, selectors, always, frozenset(may_support),
                          frozenset().union(*effects), frozenset.intersection(*effects) if effects else frozenset())
        self._profiles[qid] = profile
        return profile

    def _strongest_selector(self, rules: Iterable[str]) -> str | None:
        """The variant-selecting rule of the top form that wins among these rules (None if there is none)."""
        index, top = self.index, self.base[0]
        chosen = [r for r in rules if index.effect[r] == "selects_variant" and index.form_of[r] == top]
        return min(chosen, key=index.precedence.__getitem__) if chosen else None

    def _shared_states(self, rid: str, first: str, profile: Profile, facts: Mapping[str, Any],
                       reached: frozenset[str], both: frozenset[str]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """For a rule both changes reach: whether it may hold in the pair (0, 1), and in the value's change.

        Both empty when it surely holds in the pair exactly when it held in the value's change: a rule
        that is a conjunction of tests, none on a question both changes reach (``both``), whose tests on
        the questions the first change reaches give the same on the step's answers (``facts``) as on the
        base's.
        """
        index = self.index
        if index.conjunctive[rid] and not any(qid in both for qid, _, _ in index.leaves[rid]):
            mine = self.index.reach[first].questions
            tests = [(test, holds) for qid, test, holds in index.leaves[rid] if qid in mine]
            on_step = all(test(facts) == holds for test, holds in tests)
            if (rid, first) not in self._on_base:
                self._on_base[(rid, first)] = all(test(self._base_facts) == holds for test, holds in tests)
            if on_step == self._on_base[(rid, first)]:
                return (), ()
            if not on_step:
                return (0,), ((1,) if rid in profile.every else (0, 1) if rid in profile.some else (0,))
            held: tuple[int, ...] = (0,)  # its tests on the first change's questions failed on the base
        else:
            held = (1,) if rid in profile.every else (0, 1) if rid in profile.some else (0,)
        # It cannot hold if a test it needs fails on a question the second change does not reach.
        blocked = any(qid is None or qid not in reached for qid, test, holds in index.leaves[rid] if test(facts) != holds)
        return ((0,) if blocked else (0, 1)), held

    def _same_variant(self, profile: Profile, fired: frozenset[str]) -> bool:
        """Whether the top form keeps its variant whatever the value: the step's selectors out of the
        question's reach, with each value's own."""
        index, (top, variant) = self.index, self.base
        assert top is not None
        outside = self._strongest_selector(r for r in fired if r not in profile.rules)
        default = self.kb.forms[top].default_variant
        for own in profile.top_selectors:
            contenders = [r for r in (outside, own) if r is not None]
            best = min(contenders, key=index.precedence.__getitem__) if contenders else None
            if (index.variant[best] if best else default) != variant:
                return False
        return True

    def _cannot_change(self, first: str, profile: Profile, fired: frozenset[str], states: dict[str, FormState],
                       shared: frozenset[str], facts: Mapping[str, Any], reached: frozenset[str],
                       both: frozenset[str]) -> bool:
        """Whether no value of the profiled question, added to the step that fired ``fired``, changes the verdict.

        Out of the rules both changes reach (``shared``), the pair fires the step's rules out of the
        question's reach and the value's own: each form's score is the step's plus the value's change
        (``Profile.rise`` bounds it over the values). A shared rule is evaluated on the pair's answers
        instead: its part is bounded by whether it can hold there (a test it needs fails on the step's
        answers ``facts``, on a question out of the second change's reach ``reached``) and whether it held
        in the value's change.
        """
        if not profile.effects:
            return True  # no value to try
        index, top = self.index, self.base[0]
        spread: dict[str, int] = defaultdict(int)  # how far the shared rules may move each form's score
        unsafe, shared_support_of_top = profile.may_exclude_top, False
        candidates = {f for f, state in states.items() if state.supports} | profile.may_support
        for rid in shared:
            form_id, effect, signed = index.form_of[rid], index.effect[rid], index.signed[rid]
            # The step counted the rule as it stood after the first change; the value's change, as on the base.
            spread[form_id] += signed * ((rid in self.near.fired) - (rid in fired))
            states_now, states_then = self._shared_states(rid, first, profile, facts, reached, both)
            if not states_now:
                continue  # the pair gives it exactly what the value's change gave: the profile counts it
            parts = [signed * (now - then) for now in states_now for then in states_then]
            spread[form_id] += max(parts) if form_id != top else min(parts)
            if effect == "supports":
                if 1 in states_now:
                    candidates.add(form_id)
                shared_support_of_top = shared_support_of_top or (form_id == top and 1 in states_then)
            elif form_id == top and effect == "excludes" and 1 in states_now:
                unsafe = True
            elif form_id == top and effect == "selects_variant" and (1 in states_now or 1 in states_then):
                unsafe = True

        def score(form_id: str) -> int:
            state = states.get(form_id)
            return (state.score if state else 0) + spread[form_id]

        if top is None:
            return all(score(f) + profile.rise[f] < self.min_score for f in candidates)
        if unsafe or top not in states or not self._same_variant(profile, fired):
            return False
        if not (profile.always_supports_top and not shared_support_of_top) and not any(
                index.effect[r] == "supports" and index.form_of[r] == top and r not in profile.rules for r in fired):
            return False  # its support could vanish
        floor = score(top)
        if floor + profile.lowest_top < self.min_score:
            return False
        order = index.form_order
        for form_id in candidates - {top}:
            margin = score(form_id) + profile.rise[form_id] - floor
            if margin > 0 or (margin == 0 and order[form_id] < order[top]):
                return False
        return True


def _hashable(value: Any) -> Any:
    """An answer as a dictionary key (a multiple choice is a list)."""
    return tuple(value) if isinstance(value, list) else value
