"""The ``Advisor`` front: one knowledge base, one engine, and the reasoning parts composed.

``advise`` runs: validate the raw answers (``answers``) → drop those whose question no longer
applies (``relevance``) → consult the rules (``engine``) → robustness of « je ne sais pas »
(``whatif``) → scores, variant, confidence (``verdict``) → optionally, what would change the
verdict (``whatif``). Each step lives in its own module; this class only wires them.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from ..knowledge.base import KnowledgeBase, load_knowledge_base
from ..knowledge.models import Question
from . import whatif
from .answers import Answers, iter_unknown, normalise
from .engine import Engine
from .neighbours import Consultant, Neighbourhood, RuleIndex
from .relevance import Relevance
from .result import Recommendation
from .verdict import Verdict, situation


class Advisor:
    """The library's entry point: one knowledge base, one engine.

    Args:
        kb: a loaded knowledge base (the packaged one when omitted).
        consultant: what evaluates the rules (the durable-rules engine by default; tests may pass
            the plain-Python reference evaluator).
        order: ``smart`` asks first the question that would change the verdict the most;
            ``file`` follows ``rules/questions.yaml``.
        index: the rules indexed by question (shared by the fast ``searcher``; built when omitted).

    Raises:
        KnowledgeBaseError: the packaged knowledge base is invalid (``kb`` omitted).
        EngineUnavailableError: durable-rules cannot be imported.
    """

    def __init__(self, kb: KnowledgeBase | None = None, consultant: Consultant | None = None,
                 order: Literal["smart", "file"] = "smart", *, index: RuleIndex | None = None) -> None:
        self.kb = kb if kb is not None else load_knowledge_base()
        self.consultant: Consultant = consultant if consultant is not None else Engine(self.kb)
        self.order = order
        self.relevance = Relevance(self.kb)
        self.verdicts = Verdict(self.kb)
        self.as_of: dt.date | None = None  # set on the dated views that ``dated`` returns
        self._searcher: Advisor | None = None
        self.index = index if index is not None else RuleIndex(self.kb)

    def dated(self, as_of: dt.date) -> Advisor:
        """The same advisor consulting the law as of ``as_of`` (a light view: engine and indexes are shared)."""
        if as_of == self.as_of:
            return self
        view = copy.copy(self)
        view.as_of = as_of
        base = self.searcher
        view._searcher = view if base is self else base.dated(as_of)
        return view

    @property
    def searcher(self) -> Advisor:
        """The same advisor on the plain-Python evaluator, ten times faster than durable-rules.

        Used to explore many hypothetical answer sets (question order, what would change the
        verdict); every conclusion shown to a user is then re-checked on the engine.
        """
        from .evaluator import ReferenceEvaluator

        if self._searcher is None:
            fast = isinstance(self.consultant, ReferenceEvaluator)
            self._searcher = self if fast else Advisor(self.kb, ReferenceEvaluator(self.kb), self.order,
                                                       index=self.index)
        return self._searcher

    def near(self, answers: Mapping[str, Any]) -> Neighbourhood:
        """These normalised answers settled once, to settle answer sets that differ in a few answers fast.

        Meant for the fast evaluator (``searcher``): the neighbours' rules are evaluated in plain Python.
        """
        return Neighbourhood(self.index, self.relevance, answers, self.as_of)

    def confirming(self, kept: Answers, fired: set[str]) -> Neighbourhood:
        """Settled answers and the rules the engine fired on them, to settle answer sets that differ in a
        few answers on the engine itself, consulting only the parts of the rules a change can reach."""
        return Neighbourhood(self.index, self.relevance, kept, self.as_of, settled=(kept, frozenset(fired)),
                             consultant=self.consultant)

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
        facts = kept if self.as_of is None else situation(kept, self.as_of)
        return kept, [qid for qid in answers if qid not in kept], self.consultant.consult(facts)

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
        near = self.searcher.near(answers)
        return max(pending, key=lambda q: (whatif.separation(self.searcher, answers, q, near), -pending.index(q)))

    def can_still_change(self, answers: Mapping[str, Any]) -> bool:
        """Whether answering one of the remaining questions could still change the verdict.

        A one-step look-ahead: when it is false, the interview may offer to stop early (the
        remaining questions would only refine warnings and confidence).
        """
        pending = [q for q in self.relevant_questions(answers) if q.id not in answers and q.type != "text"]
        near = self.searcher.near(answers)
        return any(whatif.separation(self.searcher, answers, q, near)[1] for q in pending)

    # --- advice ----------------------------------------------------------------------------

    def advise(self, raw: Mapping[Any, Any], explain: bool = False, as_of: dt.date | None = None) -> Recommendation:
        """Validate the answers and return the ranked, explained recommendation, as the law stands on ``as_of``.

        Args:
            raw: the answers, as given by a person or a tool.
            explain: also compute what would change the verdict (slower: one consultation per
                possible alternative answer; batch processing leaves it off).
            as_of: the consultation date (today when omitted): dated rules and alerts are read
                as of that day.

        Raises:
            AnswerError: an answer does not fit its question.
            EngineError: the rules engine failed.
        """
        view = self.dated(as_of or self.as_of or dt.date.today())
        assert view.as_of is not None
        answers, dropped, fired = view.settle(view.validate(raw))
        top = view.verdict(fired)[0]
        conditions = self.kb.forms[top].conditions if top else []
        confirm = view.confirming(answers, fired)
        robustness = whatif.robustness(view, answers, list(iter_unknown(answers)), top, conditions, confirm)
        questions = [q.id for q in view.relevant_questions(answers)]
        rec = view.verdicts.recommendation(answers, fired, dropped, robustness, questions, view.as_of)
        if rec.tie is not None:
            tie = rec.tie.model_copy(update={"question": whatif.separating_question(view, answers, rec.tie.forms)})
            rec = rec.model_copy(update={"tie": tie})
        if explain:
            rec = rec.model_copy(update={"changes": whatif.what_would_change(view, rec, confirm)})
        return rec

    def outcome(self, answers: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """(recommended form, its variant) for normalised answers; ``(None, None)`` when nothing fits."""
        return self.verdict(self.settle(answers)[2])

    def verdict(self, fired: Iterable[str]) -> tuple[str | None, str | None]:
        """(recommended form, its variant) from what fired on settled answers."""
        return self.verdicts.outcome(fired)
