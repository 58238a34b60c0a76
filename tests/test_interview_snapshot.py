"""An interview given form values (``Interview.give``), put at rest and rebuilt (``snapshot``/``resume``)."""

from __future__ import annotations

import pytest

from advisor import Advisor, AnswerError
from advisor.interview.session import Interview
from advisor.interview.snapshot import Snapshot, resume, snapshot
from advisor.knowledge.models import UNKNOWN


def test_give_stores_a_name_that_looks_like_a_command(advisor: Advisor) -> None:
    interview = Interview(advisor)
    assert interview.current().id == "structure_name"  # type: ignore[union-attr]
    for word in ("?", "fin"):
        interview = Interview(advisor)
        assert interview.give(word).kind == "answered"
        assert interview.answers["structure_name"] == word


def test_give_none_skips_an_optional_question_and_refuses_a_required_one(advisor: Advisor) -> None:
    interview = Interview(advisor)
    assert interview.give(None).kind == "skipped"
    assert "structure_name" in interview.answers_to_save()
    while (question := interview.current()) is not None and question.optional:
        interview.give(None)
    assert question is not None
    with pytest.raises(AnswerError, match="une réponse est attendue"):
        interview.give(None)


def test_give_checks_the_value_and_keeps_an_unchanged_answer(toy_advisor: Advisor) -> None:
    interview = Interview(toy_advisor)
    question = interview.current()
    assert question is not None
    with pytest.raises(AnswerError):
        interview.give(["pas", "un", "choix"] if question.type != "multiple" else "inconnu")
    value = UNKNOWN if question.allow_unknown else (question.choices[0].id if question.choices else True)
    assert interview.give(value).kind == "answered"
    interview.back()
    assert interview.give(value).kind == "kept"


def play(advisor: Advisor, count: int) -> Interview:
    interview = Interview(advisor)
    for _ in range(count):
        question = interview.current()
        assert question is not None
        if question.optional:
            interview.give(None)
        elif question.allow_unknown:
            interview.give(UNKNOWN)
        elif question.choices:
            interview.give(question.choices[0].id if question.type == "single" else [question.choices[0].id])
        else:
            interview.give(True if question.type == "boolean" else 5)
    return interview


@pytest.mark.parametrize("moves", ["frontier", "back", "back twice", "editing"])
def test_a_snapshot_rebuilds_the_same_place(advisor: Advisor, moves: str) -> None:
    interview = play(advisor, 4)
    if moves.startswith("back"):
        for _ in range(2 if moves == "back twice" else 1):
            interview.back()
    elif moves == "editing":
        interview.change(interview.history[1])
    again = resume(advisor, snapshot(interview))
    assert again.current() == interview.current()
    assert again.progress() == interview.progress()
    assert again.answers == interview.answers and again.skipped == interview.skipped
    assert snapshot(again) == snapshot(interview)


def test_a_tampered_snapshot_loses_what_does_not_fit_or_is_refused(advisor: Advisor) -> None:
    interview = play(advisor, 3)
    snap = snapshot(interview)
    odd = Snapshot(answers=snap.answers, history=[*snap.history, "goals", "inconnue", snap.history[0]], back=99,
                   editing="inconnue")
    again = resume(advisor, odd)
    assert again.history == [q for q in snap.history if q in again.answers or q in again.skipped]
    assert again.current() == interview.current()
    with pytest.raises(AnswerError):
        resume(advisor, Snapshot(answers={"goals": "marché"}))
