"""The cooperation advisor for inclusive employers (SIAE and EA), as a library.

Typical use::

    from advisor import advise
    result = advise({"structure_types": ["aci", "ea"], "goals": ["disability_pathways"]})
    print(result.recommendations[0].form)

The library never prints and never exits; errors derive from ``AdvisorError``.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import (
    AdvisorError,
    AnswerError,
    EngineError,
    EngineUnavailableError,
    InputFileError,
    KnowledgeBaseError,
    KnowledgeBaseProblems,
    OutputError,
    UnknownItemError,
)

if TYPE_CHECKING:
    from .advice import Advisor
    from .knowledge import KnowledgeBase, load_knowledge_base
    from .memo import PdfUnavailableError, render_memo, write_memo
    from .models import Question
    from .recommendation import Recommendation, recommendation_schema

# Imported on first use, so that the command line starts fast (``advisor --help``).
_LAZY = {
    "Advisor": "advice", "KnowledgeBase": "knowledge", "load_knowledge_base": "knowledge",
    "PdfUnavailableError": "memo", "render_memo": "memo", "write_memo": "memo", "Question": "models",
    "Recommendation": "recommendation", "recommendation_schema": "recommendation",
}

__all__ = [
    "Advisor", "AdvisorError", "AnswerError", "EngineError", "EngineUnavailableError", "InputFileError",
    "KnowledgeBase", "KnowledgeBaseError", "KnowledgeBaseProblems", "OutputError", "PdfUnavailableError", "Question",
    "Recommendation", "UnknownItemError", "advise", "default_advisor", "load_knowledge_base", "next_question",
    "recommendation_schema", "render_memo", "write_memo",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_default: Advisor | None = None
_default_lock = threading.Lock()


def default_advisor() -> Advisor:
    """The advisor over the packaged knowledge base, built once per process."""
    global _default
    with _default_lock:
        if _default is None:
            from .advice import Advisor

            _default = Advisor()
        return _default


def advise(answers: Mapping[str, Any]) -> Recommendation:
    """Recommend cooperation forms for these answers, with the packaged knowledge base."""
    return default_advisor().advise(answers)


def next_question(answers: Mapping[str, Any]) -> Question | None:
    """The next question to ask given these answers, or ``None`` when complete."""
    advisor = default_advisor()
    return advisor.next_question(advisor.validate(answers))
