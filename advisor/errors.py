"""All exceptions raised by the advisor library are defined here.

Every message is written in French for the person who will read it (a rule author or a user),
and names the file, rule or question at fault. The CLI turns any ``AdvisorError`` into a
one-line message and an exit code in a single place.
"""

from __future__ import annotations

import reprlib
from collections.abc import Sequence
from pathlib import Path


class AdvisorError(Exception):
    """Base class: a problem the person can fix (bad input, broken knowledge base)."""

    exit_code = 2


class KnowledgeBaseError(AdvisorError):
    """Raised when a file of the knowledge base (rules, questions, sheets) is invalid.

    Attributes:
        path: the file at fault.
        item: the rule, question, form or sheet id at fault, when known.
        detail: what is wrong and what was expected, in French.
    """

    def __init__(self, path: Path | str, detail: str, item: str | None = None) -> None:
        self.path = Path(path)
        self.item = item
        self.detail = detail
        where = f"{self.path}" + (f", « {item} »" if item else "")
        super().__init__(f"{where} : {detail}")


class KnowledgeBaseProblems(AdvisorError):
    """Raised when the integrity check finds several problems at once."""

    def __init__(self, problems: Sequence[KnowledgeBaseError]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"- {p}" for p in self.problems)
        count = len(self.problems)  # raised for two problems or more (a single one is raised alone)
        super().__init__(f"La base de connaissances contient {count} problème{'s' if count > 1 else ''} :\n{lines}")


class AnswerError(AdvisorError):
    """Raised when an answer does not fit its question (unknown question, wrong type, bad choice).

    Attributes:
        question: the question id.
        value: the value received.
        allowed: a French description of what the question accepts.
    """

    def __init__(self, question: str, value: object, allowed: str, reason: str | None = None) -> None:
        self.question = question
        self.value = value
        self.allowed = allowed
        why = reason or "valeur non acceptée"
        name = question if question.isprintable() and len(question) <= 80 else _show(question)
        super().__init__(f"réponse « {name} » : {why} ({_show(value)}). Attendu : {allowed}.")


class InputFileError(AdvisorError):
    """Raised when a file given by the user (answers, batch input) cannot be read or parsed."""

    def __init__(self, path: Path | str, detail: str) -> None:
        self.path = Path(path)
        self.detail = detail
        super().__init__(f"{path} : {detail}")


class UnknownItemError(AdvisorError):
    """Raised when an id asked by the user (sheet, example, form) does not exist."""

    def __init__(self, what: str, item: str, valid: Sequence[str]) -> None:
        self.item = item
        self.valid = list(valid)
        super().__init__(f"{what} : « {item} ». Valeurs possibles : {', '.join(self.valid)}.")


class EntryError(AdvisorError):
    """Raised when a line typed in the interview does not fit the question (a short French sentence)."""


class PdfUnavailableError(AdvisorError):
    """Raised when a PDF is asked for but WeasyPrint, its system libraries or fonts are missing."""


class OutputError(AdvisorError):
    """Raised when a result cannot be written where the user asked (missing folder, existing file)."""


class EngineError(AdvisorError):
    """Raised when the rules engine fails during a consultation (never a silent wrong result)."""

    exit_code = 1


class EngineLimitError(EngineError):
    """Raised when durable-rules refuses to build the rules of a knowledge base, does not build them in time, or
    stops while building them: a limit of the engine that the rule author can avoid by simplifying the rules
    (the message names the form), hence a problem with the files, like an invalid rule."""

    exit_code = 2


class WorkerLostError(AdvisorError):
    """Raised when a batch's worker process stops abruptly (out of memory, killed): its structures are lost and
    the batch stops, leaving no result file. Running it again with one process (``jobs=1``) needs less memory."""


class EngineUnavailableError(AdvisorError):
    """Raised when the durable-rules engine cannot be imported on this machine."""

    exit_code = 1


class _Excerpt(reprlib.Repr):
    """``reprlib`` with a bound on whole numbers that does not ask Python to print them first.

    ``reprlib`` prints an int before cutting it, and Python refuses to print one of more than
    4,300 digits (``ValueError``): a number from a hostile file would turn an error into a crash.
    """

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 128:
            digits = int(x.bit_length() * 0.30103) + 1
            return f"<nombre d'environ {digits} chiffres>"
        return super().repr_int(x, level)


_EXCERPT = _Excerpt()
_EXCERPT.maxstring = _EXCERPT.maxother = 60
_EXCERPT.maxlist = _EXCERPT.maxdict = _EXCERPT.maxtuple = _EXCERPT.maxset = 4
_EXCERPT.maxlevel = 2
_EXCERPT.maxlong = 40
EXCERPT_CHARS = 80


def excerpt(value: object) -> str:
    """A short excerpt of a bad value for a message: at most ``EXCERPT_CHARS`` characters whatever its
    size, nesting or content (a YAML alias bomb, a 5,000-digit number, unreadable text is escaped)."""
    try:
        text = _EXCERPT.repr(value)
    except Exception:  # noqa: BLE001 - an object whose repr fails still gets a message
        text = f"<{type(value).__name__}>"
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS - 3] + "…"


_show = excerpt
