"""The interview as a pure state machine: what to ask, how to read what a person types, where we are.

No I/O and no click here (publicodes' framework-agnostic ``forms`` package is the model): the CLI
shows ``current()``, passes each typed line to ``answer()`` and prints the returned ``Outcome``
(``outcomes.py``). The choice of the next question is delegated to ``Advisor.next_question`` and
nowhere else; how a typed line is read is ``entry.py``.

A question skipped with an empty line has no answer; to tell ``Advisor.next_question`` it was
asked, the interview passes it as « je ne sais pas ». For every condition an unknown answer and
no answer are the same, except the ``unknown`` operator, which the knowledge-base check only
allows on questions that accept « je ne sais pas ».

Nothing typed is lost by a change (issue 12): a change that would remove the answers depending
on the old one asks for confirmation first, and the answers it removes are kept aside for the
session, to come back by themselves if the change is undone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import AnswerError, EntryError
from ..knowledge.models import UNKNOWN, Question
from ..reasoning.answers import NO_WORDS, YES_WORDS, Answers, fold, normalise_value
from ..reasoning.lookahead import StillOpen, still_open
from ..reasoning.result import ExcludedForm, Recommendation
from ..wording import accepted, answer_text
from .entry import BACK, FINISH, HELP, SKIPPED, hint, parse_entry, unreadable
from .outcomes import Outcome, Progress, ReviewItem, Status

if TYPE_CHECKING:
    from ..reasoning.advisor import Advisor

__all__ = ["Interview", "Outcome", "Progress", "ReviewItem", "Status"]

MAX_REVIEW_DIGITS = 4  # a longer number typed on the review screen is refused before conversion


class Interview:
    """One person's interview: answers so far, the questions asked (for going back), and the status.

    Args:
        advisor: the advisor whose knowledge base and ``next_question`` drive the interview.
        answers: answers given before (from a file) — raw values, validated here. A blank value
            for an optional question counts as skipped.

    Raises:
        AnswerError: a pre-filled answer does not fit its question.
    """

    def __init__(self, advisor: Advisor, answers: Mapping[Any, Any] | None = None) -> None:
        self.advisor = advisor
        self.kb = advisor.kb
        raw = dict(answers or {})
        self.skipped: set[str] = {
            fold(k) for k, v in raw.items()
            if isinstance(k, str) and fold(k) in self.kb.questions and self.kb.questions[fold(k)].optional
            and (v is None or (isinstance(v, str) and not v.strip()))}
        given = advisor.validate(raw)
        self.answers: Answers = {}
        self.shelf: Answers = {}  # answers removed by a change in this session, back if it is undone
        self.ignored: list[Question] = self._store(given, shelve=False)[0]  # pre-filled, not applying
        self.prefilled: list[str] = list(self.answers)
        self.history: list[str] = []  # questions answered or skipped in this session, in asking order
        self._cursor: int | None = None  # index in history while going back, None at the frontier
        self._editing: str | None = None  # question chosen on the review screen
        self._pending: tuple[Question, Any] | None = None  # a change that removes answers, awaiting « oui »
        self._next: tuple[Question | None] | None = None  # next_question's choice for the current answers
        self._open: tuple[str, StillOpen] | None = None  # still_open for the answers it was computed on
        self._opened: set[str] = set()  # questions the last answer made relevant
        self._settled = False  # whether the last status was settled (to say it once)
        self.finished_early = False  # « fin » typed once the verdict could no longer change
        self._excluded = self._exclusions(advisor.advise(self.answers))

    # --- where we are -------------------------------------------------------------------

    def current(self) -> Question | None:
        """The question to ask now, or ``None`` when every relevant question is answered (review)."""
        if self._pending is not None:
            return self._pending[0]
        if self._editing is not None:
            return self.kb.questions[self._editing]
        if self._cursor is not None:
            return self.kb.questions[self.history[self._cursor]]
        if self.finished_early:
            return None
        if self._next is None:  # cached: the choice can be costly and only changes with the answers
            self._next = (self.advisor.next_question(self._asked()),)
        return self._next[0]

    def progress(self) -> Progress:
        """Question number of ``current()`` and about how many relevant questions have no answer yet."""
        relevant = self.advisor.relevant_questions(self._asked())
        done = sum(1 for q in relevant if q.id in self.answers or q.id in self.skipped)
        current = self.current()
        if self._editing is not None:
            number = 1 + next((i for i, q in enumerate(self._done_questions()) if q.id == self._editing), done)
        elif self._cursor is not None:
            number = done - (len(self.history) - self._cursor) + 1
        else:
            number = done + 1
        waiting = [q.id for q in relevant if q.id not in self.answers and q.id not in self.skipped]
        remaining = len([qid for qid in waiting if current is None or qid != current.id])
        again = current is not None and (current.id in self.answers or current.id in self.skipped)
        return Progress(number=number, remaining=remaining, opened=len(self._opened & set(waiting)), again=again)

    def default(self, question: Question) -> str | None:
        """What an empty line means for this question: keep the answer already given, if any."""
        if question.id in self.answers:
            return answer_text(question, self.answers[question.id])
        return None

    def prompt_hint(self, question: Question) -> str:
        """The typing convention for this question, in French (see ``hint``)."""
        if self._pending is not None:
            return "1 = oui, confirmer · 2 = non, garder la réponse actuelle"
        return hint(question, self.default(question), self.answers.get(question.id))

    @property
    def complete(self) -> bool:
        """Whether every relevant question has been answered or skipped."""
        return self.current() is None

    def still_open(self) -> StillOpen:
        """What the questions without an answer could still change (form, variant, warnings)."""
        asked = self._asked()
        key = repr(sorted(asked.items()))
        if self._open is None or self._open[0] != key:
            self._open = (key, still_open(self.advisor, asked))
        return self._open[1]

    # --- answering ----------------------------------------------------------------------

    def answer(self, raw: str) -> Outcome:
        """Read what the person typed for the current question and move on if it is valid."""
        problem = unreadable(raw)
        if problem is not None:
            return Outcome("invalid", self.current(), problem)
        if self._pending is not None:
            return self._confirm(raw.strip())
        question = self.current()
        if question is None:
            return self.review_entry(raw)
        text = raw.strip()
        self._opened = set()
        if text == HELP:
            return Outcome("help", question, question.help)
        if text == BACK:
            return self.back()
        if fold(text) == FINISH and self._cursor is None and self._editing is None:
            return self._finish_early(question)
        if not text:
            if question.id in self.answers or question.id in self.skipped:
                self._advance(question.id)
                return Outcome("kept", question)
            if question.optional:
                return self._set(question, None)
            return Outcome("invalid", question, "Une réponse est attendue (« ? » pour l'aide).")
        try:
            value = parse_entry(question, text, self.answers.get(question.id))
        except EntryError as err:
            return Outcome("invalid", question, str(err))
        if self.answers.get(question.id, None) == value and question.id not in self.skipped:
            self._advance(question.id)
            return Outcome("kept", question)
        return self._set(question, value)

    def _finish_early(self, question: Question) -> Outcome:
        still = self.still_open()
        if still.verdict:
            what = "la forme recommandée" if still.form else "la variante de la forme recommandée"
            return Outcome("invalid", question, f"Les questions restantes peuvent encore changer {what} : "
                                                "répondez-y d'abord.")
        self.finished_early = True
        return Outcome("to_review", None, "Questions restantes passées : elles ne pouvaient plus changer ni la "
                                          "forme recommandée ni sa variante.")

    def back(self) -> Outcome:
        """Go back to the previous question of this session (on the review screen: the last one)."""
        self._opened = set()
        if self._editing is not None:
            question = self.kb.questions[self._editing]
            self._editing = None
            return Outcome("back", question, "Modification annulée : la réponse précédente est gardée.")
        position = len(self.history) if self._cursor is None else self._cursor
        if position == 0:
            current = self.current()
            message = "Pas de question précédente."
            if current is None:
                message += " Tapez le numéro d'une réponse pour la modifier."
            elif self.prefilled:
                message += " Les réponses reprises d'un fichier se modifient à l'écran de relecture."
            return Outcome("notice", current, message)
        self._cursor = position - 1
        return Outcome("back", self.kb.questions[self.history[self._cursor]])

    def give(self, value: Any) -> Outcome:
        """Answer the current question with a value already read (a form field, not a typed line).

        The typing convention of ``answer`` does not apply, so a name may be « ? » or « fin »:
        ``None`` skips an optional question, ``UNKNOWN`` is « je ne sais pas », and any other value
        is read as in an answers file.

        Raises:
            AnswerError: the value does not fit the current question, or no question is pending.
        """
        question = self.current()
        if question is None:
            raise AnswerError("(relecture)", value, "une réponse à la question en cours", "aucune question en cours")
        normalised = normalise_value(question, value)
        if normalised is None and not question.optional:
            raise AnswerError(question.id, value, accepted(question), "une réponse est attendue")
        if (question.id in self.skipped) if normalised is None else self.answers.get(question.id) == normalised:
            self._advance(question.id)
            return Outcome("kept", question)
        return self._set(question, normalised)

    def _set(self, question: Question, value: Any) -> Outcome:
        """Give ``question`` this answer (``None``: skipped), after a confirmation if it removes others."""
        answers = self._with(question, value)
        kept = self.advisor.relevance.applicable(answers)
        losing = [q for qid, q in self.kb.questions.items() if qid in self.answers and qid not in kept]
        if losing:
            self._pending = (question, value)
            return Outcome("confirm", question, _losing_message(losing), dropped=losing)
        return self._apply(question, value)

    def _confirm(self, text: str) -> Outcome:
        assert self._pending is not None
        question, value = self._pending
        folded = fold(text)
        if folded in YES_WORDS or folded == "1":
            self._pending = None
            return self._apply(question, value)
        if folded in NO_WORDS or folded == "2" or text == BACK:
            self._pending = None
            self._advance(question.id)
            return Outcome("cancelled", question, "Modification annulée : la réponse précédente est gardée.")
        return Outcome("invalid", question, "Tapez 1 (oui) pour confirmer, ou 2 (non) pour garder la réponse actuelle.")

    def _with(self, question: Question, value: Any) -> Answers:
        answers = {k: v for k, v in self.answers.items() if k != question.id}
        if value is not None:
            answers[question.id] = value
        return answers

    def _apply(self, question: Question, value: Any) -> Outcome:
        answers = self._with(question, value)
        self.shelf.pop(question.id, None)
        if self.finished_early and still_open(self.advisor, {**self._asked(), question.id: value}).verdict:
            self.finished_early = False  # a changed answer reopens questions that matter again
        before = {q.id for q in self.advisor.relevant_questions(self._asked())}
        if value is None:
            self.skipped.add(question.id)
        else:
            self.skipped.discard(question.id)
        dropped, restored = self._store(answers)
        dropped_ids = {q.id for q in dropped}
        if self._cursor is not None:
            self._cursor -= sum(1 for qid in self.history[:self._cursor] if qid in dropped_ids)
        self.history = [qid for qid in self.history if qid not in dropped_ids]
        self._advance(question.id)
        self.history += [q.id for q in restored if q.id not in self.history]
        self._opened = {q.id for q in self.advisor.relevant_questions(self._asked())} - before
        return Outcome("skipped" if value is None else "answered", question, status=self._status(), dropped=dropped,
                       restored=restored)

    def _store(self, answers: Answers, shelve: bool = True) -> tuple[list[Question], list[Question]]:
        """Keep the answers that apply (and the skips), bringing back shelved answers that apply again.

        Returns:
            (questions whose answers were removed, questions whose shelved answers came back).
        """
        candidate = {**{k: v for k, v in self.shelf.items() if k not in answers}, **answers}
        kept, _, _ = self.advisor.settle(candidate)
        relevant = {q.id for q in self.advisor.relevant_questions(kept)}
        back = {qid for qid in self.shelf if qid in kept and qid not in answers}
        gone = {qid for qid in answers if qid not in kept} | {qid for qid in self.skipped if qid not in relevant}
        for qid in back:
            del self.shelf[qid]
        if shelve:
            self.shelf.update({qid: answers[qid] for qid in gone if qid in answers})
        self.skipped -= gone
        self.answers = kept
        self._next = None
        return ([q for qid, q in self.kb.questions.items() if qid in gone],
                [q for qid, q in self.kb.questions.items() if qid in back])

    def _advance(self, qid: str) -> None:
        if self._editing is not None:
            self._editing = None
            self.history = [q for q in self.history if q != qid] + [qid]
        elif self._cursor is not None:
            self._cursor += 1
            if self._cursor >= len(self.history):
                self._cursor = None
        elif qid not in self.history:
            self.history.append(qid)

    def _asked(self) -> Answers:
        """The answers as ``Advisor.next_question`` must see them: skipped questions count as asked."""
        return {**self.answers, **{qid: UNKNOWN for qid in self.skipped if qid not in self.answers}}

    # --- status -------------------------------------------------------------------------

    def _status(self) -> Status:
        rec = self.advisor.advise(self.answers)
        now = self._exclusions(rec)
        newly = [e for fid, e in now.items() if fid not in self._excluded]
        restored = [self.kb.forms[fid] for fid in self._excluded if fid not in now]
        self._excluded = now
        still = self.still_open() if self.current() is not None else None
        settled = still is not None and not still.verdict
        newly_settled = settled and not self._settled
        if still is not None:
            self._settled = settled
        return Status(in_play=[f for fid, f in self.kb.forms.items() if fid not in now],
                      total=len(self.kb.forms), excluded=newly, restored=restored, leader=self._leader(rec),
                      settled=settled, still_open=still, newly_settled=newly_settled)

    def _leader(self, rec: Recommendation) -> Any:
        top = rec.top
        return self.kb.forms[top.form] if top is not None and not rec.no_clear_fit else None

    @staticmethod
    def _exclusions(rec: Recommendation) -> dict[str, ExcludedForm]:
        return {e.form: e for e in rec.excluded}

    def status(self) -> Status:
        """The forms in play and excluded now (no "newly" distinction: every exclusion is listed)."""
        rec = self.advisor.advise(self.answers)
        excluded = self._exclusions(rec)
        return Status(in_play=[f for fid, f in self.kb.forms.items() if fid not in excluded],
                      total=len(self.kb.forms), excluded=list(excluded.values()), leader=self._leader(rec))

    # --- review -------------------------------------------------------------------------

    def _done_questions(self) -> list[Question]:
        return [q for q in self.advisor.relevant_questions(self._asked())
                if q.id in self.answers or q.id in self.skipped]

    def review(self) -> list[ReviewItem]:
        """Every answer given (or skipped), numbered, in question order, as French text."""
        return [ReviewItem(i, q, answer_text(q, self.answers.get(q.id)))
                for i, q in enumerate(self._done_questions(), start=1)]

    def review_entry(self, raw: str) -> Outcome:
        """Read the choice typed on the review screen: Enter, a number to change, ``<`` or ``?``."""
        text = raw.strip()
        items = self.review()
        if not text or fold(text) == FINISH:
            return Outcome("finish")
        if text == BACK:
            return self.back()
        if text == HELP:
            return Outcome("help", None, "Tapez le numéro d'une réponse pour la modifier, ou appuyez sur "
                                         "Entrée pour voir la recommandation.")
        if text.isascii() and text.isdigit() and len(text) <= MAX_REVIEW_DIGITS and 1 <= int(text) <= len(items):
            return self.change(items[int(text) - 1].question.id)
        return Outcome("invalid", None, f"Tapez un numéro de 1 à {len(items)}, ou Entrée pour terminer.")

    def change(self, question_id: str) -> Outcome:
        """Ask a question again from the review screen (its current answer becomes the default)."""
        question = self.kb.questions[question_id]
        self._cursor = None
        self._editing = question_id
        return Outcome("change", question)

    # --- result -------------------------------------------------------------------------

    def recommendation(self, explain: bool = True) -> Recommendation:
        """The verdict on the answers given so far, explained like ``advisor recommend`` (``explain``)."""
        return self.advisor.advise(self.answers, explain=explain)

    def answers_to_save(self) -> dict[str, Any]:
        """The answers to write to a file, skipped optional questions included as blanks."""
        return {**{qid: SKIPPED for qid in self.skipped}, **self.answers}


def _losing_message(losing: list[Question]) -> str:
    names = " ; ".join(q.summary for q in losing)
    if len(losing) == 1:
        return (f"Cette réponse retire la réponse qui en dépend : {names}. Elle reviendra si vous rétablissez "
                "votre réponse. Confirmer ?")
    return (f"Cette réponse retire les {len(losing)} réponses qui en dépendent : {names}. Elles reviendront si "
            "vous rétablissez votre réponse. Confirmer ?")
