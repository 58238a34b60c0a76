"""Issue 12, items 3 and 4: the order of the questions, the estimate of what is left, and « fin »."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import pytest
import yaml

from advisor import Advisor, KnowledgeBase
from advisor.interview.session import Interview
from advisor.knowledge.models import UNKNOWN
from advisor.reasoning.lookahead import still_open
from advisor.reasoning.whatif import alternative_values
from tests.conftest import ROOT
from tests.test_questionnaire import typed

SCENARIOS = [(path.stem, s["name"], s["answers"]) for path in sorted((ROOT / "tests" / "scenarios").glob("*.yaml"))
             for s in yaml.safe_load(path.read_text(encoding="utf-8"))["scenarios"] if "answers" in s]


def walk(advisor: Advisor, values: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Answer a whole interview with ``values``; returns (question id, outcome of its answer) in asking order."""
    values = advisor.validate(values)
    interview = Interview(advisor)
    steps = []
    while (question := interview.current()) is not None:
        assert len(steps) < 3 * len(advisor.kb.questions), f"the interview loops on {question.id}"
        value = values.get(question.id, UNKNOWN if question.allow_unknown else _any_answer(question))
        progress = interview.progress()
        steps.append((question.id, progress, interview.answer(typed(question, value))))
    return steps


def _any_answer(question: Any) -> Any:
    """An answer for a question the scenario leaves open and that takes no « je ne sais pas »."""
    if question.optional or question.type == "text":
        return None
    return {"single": question.choices[0].id if question.choices else None,
            "multiple": [question.choices[0].id] if question.choices else None,
            "boolean": False, "number": question.min or 0}[question.type]


def _readers(kb: KnowledgeBase) -> dict[str, frozenset[str]]:
    """Question id → the forms whose rules read it."""
    found: dict[str, set[str]] = {qid: set() for qid in kb.questions}
    for rule in kb.rules:
        for qid in rule.when.questions():
            found[qid].add(kb.rule_form[rule.id])
    return {qid: frozenset(forms) for qid, forms in found.items()}


def test_who_you_are_then_goals_then_each_form_s_questions_together_then_depth_and_liability(
        advisor: Advisor, kb: KnowledgeBase) -> None:
    gme = next(answers for form, _, answers in SCENARIOS if form == "gme" and answers.get("tender_identified"))
    asked = [qid for qid, _, _ in walk(advisor, gme)]
    readers = _readers(kb)
    market = [qid for qid in asked if readers[qid] == readers["tender_identified"]]
    assert asked[:5] == ["structure_name", "structure_types", "territory_name", "territory_type", "goals"]
    assert asked[5:5 + len(market)] == [qid for qid in asked if qid in market]  # the market questions together
    assert asked[-3:] == ["partners", "depth", "shared_liability"]


@pytest.mark.parametrize(("form", "name", "answers"), SCENARIOS[::4], ids=[s[1][:50] for s in SCENARIOS[::4]])
def test_follow_up_questions_come_grouped_by_the_forms_that_read_them(advisor: Advisor, kb: KnowledgeBase,
                                                                     form: str, name: str,
                                                                     answers: dict[str, Any]) -> None:
    readers = _readers(kb)
    follow_ups = [qid for qid, _, _ in walk(advisor, answers) if kb.questions[qid].relevant_if is not None]
    groups = [readers[qid] for qid in follow_ups]
    runs = [key for key, _ in itertools.groupby(groups)]
    assert len(runs) == len(set(runs)), f"a group of questions was interrupted: {follow_ups}"


@pytest.mark.parametrize(("form", "name", "answers"), SCENARIOS[1::3], ids=[s[1][:50] for s in SCENARIOS[1::3]])
def test_the_estimate_goes_up_only_by_the_questions_an_answer_opened_and_says_so(
        advisor: Advisor, form: str, name: str, answers: dict[str, Any]) -> None:
    steps = walk(advisor, answers)
    for (_, before, _), (_, after, _) in itertools.pairwise(steps):
        assert after.remaining <= max(before.remaining - 1, 0) + after.opened
        if after.remaining > before.remaining:
            assert after.opened > 0
        assert after.number == before.number + 1


def test_the_settled_notice_comes_once_and_only_when_true(advisor: Advisor, kb: KnowledgeBase) -> None:
    for _, _, answers in SCENARIOS[::2]:
        outcomes = [outcome for _, _, outcome in walk(advisor, answers)]
        newly = [o for o in outcomes if o.status is not None and o.status.newly_settled]
        assert len(newly) <= 1
        for outcome in outcomes:
            if outcome.status is not None and outcome.status.settled:
                assert outcome.status.still_open is not None and not outcome.status.still_open.verdict


def test_two_remaining_answers_that_switch_the_variant_keep_the_interview_open(advisor: Advisor) -> None:
    """The bug of issue 12: one answer alone changes nothing, but the guarantor and the mandataire together
    switch the GME variant; « fin » must not be offered, and the notice must not say only warnings change."""
    answers = advisor.validate({"goals": ["market"], "depth": "single_project", "shared_liability": "limited",
                                "tender_identified": True, "work_splittable": True})
    assert advisor.can_still_change(answers)
    assert still_open(advisor, answers).variant


def _reachable(advisor: Advisor, answers: dict[str, Any], limit: int = 60_000) -> set[Any] | None:
    """Every (form, variant) some answers to the remaining questions give (None if too many to try)."""
    searcher = advisor.searcher
    order = list(advisor.kb.questions)
    seen: set[Any] = set()
    tried = 0

    def visit(current: dict[str, Any], start: int) -> bool:
        nonlocal tried
        seen.add(searcher.outcome(current))
        for question in searcher.relevant_questions(current):
            index = order.index(question.id)
            if question.id in current or question.type == "text" or index < start:
                continue
            values = alternative_values(advisor.kb, question, None)
            values += [[c.id for c in question.choices]] if question.type == "multiple" else []
            values += [UNKNOWN] if question.allow_unknown else []
            for value in values:
                tried += 1
                if tried > limit or not visit({**current, question.id: value}, index + 1):
                    return False
        return True

    return seen if visit(dict(answers), 0) else None


def test_when_the_interview_says_settled_no_remaining_answers_change_the_verdict(advisor: Advisor) -> None:
    checked = 0
    for _, _, answers in SCENARIOS:
        values = advisor.validate(answers)
        interview = Interview(advisor)
        while (question := interview.current()) is not None:
            outcome = interview.answer(typed(question, values.get(question.id, UNKNOWN if question.allow_unknown
                                                                    else _any_answer(question))))
            if outcome.status is not None and outcome.status.newly_settled:
                reachable = _reachable(advisor, interview._asked())
                if reachable is not None:
                    assert reachable == {advisor.searcher.outcome(interview._asked())}, interview.answers
                    checked += 1
                break
        if checked >= 12:
            break
    assert checked >= 5
