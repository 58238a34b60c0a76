"""Pausing and resuming an interview: everything a page must carry from one request to the next.

A web face keeps nothing on the server: each page holds the interview as a ``Snapshot`` (the answers
as an answers file holds them, the order they were given in, where the person stands) and the next
request rebuilds the ``Interview`` from it. Rebuilding validates every answer again, as reading a file
does, so a snapshot that was tampered with is refused (``AnswerError``) or loses only what does not fit
(a question id in the history that was never answered). This module belongs to the state machine: it
reads the place ``Interview`` keeps (going back, or a question chosen on the review screen) and puts
the person back there through the public moves ``back()`` and ``change()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .session import Interview

if TYPE_CHECKING:
    from ..reasoning.advisor import Advisor


@dataclass(frozen=True)
class Snapshot:
    """An interview at rest.

    Attributes:
        answers: as ``Interview.answers_to_save()`` writes them (skipped optional questions as blanks).
        history: the questions answered or skipped in this interview, in asking order.
        back: how many questions back from the end of the history the person went (0: at the frontier).
        editing: the question chosen on the review screen, being asked again.
        finished_early: « fin » was given once the verdict could no longer change.
    """

    answers: dict[str, Any] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    back: int = 0
    editing: str | None = None
    finished_early: bool = False


def snapshot(interview: Interview) -> Snapshot:
    """The interview at rest, to be carried by a page."""
    cursor = interview._cursor  # noqa: SLF001 - the state machine's own package
    return Snapshot(answers=interview.answers_to_save(), history=list(interview.history),
                    back=0 if cursor is None else len(interview.history) - cursor,
                    editing=interview._editing,  # noqa: SLF001
                    finished_early=interview.finished_early)


def resume(advisor: Advisor, snap: Snapshot) -> Interview:
    """Rebuild the interview of a snapshot, validating its answers as a file's.

    Raises:
        AnswerError: an answer does not fit its question.
    """
    interview = Interview(advisor, snap.answers)
    given = set(interview.answers) | interview.skipped
    interview.history = [qid for qid in dict.fromkeys(snap.history) if qid in given]
    interview.finished_early = snap.finished_early
    if snap.editing is not None and snap.editing in given:
        interview.change(snap.editing)
    elif 0 < snap.back <= len(interview.history):
        for _ in range(snap.back):
            interview.back()
    return interview
