"""Answer sets near a base one: their outcomes, re-evaluating only the rules a change can touch.

The what-if searches (what would change the verdict, robustness, ties, question order) look at many
answer sets that differ from one base set in one or two answers. A rule's condition reads only the
questions it names (``Condition.questions``) and the consultation date (``AS_OF``), which never
changes within one search; relevance may drop or restore the answers of the questions that follow
a changed one. A condition is a function of its tests' results, so the rules to re-evaluate for a
change are those with a test, on a question whose kept answer differs from the base's, that gives
another result (``Neighbourhood.touched``); every other rule fired, or did not, exactly as on the base.

``RuleIndex`` holds, for one knowledge base, the rules by question, what each rule does to the score
of its form, and for each question every rule its change can reach (through relevance too), so that
the searches can skip the changes that cannot change the verdict (``Bounds``).
Results are the same as a full re-evaluation: the golden tests compare both on every scenario.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from ..knowledge.models import AS_OF
from .answers import Answers
from .conditions import Predicate, Tests, conjunctive, predicate, tests_by_question
from .relevance import Relevance
from .verdict import situation

if TYPE_CHECKING:
    from ..knowledge.base import KnowledgeBase

Outcome = tuple[str | None, str | None]


class Consultant(Protocol):
    """Something that says which rules hold (``engine.Engine``, ``evaluator.ReferenceEvaluator``)."""

    def consult(self, answers: Mapping[str, Any], rules: Iterable[str] | None = None) -> set[str]: ...


SIGNS = {"supports": 1, "weakens": -1}
DECISIVE = ("supports", "weakens", "excludes", "selects_variant")


class Reach(NamedTuple):
    """What changing one question's answer can reach."""

    questions: frozenset[str]
    """The question and every question whose relevance depends on it (their kept answers may change)."""
    rules: frozenset[str]
    """Every rule that reads one of ``questions``."""


class RuleIndex:
    """The rules of a knowledge base indexed by the questions they read, compiled once."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.predicates: dict[str, Predicate] = {r.id: predicate(r.when) for r in kb.rules}
        self.form_of = dict(kb.rule_form)
        self.effect = {r.id: r.effect for r in kb.rules}
        self.signed = {r.id: SIGNS.get(r.effect, 0) * (r.weight or 0) for r in kb.rules}
        # The rules the verdict reads (``verdict.outcome``): a warning changes no score, form or variant.
        self.decisive = frozenset(r.id for r in kb.rules if r.effect in DECISIVE)
        self.form_order = {form_id: n for n, form_id in enumerate(kb.forms)}
        by_question: dict[str, list[str]] = defaultdict(list)
        for rule in kb.rules:
            for qid in rule.when.questions():
                by_question[qid].append(rule.id)
        self.by_question = {qid: frozenset(ids) for qid, ids in by_question.items()}
        self.reads = {r.id: frozenset(r.when.questions()) for r in kb.rules}
        self.tests = tests_by_question((r.id, r.when) for r in kb.rules)
        """For each question, every distinct test of it in the rules, and the rules holding it
        (``Neighbourhood.touched``)."""
        self.relevance_tests = tests_by_question(kb.question_conditions())
        """For each question, every distinct test of it in the relevance conditions, and the questions whose
        condition holds it (``Neighbourhood.moved``)."""
        dependents: dict[str, set[str]] = defaultdict(set)
        for qid, cond in kb.question_conditions():
            for cited in cond.questions():
                dependents[cited].add(qid)
        self.reach = {qid: self._reach(qid, dependents) for qid in kb.questions}
        self.dependents = {qid: frozenset(found) for qid, found in dependents.items()}
        """For each question, the questions whose relevance condition cites it."""
        # The tests that must hold (or fail) whenever a rule holds: (question or None for a date, test, must hold).
        self.leaves = {r.id: [(test.question, predicate(test), holds) for test, holds in r.when.leaves()]
                       for r in kb.rules}
        self.shape = {r.id: (kb.rule_form[r.id], r.effect, r.weight or 0) for r in kb.rules}
        """Each rule's (form, effect, weight), read together by the bounds."""
        by_form_effect: dict[tuple[str, str], list[str]] = defaultdict(list)  # the rules of each (form, effect)
        for rule in kb.rules:
            by_form_effect[(kb.rule_form[rule.id], rule.effect)].append(rule.id)
        self.by_form_effect = dict(by_form_effect)
        # Whether a rule's condition is exactly the conjunction of its tests (``leaves``).
        self.conjunctive = {r.id: conjunctive(r.when) for r in kb.rules}
        # Between variant-selecting rules, the strongest wins, then the first in the files (``verdict``).
        self.precedence = {r.id: (-(r.weight or 0), n) for n, r in enumerate(kb.rules)}
        self.variant = {r.id: r.variant for r in kb.rules}
        self._shared: dict[tuple[str, str], frozenset[str]] = {}
        self._both: dict[tuple[str, str], frozenset[str]] = {}

    def _reach(self, qid: str, dependents: Mapping[str, set[str]]) -> Reach:
        closure, todo = {qid}, [qid]
        while todo:
            for nxt in dependents.get(todo.pop(), ()):
                if nxt not in closure:
                    closure.add(nxt)
                    todo.append(nxt)
        return Reach(frozenset(closure), frozenset(self.reading(closure)))

    def reach_of_both(self, first: str, second: str) -> frozenset[str]:
        """The questions that changes of both questions can reach."""
        key = (first, second) if first <= second else (second, first)
        if key not in self._both:
            self._both[key] = self.reach[first].questions & self.reach[second].questions
        return self._both[key]

    def shared_rules(self, first: str, second: str) -> frozenset[str]:
        """The rules that changes of both questions can reach."""
        key = (first, second) if first <= second else (second, first)
        if key not in self._shared:
            self._shared[key] = self.reach[first].rules & self.reach[second].rules
        return self._shared[key]

    def read_by(self, rules: Iterable[str]) -> set[str]:
        """The questions these rules read, and the consultation date (``AS_OF``)."""
        found = {AS_OF}
        for rid in rules:
            found |= self.reads[rid]
        return found

    def reading(self, questions: Iterable[str]) -> set[str]:
        """The ids of the rules whose condition reads one of these questions."""
        found: set[str] = set()
        for qid in questions:
            found |= self.by_question.get(qid, frozenset())
        return found


