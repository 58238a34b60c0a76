"""The cooperation advisor for inclusive employers (SIAE and EA), as a library.

Typical use::

    from advisor import advise
    result = advise({"structure_types": ["aci", "ea"], "goals": ["disability_pathways"]})
    print(result.recommendations[0].form)

The library never prints and never exits; errors derive from ``AdvisorError``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from .advice import Advisor
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
from .knowledge import KnowledgeBase, load_knowledge_base
from .models import Question
from .recommendation import Recommendation, recommendation_schema

__all__ = [
    "Advisor", "AdvisorError", "AnswerError", "EngineError", "EngineUnavailableError", "InputFileError",
    "KnowledgeBase", "KnowledgeBaseError", "KnowledgeBaseProblems", "OutputError", "Question", "Recommendation",
    "UnknownItemError", "advise", "default_advisor", "load_knowledge_base", "next_question",
    "recommendation_schema",
]

_default: Advisor | None = None
_default_lock = threading.Lock()


def default_advisor() -> Advisor:
    """The advisor over the packaged knowledge base, built once per process."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Advisor()
        return _default


def advise(answers: Mapping[str, Any]) -> Recommendation:
    """Recommend cooperation forms for these answers, with the packaged knowledge base."""
    return default_advisor().advise(answers)


def next_question(answers: Mapping[str, Any]) -> Question | None:
    """The next question to ask given these answers, or ``None`` when complete."""
    advisor = default_advisor()
    return advisor.next_question(advisor.validate(answers))
