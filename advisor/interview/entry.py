"""One typed line → a normalised answer, or a short French message saying what to type instead.

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
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import AnswerError, EntryError
from ..knowledge.models import UNKNOWN, Question
from ..reasoning.answers import UNKNOWN_WORDS, fold, normalise_value
from ..wording import answer_text, number_bounds

HELP = "?"
BACK = "<"
FINISH = "fin"
UNKNOWN_DIGIT = "0"
SKIPPED = ""  # how a skipped optional question is written to an answers file (read back as "no answer")
_NUMBERS = re.compile(r"^[\d\s,;\-]+$")
_SEPARATORS = re.compile(r"[\s,;]+")
_RANGE = re.compile(r"^(\d+)-(\d+)$")


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
                return f"Le nombre doit être compris entre {number_bounds(question)}."
            return "Tapez un nombre entier, en chiffres (par exemple 12)."
        case _:
            return "Texte trop long ou illisible (200 caractères au plus)."


def _looks_like_number(text: str) -> bool:
    try:
        float(re.sub(r"[\s\u202f\xa0]", "", text).replace(",", "."))
    except ValueError:
        return False
    return True


def describe(question: Question, value: Any) -> str:
    """An answer as French text (labels, not ids): the phrasing of ``wording.answer_text``."""
    return answer_text(question, value)


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
            bounds = f" entre {number_bounds(question)}" if question.min is not None or question.max is not None else ""
            parts = [f"un nombre entier{bounds}"] + (["nsp = je ne sais pas"] if unknown else [])
        case _:
            parts = ["un texte libre"]
    if default is not None:
        parts.append(f"Entrée = garder « {default} »")
    elif question.optional:
        parts.append("Entrée = passer")
    parts += ["? = aide", "< = retour"]
    return " · ".join(parts)