class FormState:
    """What the fired rules say of one form: its score, and how many of its rules, supporting and excluding
    rules hold."""

    __slots__ = ("excludes", "rules", "score", "supports")

    def __init__(self) -> None:
        self.score = 0
        self.rules = 0
        self.supports = 0
        self.excludes = 0

    def copy(self) -> FormState:
        state = FormState()
        state.score, state.rules, state.supports, state.excludes = self.score, self.rules, self.supports, self.excludes
        return state


def form_states(index: RuleIndex, fired: Iterable[str]) -> dict[str, FormState]:
    """Score and support of every form touched by the fired rules."""
    states: dict[str, FormState] = {}
    for rid in fired:
        state = states.setdefault(index.form_of[rid], FormState())
        state.score += index.signed[rid]
        state.rules += 1
        effect = index.effect[rid]
        if effect == "supports":
            state.supports += 1
        elif effect == "excludes":
            state.excludes += 1
    return states


class Neighbourhood:
    """A base answer set, settled once, and the answer sets that differ from it in a few answers.

    Args:
        index: the rules of the knowledge base, indexed.
        relevance: the relevance conditions of the same knowledge base.
        base: normalised answers (not yet settled).
        as_of: the consultation date, or ``None`` when the rules are read without one.
        settled: the base's kept answers and fired rules, when already known (nothing is evaluated).
        consultant: settle neighbours on this consultant (the engine), consulting only what a change
            can reach; by default the rules are evaluated in plain Python.
    """

    def __init__(self, index: RuleIndex, relevance: Relevance, base: Mapping[str, Any],
                 as_of: dt.date | None, settled: tuple[Answers, frozenset[str]] | None = None,
                 consultant: Consultant | None = None) -> None:
        self.index = index
        self.relevance = relevance
        self.as_of = as_of
        self.consultant = consultant
        self._base_results: dict[str, list[bool]] = {}  # for each question, its tests' results on the base
        self._base_relevance: dict[str, list[bool]] = {}  # the same, in the relevance conditions
        if settled is not None:  # already known: (kept answers, fired rules), e.g. a neighbour of another base
            self.kept, self.fired = settled
            return
        self.kept = relevance.applicable(base)
        facts = self.facts(self.kept)
        self.fired = frozenset(rid for rid, holds in index.predicates.items() if holds(facts))

    def around(self, kept: Answers, fired: frozenset[str]) -> Neighbourhood:
        """The neighbourhood of a neighbour already settled (its kept answers and fired rules)."""
        return Neighbourhood(self.index, self.relevance, kept, self.as_of, settled=(kept, fired),
                             consultant=self.consultant)

    def facts(self, kept: Answers) -> dict[str, Any]:
        """What the rules read of settled answers: the answers, and the consultation date."""
        return dict(kept) if self.as_of is None else situation(kept, self.as_of)

    def changed(self, kept: Answers) -> list[str]:
        """The questions whose kept answer differs from the base's: only the rules reading them can differ."""
        base = self.kept
        # (an answer copied from the base is the same object: no comparison)
        changed = [qid for qid, answer in kept.items()
                   if answer is not (before := base.get(qid, _ABSENT)) and not _same(answer, before)]
        changed += [qid for qid in base if qid not in kept]
        return changed

    def settle(self, answers: Mapping[str, Any]) -> tuple[Answers, list[str], AbstractSet[str]]:
        """Like ``Advisor.settle`` on answers near the base: (kept answers, dropped ids, fired rule ids)."""
        kept = self.relevance.applicable(answers)
        dropped = [qid for qid in answers if qid not in kept]
        return kept, dropped, self.fire(kept)

    def touched(self, kept: Answers, changed: Iterable[str] | None = None) -> set[str]:
        """The rules one of whose tests gives otherwise on settled answers near the base than on the base.

        A condition is a function of its tests' results alone, so every other rule holds on ``kept``
        exactly as on the base: toggling one choice of a multiple choice reaches the few rules that
        test that choice, not all those that read the question. ``changed``: ``changed(kept)``, when known.
        """
        return self._differing(self.index.tests, self._base_results, kept,
                               self.changed(kept) if changed is None else changed)

    def moved(self, kept: Answers, changed: Iterable[str]) -> set[str]:
        """The questions whose relevance condition may hold on settled answers near the base otherwise than on
        the base (one of its tests on the ``changed`` questions gives otherwise): any other applies as on the base."""
        return self._differing(self.index.relevance_tests, self._base_relevance, kept, changed)

    def _differing(self, tests: Tests, results: dict[str, list[bool]], kept: Answers,
                   changed: Iterable[str]) -> set[str]:
        """The owners of the tests on ``changed`` questions that give otherwise on ``kept`` than on the base
        (``results``: each question's tests' results on the base, filled as needed)."""
        found: set[str] = set()
        for qid in changed:
            own = tests.get(qid, ())
            before = results.get(qid)
            if before is None:
                before = results[qid] = [test(self.kept) for test, _ in own]
            for (test, owners), held in zip(own, before, strict=True):
                if test(kept) != held:
                    found |= owners
        return found

    def fire(self, kept: Answers, touched: AbstractSet[str] | None = None) -> AbstractSet[str]:
        """The rules that hold on settled answers near the base (the base's, re-evaluated where a test's result
        changed); ``touched``: ``touched(kept)``, when already known."""
        if touched is None:
            touched = self.touched(kept)
        if not touched:
            return set(self.fired)
        facts = self.facts(kept)
        if self.consultant is not None:
            # The engine itself, asked only about the rules whose tests changed and given only what they
            # read: each rule it fires costs a copy of the fact through JSON (engine-notes), and the other
            # rules of their parts hold as on the base (none of their tests changed).
            read = self.index.read_by(touched)
            given = {key: value for key, value in facts.items() if key in read}
            return (self.fired - touched) | (self.consultant.consult(given, touched) & touched)
        predicates = self.index.predicates
        return (self.fired - touched) | {rid for rid in touched if predicates[rid](facts)}

    def bounds(self, kept: Answers, fired: Iterable[str], outcome: Outcome, min_score: int,
               states: dict[str, FormState] | None = None, base: Bounds | None = None,
               touched: AbstractSet[str] = frozenset()) -> Bounds:
        """What one more change can do to the settled answers ``kept``, whose rules ``fired`` (verdict ``outcome``).

        ``states``: their ``form_states``, when already known; ``base``: the bounds of answers that differ from
        these only in what the rules ``touched`` read (each other rule's tests come out the same on both)."""
        return Bounds(self.index, self.facts(kept), fired, outcome, min_score, states, base, touched)


