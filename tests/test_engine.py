"""The durable-rules bridge: each trap of engine-notes.md's checklist has a test here.

The numbers in the test names refer to the checklist "Pitfalls to guard with tests".
"""

from __future__ import annotations

import copy
import sys
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor import Advisor, EngineError, KnowledgeBase
from advisor.knowledge.models import UNKNOWN, Condition
from advisor.reasoning.conditions import _COMPARE, predicate
from advisor.reasoning.encoding import FACT_KIND
from advisor.reasoning.engine import Engine, compile_ruleset
from advisor.reasoning.evaluator import ReferenceEvaluator
from advisor.reasoning.parts import RULES_PER_PART
from tests.strategies import answer_sets

SAMPLE = {"structure_types": ["aci", "ea"], "goals": ["disability_pathways", "market"],
          "tender_identified": True, "work_splittable": False, "depth": "common_governance"}


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


@pytest.fixture(scope="module")
def engine(kb: KnowledgeBase) -> Engine:
    return Engine(kb)


@pytest.fixture(scope="module")
def reference(kb: KnowledgeBase) -> ReferenceEvaluator:
    return ReferenceEvaluator(kb)


def test_01_facts_are_asserted_one_at_a_time(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch with an unhandled fact runs no action synchronously: the bridge must never batch."""
    engine = Engine(kb)
    monkeypatch.setattr(engine._host, "assert_facts", lambda *a, **k: pytest.fail("batch assert used"))
    calls: list[Any] = []
    original = engine._host.assert_fact
    monkeypatch.setattr(engine._host, "assert_fact", lambda name, fact: calls.append(fact) or original(name, fact))
    assert engine.consult(SAMPLE)
    assert len(calls) == len(engine.parts) and all(isinstance(call, dict) for call in calls)


def test_02_dispatcher_thread_is_disabled(kb: KnowledgeBase) -> None:
    before = threading.active_count()
    Engine(kb)
    Engine(kb)
    assert threading.active_count() == before


def test_02_stress_with_tiny_switch_interval(engine: Engine, reference: ReferenceEvaluator) -> None:
    """With the stock dispatcher this produced wrong results and error 307 (engine-notes §4)."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(300):
            assert engine.consult(SAMPLE) == reference.consult(SAMPLE)
    finally:
        sys.setswitchinterval(interval)


def test_03_a_failing_action_surfaces_as_an_error(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = Engine(kb)

    def broken(sid: str, name: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "_record", broken)
    with pytest.raises(EngineError, match="boom"):
        engine.consult(SAMPLE)


def test_03_a_failing_action_fails_advise_not_silently(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    advisor = Advisor(kb)
    monkeypatch.setattr(advisor.consultant, "_record", lambda sid, name: 1 / 0)
    with pytest.raises(EngineError):
        advisor.advise(SAMPLE)


def test_04_results_come_from_the_trace_not_get_facts(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = Engine(kb)
    monkeypatch.setattr(engine._host, "get_facts", lambda *a, **k: pytest.fail("get_facts used"))
    assert engine.consult(SAMPLE) == ReferenceEvaluator(kb).consult(SAMPLE)


def test_05_06_12_compiled_rules_use_no_negation_no_any_and_always_a_kind(kb: KnowledgeBase) -> None:
    rules = {name: rule for definition in compile_ruleset(kb).values() for name, rule in definition.items()}
    for name, rule in rules.items():
        assert set(rule) == {"all", "pri", "run"}, name
        assert len(rule["all"]) == 1
        (binding, expression), = rule["all"][0].items()
        assert not binding.endswith("$not")
        assert expression["$and"][0] == {"kind": FACT_KIND}
        keys = {key for key, _ in _walk(expression)}
        assert "any" not in keys and "$not" not in keys and "$imt" not in keys


def test_05_no_form_fallback_is_computed_in_python(advisor: Advisor) -> None:
    """'Nothing fits' is derived after the run, never by a negated rule."""
    result = advisor.advise({"goals": ["market"], "tender_identified": False})
    assert result.no_clear_fit and result.no_fit_message
    assert [f.form for f in result.excluded] == ["gme"]


def test_06_explanations_are_unique_per_rule(advisor: Advisor) -> None:
    result = advisor.advise(SAMPLE)
    for form in result.recommendations:
        ids = [r.rule for r in form.reasons + form.against + form.warnings]
        assert len(ids) == len(set(ids))


def test_07_loose_engine_types_are_never_reached(advisor: Advisor) -> None:
    """The engine would match True == 1 and '5' == 5; validation rejects such values first."""
    from advisor import AnswerError

    for bad in ({"tender_identified": 1}, {"territory_population": True}, {"territory_population": "abc"},
                {"goals": "market", "tender_identified": "peut-être"}):
        with pytest.raises(AnswerError):
            advisor.advise(bad)


@pytest.mark.parametrize("spelling", ["Réservé aux SIAE (article L2113-13)", "RÉSERVÉ AUX SIAE (ARTICLE L2113-13)",
                                      "Re\u0301serve\u0301 aux SIAE (article L2113-13)", "siae", " SIAE "])
def test_08_unicode_and_case_are_normalised(advisor: Advisor, spelling: str) -> None:
    answers = {"goals": ["market"], "tender_identified": True, "buyer_type": "public", "partners": ["ea_esat"]}
    expected = advisor.advise({**answers, "reserved_lot": "siae"})
    assert advisor.advise({**answers, "reserved_lot": spelling}) == expected


def test_09_priorities_are_non_negative_shorts(kb: KnowledgeBase) -> None:
    assert all(0 <= rule["pri"] <= 65535 for part in compile_ruleset(kb).values() for rule in part.values())


def test_10_sessions_are_always_deleted(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine has a hard limit of 1,024 open sessions; every consultation must free its own."""
    engine = Engine(kb)
    sids: list[str] = []
    real = uuid.uuid4

    def recording() -> uuid.UUID:
        value = real()
        sids.append(value.hex)
        return value

    monkeypatch.setattr("advisor.reasoning.engine.uuid.uuid4", recording)
    original = engine._record
    for i in range(2000):
        if i % 7 == 0:  # failing consultations must not leak either
            monkeypatch.setattr(engine, "_record", lambda sid, name: 1 / 0)
            with pytest.raises(EngineError):
                engine.consult(SAMPLE)
            monkeypatch.setattr(engine, "_record", original)
        else:
            engine.consult(SAMPLE if i % 2 else {})
    assert len(sids) == 2000
    assert not any(engine.is_open(sid) for sid in sids)


def test_11_equality_tests_stay_far_below_the_hang_limit(kb: KnowledgeBase) -> None:
    """More than 512 distinct equality tests under one node hangs create_ruleset (engine-notes §3)."""
    for part in compile_ruleset(kb).values():
        equalities = {(key, repr(value)) for key, value in _walk(part)
                      if not key.startswith("$") and not isinstance(value, (dict, list))}
        assert len(equalities) < 256
        assert len(part) <= RULES_PER_PART + 1  # and its sink


def test_13_reserved_engine_fields_cannot_be_answers(advisor: Advisor) -> None:
    from advisor import AnswerError

    for key in ("sid", "id", "kind"):
        with pytest.raises(AnswerError):
            advisor.advise({key: "x"})


def test_14_same_answers_twice_give_the_same_result(advisor: Advisor) -> None:
    assert advisor.advise(SAMPLE) == advisor.advise(SAMPLE)


def test_15_the_engine_does_not_mutate_the_compiled_definition(kb: KnowledgeBase) -> None:
    first = compile_ruleset(kb)
    snapshot = copy.deepcopy(first)
    engine = Engine(kb)
    assert engine.definition == snapshot == compile_ruleset(kb)


def test_17_differential_durable_equals_reference(kb: KnowledgeBase, engine: Engine,
                                                  reference: ReferenceEvaluator) -> None:
    """On many random answer sets, durable-rules fires exactly what the plain-Python oracle fires."""

    @settings(max_examples=400, deadline=None)
    @given(answer_sets(kb))
    def check(answers: dict[str, Any]) -> None:
        assert engine.consult(answers) == reference.consult(answers)

    check()


_CHOICES = st.sampled_from(["a", "b", "c", UNKNOWN])
_ANSWERS = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), _CHOICES, st.lists(_CHOICES, max_size=3),
                     st.lists(st.one_of(st.integers(0, 2), _CHOICES), max_size=3))
_OPERANDS = {"contains": _CHOICES, "contains_any": st.lists(_CHOICES, min_size=1, max_size=3),
             "is": st.one_of(_CHOICES, st.booleans(), st.integers(-2, 2)),
             "in": st.lists(st.one_of(_CHOICES, st.booleans()), min_size=1, max_size=3)}


@settings(max_examples=400, deadline=None)
@given(data=st.data(), operator=st.sampled_from(sorted(_OPERANDS)), answer=_ANSWERS)
def test_17_specialised_tests_give_what_the_generic_test_gives(data: st.DataObject, operator: str,
                                                               answer: Any) -> None:
    """The reference evaluator's fast versions of its most frequent tests say what the plain definition says
    (unanswered or « je ne sais pas » is false, then the operator), on every kind of value."""
    operand = data.draw(_OPERANDS[operator])
    key = {"is": "is", "in": "in"}.get(operator, operator)
    test = predicate(Condition.model_validate({"question": "q", key: operand}))
    answers = {} if answer is None else {"q": answer}

    def outcome(run: Any) -> Any:  # a value, or the kind of error (a number is not a list of choices)
        try:
            return run()
        except TypeError:
            return TypeError
    assert outcome(lambda: test(answers)) == outcome(
        lambda: answer is not None and answer != UNKNOWN and _COMPARE[operator](answer, operand))


def test_17_differential_on_the_toy_knowledge_base(toy_kb: KnowledgeBase) -> None:
    engine, reference = Engine(toy_kb), ReferenceEvaluator(toy_kb)

    @settings(max_examples=200, deadline=None)
    @given(answer_sets(toy_kb))
    def check(answers: dict[str, Any]) -> None:
        assert engine.consult(answers) == reference.consult(answers)

    check()


def test_isolation_interleaved_consultations_equal_fresh_ones(kb: KnowledgeBase) -> None:
    shared = Advisor(kb)
    cases = [kb.example(name).answers for name in kb.example_names()] + [SAMPLE, {}]
    fresh = [Advisor(kb).advise(answers) for answers in cases]
    for _ in range(3):
        assert [shared.advise(answers) for answers in cases] == fresh


def test_isolation_threads_give_the_serial_results(kb: KnowledgeBase) -> None:
    advisor = Advisor(kb)
    cases = [kb.example(name).answers for name in kb.example_names()] + [SAMPLE]
    serial = [advisor.advise(answers).model_dump_json() for answers in cases]
    work = [i % len(cases) for i in range(4 * 250)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda i: advisor.advise(cases[i]).model_dump_json(), work))
    assert results == [serial[i] for i in work]


def test_no_rule_matching_is_a_normal_empty_result(toy_kb: KnowledgeBase) -> None:
    assert Engine(toy_kb).consult({}) == set()


def test_sessions_where_no_rule_matches_are_deleted_safely(toy_kb: KnowledgeBase) -> None:
    """Deleting the session of an unhandled fact crashed durable-rules; the sink rule prevents it."""
    engine = Engine(toy_kb)
    for _ in range(30000):
        assert engine.consult({}) == set()


def test_ctrl_c_inside_an_action_is_not_swallowed(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    """durable-rules catches every exception of an action; an interruption must still stop the run."""
    engine = Engine(kb)

    def interrupted(sid: str, name: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "_record", interrupted)
    with pytest.raises(KeyboardInterrupt):
        engine.consult(SAMPLE)
    monkeypatch.undo()
    assert engine.consult(SAMPLE) == ReferenceEvaluator(kb).consult(SAMPLE)


def test_answers_settled_near_a_base_on_the_engine_are_settled_as_from_scratch(kb: KnowledgeBase,
                                                                              advisor: Advisor) -> None:
    """Confirmations ask the engine only about the rules a change reaches, given only what those rules read."""
    import random

    from tests.test_whatif_incremental import _options, situations

    rng = random.Random(7)
    checked = 0
    for view, base in situations(kb, advisor, 30, seed=3):
        kept, _, fired = view.settle(base)
        near = view.confirming(kept, fired)
        options = list(_options(view, base))
        for _ in range(4):
            changed = {**base, **dict(rng.sample(options, min(len(options), rng.choice((1, 2)))))}
            assert near.settle(changed) == view.settle(changed)
            checked += 1
    assert checked > 100
