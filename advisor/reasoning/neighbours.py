"""Answer sets near a base one: their outcomes, re-evaluating only the rules a change can touch.

The what-if searches (what would change the verdict, robustness, ties, question order) look at many
answer sets that differ from one base set in one or two answers. A rule's condition reads only the
questions it names (``Condition.questions``) and the consultation date (``AS_OF``), which never
changes within one search; relevance may drop or restore the answers of the questions that follow
a changed one. So the rules to re-evaluate for a change are those that read a question whose kept
answer differs from the base's; every other rule fired, or did not, exactly as on the base.

``RuleIndex`` holds, for one knowledge base, the rules by question, what each rule does to the score
of its form, and for each question every rule its change can reach (through relevance too), so that a
two-answer search can skip the pairs that cannot change the verdict (``Neighbourhood.cannot_change``).
Results are the same as a full re-evaluation: the golden tests compare both on every scenario.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .answers import Answers
from .conditions import Predicate, predicate
from .relevance import Relevance
from .verdict import situation

if TYPE_CHECKING:
    from ..knowledge.base import KnowledgeBase

Outcome = tuple[str | None, str | None]
SIGNS = {"supports": 1, "weakens": -1}


@dataclass(frozen=True)
class Reach:
    """What changing one question's answer can do to the rules of each form."""

    rules: frozenset[str]
    """Every rule that reads the question or a question whose relevance depends on it."""
    swing: dict[str, int]
    """For each form, the total weight of its scored rules among ``rules``: the most its score can move."""
    excludes: frozenset[str]
    """Forms with an excluding rule among ``rules``."""
    supports: frozenset[str]
    """Forms with a supporting rule among ``rules``."""
    selects: frozenset[str]
    """Forms with a variant-selecting rule among ``rules``."""


class RuleIndex:
    """The rules of a knowledge base indexed by the questions they read, compiled once."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.predicates: dict[str, Predicate] = {r.id: predicate(r.when) for r in kb.rules}
        self.form_of = dict(kb.rule_form)
        self.effect = {r.id: r.effect for r in kb.rules}
        self.signed = {r.id: SIGNS.get(r.effect, 0) * (r.weight or 0) for r in kb.rules}
        self.form_order = {form_id: n for n, form_id in enumerate(kb.forms)}
        by_question: dict[str, list[str]] = defaultdict(list)
        for rule in kb.rules:
            for qid in rule.when.questions():
                by_question[qid].append(rule.id)
        self.by_question = {qid: frozenset(ids) for qid, ids in by_question.items()}
        dependents: dict[str, set[str]] = defaultdict(set)
        for qid, cond in kb.question_conditions():
            for cited in cond.questions():
                dependents[cited].add(qid)
        self.reach = {qid: self._reach(qid, dependents) for qid in kb.questions}

    def _reach(self, qid: str, dependents: Mapping[str, set[str]]) -> Reach:
        closure, todo = {qid}, [qid]
        while todo:
            for nxt in dependents.get(todo.pop(), ()):
                if nxt not in closure:
                    closure.add(nxt)
                    todo.append(nxt)
        rules = self.reading(closure)
        swing: dict[str, int] = defaultdict(int)
        for rid in rules:
            swing[self.form_of[rid]] += abs(self.signed[rid])

        def forms(effect: str) -> frozenset[str]:
            return frozenset(self.form_of[r] for r in rules if self.effect[r] == effect)
        return Reach(frozenset(rules), dict(swing), forms("excludes"), forms("supports"), forms("selects_variant"))

    def reading(self, questions: Iterable[str]) -> set[str]:
        """The ids of the rules whose condition reads one of these questions."""
        found: set[str] = set()
        for qid in questions:
            found |= self.by_question.get(qid, frozenset())
        return found


@dataclass
class FormState:
    """What the fired rules say of one form: its score, and whether it is supported or excluded."""

    score: int = 0
    supports: int = 0
    excludes: int = 0


def form_states(index: RuleIndex, fired: Iterable[str]) -> dict[str, FormState]:
    """Score and support of every form touched by the fired rules."""
    states: dict[str, FormState] = {}
    for rid in fired:
        state = states.setdefault(index.form_of[rid], FormState())
        state.score += index.signed[rid]
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
    """

    def __init__(self, index: RuleIndex, relevance: Relevance, base: Mapping[str, Any],
                 as_of: dt.date | None) -> None:
        self.index = index
        self.relevance = relevance
        self.as_of = as_of
        self.kept = relevance.applicable(base)
        facts = self._facts(self.kept)
        self.fired = frozenset(rid for rid, holds in index.predicates.items() if holds(facts))

    def _facts(self, kept: Answers) -> Mapping[str, Any]:
        return kept if self.as_of is None else situation(kept, self.as_of)

    def settle(self, answers: Mapping[str, Any]) -> tuple[Answers, list[str], set[str]]:
        """Like ``Advisor.settle`` on answers near the base: (kept answers, dropped ids, fired rule ids)."""
        kept = self.relevance.applicable(answers)
        dropped = [qid for qid in answers if qid not in kept]
        changed = [qid for qid in kept.keys() | self.kept.keys() if not _same(kept.get(qid), self.kept.get(qid))]
        if not changed:
            return kept, dropped, set(self.fired)
        touched = self.index.reading(changed)
        facts = self._facts(kept)
        predicates = self.index.predicates
        return kept, dropped, (self.fired - touched) | {rid for rid in touched if predicates[rid](facts)}

    def bounds(self, fired: Iterable[str], outcome: Outcome, min_score: int) -> Bounds:
        """What one more change can do to the answer set whose rules ``fired`` (its verdict: ``outcome``)."""
        return Bounds(self.index, fired, outcome, min_score)


