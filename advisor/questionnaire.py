"""The interview as a pure state machine: what to ask, how to read what a person types, where we are.

No I/O and no click here (publicodes' framework-agnostic ``forms`` package is the model): the CLI
shows ``current()``, passes each typed line to ``answer()`` and prints the returned ``Outcome``.
The choice of the next question is delegated to ``Advisor.next_question`` and nowhere else.

Typing convention, the same for every knowledge base (``hint()`` spells it out in the prompt):

- a choice question takes its number (``2``); a multiple-choice question several (``1,3`` or ``1-3``);
  choice ids or labels are accepted too;
- a yes/no question takes ``o``/``oui`` or ``n``/``non``;
- a number question takes an integer (spaces allowed: ``8 000``);
- « je ne sais pas », where the question allows it: ``0`` for choice and yes/no questions, ``nsp``
  (or « je ne sais pas ») everywhere — on number questions ``0`` is a number;
- ``?`` shows the help, ``<`` goes back, an empty line skips an optional question or keeps the
  answer already given;
- ``fin`` goes straight to the review once no remaining question can change the verdict
  (``Status.settled``): the interview gets shorter, the unasked questions stay unanswered.

A question skipped with an empty line has no answer; to tell ``Advisor.next_question`` it was
asked, the interview passes it as « je ne sais pas ». For every condition an unknown answer and
no answer are the same, except the ``unknown`` operator, which the knowledge-base check only
allows on questions that accept « je ne sais pas ».
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .answers import UNKNOWN_WORDS, Answers, fold, normalise_value
from .errors import AnswerError
from .facts import UNKNOWN
from .models import Form, Question
from .recommendation import ExcludedForm, Recommendation

if TYPE_CHECKING:
    from .advice import Advisor

HELP = "?"
BACK = "<"
FINISH = "fin"
UNKNOWN_DIGIT = "0"
SKIPPED = ""  # how a skipped optional question is written to an answers file (read back as "no answer")
_NUMBERS = re.compile(r"^[\d\s,;\-]+$")
_SEPARATORS = re.compile(r"[\s,;]+")
_RANGE = re.compile(r"^(\d+)-(\d+)$")

OutcomeKind = Literal["answered", "kept", "skipped", "help", "back", "invalid", "notice", "change", "finish"]


class EntryError(ValueError):
    """What a person typed does not fit the question (the message is a short French sentence)."""


@dataclass(frozen=True)
class Progress:
    """Where the person is: question number, and an estimate of the relevant questions left after it."""

    number: int
    remaining: int


@dataclass(frozen=True)
class Status:
    """The forms after an answer: those still in play, those just excluded (with why), those back in play."""

    in_play: list[Form]
    total: int
    excluded: list[ExcludedForm] = field(default_factory=list)
    restored: list[Form] = field(default_factory=list)
    leader: Form | None = None  # the form ranked first, when one stands out (no "no clear fit")
    settled: bool = False  # no remaining question could change the verdict: « fin » may end the interview


@dataclass(frozen=True)
class ReviewItem:
    """One line of the review screen."""

    number: int
    question: Question
    value: str


@dataclass(frozen=True)
class Outcome:
    """What happened after a typed line.

    Attributes:
        kind: ``answered`` (a new or different answer), ``kept`` (Enter on an answer already
            given), ``skipped`` (Enter on an optional question), ``help``, ``back``, ``invalid``
            (ask again), ``notice`` (nothing changed, read the message), ``change`` (review: now
            ask the chosen question again), ``finish`` (review confirmed: show the verdict).
        question: the question concerned, if any.
        message: a French text to show (help, error, notice).
        status: the forms after the answer (``answered`` and ``skipped`` only).
        dropped: questions whose answers were removed because they no longer apply.
    """

    kind: OutcomeKind
    question: Question | None = None
    message: str | None = None
    status: Status | None = None
    dropped: list[Question] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the answers changed (and should be saved)."""
        return self.kind in ("answered", "skipped")


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
        self.ignored: list[Question] = []  # pre-filled answers whose question does not apply
        self.ignored = self._store(given)
        self.prefilled: list[str] = list(self.answers)
        self.history: list[str] = []  # questions answered or skipped in this session, in asking order
        self._cursor: int | None = None  # index in history while going back, None at the frontier
        self._editing: str | None = None  # question chosen on the review screen
        self._next: tuple[Question | None] | None = None  # next_question's choice for the current answers
        self.finished_early = False  # « fin » typed once the verdict could no longer change
        self._excluded = self._exclusions(advisor.advise(self.answers))

    # --- where we are -------------------------------------------------------------------

    def current(self) -> Question | None:
        """The question to ask now, or ``None`` when every relevant question is answered (review)."""
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
        """Question number of ``current()`` and about how many relevant questions follow it."""
        relevant = self.advisor.relevant_questions(self._asked())
        done = sum(1 for q in relevant if q.id in self.answers or q.id in self.skipped)
        if self._editing is not None:
            number = 1 + next((i for i, q in enumerate(self._done_questions()) if q.id == self._editing), done)
        elif self._cursor is not None:
            number = done - (len(self.history) - self._cursor) + 1
        else:
            number = done + 1
        return Progress(number=number, remaining=max(0, len(relevant) - number))

    def default(self, question: Question) -> str | None:
        """What an empty line means for this question: keep the answer already given, if any."""
        if question.id in self.answers:
            return describe(question, self.answers[question.id])
        return None

    def prompt_hint(self, question: Question) -> str:
        """The typing convention for this question, in French (see ``hint``)."""
        return hint(question, self.default(question))

    @property
    def complete(self) -> bool:
        """Whether every relevant question has been answered or skipped."""
        return self.current() is None

    # --- answering ----------------------------------------------------------------------

    def answer(self, raw: str) -> Outcome:
        """Read what the person typed for the current question and move on if it is valid."""
        question = self.current()
        if question is None:
            return self.review_entry(raw)
        text = raw.strip()
        if text == HELP:
            return Outcome("help", question, question.help)
        if text == BACK:
            return self.back()
        if fold(text) == FINISH and self._cursor is None:
            if self.advisor.can_still_change(self._asked()):
                return Outcome("invalid", question, "Les questions restantes peuvent encore changer la "
                                                    "recommandation : répondez-y d'abord.")
            self.finished_early = True
            return Outcome("notice", None, "Questions restantes passées : elles ne pouvaient plus changer la "
                                           "forme recommandée.")
        if not text:
            if question.id in self.answers or question.id in self.skipped:
                self._advance(question.id)
                return Outcome("kept", question)
            if question.optional:
                return self._set(question, None)
            return Outcome("invalid", question, "Une réponse est attendue (« ? » pour l'aide).")
        try:
            value = parse_entry(question, text)
        except EntryError as err:
            return Outcome("invalid", question, str(err))
        if self.answers.get(question.id, None) == value and question.id not in self.skipped:
            self._advance(question.id)
            return Outcome("kept", question)
        return self._set(question, value)

    def back(self) -> Outcome:
        """Go back to the previous question of this session (on the review screen: the last one)."""
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

    def _set(self, question: Question, value: Any) -> Outcome:
        answers = {k: v for k, v in self.answers.items() if k != question.id}
        if self.finished_early and self.advisor.can_still_change({**self._asked(), question.id: value}):
            self.finished_early = False  # a changed answer reopens questions that matter again
        if value is None:
            self.skipped.add(question.id)
        else:
            self.skipped.discard(question.id)
            answers[question.id] = value
        dropped = self._store(answers)
        dropped_ids = {q.id for q in dropped}
        if self._cursor is not None:
            self._cursor -= sum(1 for qid in self.history[:self._cursor] if qid in dropped_ids)
        self.history = [qid for qid in self.history if qid not in dropped_ids]
        self._advance(question.id)
        return Outcome("skipped" if value is None else "answered", question, status=self._status(), dropped=dropped)

    def _store(self, answers: Answers) -> list[Question]:
        """Keep the answers that apply (and the skips), return the questions whose answers were dropped."""
        kept, dropped, _ = self.advisor.settle(answers)
        relevant = {q.id for q in self.advisor.relevant_questions(kept)}
        gone = set(dropped) | {qid for qid in self.skipped if qid not in relevant}
        self.skipped -= gone
        self.answers = kept
        self._next = None
        return [q for qid, q in self.kb.questions.items() if qid in gone]

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
        pending = self.current() is not None
        return Status(in_play=[f for fid, f in self.kb.forms.items() if fid not in now],
                      total=len(self.kb.forms), excluded=newly, restored=restored, leader=self._leader(rec),
                      settled=pending and not self.advisor.can_still_change(self._asked()))

    def _leader(self, rec: Recommendation) -> Form | None:
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
        return [ReviewItem(i, q, describe(q, self.answers.get(q.id)))
                for i, q in enumerate(self._done_questions(), start=1)]

    def review_entry(self, raw: str) -> Outcome:
        """Read the choice typed on the review screen: Enter, a number to change, ``<`` or ``?``."""
        text = raw.strip()
        items = self.review()
        if not text:
            return Outcome("finish")
        if text == BACK:
            return self.back()
        if text == HELP:
            return Outcome("help", None, "Tapez le numéro d'une réponse pour la modifier, ou appuyez sur "
                                         "Entrée pour voir la recommandation.")
        if text.isdigit() and 1 <= int(text) <= len(items):
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


