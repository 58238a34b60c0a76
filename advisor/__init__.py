"""The cooperation advisor for inclusive employers (SIAE and EA), as a library.

Typical use::

    from advisor import advise
    result = advise({"structure_types": ["aci", "ea"], "goals": ["disability_pathways"]})
    print(result.recommendations[0].form)

The library never prints and never exits; errors derive from ``AdvisorError``.

The package is built in floors that import only downward (a test checks it)::

    errors                      every exception
    knowledge/                  rules/ and sheets/ → a validated KnowledgeBase
    wording, files              the French phrasebook; files a user names and the one atomic writer
    reasoning/                  raw answers → Recommendation (engine bridge, verdict, what-if)
    interview/ outputs/ batch/  the questionnaire state machine; memos, site, rule book; batch mode
    scenarios                   ``advisor rules check``
    web/                        the site and the HTTP API (Starlette adapters only)
    cli/                        the command line (click adapters only), which also starts the site
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import (
    AdvisorError,
    AnswerError,
    EngineError,
    EngineLimitError,
    EngineUnavailableError,
    InputFileError,
    KnowledgeBaseError,
    KnowledgeBaseProblems,
    OutputError,
    PdfUnavailableError,
    UnknownItemError,
    WorkerLostError,
)

__version__ = "0.1.0"  # the package version (pyproject.toml reads it from here)

if TYPE_CHECKING:
    import datetime as dt
    from pathlib import Path

    from .knowledge.base import KnowledgeBase
    from .knowledge.loader import load_knowledge_base
    from .knowledge.models import Question
    from .reasoning.advisor import Advisor
    from .reasoning.result import Recommendation, recommendation_schema

# Imported on first use, so that the command line starts fast (``advisor --help``).
_LAZY = {
    "Advisor": "reasoning.advisor", "KnowledgeBase": "knowledge.base", "load_knowledge_base": "knowledge.loader",
    "Question": "knowledge.models", "Recommendation": "reasoning.result",
    "recommendation_schema": "reasoning.result",
}

__all__ = [
    "Advisor", "AdvisorError", "AnswerError", "EngineError", "EngineLimitError", "EngineUnavailableError",
    "InputFileError", "KnowledgeBase", "KnowledgeBaseError", "KnowledgeBaseProblems", "OutputError",
    "PdfUnavailableError", "Question", "Recommendation", "UnknownItemError", "WorkerLostError", "advise",
    "default_advisor", "load_knowledge_base", "next_question", "recommendation_schema", "render_memo", "write_memo",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_default: Advisor | None = None
_default_lock = threading.Lock()


def _reset_default_lock() -> None:
    global _default_lock
    _default_lock = threading.Lock()  # a fork while another thread builds the advisor must not deadlock the child


os.register_at_fork(after_in_child=_reset_default_lock)


def default_advisor() -> Advisor:
    """The advisor over the packaged knowledge base, built once per process."""
    global _default
    with _default_lock:
        if _default is None:
            from .reasoning.advisor import Advisor

            _default = Advisor()
        return _default


def advise(answers: Mapping[str, Any], as_of: dt.date | None = None) -> Recommendation:
    """Recommend cooperation forms for these answers, with the packaged knowledge base, as the law stands
    on ``as_of`` (today by default).

    Raises:
        AnswerError: an answer does not fit its question.
    """
    return default_advisor().advise(answers, as_of=as_of)


def next_question(answers: Mapping[str, Any]) -> Question | None:
    """The next question to ask given these answers, or ``None`` when complete."""
    advisor = default_advisor()
    return advisor.next_question(advisor.validate(answers))


def render_memo(advisor: Advisor, answers: Mapping[str, Any], fmt: str = "md", *, description: str | None = None,
                today: dt.date | None = None, full: bool = False, prepared_by: str | None = None,
                contact: str | None = None, reader: str | None = None) -> str | bytes:
    """Advise on raw answers (with explanations) and render the memo: ``str`` for md/html, ``bytes`` for pdf.

    The memo is two to four pages, « En bref » first; ``full`` adds a table of contents and the annex.
    ``prepared_by``, ``contact`` and ``reader`` (a key of ``advisor.outputs.memo.READERS``: conseil,
    reseau, dla…) are printed in its header. ``today`` dates it (default: the consultation date).

    Raises:
        AnswerError: an answer does not fit its question.
        OutputError: unknown format or reader.
        PdfUnavailableError: a PDF is asked for and WeasyPrint cannot run here.
    """
    from .outputs import memo

    rec = advisor.advise(answers, explain=True)
    byline = memo.Byline(prepared_by, contact, reader)
    return memo.render(advisor.kb, rec, fmt, description=description, today=today,  # type: ignore[arg-type]
                       full=full, byline=byline)


def write_memo(advisor: Advisor, answers: Mapping[str, Any], path: Path, fmt: str | None = None, *,
               force: bool = False, description: str | None = None, today: dt.date | None = None,
               full: bool = False, prepared_by: str | None = None, contact: str | None = None,
               reader: str | None = None) -> str:
    """Advise on raw answers and write the memo (see ``render_memo``) atomically to ``path``; returns the
    format used.

    Raises:
        AnswerError: an answer does not fit its question.
        OutputError: unknown extension or reader, missing folder, or existing file without ``force``.
        PdfUnavailableError: a PDF is asked for and WeasyPrint cannot run here.
    """
    from .outputs import memo

    rec = advisor.advise(answers, explain=True)
    return memo.write(advisor.kb, rec, path, fmt, force=force, description=description, today=today, full=full,
                      byline=memo.Byline(prepared_by, contact, reader))
