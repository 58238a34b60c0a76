"""Pairs of changes composed from two single changes, for the two-answer search (``search.py``).

When two changes reach neither each other's question nor a common rule's tests in a way that
matters, the pair fires: the first change's rules out of the second's reach, the second change's own
rules (its « profile », computed once from the base), and the rules both reach, evaluated on the
pair. ``Composition.cannot_change`` bounds, for a whole question of second changes, whether any of its
values can change the verdict; when none can, those pairs are counted as tried without evaluation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from .neighbours import FormState, RuleIndex, form_states

if TYPE_CHECKING:
    from ..knowledge.base import KnowledgeBase

Outcome = tuple[str | None, str | None]


class Profile(NamedTuple):
    """What each value of one question does alone, from the base answers, to the rules it can reach."""

    question: str
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


class Step:
    """One first change, settled, as the pair bounds read it (computed once per step).

    Args:
        index: the rules, indexed.
        top: the base's recommended form (None when nothing is first).
        fired: the rules that hold after the first change.
        touched: the rules one of whose tests gives otherwise on the step than on the base
            (``Neighbourhood.touched``): any other rule holds on the step exactly as on the base.
        moved: the questions whose relevance tests give otherwise on the step than on the base
            (``Neighbourhood.moved``): any other applies on the step exactly as on the base.
        base: the step of no change (the base answers), when known: only the touched rules are then read.
    """

    __slots__ = ("fired", "moved", "states", "supported", "top_supports", "top_selectors", "touched")

    def __init__(self, index: RuleIndex, top: str | None, fired: frozenset[str], touched: frozenset[str],
                 moved: frozenset[str] = frozenset(), base: Step | None = None) -> None:
        self.fired = fired
        self.touched = touched
        self.moved = moved
        if base is None:
            self.states: dict[str, FormState] = {}
            supports: list[str] = []
            selectors: list[str] = []
            moves = [(rid, 1) for rid in fired]
        else:  # the base's, where a touched rule holds otherwise
            moves = [(rid, 1 if rid in fired else -1) for rid in touched if (rid in fired) != (rid in base.fired)]
            if not moves:  # the same rules hold as on the base: its summary, shared
                self.states, self.supported = base.states, base.supported
                self.top_supports, self.top_selectors = base.top_supports, base.top_selectors
                return
            self.states = dict(base.states)
            supports, selectors = list(base.top_supports), list(base.top_selectors)
        form_of, effects, signed, states = index.form_of, index.effect, index.signed, self.states
        for rid, sign in moves:  # ``form_states``, and the top form's own rules, in one pass
            form_id, effect = form_of[rid], effects[rid]
            state = states.get(form_id)
            if state is None:
                state = states[form_id] = FormState()
            elif base is not None and state is base.states.get(form_id):
                state = states[form_id] = state.copy()  # the base's is shared
            state.score += sign * signed[rid]
            state.rules += sign
            if not state.rules:
                del states[form_id]
            own = None
            if effect == "supports":
                state.supports += sign
                own = supports
            elif effect == "excludes":
                state.excludes += sign
            elif effect == "selects_variant":
                own = selectors
            if own is not None and form_id == top:
                if sign > 0:
                    own.append(rid)
                else:
                    own.remove(rid)
        self.supported = frozenset(f for f, state in states.items() if state.supports)
        self.top_supports = supports
        self.top_selectors = sorted(selectors, key=index.precedence.__getitem__)


class Steps:
    """The first changes of one question that keep the verdict, summed up for ``Composition.keeps_all``.

    A second question that shares no rule with the first adds its own effect to each step's scores, so
    the bound on all those steps' pairs reads only each form's highest score over the steps, relative to
    the top form's (``highest``; ``highest_supported``: over the steps where the form is supported), and
    the top form's lowest score.
    """

    __slots__ = ("all_have_top", "highest", "highest_supported", "lowest_top", "moved", "steps", "touched")

    def __init__(self, steps: list[Step], top: str | None, forms: Iterable[str]) -> None:
        self.steps = steps
        self.touched = frozenset().union(*(step.touched for step in steps))
        """The rules some step touched (``Step.touched``)."""
        self.moved = frozenset().union(*(step.moved for step in steps))
        """The questions whose relevance some step moved (``Step.moved``)."""
        self.all_have_top = top is None or all(top in step.states for step in steps)
        self.highest: dict[str, int] = {}
        self.highest_supported: dict[str, int] = {}
        self.lowest_top = 0
        if not self.all_have_top:
            return  # no bound holds: ``keeps_all`` reads nothing else
        lowest: int | None = None
        highest, highest_supported = self.highest, self.highest_supported
        for step in steps:
            states, supported = step.states, step.supported
            floor = states[top].score if top is not None else 0
            if lowest is None or floor < lowest:
                lowest = floor
            for form_id in forms:
                state = states.get(form_id)
                relative = -floor if state is None else state.score - floor
                if form_id not in highest or relative > highest[form_id]:
                    highest[form_id] = relative
                if form_id in supported and (form_id not in highest_supported or relative > highest_supported[form_id]):
                    highest_supported[form_id] = relative
        self.lowest_top = lowest or 0


class Composition:
    """Profiles of single changes and bounds on pairs, for one base answer set and its verdict.

    Args:
        index: the rules, indexed.
        kb: the knowledge base (for the forms' default variants).
        base: the verdict of the base answers.
        base_fired: the rules that hold on them.
        base_facts: what the rules read of them (answers and date).
        min_score: the least score a recommended form needs.
    """

    def __init__(self, index: RuleIndex, kb: KnowledgeBase, base: Outcome, base_fired: frozenset[str],
                 base_facts: Mapping[str, Any], min_score: int) -> None:
        self.index = index
        self.base = base
        self.base_fired = base_fired
        self.base_facts = base_facts
        self.min_score = min_score
        self.default_variant = {form_id: form.default_variant for form_id, form in kb.forms.items()}
        self._on_base: dict[tuple[str, str], bool] = {}  # (rule, first question): its tests on it hold on the base
        self._split: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
        self._variant_kept: dict[tuple[str, str | None], bool] = {}

    def profile(self, question: str, rules: frozenset[str], effects: list[frozenset[str]]) -> Profile:
        """The profile of ``question``, which reaches ``rules``, from each value's rules that hold among them."""
        index, top = self.index, self.base[0]
        before = {f: state.score for f, state in form_states(index, self.base_fired & rules).items()}
        rise: dict[str, int] = {}
        lowest_top, may_exclude, always, may_support = 0, False, True, set()
        selectors: list[str | None] = []
        for effect in effects:
            after = form_states(index, effect)
            mine = after.get(top) if top is not None else None
            top_delta = (mine.score if mine else 0) - before.get(top, 0) if top is not None else 0
            for form_id in index.form_order:
                state = after.get(form_id)
                change = (0 if state is None else state.score) - before.get(form_id, 0) - top_delta
                if form_id not in rise or change > rise[form_id]:
                    rise[form_id] = change
            may_support.update(f for f, state in after.items() if state.supports)
            if top is not None:
                lowest_top = min(lowest_top, top_delta)
                always = always and mine is not None and mine.supports > 0
                may_exclude = may_exclude or (mine is not None and mine.excludes > 0)
                selectors.append(self._strongest_selector(effect))
        return Profile(question, rules, effects, rise, lowest_top, may_exclude, selectors, always,
                       frozenset(may_support), frozenset().union(*effects),
                       frozenset.intersection(*effects) if effects else frozenset())

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
                self._on_base[(rid, first)] = all(test(self.base_facts) == holds for test, holds in tests)
            if on_step == self._on_base[(rid, first)]:
                return (), ()
            if not on_step:
                return (0,), ((1,) if rid in profile.every else (0, 1) if rid in profile.some else (0,))
            held: tuple[int, ...] = (0,)  # its tests on the first change's questions failed on the base
        else:
            held = (1,) if rid in profile.every else (0, 1) if rid in profile.some else (0,)
        # It cannot hold if a test it needs fails on a question the second change does not reach.
        blocked = any(qid is None or qid not in reached
                      for qid, test, holds in index.leaves[rid] if test(facts) != holds)
        return ((0,) if blocked else (0, 1)), held

    def _same_variant(self, profile: Profile, step: Step) -> bool:
        """Whether the top form keeps its variant whatever the value: the step's selectors out of the
        question's reach, with each value's own."""
        outside = next((r for r in step.top_selectors if r not in profile.rules), None)
        key = (profile.question, outside)  # the answer depends on the step only through ``outside``
        if key not in self._variant_kept:
            index, (top, variant) = self.index, self.base
            assert top is not None
            default, kept = self.default_variant[top], True
            for own in profile.top_selectors:
                contenders = [r for r in (outside, own) if r is not None]
                best = min(contenders, key=index.precedence.__getitem__) if contenders else None
                if (index.variant[best] if best else default) != variant:
                    kept = False
                    break
            self._variant_kept[key] = kept
        return self._variant_kept[key]

    def shared_split(self, first: str, second: str, shared: frozenset[str],
                     both: frozenset[str]) -> tuple[list[str], list[str]]:
        """The rules both changes reach, as (always bounded, bounded only when the step touched them).

        A rule of the second kind reads no question both changes reach: when none of its tests gives
        otherwise on the step than on the base (``Step.touched``), it holds in the pair exactly as in the
        value's change, which the profile counts.
        """
        key = (first, second)
        if key not in self._split:
            index = self.index
            fixed, touched = [], []
            for rid in sorted(shared & index.decisive):  # a warning adds nothing to the bound
                (touched if index.reads[rid].isdisjoint(both) else fixed).append(rid)
            self._split[key] = (fixed, touched)
        return self._split[key]

    def cannot_change(self, first: str, profile: Profile, step: Step, bounded: list[str],
                      facts: Mapping[str, Any], reached: frozenset[str], both: frozenset[str]) -> bool:
        """Whether no value of the profiled question, added to the first change ``step``, changes the verdict.

        Out of the rules to bound (``bounded``: those both changes reach that may hold in the pair otherwise
        than in the value's change, ``shared_split``), the pair fires the step's rules out of the question's
        reach and the value's own: each form's score is the step's plus the value's change (``Profile.rise``
        bounds it over the values). A bounded rule is evaluated on the pair's answers instead: its part is
        bounded by whether it can hold there (a test it needs fails on the step's answers ``facts``, on a
        question out of the second change's reach ``reached``) and whether it held in the value's change.
        """
        if not profile.effects:
            return True  # no value to try
        index, top = self.index, self.base[0]
        fired, states = step.fired, step.states
        spread: dict[str, int] = defaultdict(int)  # how far the shared rules may move each form's score
        unsafe, shared_support_of_top = profile.may_exclude_top, False
        candidates = step.supported | profile.may_support
        for rid in bounded:
            form_id, effect, signed = index.form_of[rid], index.effect[rid], index.signed[rid]
            # The step counted the rule as it stood after the first change; the value's change, as on the base.
            spread[form_id] += signed * ((rid in self.base_fired) - (rid in fired))
            states_now, states_then = self._shared_states(rid, first, profile, facts, reached, both)
            if not states_now:
                continue  # the pair gives it exactly what the value's change gave: the profile counts it
            parts = [signed * (now - then) for now in states_now for then in states_then]
            spread[form_id] += max(parts) if form_id != top else min(parts)
            if effect == "supports":
                if 1 in states_now:
                    candidates = candidates | {form_id}
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
        if unsafe or top not in states or not self._same_variant(profile, step):
            return False
        if not (profile.always_supports_top and not shared_support_of_top) and all(
                r in profile.rules for r in step.top_supports):
            return False  # its support could vanish
        floor = score(top)
        if floor + profile.lowest_top < self.min_score:
            return False
        order = index.form_order
        for form_id in candidates:
            if form_id == top:
                continue
            margin = score(form_id) + profile.rise[form_id] - floor
            if margin > 0 or (margin == 0 and order[form_id] < order[top]):
                return False
        return True

    def keeps_all(self, steps: Steps, profile: Profile) -> bool:
        """Whether ``cannot_change`` holds for every step of ``steps`` with the profiled question, when the two
        questions share no rule (nothing to evaluate on the pair): the same tests, each on its extreme step."""
        if not profile.effects or not steps.steps:
            return True
        top, rise = self.base[0], profile.rise
        if top is None:
            return all(highest + rise[f] < self.min_score for f, highest in self._candidates(steps, profile))
        if profile.may_exclude_top or not steps.all_have_top:
            return False
        if not all(self._same_variant(profile, step) for step in steps.steps):
            return False
        if not profile.always_supports_top and any(all(r in profile.rules for r in step.top_supports)
                                                   for step in steps.steps):
            return False  # its support could vanish
        if steps.lowest_top + profile.lowest_top < self.min_score:
            return False
        order = self.index.form_order
        for form_id, highest in self._candidates(steps, profile):
            if form_id == top:
                continue
            margin = highest + rise[form_id]
            if margin > 0 or (margin == 0 and order[form_id] < order[top]):
                return False
        return True

    @staticmethod
    def _candidates(steps: Steps, profile: Profile) -> Iterable[tuple[str, int]]:
        """Each form that may rank on some step's pairs, with its highest relative score over those steps."""
        for form_id, highest in steps.highest.items():
            if form_id in profile.may_support:
                yield form_id, highest
            elif form_id in steps.highest_supported:
                yield form_id, steps.highest_supported[form_id]
