"""What-if: the smallest changes of answers that would change the verdict, and how robust it is.

Every change reported here is found by re-running the advisor on the changed answers, so each
statement is true by construction (and the tests re-check it). Only changes that make sense are
tried: questions that apply, values they accept, and never « je ne sais pas » as a target.
Searches run on a fast evaluator (``Outcomes.searcher``) and each conclusion is confirmed on the
engine. This module knows the advisor only through the ``Outcomes`` protocol.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import islice
from typing import TYPE_CHECKING, Any, Protocol

from ..knowledge.models import UNKNOWN, Question
from ..wording import answer_text
from .answers import Answers
from .neighbours import Neighbourhood
from .result import AnswerChange, Change, QuestionRef, Recommendation, Robustness
from .search import Search

if TYPE_CHECKING:
    from ..knowledge.base import KnowledgeBase


class Outcomes(Protocol):
    """What the searches need of an advisor (``reasoning.advisor.Advisor`` is one)."""

    kb: KnowledgeBase

    @property
    def searcher(self) -> Outcomes: ...

    def settle(self, answers: Mapping[str, Any]) -> tuple[Answers, list[str], set[str]]: ...

    def verdict(self, fired: Iterable[str]) -> tuple[str | None, str | None]: ...

    def outcome(self, answers: Mapping[str, Any]) -> tuple[str | None, str | None]: ...

    def relevant_questions(self, answers: Mapping[str, Any]) -> list[Question]: ...

    def near(self, answers: Mapping[str, Any], fired: Iterable[str] | None = None) -> Neighbourhood: ...

    @property
    def verdicts(self) -> Any: ...

MAX_CHANGES = 5


def alternative_values(kb: KnowledgeBase, question: Question, current: Any) -> list[Any]:
    """The values worth trying for a question, other than its current one.

    Numbers are tried just around the thresholds the rules use; a multiple choice is changed by
    ticking or unticking one choice (or, when unknown, by ticking a single one).
    """
    match question.type:
        case "single":
            values: list[Any] = [c.id for c in question.choices]
        case "boolean":
            values = [True, False]
        case "multiple":
            ids = [c.id for c in question.choices]
            if isinstance(current, list):
                values = [[i for i in ids if (i in current) != (i == toggled)] for toggled in ids]
            else:
                values = [[i] for i in ids]
            values = [v for v in values if v]  # unticking everything is no answer a person would give
        case "number":
            found = kb.compared_numbers(question.id)
            low = question.min if question.min is not None else min(found, default=0)
            high = question.max if question.max is not None else max(found, default=0)
            values = sorted(v for v in found if low <= v <= high)
        case _:
            values = []
    return [v for v in values if v != current]


def value_label(question: Question, value: Any) -> str:
    """How a value reads inside an explanation (choices joined by commas)."""
    return answer_text(question, value, joiner=", ")


def what_would_change(advisor: Outcomes, rec: Recommendation, confirm: Neighbourhood | None = None) -> list[Change]:
    """The smallest changes (one answer, else two) that put another form first or change the variant.

    The search runs on the fast plain-Python evaluator; each change found is then re-run on the
    advisor's own engine and kept only if the engine agrees (until ``MAX_CHANGES`` are kept).

    Args:
        confirm: the recommendation's answers and the rules the engine fired on them
            (``Advisor.confirming``): the engine then re-runs only the rules a change can reach.
    """
    # The search starts from what the engine fired on the answers, when known: the same rules hold in Python.
    near = advisor.searcher.near(confirm.kept, confirm.fired) if confirm is not None else None
    found = _search(advisor.searcher, dict(rec.answers), near)
    confirmed = (c for c in found if _verified(advisor, _apply(rec.answers, c), [i.question for i in c.changes],
                                               confirm) == (c.form, c.variant))
    return list(islice(confirmed, MAX_CHANGES))


def _apply(answers: dict[str, Any], change: Change) -> dict[str, Any]:
    return {**answers, **{item.question: item.after for item in change.changes}}


def _search(advisor: Outcomes, base_answers: dict[str, Any], near: Neighbourhood | None = None) -> list[Change]:
    """Every distinct verdict one change reaches, else two (in the order tried, at most ``MAX_TRIALS`` trials)."""
    search = Search(advisor, base_answers, lambda question, current: alternative_values(advisor.kb, question, current),
                    near)
    found = search.singles() or search.pairs()
    return [_change(advisor, base_answers, changed, touched, target, search.base) for changed, touched, target in found]


def _verified(advisor: Outcomes, changed: dict[str, Any], touched: list[str],
              confirm: Neighbourhood | None = None) -> tuple[str | None, str | None] | None:
    """The outcome of the changed answers, or None if a changed question no longer applies."""
    kept, _, fired = (confirm or advisor).settle(changed)
    if any(qid not in kept for qid in touched):
        return None
    return advisor.verdict(fired)


def _change(advisor: Outcomes, before: dict[str, Any], after: dict[str, Any], touched: list[str],
            target: tuple[str | None, str | None], base: tuple[str | None, str | None]) -> Change:
    kb = advisor.kb
    items = [AnswerChange(question=qid, summary=kb.questions[qid].summary, before=before.get(qid),
                          before_label=value_label(kb.questions[qid], before.get(qid)), after=after[qid],
                          after_label=value_label(kb.questions[qid], after[qid])) for qid in touched]
    form_id, variant_id = target
    form = kb.forms[form_id] if form_id else None
    variant = form.variant(variant_id) if form and variant_id else None
    return Change(changes=items, form=form_id, form_label=form.label if form else None,
                  variant=variant_id, variant_label=variant.label if variant else None,
                  statement=statement(kb, items, form, variant, same_form=form_id == base[0]))


def phrase(item: AnswerChange, question: Question) -> str:
    """One changed answer, as a French clause."""
    if isinstance(item.before, list) and isinstance(item.after, list):
        added = [c for c in item.after if c not in item.before]
        removed = [c for c in item.before if c not in item.after]
        if added:
            return f"« {value_label(question, added)} » s'ajoutait à « {item.summary} »"
        return f"« {value_label(question, removed)} » ne faisait plus partie de « {item.summary} »"
    if item.before is None:
        return f"la réponse à « {item.summary} » était « {item.after_label} »"
    return f"la réponse à « {item.summary} » était « {item.after_label} » au lieu de « {item.before_label} »"


def statement(kb: KnowledgeBase, items: list[AnswerChange], form: Any, variant: Any, same_form: bool = False) -> str:
    """« Si …, la recommandation deviendrait … »."""
    condition = " et si ".join(phrase(i, kb.questions[i.question]) for i in items)
    if form is None:
        return f"Si {condition}, aucune forme ne se dégagerait plus clairement."
    if same_form and variant is None:
        return f"Si {condition}, la recommandation resterait {form.short_label}, mais sa variante serait à préciser."
    target = form.label
    if variant:
        target = variant.label if form.short_label in variant.label else f"{form.short_label} — {variant.label}"
    return f"Si {condition}, la recommandation deviendrait : {target}."


def robustness(advisor: Outcomes, answers: Answers, unknown: list[str], base: str | None,
               conditions: list[str] | None = None, confirm: Neighbourhood | None = None) -> Robustness:
    """Whether the recommended form ``base`` holds whatever the « je ne sais pas » answers turn out to be.

    It does not when an unknown answer is a *condition* of the form (``Form.conditions``: the
    département's cofinancing for a TZCLD…), or when some possible answer would put another form
    first. Candidate answers are screened on the fast evaluator; an answer that would change the
    verdict is confirmed on the engine before the recommendation is called fragile.
    """
    if not unknown:
        return Robustness(robust=True)
    fast = advisor.searcher
    near = fast.near(answers)
    outcome = fast.verdict(set(near.fired))
    # Questions that surely keep the fast verdict need no trial, when that verdict is the engine's.
    min_score = advisor.kb.meta.scoring.min_score
    bounds = near.bounds(near.kept, near.fired, outcome, min_score) if outcome[0] == base else None
    depends = [qid for qid in unknown if qid in (conditions or [])]
    for qid in unknown:
        if qid in depends or (bounds is not None and bounds.cannot_change(qid)):
            continue
        for value in alternative_values(advisor.kb, advisor.kb.questions[qid], None):
            changed = {**answers, qid: value}
            if fast.verdict(near.settle(changed)[2])[0] != base and _confirmed_form(advisor, changed, confirm) != base:
                depends.append(qid)
                break
    questions = advisor.kb.questions
    return Robustness(robust=not depends, depends_on=[
        QuestionRef(question=qid, summary=questions[qid].summary, text=questions[qid].text)
        for qid in depends])


def _confirmed_form(advisor: Outcomes, changed: dict[str, Any], confirm: Neighbourhood | None) -> str | None:
    """The form the engine recommends for changed answers (re-running only what changed, with ``confirm``)."""
    return advisor.outcome(changed)[0] if confirm is None else advisor.verdict(confirm.settle(changed)[2])[0]


def separation(advisor: Outcomes, answers: Mapping[str, Any], question: Question,
               near: Neighbourhood | None = None) -> tuple[int, int]:
    """(distinct verdicts over the question's possible answers, how many of them differ from today's).

    ``near``: these answers already settled by ``advisor.near`` (to rank several questions at once).
    """
    near = near or advisor.near(answers)
    current = advisor.verdict(set(near.fired))
    verdicts = [advisor.verdict(near.settle({**answers, question.id: value})[2])
                for value in alternative_values(advisor.kb, question, None)]
    return len(set(verdicts)), sum(v != current for v in verdicts)


def separating_question(advisor: Outcomes, answers: Answers, tied: list[str]) -> QuestionRef | None:
    """The first open question (unanswered or « je ne sais pas ») one of whose answers would break the tie."""
    fast = advisor.searcher
    near = fast.near(answers)
    for question in advisor.relevant_questions(answers):
        if question.type == "text" or answers.get(question.id) not in (None, UNKNOWN):
            continue
        for value in alternative_values(advisor.kb, question, None):
            scores = fast.verdicts.scores(near.settle({**answers, question.id: value})[2])
            if len(scores) >= 1 and scores[0][1] in tied and (len(scores) == 1 or scores[0][0] > scores[1][0]):
                return QuestionRef(question=question.id, summary=question.summary, text=question.text)
    return None
