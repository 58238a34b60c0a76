"""A plain-Python evaluator of the same rule data: the test oracle for the durable-rules engine.

It has the same ``consult`` interface as ``engine.Engine`` and evaluates conditions with
``conditions.predicate``. The differential tests require both to fire the same rules on many
random answer sets; the benchmark reports the ratio of their speeds. Being ten times faster, it
also screens hypothetical answer sets (``Advisor.searcher``) before the engine confirms them.
Its name says its role: it is the *reference* semantics, not a legal reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .conditions import Predicate, predicate

if TYPE_CHECKING:
    from ..knowledge.base import KnowledgeBase


class ReferenceEvaluator:
    """Evaluates every rule directly in Python (relevance is evaluated by ``relevance.Relevance``)."""

    def __init__(self, kb: KnowledgeBase, predicates: Mapping[str, Predicate] | None = None) -> None:
        """``predicates``: every rule's condition already compiled (``RuleIndex.predicates``)."""
        self._predicates = dict(predicates) if predicates is not None else {r.id: predicate(r.when) for r in kb.rules}

    def consult(self, answers: Mapping[str, Any], rules: Iterable[str] | None = None) -> set[str]:
        """The ids of the rules (all, or those given) whose condition holds for these normalised answers."""
        if rules is None:
            return {name for name, holds in self._predicates.items() if holds(answers)}
        return {name for name in rules if self._predicates[name](answers)}

