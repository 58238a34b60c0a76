"""One typed line → a normalised answer, or a short French message saying what to type instead.

Typing convention, the same for every knowledge base (``hint()`` spells it out in the prompt):

- every closed question is a numbered list, yes/no included (``1. Oui  2. Non  0. Je ne sais
  pas``); a choice question takes its number (``2``), a multiple-choice question several (``1,3``
  or ``1-3``); choice ids or labels are accepted too, and ``o``/``n``/``oui``/``non`` on a yes/no
  question; on a choice question whose choices begin with « Oui… » or « Non… », ``oui`` or
  ``non`` picks the only such choice (and says so when there are several);
- a multiple-choice question already answered also takes ``+2`` (add a choice) and ``-1``
  (remove one), or the full list again;
- a number question takes a whole number: ``8000``, ``8 000``, ``8.000`` (French thousands) or
  ``8000 habitants`` (its unit); ``8,5`` is refused with a message;
- « je ne sais pas », where the question allows it: ``0`` for closed questions, and everywhere
  ``nsp``, « je ne sais pas », « ne sait pas », « je sais pas »… — on number questions ``0`` is
  a number;
- ``?`` shows the help, ``<`` goes back, an empty line skips an optional question or keeps the
  answer already given;
- ``fin`` goes straight to the review once no remaining question can change the recommended
  form or its variant (``Status.settled``): the unasked questions stay unanswered.

Traps guarded here: ``int()`` is never called on a digit string longer than ``MAX_DIGITS`` (Python
refuses 4,300 digits with a ``ValueError``) nor on non-ASCII digits such as ``²`` (which
``str.isdigit`` accepts); a range like ``1-99999999`` is checked against the number of choices
before it is expanded; control characters, non-characters (U+FFFF) and undecodable bytes are
refused, so that nothing typed can make an answers file unreadable.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from ..errors import AnswerError, EntryError
from ..knowledge.models import UNKNOWN, Question
from ..reasoning.answers import NO_WORDS, UNKNOWN_WORDS, YES_WORDS, fold, normalise_value
from ..wording import answer_text, number_bounds

HELP = "?"
BACK = "<"
FINISH = "fin"
UNKNOWN_DIGIT = "0"
SKIPPED = ""  # how a skipped optional question is written to an answers file (read back as "no answer")
BOOLEAN_CHOICES = ((True, "Oui"), (False, "Non"))  # how a yes/no question is numbered
MAX_DIGITS = 9  # a typed number longer than this is out of range without being converted
# Ways of saying « je ne sais pas », after ``_words`` (lower case, no punctuation, one space).
UNKNOWN_ENTRIES = UNKNOWN_WORDS | {"ne sait pas", "je sais pas", "sais pas", "sait pas", "je ne sait pas", "jsp",
                                   "j sais pas", "je n sais pas", "inconnu", "aucune idee", "aucune idée"}
_DIGITS = re.compile(r"[0-9]+")
_NUMBERS = re.compile(r"^[0-9\s,;\-]+$")
_SEPARATORS = re.compile(r"[\s,;]+")
_RANGE = re.compile(r"^([0-9]+)-([0-9]+)$")
_RELATIVE = re.compile(r"^[+\-][0-9\s,;+\-]*$")
_THOUSANDS = re.compile(r"^([+-]?)([0-9]{1,3}(?:[ \u202f\xa0.][0-9]{3})+)$")
_WHOLE = re.compile(r"^([+-]?)([0-9]+)$")
_DECIMAL = re.compile(r"^[+-]?[0-9]*[.,][0-9]+$")
_REFUSED_CATEGORIES = ("Cc", "Cs", "Cn")  # control characters, lone surrogates, non-characters and unassigned


def unreadable(text: str) -> str | None:
    """A French message if ``text`` holds a character no answers file can keep, else ``None``."""
    for ch in text:
        if ch != "\t" and unicodedata.category(ch) in _REFUSED_CATEGORIES:
            what = "illisible (votre terminal n'envoie peut-être pas de l'UTF-8)" if "\udc80" <= ch <= "\udcff" \
                else f"invisible ou réservé (U+{ord(ch):04X})"
            return f"Caractère {what} : retapez votre réponse sans lui."
    return None


def is_unknown_entry(text: str) -> bool:
    """Whether the typed text means « je ne sais pas » (nsp, « ne sait pas », « je sais pas »…)."""
    return _words(text) in UNKNOWN_ENTRIES


def parse_entry(question: Question, text: str, current: Any = None) -> Any:
    """Turn a typed line into a normalised answer (see the module docstring for the convention).

    Args:
        question: the question asked.
        text: what the person typed.
        current: the answer already given, if any (a multiple choice then takes ``+2``/``-1``).

    Raises:
        EntryError: with a short French message saying what to type instead.
    """
    folded = fold(text)
    if question.type == "text":  # a name may be any words, « NSP » included
        return _text(question, text)
    if is_unknown_entry(text) or (folded == UNKNOWN_DIGIT and question.type in ("single", "multiple", "boolean")):
        if not question.allow_unknown:
            raise EntryError("« Je ne sais pas » n'est pas possible pour cette question.")
        return UNKNOWN
    try:
        match question.type:
            case "single":
                if _DIGITS.fullmatch(folded):
                    return _numbered(question, [folded])[0]
                if _NUMBERS.match(folded):
                    raise EntryError(_choice_hint(question, "Un seul choix possible"))
                return _by_yes_no(question, text) or normalise_value(question, text)
            case "multiple":
                if _RELATIVE.match(folded):
                    return _relative(question, folded, current if isinstance(current, list) else [])
                if _NUMBERS.match(folded):
                    picked = set(_numbered(question, _expand(question, folded)))
                    return [c.id for c in question.choices if c.id in picked]
                value = normalise_value(question, text)
                if not value:
                    raise EntryError(_choice_hint(question, "Choisissez au moins un numéro"))
                return value
            case "boolean":
                if _DIGITS.fullmatch(folded):
                    return BOOLEAN_CHOICES[_index(question, folded) - 1][0]
                return normalise_value(question, text)
            case _:
                return normalise_value(question, _count(question, text))
    except AnswerError:
        raise EntryError(_invalid(question, text)) from None


def _text(question: Question, text: str) -> Any:
    try:
        return normalise_value(question, text)
    except AnswerError:
        raise EntryError(_invalid(question, text)) from None


def _words(text: str) -> str:
    """Lower case, apostrophes and punctuation as spaces, one space between words."""
    return " ".join(re.sub(r"[^\w]+", " ", fold(text)).split())


def _choice_count(question: Question) -> int:
    return len(BOOLEAN_CHOICES) if question.type == "boolean" else len(question.choices)


def _index(question: Question, digits: str) -> int:
    """A typed choice number, checked against the choices before any conversion."""
    count = _choice_count(question)
    if len(digits) > MAX_DIGITS or not 1 <= int(digits) <= count:
        if digits.strip("0") == "":
            raise EntryError("0 (« je ne sais pas ») ne se combine pas avec d'autres choix.")
        shown = digits if len(digits) <= MAX_DIGITS else digits[:MAX_DIGITS] + "…"
        raise EntryError(_choice_hint(question, f"Le numéro {shown} n'existe pas"))
    return int(digits)


def _numbered(question: Question, numbers: list[str]) -> list[str]:
    if not numbers:
        raise EntryError(_choice_hint(question, "Choisissez au moins un numéro"))
    return [question.choices[_index(question, number) - 1].id for number in numbers]


def _expand(question: Question, text: str) -> list[str]:
    items: list[str] = []
    count = len(question.choices)
    for part in _SEPARATORS.split(text):
        if not part:
            continue
        bounds = _RANGE.match(part)
        if bounds:
            low, high = (_index_or_over(question, b, count) for b in (bounds[1], bounds[2]))
            if low > high:
                raise EntryError(_choice_hint(question, f"Plage {part} à l'envers") + " Par exemple : 1-3.")
            items += [str(n) for n in range(low, high + 1)]
        elif _DIGITS.fullmatch(part):
            items.append(part)
        else:
            raise EntryError(_choice_hint(question, "Choix non reconnu") + " Séparez-les par des virgules (ex. 1,3).")
    return items


def _index_or_over(question: Question, digits: str, count: int) -> int:
    """A range bound: the first number past the last choice is reported before anything is built."""
    if len(digits) > MAX_DIGITS or int(digits) > count:
        raise EntryError(_choice_hint(question, f"Le numéro {count + 1} n'existe pas"))
    return int(digits)


def _relative(question: Question, text: str, current: list[str]) -> list[str]:
    """``+2``, ``-1``, ``+2,3 -1``: add or remove choices from the current selection."""
    picked = set(current)
    sign = None
    for piece in re.findall(r"[+\-]|[0-9]+", text):
        if piece in ("+", "-"):
            sign = piece
            continue
        choice = question.choices[_index(question, piece) - 1].id
        if sign == "+":
            picked.add(choice)
        else:
            picked.discard(choice)
    if not picked:
        raise EntryError(_choice_hint(question, "Il doit rester au moins un choix") + " (« ? » pour l'aide).")
    return [c.id for c in question.choices if c.id in picked]


def _by_yes_no(question: Question, text: str) -> str | None:
    """``oui``/``non`` on choices that begin with « Oui… »/« Non… »: the only such choice, if one."""
    folded = fold(text)
    word = "oui" if folded in YES_WORDS else "non" if folded in NO_WORDS else None
    if word is None:
        return None
    matching = [(n, c) for n, c in enumerate(question.choices, start=1) if _words(c.label).split(" ")[:1] == [word]]
    if len(matching) == 1:
        return matching[0][1].id
    if len(matching) > 1:
        numbers = " ou ".join(str(n) for n, _ in matching)
        raise EntryError(f"Plusieurs choix commencent par « {word.capitalize()} » : tapez {numbers}.")
    return None


def _count(question: Question, text: str) -> int:
    """A whole number as people type it: 8000, 8 000, 8.000, 8000 habitants (never ``int()`` on 5,000 digits)."""
    body = fold(text)
    if question.unit:
        unit = fold(question.unit)
        for word in (unit, unit.rstrip("s")):
            if word and body.endswith(word):
                body = body[: -len(word)].strip()
                break
    grouped = _THOUSANDS.match(body) or _WHOLE.match(body)
    if grouped is None:
        if _DECIMAL.match(body.replace(" ", "")):
            raise EntryError(f"Un nombre entier est attendu, sans virgule : tapez par exemple {_example(question)}.")
        raise EntryError(f"Tapez un nombre entier, en chiffres (par exemple {_example(question)}).")
    digits = re.sub(r"[^0-9]", "", grouped[2])
    if len(digits.lstrip("0")) > MAX_DIGITS:
        raise EntryError(f"Le nombre doit être compris entre {number_bounds(question)}.")
    return int(grouped[1] + digits)


def _example(question: Question) -> str:
    high = question.max if question.max is not None else 100
    return "12" if high < 8000 else "8000"


def _choice_hint(question: Question, lead: str) -> str:
    what = "un ou plusieurs numéros" if question.type == "multiple" else "un numéro"
    return f"{lead} : tapez {what} de 1 à {_choice_count(question)}."


def _invalid(question: Question, text: str) -> str:
    match question.type:
        case "single":
            return _choice_hint(question, "Choix non reconnu")
        case "multiple":
            return _choice_hint(question, "Choix non reconnu") + " Séparez-les par des virgules (ex. 1,3)."
        case "boolean":
            return "Répondez par 1 (oui) ou 2 (non) ; o et n conviennent aussi."
        case "number":
            return f"Le nombre doit être compris entre {number_bounds(question)}."
        case _:
            return "Texte trop long ou illisible (200 caractères au plus)."


def describe(question: Question, value: Any) -> str:
    """An answer as French text (labels, not ids): the phrasing of ``wording.answer_text``."""
    return answer_text(question, value)


def numbered_choices(question: Question) -> list[tuple[int, str]]:
    """(number, label) of each choice as shown under a closed question (yes/no included)."""
    if question.type == "boolean":
        return [(n, label) for n, (_, label) in enumerate(BOOLEAN_CHOICES, start=1)]
    return list(enumerate((c.label for c in question.choices), start=1))


def hint(question: Question, default: str | None = None, current: Any = None) -> str:
    """The typing convention for a question, in French, as shown under it."""
    unknown = ["0 = je ne sais pas"] if question.allow_unknown else []
    match question.type:
        case "single":
            parts = [f"un numéro de 1 à {len(question.choices)}"] + unknown
        case "multiple":
            parts = [f"un ou plusieurs numéros de 1 à {len(question.choices)} (ex. 1,3)"] + unknown
            if isinstance(current, list):
                parts = ["+N ajoute un choix", "-N en retire un", "ou tapez la liste complète"] + unknown
        case "boolean":
            parts = ["1 = oui (ou o)", "2 = non (ou n)"] + unknown
        case "number":
            bounds = f" entre {number_bounds(question)}" if question.min is not None or question.max is not None else ""
            parts = [f"un nombre entier{bounds}"] + (["nsp = je ne sais pas"] if question.allow_unknown else [])
        case _:
            parts = ["un texte libre"]
    if default is not None:
        parts.append(f"Entrée = garder « {default} »")
    elif question.optional:
        parts.append("Entrée = passer")
    parts += ["? = aide", "< = retour"]
    return " · ".join(parts)
