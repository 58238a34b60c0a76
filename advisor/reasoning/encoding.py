"""Encoding of normalised answers as the single "situation" fact asserted into durable-rules.

One fact per consultation, flat and typed, so that no rule needs a join, ``$not`` or ``any``
(engine-notes §7) and every field has one type:

- a single-choice, yes/no, number or text answer ``q`` is the field ``q``;
- a multiple-choice answer ``q`` is ``q`` = number of choices ticked, plus one boolean field
  ``q__<choice>`` per choice of the question;
- « je ne sais pas » is ``q__unknown = true`` and no ``q`` field;
- an unanswered question sets no field;
- the consultation date is the field ``as_of`` (a day number, ``date.toordinal()``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..knowledge.models import UNKNOWN

FACT_KIND = "situation"


def choice_field(question: str, choice: str) -> str:
    """Field holding whether ``choice`` was ticked in a multiple-choice question."""
    return f"{question}__{choice}"


def unknown_field(question: str) -> str:
    """Field set when the person answered « je ne sais pas »."""
    return f"{question}__unknown"


def encode(answers: Mapping[str, Any], choices: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Build the situation fact from normalised answers.

    Args:
        answers: normalised answers (shapes in ``reasoning.answers.Answers``).
        choices: for each multiple-choice question, its choice ids.
    """
    fact: dict[str, Any] = {"kind": FACT_KIND}
    for question, value in answers.items():
        if value == UNKNOWN:
            fact[unknown_field(question)] = True
        elif question in choices:
            fact[question] = len(value)
            for choice in choices[question]:
                fact[choice_field(question, choice)] = choice in value
        else:
            fact[question] = value
    return fact
