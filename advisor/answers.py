"""Validation and normalisation of answers, and reading/writing answers files.

Answers arrive from people (CLI, hand-edited YAML, CSV, JSON from another tool), so values are
normalised before any rule sees them: Unicode NFC, case-insensitive choice ids or labels, yes/no
in French or English, numbers as integers. Anything that does not fit raises ``AnswerError``
naming the question, the value and what is allowed (engine-notes §7: the engine's own type
coercion is too loose to be trusted).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .errors import AnswerError, InputFileError
from .facts import UNKNOWN
from .files import open_input
from .loader import safe_load
from .models import Question

if TYPE_CHECKING:
    from .knowledge import KnowledgeBase

Answers = dict[str, Any]

MAX_TEXT = 200
MAX_FILE_BYTES = 1_000_000
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
        raise AnswerError(question.id, value, allowed(question), "« je ne sais pas » n'est pas possible ici")
    match question.type:
        case "single":
            return _choice(question, value)
        case "multiple":
            items = _split_choices(question, value) if isinstance(value, str) else value
            if not isinstance(items, (list, tuple)):
                raise AnswerError(question.id, value, allowed(question), "une liste de choix est attendue")
            picked = {_choice(question, item) for item in items if not (isinstance(item, str) and not item.strip())}
            return [c.id for c in question.choices if c.id in picked]
        case "boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and fold(value) in YES_WORDS | NO_WORDS:
                return fold(value) in YES_WORDS
            raise AnswerError(question.id, value, allowed(question), "oui ou non attendu")
        case "number":
            return _number(question, value)
        case _:
            if not isinstance(value, str):
                raise AnswerError(question.id, value, allowed(question), "un texte est attendu")
            text = unicodedata.normalize("NFC", " ".join(value.split()))
            if len(text) > MAX_TEXT or any(unicodedata.category(ch) == "Cc" for ch in text):
                raise AnswerError(question.id, value[:40], allowed(question), "texte trop long ou illisible")
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
    raise AnswerError(question.id, value, allowed(question), "choix inconnu")


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
        raise AnswerError(question.id, value, allowed(question), "un nombre entier est attendu")
    result = int(number)
    if (question.min is not None and result < question.min) or (question.max is not None and result > question.max):
        raise AnswerError(question.id, value, allowed(question), "nombre hors des limites")
    return result


def allowed(question: Question) -> str:
    """A French description of what a question accepts."""
    unknown = " ou « je ne sais pas »" if question.allow_unknown else ""
    match question.type:
        case "single":
            return "un choix parmi " + ", ".join(c.id for c in question.choices) + unknown
        case "multiple":
            return "une liste de choix parmi " + ", ".join(c.id for c in question.choices) + unknown
        case "boolean":
            return "oui ou non" + unknown
        case "number":
            low = question.min if question.min is not None else "…"
            high = question.max if question.max is not None else "…"
            return f"un nombre entier entre {low} et {high}" + unknown
        case _:
            return f"un texte de {MAX_TEXT} caractères au plus"


# --- answers files -------------------------------------------------------------------------

def read_answers_file(path: Path) -> tuple[dict[str, Any], str | None]:
    """Read an answers file (YAML or JSON) and return (raw answers, description).

    The file is a mapping with an ``answers`` mapping and optional ``description`` and
    ``knowledge_base_version`` keys.

    Raises:
        InputFileError: unreadable, too big, not UTF-8, not YAML/JSON, or wrong shape.
    """
    data = load_data_file(path)
    if not isinstance(data, dict):
        raise InputFileError(path, "le fichier doit contenir une clé « answers » suivie des réponses "
                                   "(« question : réponse »), pas " + _kind(data) + ".")
    extra = set(data) - {"answers", "description", "knowledge_base_version"}
    if "answers" not in data or extra:
        raise InputFileError(path, "clés attendues : « answers » (obligatoire), « description » et "
                                   "« knowledge_base_version » (facultatives)"
                             + (f" ; clés inconnues : {', '.join(sorted(map(str, extra)))}" if extra else "")
                             + ".")
    answers = data["answers"] or {}
    if not isinstance(answers, dict):
        raise InputFileError(path, f"« answers » doit être un ensemble « question : réponse », pas {_kind(answers)}.")
    description = data.get("description")
    return answers, description if isinstance(description, str) else None


def load_data_file(path: Path) -> Any:
    """Parse a small YAML or JSON file safely, with French errors."""
    with open_input(path) as handle:
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise InputFileError(path, f"fichier trop volumineux ({MAX_FILE_BYTES} octets au plus).")
    if not raw.strip():
        raise InputFileError(path, "le fichier est vide.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputFileError(path, "le fichier n'est pas un texte UTF-8 (enregistrez-le en UTF-8).") from None
    if "\x00" in text:
        raise InputFileError(path, "le fichier contient des données binaires, pas du texte.")
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as err:
        line = getattr(getattr(err, "problem_mark", None), "line", getattr(err, "lineno", None))
        where = f" (ligne {line + 1 if isinstance(err, yaml.YAMLError) else line})" if line is not None else ""
        raise InputFileError(path, f"syntaxe YAML/JSON invalide{where}.") from None


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "une liste"
    if isinstance(value, str):
        return "un texte"
    return "une valeur simple" if value is not None else "rien"


def dump_answers(kb: KnowledgeBase, answers: Mapping[str, Any], description: str | None = None) -> str:
    """Render answers as a commented YAML file a person can read and edit by hand."""
    lines = ["# Réponses au questionnaire du conseiller en coopération.",
             "# Modifiable à la main : une réponse par question ; « unknown » = je ne sais pas.",
             f"knowledge_base_version: {json.dumps(kb.meta.version, ensure_ascii=False)}"]
    if description:
        lines.append(f"description: {json.dumps(description, ensure_ascii=False)}")
    lines.append("answers:")
    for qid, question in kb.questions.items():
        if qid not in answers:
            continue
        lines.append(f"  # {question.text}")
        if question.choices:
            lines.append("  # choix : " + " ; ".join(f"{c.id} = {c.label}" for c in question.choices))
        value = answers[qid]
        lines.append(f"  {qid}: {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def iter_unknown(answers: Mapping[str, Any]) -> Iterable[str]:
    """The questions answered « je ne sais pas »."""
    return (qid for qid, value in answers.items() if value == UNKNOWN)