# --- reading and describing answers --------------------------------------------------------

def parse_entry(question: Question, text: str) -> Any:
    """Turn a typed line into a normalised answer (see the module docstring for the convention).

    Raises:
        EntryError: with a short French message saying what to type instead.
    """
    folded = fold(text)
    if folded in UNKNOWN_WORDS or (folded == UNKNOWN_DIGIT and question.type in ("single", "multiple", "boolean")):
        if not question.allow_unknown:
            raise EntryError("« Je ne sais pas » n'est pas possible pour cette question.")
        return UNKNOWN
    try:
        match question.type:
            case "single":
                if folded.isdigit():
                    return _numbered(question, [folded])[0]
                if _NUMBERS.match(folded):
                    raise EntryError(_choice_hint(question, "Un seul choix possible"))
                return normalise_value(question, text)
            case "multiple":
                if _NUMBERS.match(folded):
                    picked = set(_numbered(question, _expand(question, folded)))
                    return [c.id for c in question.choices if c.id in picked]
                value = normalise_value(question, text)
                if not value:
                    raise EntryError(_choice_hint(question, "Choisissez au moins un numéro"))
                return value
            case _:
                return normalise_value(question, text)
    except AnswerError:
        raise EntryError(_invalid(question, text)) from None


def _expand(question: Question, text: str) -> list[str]:
    items: list[str] = []
    for part in _SEPARATORS.split(text):
        if not part:
            continue
        bounds = _RANGE.match(part)
        if bounds and int(bounds[1]) <= int(bounds[2]):
            items += [str(n) for n in range(int(bounds[1]), int(bounds[2]) + 1)]
        elif part.isdigit():
            items.append(part)
        else:
            raise EntryError(_choice_hint(question, "Choix non reconnu") + " Séparez-les par des virgules (ex. 1,3).")
    return items


