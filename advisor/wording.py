"""The one French phrasebook: how an answer, a number and what a question accepts read for a person.

Every face (the interview, the terminal, the memos, the rule book, the explanations) phrases answers
through this module, so that « 12 000 habitants » reads the same everywhere. May import only
``advisor.knowledge``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .knowledge.models import UNKNOWN, Question

MAX_TEXT = 200  # characters of a free-text answer (a structure's name, a short description)
NO_ANSWER = "sans réponse"
NO_CHOICE = "aucun choix"


def format_number(value: int) -> str:
    """A whole number the French way: 10 000 (a narrow no-break space between thousands)."""
    return f"{value:,}".replace(",", "\u202f")


def answer_text(question: Question, value: Any, joiner: str = " ; ") -> str:
    """An answer as French words: choice labels (never ids), oui/non, « je ne sais pas », 8 000 habitants.

    Args:
        question: the question answered.
        value: a normalised answer (shapes in ``reasoning.answers.Answers``); ``None`` or a blank
            text for no answer.
        joiner: what separates the labels of several ticked choices.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return NO_ANSWER
    if value == UNKNOWN:
        return "je ne sais pas"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list):
        return joiner.join(c.label for c in question.choices if c.id in value) or NO_CHOICE
    if isinstance(value, str) and question.choices:
        choice = question.choice(value)
        return choice.label if choice else value
    if isinstance(value, int):
        return format_number(value) + (f" {question.unit}" if question.unit else "")
    return str(value)


def accepted(question: Question) -> str:
    """What a question accepts, in French (for error messages about a value)."""
    unknown = " ou « je ne sais pas »" if question.allow_unknown else ""
    match question.type:
        case "single":
            return "un choix parmi " + ", ".join(c.id for c in question.choices) + unknown
        case "multiple":
            return "une liste de choix parmi " + ", ".join(c.id for c in question.choices) + unknown
        case "boolean":
            return "oui ou non" + unknown
        case "number":
            return f"un nombre entier entre {number_bounds(question)}" + unknown
        case _:
            return f"un texte de {MAX_TEXT} caractères au plus"


def number_bounds(question: Question) -> str:
    """« 0 et 1 000 000 »: the bounds of a number question (« … » where open)."""
    low = format_number(question.min) if question.min is not None else "…"
    high = format_number(question.max) if question.max is not None else "…"
    return f"{low} et {high}"


def plural(count: int, word: str) -> str:
    """« 1 question », « 3 questions » (regular French plurals only)."""
    return f"{count} {word}{'s' if count > 1 else ''}"


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


def long_date(day: dt.date) -> str:
    """« 1er janvier 2027 », « 31 décembre 2026 »."""
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


def delay_text(days: int) -> str:
    """How far a day is from today, in French: « dans 30 jours », « dans environ 7 mois », « il y a 2 ans »."""
    if days == 0:
        return "aujourd'hui"
    ahead = days > 0
    count = abs(days)
    if count == 1:
        return "demain" if ahead else "hier"
    if count < 60:
        amount = plural(count, "jour")
    elif count < 730:
        amount = f"environ {round(count / 30.44)} mois"
    else:
        amount = f"environ {plural(round(count / 365.25), 'an')}"
    return f"dans {amount}" if ahead else f"il y a {amount}"