class Bounds:
    """Which questions surely keep a verdict when their answer changes (a safe bound, checked per question).

    Each rule a change can reach may flip, so a form's score moves by at most the total weight of its
    reachable rules. ``cannot_change(q)`` true means the verdict stays (or the changed answer would no
    longer apply); false means only that it might change.
    """

    def __init__(self, index: RuleIndex, fired: Iterable[str], outcome: Outcome, min_score: int) -> None:
        self.index = index
        self.outcome = outcome
        self.min_score = min_score
        self.fired_by_form: dict[str, list[str]] = defaultdict(list)
        for rid in fired:
            self.fired_by_form[index.form_of[rid]].append(rid)
        self.states = form_states(index, fired)
        self._known: dict[str, bool] = {}

    def cannot_change(self, question: str) -> bool:
        """Whether changing this question's answer surely keeps the verdict."""
        if question not in self._known:
            self._known[question] = self._check(self.index.reach[question])
        return self._known[question]

    def _kept(self, form_id: str, reach: Reach, effect: str) -> bool:
        """Whether a fired rule of this effect, out of the change's reach, keeps holding for the form."""
        effects = self.index.effect
        return any(effects[r] == effect and r not in reach.rules for r in self.fired_by_form.get(form_id, ()))

    def _check(self, reach: Reach) -> bool:
        top, _ = self.outcome
        floor = 0
        if top is not None:
            if top not in self.states or top in reach.excludes or top in reach.selects:
                return False
            if not self._kept(top, reach, "supports"):
                return False  # its support could vanish
            floor = self.states[top].score - reach.swing.get(top, 0)
            if floor < self.min_score:
                return False
        order = self.index.form_order
        for form_id in order:
            if form_id == top or self._kept(form_id, reach, "excludes"):
                continue  # the top form itself, or a form that stays excluded
            if form_id not in reach.supports and not self._kept(form_id, reach, "supports"):
                continue  # cannot be supported, so cannot rank
            state = self.states.get(form_id)
            ceiling = (state.score if state else 0) + reach.swing.get(form_id, 0)
            if top is None:
                if ceiling >= self.min_score:
                    return False
            elif ceiling > floor or (ceiling == floor and order[form_id] < order[top]):
                return False
        return True


def _same(a: Any, b: Any) -> bool:
    """Equal answers, of the same type (``True`` is not ``1``)."""
    return a is b or (type(a) is type(b) and a == b)