def _numbered(question: Question, numbers: list[str]) -> list[str]:
    if not numbers:
        raise EntryError(_choice_hint(question, "Choisissez au moins un numéro"))
    picked = []
    for number in numbers:
        index = int(number)
        if index == 0:
            raise EntryError("0 (« je ne sais pas ») ne se combine pas avec d'autres choix.")
        if not 1 <= index <= len(question.choices):
            raise EntryError(_choice_hint(question, f"Le numéro {index} n'existe pas"))
        picked.append(question.choices[index - 1].id)
    return picked


def _choice_hint(question: Question, lead: str) -> str:
    what = "un numéro" if question.type == "single" else "un ou plusieurs numéros"
    return f"{lead} : tapez {what} de 1 à {len(question.choices)}."


def _invalid(question: Question, text: str) -> str:
    match question.type:
        case "single":
            return _choice_hint(question, "Choix non reconnu")
        case "multiple":
            return _choice_hint(question, "Choix non reconnu") + " Séparez-les par des virgules (ex. 1,3)."
        case "boolean":
            return "Répondez par o (oui) ou n (non)."
        case "number":
            if _looks_like_number(text):
                return f"Le nombre doit être compris entre {_bounds(question)}."
            return "Tapez un nombre entier, en chiffres (par exemple 12)."
        case _:
            return "Texte trop long ou illisible (200 caractères au plus)."


def _looks_like_number(text: str) -> bool:
    try:
        float(re.sub(r"[\s\u202f\xa0]", "", text).replace(",", "."))
    except ValueError:
        return False
    return True


def format_number(value: int) -> str:
    """A number the French way: 10 000 (narrow no-break space between thousands)."""
    return f"{value:,}".replace(",", "\u202f")


def _bounds(question: Question) -> str:
    low = format_number(question.min) if question.min is not None else "…"
    high = format_number(question.max) if question.max is not None else "…"
    return f"{low} et {high}"


def describe(question: Question, value: Any) -> str:
    """An answer as French text (labels, not ids)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "(sans réponse)"
    if value == UNKNOWN:
        return "je ne sais pas"
    match question.type:
        case "single":
            choice = question.choice(value)
            return choice.label if choice else str(value)
        case "multiple":
            return " ; ".join(c.label for c in question.choices if c.id in value) or "(aucun choix)"
        case "boolean":
            return "oui" if value else "non"
        case "number":
            return format_number(value) + (f" {question.unit}" if question.unit else "")
        case _:
            return str(value)


def hint(question: Question, default: str | None = None) -> str:
    """The typing convention for a question, in French, as shown under it."""
    unknown = question.allow_unknown
    match question.type:
        case "single":
            parts = [f"un numéro de 1 à {len(question.choices)}"] + (["0 = je ne sais pas"] if unknown else [])
        case "multiple":
            parts = [f"un ou plusieurs numéros de 1 à {len(question.choices)} (ex. 1,3)"] \
                + (["0 = je ne sais pas"] if unknown else [])
        case "boolean":
            parts = ["o = oui", "n = non"] + (["0 = je ne sais pas"] if unknown else [])
        case "number":
            bounds = f" entre {_bounds(question)}" if question.min is not None or question.max is not None else ""
            parts = [f"un nombre entier{bounds}"] + (["nsp = je ne sais pas"] if unknown else [])
        case _:
            parts = ["un texte libre"]
    if default is not None:
        parts.append(f"Entrée = garder « {default} »")
    elif question.optional:
        parts.append("Entrée = passer")
    parts += ["? = aide", "< = retour"]
    return " · ".join(parts)
