"""One move of the interview in the browser: the carried state and a submitted form → the next page.

The moves are the state machine's (``Interview.give``, ``back``, ``change``, and « fin » read as the
terminal reads it); this module only reads form fields into a value for the question asked, and says
which page comes next. It knows nothing of HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import AnswerError, EntryError
from ..interview.entry import FINISH, parse_entry
from ..interview.session import Interview, Outcome
from ..interview.snapshot import resume, snapshot
from ..knowledge.models import UNKNOWN, Question
from ..reasoning.advisor import Advisor
from .state import PageState

PageKind = Literal["question", "review", "result"]
ACTIONS = ("afficher", "continuer", "nsp", "passer", "retour", "fin", "modifier", "relecture", "resultat")
MISSING = {
    "single": "Choisissez une réponse.",
    "boolean": "Choisissez oui ou non.",
    "multiple": "Cochez au moins une case.",
    "number": "Indiquez un nombre entier, en chiffres (par exemple 12).",
    "text": "Indiquez une réponse.",
}


class FieldError(ValueError):
    """What the person gave does not answer the question: a French sentence shown beside the field."""


@dataclass
class Step:
    """The page to show after a move.

    Attributes:
        kind: ``question`` (the current question), ``review`` (every answer, to check) or ``result``.
        interview: the interview after the move.
        state: the state the page must carry.
        outcome: what the move did (status of the forms, answers dropped, a message), if anything.
        error: why the answer was refused (shown beside the field), if it was.
        given: the values submitted, shown again in the field after an error.
    """

    kind: PageKind
    interview: Interview
    state: PageState
    outcome: Outcome | None = None
    error: str | None = None
    given: list[str] = field(default_factory=list)


def advisor_for(advisor: Advisor, state: PageState) -> Advisor:
    """The advisor consulting the law as of the state's date (the server's default otherwise)."""
    return advisor.dated(state.as_of) if state.as_of else advisor


def move(advisor: Advisor, state: PageState, action: str, values: Sequence[str] = (), target: str = "") -> Step:
    """Apply one action to the interview the state carries.

    Args:
        advisor: the advisor, already dated for this request.
        state: the decoded state of the page.
        action: one of ``ACTIONS`` (anything else shows the current page).
        values: the values of the answer field (several for check boxes).
        target: the question chosen on the review screen (``modifier``).

    Raises:
        AnswerError: an answer carried by the state does not fit its question (a page edited by hand).
    """
    interview = resume(advisor, state.snapshot())
    outcome: Outcome | None = None
    error: str | None = None
    question = interview.current()
    if action == "retour":
        outcome = interview.back()
    elif action == "fin" and question is not None:
        outcome = interview.answer(FINISH)
    elif action == "modifier" and (target in interview.answers or target in interview.skipped):
        outcome = interview.change(target)
    elif action in ("continuer", "nsp", "passer") and question is not None:
        try:
            outcome = interview.give(_value(question, action, values))
        except FieldError as err:
            error = str(err)
        except AnswerError as err:
            error = f"Réponse non acceptée : il faut {err.allowed}."
    if outcome is not None and outcome.kind == "confirm":  # a page carries no pending question: the result
        outcome = interview.answer("1")                      # page then says which answers the edit dropped
    if outcome is not None and outcome.kind == "invalid":
        error, outcome = outcome.message, None
    new_state = state.moved(snapshot(interview))
    if interview.current() is not None:
        kind: PageKind = "question"
    else:
        kind = "result" if action == "resultat" else "review"
    return Step(kind, interview, new_state, outcome, error, list(values) if error else [])


def _value(question: Question, action: str, values: Sequence[str]) -> Any:
    """The answer a form gives, as ``Interview.give`` takes it.

    Raises:
        FieldError: nothing chosen, or a number that is not one.
    """
    if action == "nsp":
        return UNKNOWN
    if action == "passer":
        return None
    picked = [v for v in values if v.strip()]
    match question.type:
        case "multiple":
            if not picked:
                raise FieldError(MISSING["multiple"])
            return picked
        case "single" | "boolean":
            if len(picked) != 1:
                raise FieldError(MISSING[question.type])
            return picked[0]
        case "number":
            if not picked:
                if question.optional:
                    return None
                raise FieldError(MISSING["number"])
            try:
                return parse_entry(question, picked[0])
            except EntryError as err:
                raise FieldError(str(err)) from None
        case _:
            if not picked and not question.optional:
                raise FieldError(MISSING["text"])
            return picked[0] if picked else None
