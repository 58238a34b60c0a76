"""The incremental what-if search finds exactly what a full re-evaluation of every rule finds.

``reasoning.neighbours`` settles answer sets near a base one by re-evaluating only the rules a change
can reach, and skips the changes that surely keep the verdict. These tests compare it with the plain
search (every trial settled from scratch, nothing skipped), kept here as the reference, on generated
situations — including the two-answer search, run on every base even when one change would do.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

import pytest

from advisor import Advisor, KnowledgeBase
from advisor.reasoning.composition import Step
from advisor.reasoning.evaluator import ReferenceEvaluator
from advisor.reasoning.search import MAX_TRIALS, Search
from advisor.reasoning.whatif import alternative_values

from .test_golden_json import _generated

DATES = (dt.date(2026, 12, 1), dt.date(2027, 3, 1))


@pytest.fixture(scope="module")
def fast(kb: KnowledgeBase) -> Advisor:
    return Advisor(kb, consultant=ReferenceEvaluator(kb))


def situations(kb: KnowledgeBase, fast: Advisor, count: int, seed: int) -> Iterator[tuple[Advisor, dict[str, Any]]]:
    rng = random.Random(seed)
    for n in range(count):
        view = fast.dated(DATES[n % 2])
        yield view, view.settle(view.validate(_generated(kb, rng, in_context=n % 5 != 4)))[0]


def _options(advisor: Advisor, answers: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for question in advisor.relevant_questions(answers):
        if question.what_if:
            for value in alternative_values(advisor.kb, question, answers.get(question.id)):
                yield question.id, value


def _verdict(advisor: Advisor, changed: dict[str, Any], touched: list[str]) -> tuple[str | None, str | None] | None:
    kept, _, fired = advisor.settle(changed)
    return None if any(q not in kept for q in touched) else advisor.verdict(fired)


def plain_search(advisor: Advisor, base_answers: dict[str, Any], pairs: bool) -> list[tuple[Any, ...]]:
    """The reference: (changed answers, verdict) found, every trial settled from scratch."""
    base = advisor.outcome(base_answers)
    found: dict[Any, tuple[Any, ...]] = {}
    trials = 0
    for qid, value in _options(advisor, base_answers):
        trials += 1
        target = _verdict(advisor, {**base_answers, qid: value}, [qid])
        if target is not None and target != base and target not in found:
            found[target] = ((qid, value), target)
    if pairs:
        found = {}
        for first, value in _options(advisor, base_answers):
            step = {**base_answers, first: value}
            for second, value2 in _options(advisor, step):
                if second == first or trials >= MAX_TRIALS:
                    continue
                trials += 1
                target = _verdict(advisor, {**step, second: value2}, [first, second])
                if target is not None and target != base and target not in found:
                    found[target] = ((first, value), (second, value2), target)
    return list(found.values())


def _as_tuples(changes: list[Any]) -> list[tuple[Any, ...]]:
    return [(*((i.question, i.after) for i in c.changes), (c.form, c.variant)) for c in changes]


def _found(found: list[tuple[dict[str, Any], list[str], Any]]) -> list[tuple[Any, ...]]:
    return [(*((q, changed[q]) for q in touched), target) for changed, touched, target in found]


def _search(view: Advisor, base: dict[str, Any]) -> Search:
    return Search(view, base, lambda question, current: alternative_values(view.kb, question, current))


def test_answers_settled_near_a_base_are_settled_as_from_scratch(kb: KnowledgeBase, fast: Advisor) -> None:
    rng = random.Random(5)
    for view, base in situations(kb, fast, 120, seed=1):
        near = view.near(base)
        options = list(_options(view, base))
        for _ in range(8):
            picked = rng.sample(options, min(len(options), rng.choice((1, 2, 3))))
            changed = {**base, **dict(picked)}
            assert near.settle(changed) == view.settle(changed)


def test_a_question_said_unable_to_change_the_verdict_never_does(kb: KnowledgeBase, fast: Advisor) -> None:
    skipped = 0
    for view, base in situations(kb, fast, 150, seed=2):
        near = view.near(base)
        outcome = view.verdict(set(near.fired))
        bounds = near.bounds(near.kept, near.fired, outcome, kb.meta.scoring.min_score)
        for question in view.relevant_questions(base):
            if bounds.cannot_change(question.id):
                skipped += 1
                for value in alternative_values(kb, question, base.get(question.id)):
                    assert _verdict(view, {**base, question.id: value}, [question.id]) in (outcome, None)
    assert skipped > 100  # the bound does skip work


def test_one_change_search_equals_the_plain_search(kb: KnowledgeBase, fast: Advisor) -> None:
    for view, base in situations(kb, fast, 150, seed=3):
        assert _found(_search(view, base).singles()) == plain_search(view, base, pairs=False)


def test_two_change_search_equals_the_plain_search_from_any_base(kb: KnowledgeBase, fast: Advisor) -> None:
    reached = 0
    for view, base in situations(kb, fast, 16, seed=4):
        search = _search(view, base)
        search.singles()
        search.found = {}  # search pairs even where one change would do, as the plain search below
        found = _found(search.pairs())
        assert found == plain_search(view, base, pairs=True)
        reached += len(found)
    assert reached > 16


def test_explanations_are_the_first_changes_of_the_plain_search(kb: KnowledgeBase, advisor: Advisor) -> None:
    for view, base in situations(kb, advisor.searcher, 40, seed=6):
        rec = advisor.dated(view.as_of).advise(base, explain=True)  # type: ignore[arg-type]
        answers = dict(rec.answers)
        expected = plain_search(view, answers, pairs=False) or plain_search(view, answers, pairs=True)
        assert _as_tuples(rec.changes or []) == expected[:5]


class _Marking(Search):
    """The search, noting each pair of changes it calls a repeat of a pair tried in the other order (or not)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.marks: list[tuple[str, Any, str, Any, bool]] = []

    def _repeated(self, first: str, value: Any, second: str, values: list[Any]) -> list[bool] | None:
        found = super()._repeated(first, value, second, values)
        if found is not None:
            self.marks += [(first, value, second, value2, repeat) for value2, repeat in zip(values, found, strict=True)]
        return found