class Bounds:
    """Which questions surely keep a verdict when their answer changes (a safe bound, checked per question).

    A change can reach only some rules (``Reach``): a fired one may stop holding, and one that does not
    hold may start to, unless a test it needs, on a question the change cannot reach (or on the date),
    fails. That bounds how far each form's score can rise or fall, and whether a form can be excluded,
    supported or given another variant. ``cannot_change(q)`` true means the verdict stays (or the
    changed answer would no longer apply); false means only that it might change.
    """

    def __init__(self, index: RuleIndex, facts: Mapping[str, Any], fired: Iterable[str], outcome: Outcome,
                 min_score: int, states: dict[str, FormState] | None = None, base: Bounds | None = None,
                 touched: AbstractSet[str] = frozenset()) -> None:
        self.index = index
        self.facts = facts
        self.fired = frozenset(fired)
        self.outcome = outcome
        self.min_score = min_score
        self.states = form_states(index, self.fired) if states is None else states
        self._known: dict[str, bool] = {}
        self._failing: dict[str, list[str | None]] = {}
        self._base, self._touched = base, touched

    def cannot_change(self, question: str) -> bool:
        """Whether changing this question's answer surely keeps the verdict."""
        if question not in self._known:
            reach = self.index.reach[question]
            # A question that reaches most rules moves every score too much to bound (measured: it never
            # did on the scenarios): not worth the check.
            self._known[question] = 2 * len(reach.rules) <= len(self.index.predicates) and self._check(reach)
        return self._known[question]

    def _failing_tests(self, rid: str) -> list[str | None]:
        """The questions (None: the date) of the tests a rule needs that fail on these answers."""
        if self._base is not None and rid not in self._touched:
            return self._base._failing_tests(rid)  # it reads no answer that differs from the base's
        if rid not in self._failing:
            self._failing[rid] = [qid for qid, test, holds in self.index.leaves[rid] if test(self.facts) != holds]
        return self._failing[rid]

    def _kept(self, form_id: str, reach: Reach, effect: str) -> bool:
        """Whether a fired rule of this effect, out of the change's reach, keeps holding for the form."""
        rules, fired = reach.rules, self.fired
        for rid in self.index.by_form_effect.get((form_id, effect), ()):
            if rid in fired and rid not in rules:
                return True
        return False

    def _check(self, reach: Reach) -> bool:
        index, fired, questions = self.index, self.fired, reach.questions
        rise: dict[str, int] = defaultdict(int)
        fall: dict[str, int] = defaultdict(int)
        may_exclude, may_support, may_vary = set(), set(), set()
        for rid in reach.rules:
            form_id, effect, weight = index.shape[rid]
            if rid in fired:  # may stop holding
                if effect == "supports":
                    fall[form_id] += weight
                elif effect == "weakens":
                    rise[form_id] += weight
                elif effect == "selects_variant":
                    may_vary.add(form_id)
                continue
            # It may start to hold unless a test it needs fails out of the change's reach (or on the date).
            blocked = False
            for qid in self._failing_tests(rid):
                if qid is None or qid not in questions:
                    blocked = True
                    break
            if blocked:
                continue
            if effect == "supports":
                rise[form_id] += weight
                may_support.add(form_id)
            elif effect == "weakens":
                fall[form_id] += weight
            elif effect == "excludes":
                may_exclude.add(form_id)
            elif effect == "selects_variant":
                may_vary.add(form_id)  # (a warning changes no verdict)
        top, _ = self.outcome
        floor = 0
        states = self.states
        if top is not None:
            if top not in states or top in may_exclude or top in may_vary:
                return False
            if not self._kept(top, reach, "supports"):
                return False  # its support could vanish
            floor = states[top].score - fall[top]
            if floor < self.min_score:
                return False
        order = index.form_order
        for form_id in order:
            if form_id == top:
                continue
            state = states.get(form_id)
            if form_id not in may_support and not (state and state.supports):
                continue  # cannot be supported, so cannot rank
            if self._kept(form_id, reach, "excludes"):
                continue  # stays excluded
            ceiling = (state.score if state else 0) + rise[form_id]
            if top is None:
                if ceiling >= self.min_score:
                    return False
            elif ceiling > floor or (ceiling == floor and order[form_id] < order[top]):
                return False
        return True


_ABSENT = object()  # no kept answer (a kept answer may be None)


def _same(a: Any, b: Any) -> bool:
    """Equal answers, of the same type (``True`` is not ``1``)."""
    return a is b or (type(a) is type(b) and a == b)
