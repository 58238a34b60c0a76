"""Which questions apply to a set of answers, and which answers still count.

Relevance is questionnaire logic, evaluated in Python with the same condition language as the
rules (``conditions.predicate``); the engine only runs the rules. A relevance condition may cite
only questions asked before (checked at load), so one pass in question order settles them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..knowledge.models import Question
from .answers import Answers
from .conditions import predicate

if TYPE_CHECKING:
    from ..knowledge.base import KnowledgeBase


class Relevance:
    """The relevance conditions of a knowledge base, compiled once to Python predicates."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._conditions = {qid: predicate(cond) for qid, cond in kb.question_conditions()}
        self._order = [(qid, self._conditions.get(qid)) for qid in kb.questions]  # the searches settle many answer sets

    def applies(self, question: Question, answers: Mapping[str, Any]) -> bool:
        """Whether ``question`` is asked given these (normalised, applicable) answers."""
        holds = self._conditions.get(question.id)
        return holds is None or holds(answers)

    def applicable(self, answers: Mapping[str, Any]) -> Answers:
        """The answers whose question still applies, in question order."""
        kept: Answers = {}
        for qid, holds in self._order:
            if qid in answers and (holds is None or holds(kept)):
                kept[qid] = answers[qid]
        return kept

    def questions(self, answers: Mapping[str, Any]) -> list[Question]:
        """Every question that applies given these (normalised) answers, in question order."""
        kept = self.applicable(answers)
        return [q for q in self.kb.questions.values() if self.applies(q, kept)]
