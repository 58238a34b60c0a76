"""The ``Advisor`` front: one knowledge base, one engine, and the reasoning parts composed.

``advise`` runs: validate the raw answers (``answers``) → drop those whose question no longer
applies (``relevance``) → consult the rules (``engine``) → robustness of « je ne sais pas »
(``whatif``) → scores, variant, confidence (``verdict``) → optionally, what would change the
verdict (``whatif``). Each step lives in its own module; this class only wires them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Protocol

from ..knowledge.base import KnowledgeBase, load_knowledge_base
from ..knowledge.models import Question
from . import whatif
from .answers import Answers, iter_unknown, normalise
from .engine import Engine
from .relevance import Relevance
from .result import Recommendation
from .verdict import Verdict


class Consultant(Protocol):
    """Anything that says which rules hold for normalised answers (the engine or the reference evaluator)."""

    def consult(self, answers: Mapping[str, Any]) -> set[str]: ...


class Advisor:
    """The library's entry point: one knowledge base, one engine.

    Args:
        kb: a loaded knowledge base (the packaged one when omitted).
        consultant: what evaluates the rules (the durable-rules engine by default; tests may pass
            the plain-Python reference evaluator).
        order: ``smart`` asks first the question that would change the verdict the most;
            ``file`` follows ``rules/questions.yaml``.

    Raises:
        KnowledgeBaseError: the packaged knowledge base is invalid (``kb`` omitted).
        EngineUnavailableError: durable-rules cannot be imported.
    """

    def __init__(self, kb: KnowledgeBase | None = None, consultant: Consultant | None = None,
                 order: Literal["smart", "file"] = "smart") -> None:
        self.kb = kb if kb is not None else load_knowledge_base()
        self.consultant: Consultant = consultant if consultant is not None else Engine(self.kb)
        self.order = order
        self.relevance = Relevance(self.kb)
        self.verdicts = Verdict(self.kb)
        self._searcher: Advisor | None = None

    @property
    def searcher(self) -> Advisor:
        """The same advisor on the plain-Python evaluator, ten times faster than durable-rules.

        Used to explore many hypothetical answer sets (question order, what would change the
        verdict); every conclusion shown to a user is then re-checked on the engine.
        """
        from .evaluator import ReferenceEvaluator

        if self._searcher is None:
            fast = isinstance(self.consultant, ReferenceEvaluator)
            self._searcher = self if fast else Advisor(self.kb, ReferenceEvaluator(self.kb), self.order)
        return self._searcher

    # --- answers and questions -------------------------------------------------------------

    def validate(self, raw: Mapping[Any, Any]) -> Answers:
        """Normalise raw answers.

        Raises:
            AnswerError: naming the question, the value and what is allowed.
        """
        return normalise(self.kb, raw)

    def settle(self, answers: Mapping[str, Any]) -> tuple[Answers, list[str], set[str]]:
        """Drop answers whose question no longer applies, then consult the rules once.

        Returns:
            (kept answers, dropped question ids, rule ids that fired on the kept answers).
        """
        kept = self.relevance.applicable(answers)
        return kept, [qid for qid in answers if qid not in kept], self.consultant.consult(kept)

    def relevant_questions(self, answers: Mapping[str, Any]) -> list[Question]:
        """Every question that applies given these (normalised) answers, in order."""
        return self.relevance.questions(answers)

    def next_question(self, answers: Mapping[str, Any]) -> Question | None:
        """The next relevant question not answered yet, or ``None`` when the interview is complete.

        With ``order="smart"`` (the default), free-text questions (the structure's name…) come
        first, then the question whose possible answers would change the current verdict the most,
        so that interviews reach a stable recommendation sooner; ties keep the file order.
        With ``order="file"``, questions come in file order.
        """
        pending = [q for q in self.relevant_questions(answers) if q.id not in answers]
        if not pending or self.order == "file":
            return pending[0] if pending else None
        texts = [q for q in pending if q.type == "text"]
        if texts:
            return texts[0]
        return max(pending, key=lambda q: (whatif.separation(self.searcher, answers, q), -pending.index(q)))

    def can_still_change(self, answers: Mapping[str, Any]) -> bool:
        """Whether answering one of the remaining questions could still change the verdict.

        A one-step look-ahead: when it is false, the interview may offer to stop early (the
        remaining questions would only refine warnings and confidence).
        """
        pending = [q for q in self.relevant_questions(answers) if q.id not in answers and q.type != "text"]
        return any(whatif.separation(self.searcher, answers, q)[1] for q in pending)

    # --- advice ----------------------------------------------------------------------------

    def advise(self, raw: Mapping[Any, Any], explain: bool = False) -> Recommendation:
        """Validate the answers and return the ranked, explained recommendation.

        Args:
            raw: the answers, as given by a person or a tool.
            explain: also compute what would change the verdict (slower: one consultation per
                possible alternative answer; batch processing leaves it off).

        Raises:
            AnswerError: an answer does not fit its question.
            EngineError: the rules engine failed.
        """
        answers, dropped, fired = self.settle(self.validate(raw))
        robustness = whatif.robustness(self, answers, list(iter_unknown(answers)), self.verdict(fired)[0])
        questions = [q.id for q in self.relevant_questions(answers)]
        rec = self.verdicts.recommendation(answers, fired, dropped, robustness, questions)
        if explain:
            rec = rec.model_copy(update={"changes": whatif.what_would_change(self, rec)})
        return rec

    def outcome(self, answers: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """(recommended form, its variant) for normalised answers; ``(None, None)`` when nothing fits."""
        return self.verdict(self.settle(answers)[2])

    def verdict(self, fired: set[str]) -> tuple[str | None, str | None]:
        """(recommended form, its variant) from what fired on settled answers."""
        return self.verdicts.outcome(fired)
