"""What the interview tells its face after each typed line: where we are, the forms, what happened.

Data only: the CLI (or any other face) decides how to phrase and show it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..knowledge.models import Form, Question
from ..reasoning.lookahead import StillOpen
from ..reasoning.result import ExcludedForm

OutcomeKind = Literal["answered", "kept", "skipped", "help", "back", "invalid", "notice", "change", "confirm",
                      "cancelled", "to_review", "finish"]


@dataclass(frozen=True)
class Progress:
    """Where the person is.

    Attributes:
        number: the question's number in the interview (its place among the answered ones when
            it is asked again).
        remaining: the relevant questions still without an answer, the current one excluded: an
            estimate, since an answer may open new questions.
        opened: how many questions the last answer opened (the estimate went up by them).
        again: the question already has an answer (going back, or a change from the review).
    """

    number: int
    remaining: int
    opened: int = 0
    again: bool = False


@dataclass(frozen=True)
class Status:
    """The forms after an answer: those still in play, those just excluded (with why), those back in play."""

    in_play: list[Form]
    total: int
    excluded: list[ExcludedForm] = field(default_factory=list)
    restored: list[Form] = field(default_factory=list)
    leader: Form | None = None  # the form ranked first, when one stands out (no "no clear fit")
    settled: bool = False  # no remaining question can change the form or its variant: « fin » may end the interview
    still_open: StillOpen | None = None  # what the remaining questions could still change (questions pending)
    newly_settled: bool = False  # settled now, and not after the previous answer: the moment to say so, once


@dataclass(frozen=True)
class ReviewItem:
    """One line of the review screen."""

    number: int
    question: Question
    value: str


@dataclass(frozen=True)
class Outcome:
    """What happened after a typed line.

    Attributes:
        kind: ``answered`` (a new or different answer), ``kept`` (Enter on an answer already
            given), ``skipped`` (Enter on an optional question), ``help``, ``back``, ``invalid``
            (ask again), ``notice`` (nothing changed, read the message), ``change`` (review: now
            ask the chosen question again), ``confirm`` (the answer would remove others: confirm
            it or not), ``cancelled`` (not confirmed: the previous answer stays), ``to_review``
            (« fin »: the remaining questions are passed), ``finish`` (review confirmed).
        question: the question concerned, if any.
        message: a French text to show (help, error, notice, what to confirm).
        status: the forms after the answer (``answered`` and ``skipped`` only).
        dropped: questions whose answers were removed because they no longer apply (for
            ``confirm``: those that would be).
        restored: questions whose answers, removed earlier in the session, apply again and are back.
    """

    kind: OutcomeKind
    question: Question | None = None
    message: str | None = None
    status: Status | None = None
    dropped: list[Question] = field(default_factory=list)
    restored: list[Question] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the answers changed (and should be saved)."""
        return self.kind in ("answered", "skipped")
