"""Validation and normalisation of answers: what a person or a tool gives → ``Answers``.

Answers arrive from people (CLI, hand-edited YAML, CSV, JSON from another tool), so values are
normalised before any rule sees them: Unicode NFC, choice ids, labels or aliases without regard to
case or accents, yes/no in French or English, whole numbers written the French or the English way
(``25 000``, ``25.000``, ``25,000``). Anything that does not fit raises ``AnswerError`` naming the
question, a short excerpt of the value and what is allowed (engine-notes §7: the engine's own type
coercion is too loose to be trusted), and so does unreadable text (a lone surrogate, a control
character): it would crash the engine, which encodes facts as UTF-8 JSON, and could not be written
back to a file.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import AnswerError
from ..knowledge.models import UNKNOWN, Question
from ..knowledge.text import match_key, unreadable
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
    """Normalise one answer; ``None`` means "no answer".

    Raises:
        AnswerError: the value does not fit the question.
    """
    if isinstance(value, str):
        if len(value) > MAX_RAW_CHARS:
            raise AnswerError(question.id, value, accepted(question), "texte trop long")
        why = unreadable(value, multiline=True)
        if why:
            raise AnswerError(question.id, value, accepted(question), why)
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
            if len(text) > MAX_TEXT:
                raise AnswerError(question.id, value, accepted(question), f"texte trop long ({len(text)} caractères)")
            return text


MAX_RAW_CHARS = 10_000  # any answer written as text; beyond, it is refused before being looked at


def _split_choices(question: Question, text: str) -> list[str]:
    """Choices written in one text: "a|b", else one whole label (labels may hold commas), else "a,b"."""
    if "|" in text:
        return text.split("|")
    if match_key(text) in _names(question):
        return [text]
    return text.split(",")


_NAMES: OrderedDict[int, tuple[Question, dict[str, str], dict[str, str]]] = OrderedDict()


def _names(question: Question) -> dict[str, str]:
    """Every name of every choice (id, label, aliases) as a ``match_key`` → the choice id."""
    return _index(question)[1]


def _index(question: Question) -> tuple[Question, dict[str, str], dict[str, str]]:
    found = _NAMES.get(id(question))
    if found is None or found[0] is not question:
        names = {match_key(n): c.id for c in question.choices for n in (c.id, c.label, *c.aliases)}
        uncovered = {match_key(n): other.message for other in question.not_covered for n in other.labels}
        found = _NAMES[id(question)] = (question, names, uncovered)  # keeps the question alive: ids stay unique
        if len(_NAMES) > 2048:
            _NAMES.popitem(last=False)
    return found


def _choice(question: Question, value: Any) -> str:
    if isinstance(value, str):
        _, names, uncovered = _index(question)
        key = match_key(value)
        if key in names:
            return names[key]
        if key in uncovered:
            raise AnswerError(question.id, value, accepted(question), uncovered[key])
    raise AnswerError(question.id, value, accepted(question), "choix inconnu")


def _number(question: Question, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise AnswerError(question.id, value, accepted(question), "un nombre entier est attendu")
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise AnswerError(question.id, value, accepted(question), "un nombre entier est attendu")
        value = int(value)
    if isinstance(value, str):
        try:
            number = parse_whole_number(value, question.unit)
        except ValueError as err:
            raise AnswerError(question.id, value, accepted(question), str(err)) from None
    else:
        number = value
    if (question.min is not None and number < question.min) or (question.max is not None and number > question.max):
        raise AnswerError(question.id, value, accepted(question), "nombre hors des limites")
    return number


MAX_NUMBER_CHARS = 40
_SPACES = re.compile("[\u00a0\u202f\u2009\u2007]")
_PLAIN = re.compile(r"[0-9]+", re.ASCII)
_GROUPED = re.compile(r"[0-9]{1,3}(?P<sep>[ .,'’])[0-9]{3}(?:(?P=sep)[0-9]{3})*", re.ASCII)
_DECIMAL = re.compile(r"(?P<whole>[0-9]{1,3}(?:(?P<sep>[ .,'’])[0-9]{3})(?:(?P=sep)[0-9]{3})*|[0-9]+)"
                      r"(?P<point>[.,])(?P<fraction>[0-9]+)", re.ASCII)
_UNIT = re.compile(r"^(?P<number>.*?[0-9])\s*(?P<unit>[^\W\d_][^\d]*)$")


def parse_whole_number(text: str, unit: str | None = None) -> int:
    """Read a whole number written the way people write it, and never truncate it.

    Accepted: ``25000``, ``25 000`` (any space, including the no-break ones), ``25.000``,
    ``25,000``, ``25'000``, ``-3``, a whole number with a zero fraction (``25,0``, ``1 000,00``) and,
    when ``unit`` is given, the unit after it (``25 000 habitants``). A group of three digits after
    one separator is read as thousands (``25,000`` is 25000, as nobody counts in thousandths).

    Raises:
        ValueError: with a French reason: not a whole number (``8,5``), not a number, or too long.
    """
    written = _SPACES.sub(" ", text).strip().replace("\u2212", "-")
    if len(written) > MAX_NUMBER_CHARS:
        raise ValueError(f"nombre trop long ({MAX_NUMBER_CHARS} caractères au plus)")
    if unit and (found := _UNIT.match(written)):
        wanted = match_key(unit)
        if match_key(found["unit"]) in (wanted, wanted.rstrip("s")):
            written = found["number"].strip()
    sign = -1 if written.startswith("-") else 1
    digits = written[1:].strip() if written[:1] in "+-" else written
    if _PLAIN.fullmatch(digits) or _GROUPED.fullmatch(digits):
        return sign * int(re.sub(r"[ .,'’]", "", digits))
    decimal = _DECIMAL.fullmatch(digits)
    if decimal and decimal["sep"] != decimal["point"]:
        if set(decimal["fraction"]) == {"0"}:
            return sign * int(re.sub(r"[ .,'’]", "", decimal["whole"]))
        raise ValueError(f"« {written} » n'est pas un nombre entier : arrondissez-le (sans virgule)")
    raise ValueError("un nombre entier est attendu, écrit en chiffres (par exemple 12 000)")


def iter_unknown(answers: Mapping[str, Any]) -> Iterable[str]:
    """The questions answered « je ne sais pas »."""
    return (qid for qid, value in answers.items() if value == UNKNOWN)
