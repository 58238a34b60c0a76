"""A plain-Python evaluator of the same rule data: the test oracle for the durable-rules engine.

It has the same ``consult`` interface as ``engine.Engine`` and evaluates conditions with
``conditions.evaluate``. The differential tests require both to fire the same names on many
random answer sets; the benchmark reports the ratio of their speeds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .conditions import Predicate, predicate
from .engine import ASK_PREFIX

if TYPE_CHECKING:
    from .knowledge import KnowledgeBase
    from .models import Condition


class ReferenceEvaluator:
    """Evaluates every rule and relevance condition directly in Python."""

    def __init__(self, kb: KnowledgeBase) -> None:
        entries: list[tuple[str, Condition]] = [(r.id, r.when) for r in kb.rules]
        entries += [(ASK_PREFIX + qid, cond) for qid, cond in kb.question_conditions()]
        self._predicates: list[tuple[str, Predicate]] = [(name, predicate(cond)) for name, cond in entries]

    def consult(self, answers: Mapping[str, Any]) -> set[str]:
        """The names whose condition holds for these normalised answers."""
        return {name for name, holds in self._predicates if holds(answers)}
