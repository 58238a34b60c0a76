"""Validation and normalisation of answers: what a person or a tool gives → ``Answers``.

Answers arrive from people (CLI, hand-edited YAML, CSV, JSON from another tool), so values are
normalised before any rule sees them: Unicode NFC, case-insensitive choice ids or labels, yes/no
in French or English, numbers as integers. Anything that does not fit raises ``AnswerError``
naming the question, the value and what is allowed (engine-notes §7: the engine's own type
coercion is too loose to be trusted).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import AnswerError
from ..knowledge.models import UNKNOWN, Question
from ..wording import MAX_TEXT, accepted

if TYPE_CHECKING:
    from ..knowledge.base import KnowledgeBase

Answers = dict[str, Any]
"""Normalised answers: question id → value, in question order; an unanswered question is absent.

Value shapes: single choice → the choice id (``str``); multiple choice → the ticked choice ids in
the question's order (``list[str]``); yes/no → ``bool``; number → ``int``; free text → ``str``
(NFC, spaces folded); « je ne sais pas » → ``UNKNOWN`` for every type.
"""

UNKNOWN_WORDS = frozenset({"unknown", "je ne sais pas", "je_ne_sais_pas", "jnsp", "ne sais pas", "nsp"})
YES_WORDS = frozenset({"oui", "o", "yes", "y", "vrai", "true"})
NO_WORDS = frozenset({"non", "n", "no", "faux", "false"})


def fold(text: str) -> str:
    """Normalise a word for comparison: NFC, trimmed, case-folded (accents kept)."""
    return unicodedata.normalize("NFC", text).strip().casefold()


def normalise(kb: KnowledgeBase, raw: Mapping[Any, Any]) -> Answers:
    """Validate raw answers and return them normalised, in question order.

    ``None`` and empty strings mean "not answered" and are dropped.

    Raises:
        AnswerError: for an unknown question or a value the question does not accept.
    """
    if not isinstance(raw, Mapping):
        raise AnswerError("(réponses)", raw, "un ensemble « question : réponse »", "forme inattendue")
    cleaned: dict[str, Any] = {}
    for key, value in raw.items():
        qid = fold(key) if isinstance(key, str) else key
        question = kb.questions.get(qid) if isinstance(qid, str) else None
        if question is None:
            raise AnswerError(str(key), value, "un identifiant de question parmi : " + ", ".join(kb.questions),
                              "question inconnue")
        if qid in cleaned:
            raise AnswerError(qid, value, "une seule réponse par question", "question en double")
        normalised = normalise_value(question, value)
        if normalised is not None:
            cleaned[qid] = normalised
    return {qid: cleaned[qid] for qid in kb.questions if qid in cleaned}


def normalise_value(question: Question, value: Any) -> Any:
    """Normalise one answer; ``None`` means "no answer"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and fold(value) in UNKNOWN_WORDS:
        if question.allow_unknown:
            return UNKNOWN
        if question.type == "text":
            return unicodedata.normalize("NFC", " ".join(value.split()))  # a name may be any words
        raise AnswerError(question.id, value, accepted(question), "« je ne sais pas » n'est pas possible ici")
    match question.type:
        case "single":
            return _choice(question, value)
        case "multiple":
            items = _split_choices(question, value) if isinstance(value, str) else value
            if not isinstance(items, (list, tuple)):
                raise AnswerError(question.id, value, accepted(question), "une liste de choix est attendue")
            picked = {_choice(question, item) for item in items if not (isinstance(item, str) and not item.strip())}
            return [c.id for c in question.choices if c.id in picked]
        case "boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and fold(value) in YES_WORDS | NO_WORDS:
                return fold(value) in YES_WORDS
            raise AnswerError(question.id, value, accepted(question), "oui ou non attendu")
        case "number":
            return _number(question, value)
        case _:
            if not isinstance(value, str):
                raise AnswerError(question.id, value, accepted(question), "un texte est attendu")
            text = unicodedata.normalize("NFC", " ".join(value.split()))
            if len(text) > MAX_TEXT or any(unicodedata.category(ch) == "Cc" for ch in text):
                raise AnswerError(question.id, value[:40], accepted(question), "texte trop long ou illisible")
            return text


def _split_choices(question: Question, text: str) -> list[str]:
    """Choices written in one text: "a|b", else one whole label (labels may hold commas), else "a,b"."""
    if "|" in text:
        return text.split("|")
    wanted = fold(text)
    if any(wanted in (c.id, fold(c.label)) for c in question.choices):
        return [text]
    return text.split(",")


def _choice(question: Question, value: Any) -> str:
    if isinstance(value, str):
        wanted = fold(value)
        for choice in question.choices:
            if wanted in (choice.id, fold(choice.label)):
                return choice.id
    raise AnswerError(question.id, value, accepted(question), "choix inconnu")


def _number(question: Question, value: Any) -> int:
    number: float | int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, (int, float)):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", "."))
        except ValueError:
            number = None
    if number is None or number != number or number in (float("inf"), float("-inf")) or number != int(number):
        raise AnswerError(question.id, value, accepted(question), "un nombre entier est attendu")
    result = int(number)
    if (question.min is not None and result < question.min) or (question.max is not None and result > question.max):
        raise AnswerError(question.id, value, accepted(question), "nombre hors des limites")
    return result


def iter_unknown(answers: Mapping[str, Any]) -> Iterable[str]:
    """The questions answered « je ne sais pas »."""
    return (qid for qid, value in answers.items() if value == UNKNOWN)
