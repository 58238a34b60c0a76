"""The expert scenarios of tests/scenarios/ run on the advisor, on both rule evaluators.

Each scenario is a situation written from the product owner's decision guide (DECISIONS.md) with
the conclusion the advisor must reach; ``advisor rules check`` runs the same files and also checks
that every rule fires and every form and variant comes first somewhere.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from advisor import Advisor, KnowledgeBase
from advisor.reasoning.evaluator import ReferenceEvaluator
from advisor.scenarios import Scenario, failures, load_scenarios, scenario_answers

SCENARIOS_DIR = Path(__file__).resolve().parent / "scenarios"
SCENARIOS = load_scenarios(SCENARIOS_DIR)
MIN_PER_FORM = 3
MIN_PER_VARIANT = 2


def _params() -> list[Any]:
    return [pytest.param(scenario, id=scenario.name) for _, scenario in SCENARIOS]


@pytest.fixture(scope="module")
def reference_advisor(kb: KnowledgeBase) -> Advisor:
    """An advisor whose rules are evaluated by the plain-Python reference evaluator."""
    return Advisor(kb, consultant=ReferenceEvaluator(kb))


@pytest.mark.parametrize("scenario", _params())
def test_scenario(advisor: Advisor, kb: KnowledgeBase, scenario: Scenario) -> None:
    rec = advisor.advise(scenario_answers(kb, scenario), as_of=scenario.as_of)
    assert failures(scenario, rec) == []


@pytest.mark.parametrize("scenario", _params())
def test_reference_evaluator_reaches_the_same_result(advisor: Advisor, reference_advisor: Advisor,
                                                     kb: KnowledgeBase, scenario: Scenario) -> None:
    answers = scenario_answers(kb, scenario)
    expected = advisor.advise(answers, as_of=scenario.as_of)
    got = reference_advisor.advise(answers, as_of=scenario.as_of)
    assert failures(scenario, got) == []
    assert got.model_dump(mode="json") == expected.model_dump(mode="json")


def test_scenario_names_are_unique_sentences() -> None:
    names = Counter(scenario.name for _, scenario in SCENARIOS)
    assert [name for name, count in names.items() if count > 1] == []
    for name in names:
        assert name[0].isupper() and name.endswith("."), name


def test_every_form_has_its_scenario_file(kb: KnowledgeBase) -> None:
    by_file = Counter(path.stem for path, _ in SCENARIOS)
    for form in kb.forms:
        assert by_file[form] >= MIN_PER_FORM, f"tests/scenarios/{form}.yaml : moins de {MIN_PER_FORM} scénarios"


def test_every_variant_comes_first_in_two_scenarios_of_its_form(advisor: Advisor, kb: KnowledgeBase) -> None:
    firsts: Counter[tuple[str, str | None]] = Counter()
    for path, scenario in SCENARIOS:
        rec = advisor.advise(scenario_answers(kb, scenario), as_of=scenario.as_of)
        if rec.top is not None and rec.top.form == path.stem:
            firsts[(rec.top.form, rec.top.variant)] += 1
    for form in kb.forms.values():
        for variant in form.variants:
            assert firsts[(form.id, variant.id)] >= MIN_PER_VARIANT, f"{form.id}/{variant.id}"


def test_seed_cases_start_from_packaged_examples(kb: KnowledgeBase) -> None:
    seeds = [scenario for path, scenario in SCENARIOS if path.stem == "seed"]
    assert seeds and all(scenario.example in kb.example_names() for scenario in seeds)