def test_a_pair_is_skipped_as_a_repeat_exactly_when_the_other_order_was_tried(kb: KnowledgeBase,
                                                                             fast: Advisor) -> None:
    """A pair of changes counts as tried when the plain search met the same answers in the other order
    first; not when a change made the other question stop applying or changed the values it is tried with."""
    repeats = fresh = 0
    for view, base in situations(kb, fast, 30, seed=8):
        search = _Marking(view, base, lambda question, current: alternative_values(kb, question, current))
        search.singles()
        search.found = {}
        search.pairs()
        order = list(_options(view, base))
        for first, value, second, value2, repeat in search.marks:
            # The other order: the step (second, value2) came first, and (first, value) was one of its changes.
            earlier = ((second, value2) in order and order.index((second, value2)) < order.index((first, value))
                       and (first, value) in _options(view, {**base, second: value2}))
            assert repeat == earlier, (first, value, second, value2)
            repeats += repeat
            fresh += not repeat
    assert repeats > 500 and fresh > 50  # the skip does work, and does not apply everywhere


def _steps(view: Advisor, base: dict[str, Any]) -> Iterator[tuple[Search, str, int, Any]]:
    """A search with its singles settled, and each first change of its pair search."""
    search = _search(view, base)
    search.singles()
    for first, values in search.groups:
        for n, value in enumerate(values):
            search._single(first, n, value)
            yield search, first, n, value


def test_second_changes_after_a_step_are_the_plain_ones(kb: KnowledgeBase, fast: Advisor) -> None:
    """The groups rebuilt only where a changed answer is cited by a relevance condition are the plain groups."""
    rebuilt = 0
    for view, base in situations(kb, fast, 40, seed=9):
        for search, first, n, value in _steps(view, base):
            kept = search._kept[(first, n)]
            step = {**base, first: value}
            groups = search._step_groups(first, step, kept, search._moved_by(first, n))
            plain = [(q.id, alternative_values(kb, q, step.get(q.id))) for q in view.relevant_questions(step)
                     if q.what_if]
            assert [g for g in groups if g[0] != first] == [g for g in plain if g[0] != first]
            rebuilt += groups is not search.groups
    assert rebuilt > 20


