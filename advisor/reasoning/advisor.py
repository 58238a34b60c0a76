"""The ``Advisor`` front: one knowledge base, one engine, and the reasoning parts composed.

``advise`` runs: validate the raw answers (``answers``) → drop those whose question no longer
applies (``relevance``) → consult the rules (``engine``) → robustness of « je ne sais pas »
(``whatif``) → scores, variant, confidence (``verdict``) → optionally, what would change the
verdict (``whatif``). Each step lives in its own module; this class only wires them.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from ..knowledge.base import KnowledgeBase
from ..knowledge.loader import load_knowledge_base
from ..knowledge.models import Question
from . import lookahead, whatif
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
        prove: build the engine in a child process first, so that rules durable-rules cannot build raise
            ``EngineLimitError`` instead of hanging the process; a function: also called once if that takes
            more than two seconds (``engine.Engine``; the command line does, to tell the person).

    Raises:
        KnowledgeBaseError: the packaged knowledge base is invalid (``kb`` omitted).
        EngineUnavailableError: durable-rules cannot be imported.
        EngineLimitError: durable-rules refuses the rules, or (``prove``) cannot build them in time.
    """

    def __init__(self, kb: KnowledgeBase | None = None, consultant: Consultant | None = None,
                 order: Literal["smart", "file"] = "smart", *, index: RuleIndex | None = None,
                 prove: bool | Callable[[], None] = False) -> None:
        self.kb = kb if kb is not None else load_knowledge_base()
        self.consultant: Consultant = consultant if consultant is not None else Engine(self.kb, prove=prove)
        self.order = order
        self.relevance = Relevance(self.kb)
        self.verdicts = Verdict(self.kb)
        self.as_of: dt.date | None = None  # set on the dated views that ``dated`` returns
        self._searcher: Advisor | None = None
        self.index = index if index is not None else RuleIndex(self.kb)
        self._reader_forms: dict[str, frozenset[str]] | None = None

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
            if isinstance(self.consultant, ReferenceEvaluator):
                self._searcher = self
            else:  # the same advisor (knowledge, indexes, date) on the rules already compiled to Python
                fast = copy.copy(self)
                fast.consultant = ReferenceEvaluator(self.kb, self.index.predicates)
                fast._searcher = fast
                self._searcher = fast
        return self._searcher

    def near(self, answers: Mapping[str, Any], fired: Iterable[str] | None = None) -> Neighbourhood:
        """These normalised answers settled once, to settle answer sets that differ in a few answers fast.

        Meant for the fast evaluator (``searcher``): the neighbours' rules are evaluated in plain Python.
        ``fired``: the rules already known to hold on ``answers``, then settled answers (the engine's, in
        ``advise``): nothing is evaluated for the base.
        """
        settled = None if fired is None else (answers, frozenset(fired))
        return Neighbourhood(self.index, self.relevance, answers, self.as_of, settled=settled)

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

        With ``order="smart"`` (the default), an interview reads like a conversation:

        1. who you are: the questions asked in every case that are free text (a name) or facts about
           the structure (``what_if: false``), in file order;
        2. the follow-up questions that earlier answers opened (``relevant_if``), one group at a
           time — a group is the questions read by the rules of the same forms, so the market
           questions come together — and within a group the question whose possible answers would
           change the current verdict the most first (ties keep the file order);
        3. then the other questions, in file order.

        Nothing here names a form or a question: the grouping comes from ``rules/`` alone.
        With ``order="file"``, questions come in file order.
        """
        pending = [q for q in self.relevant_questions(answers) if q.id not in answers]
        if not pending or self.order == "file":
            return pending[0] if pending else None
        opening = [q for q in pending if q.relevant_if is None and (q.type == "text" or not q.what_if)]
        if opening:
            return opening[0]
        follow_ups = [q for q in pending if q.relevant_if is not None]
        if not follow_ups:
            return pending[0]
        readers = self._readers()
        group = [q for q in follow_ups if readers[q.id] == readers[follow_ups[0].id]]
        near = self.searcher.near(answers)
        return max(group, key=lambda q: (whatif.separation(self.searcher, answers, q, near), -group.index(q)))

    def _readers(self) -> dict[str, frozenset[str]]:
        """Question id → the forms whose rules read it (what groups follow-up questions together)."""
        if self._reader_forms is None:
            found: dict[str, set[str]] = {qid: set() for qid in self.kb.questions}
            for rule in self.kb.rules:
                for qid in rule.when.questions():
                    found.setdefault(qid, set()).add(self.kb.rule_form[rule.id])
            self._reader_forms = {qid: frozenset(forms) for qid, forms in found.items()}
        return self._reader_forms

    def can_still_change(self, answers: Mapping[str, Any]) -> bool:
        """Whether answering the remaining questions could still change the recommended form or its variant.

        See ``lookahead.still_open``, which also says whether the warnings could change.
        """
        return lookahead.still_open(self, answers).verdict

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