def test_bounds_of_a_step_inherit_the_base_tests_exactly(kb: KnowledgeBase, fast: Advisor) -> None:
    """Bounds of a step that reuse the base's failing tests for the rules reading no changed answer say what
    bounds computed from scratch on the step say."""
    compared = 0
    for view, base in situations(kb, fast, 40, seed=10):
        for search, first, n, _value in _steps(view, base):
            kept, fired = search._kept[(first, n)], search._singles[(first, n)]
            outcome = view.verdict(fired)
            touched = search.near.touched(kept)
            inherited = search.near.bounds(kept, fired, outcome, search.min_score, None, search._base_bounds(), touched)
            fresh = search.near.bounds(kept, fired, outcome, search.min_score)
            for question in view.relevant_questions(kept):
                assert inherited.cannot_change(question.id) == fresh.cannot_change(question.id)
                compared += 1
    assert compared > 1000


def test_untouched_shared_rules_hold_in_the_pair_as_in_the_second_change(kb: KnowledgeBase, fast: Advisor) -> None:
    """The composed pairs evaluate only the shared rules that can differ from the second change alone: the
    others (none of their tests changed by the step, and none on a question both reach whose relevance the
    step moved) hold in the pair exactly as in the second change; the evaluated ones do differ sometimes,
    so they must be evaluated."""
    checked = differ = 0
    for view, base in situations(kb, fast, 30, seed=11):
        for search, first, n, value in _steps(view, base):
            kept = search._kept[(first, n)]
            touched, moved = search.near.touched(kept), search._moved_by(first, n)
            step = {**base, first: value}
            for second, values in search.groups:
                reach = search.index.reach
                if second == first or second in reach[first].questions or first in reach[second].questions:
                    continue
                both = search.index.reach_of_both(first, second)
                fixed, alone = search.composition.shared_split(first, second, search.index.shared_rules(first, second),
                                                                both)
                unmoved = moved.isdisjoint(both)
                evaluated = {rid for rid in [*fixed, *alone] if rid in touched or (rid in fixed and not unmoved)}
                for m, value2 in enumerate(values):
                    pair = view.settle({**step, second: value2})[2]
                    single = search._single(second, m, value2)
                    for rid in {*fixed, *alone} - evaluated:
                        assert (rid in pair) == (rid in single), (first, value, second, value2, rid)
                        checked += 1
                    differ += any((rid in pair) != (rid in single) for rid in evaluated)
    assert checked > 100 and differ > 0


def test_a_step_read_from_the_base_is_the_step_read_from_its_rules(kb: KnowledgeBase, fast: Advisor) -> None:
    """A step built from the base's and the rules its change touched says what one built from all its rules says."""
    compared = 0
    for view, base in situations(kb, fast, 30, seed=13):
        for search, first, n, _value in _steps(view, base):
            derived = search._step(first, n)
            fresh = Step(search.index, search.base[0], derived.fired, derived.touched)
            assert {f: (s.score, s.rules, s.supports, s.excludes) for f, s in derived.states.items()} == {
                f: (s.score, s.rules, s.supports, s.excludes) for f, s in fresh.states.items()}
            assert (derived.supported, sorted(derived.top_supports), derived.top_selectors) == (
                fresh.supported, sorted(fresh.top_supports), fresh.top_selectors)
            compared += derived.fired != search.near.fired
    assert compared > 300


def test_a_bound_on_all_steps_of_a_question_is_the_bound_on_each(kb: KnowledgeBase, fast: Advisor) -> None:
    """For two questions that share no rule, the bound settled once for all the steps of the first question
    that keep the verdict says what the bound of each of those steps says: it prunes when all do, not otherwise."""
    pruned = kept = 0
    for view, base in situations(kb, fast, 60, seed=12):
        search = _search(view, base)
        search.singles()
        index, reach = search.index, search.index.reach
        for first, values in search.groups:
            steps = [search._step(first, n) for n, value in enumerate(values)
                     if search._single_verdict(first, n, value) == search.base]
            for second, _ in search.groups:
                if second == first or second in reach[first].questions or first in reach[second].questions:
                    continue
                both = index.reach_of_both(first, second)
                fixed, alone = search.composition.shared_split(first, second, index.shared_rules(first, second), both)
                if any(not step.touched.isdisjoint([*fixed, *alone]) or (fixed and not step.moved.isdisjoint(both))
                       for step in steps):
                    continue  # a step must evaluate a rule both reach on the pair: the bound is per step
                profile = search._profile(second)
                each = all(search.composition.cannot_change(first, profile, step, [], {},
                                                            reach[second].questions, both) for step in steps)
                assert search._keeps_all(first, second, fixed, alone, both) == each, (first, second)
                pruned += each and bool(steps)
                kept += not each
    assert pruned > 1000 and kept > 500  # it does prune, and not everywhere
