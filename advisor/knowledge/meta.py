"""Models of ``rules/knowledge.yaml``: the texts, thresholds and dates that apply to the whole knowledge base.

Plain records that pydantic validates (``records.py``), like the forms and questions of ``models.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .models import Condition, Horizon, Id, StrictInt, Text
from .records import Record, record, spec


@record
class Audience(Record):
    """Who is answering (a collectivity, a company…), told from the answers, so texts can address them."""

    id: Id
    label: Text
    when: Condition


@record
class Criterion(Record):
    """One line of the side-by-side comparison of forms."""

    id: Id
    label: Text


@record
class Scoring(Record):
    """Thresholds that turn scores into confidence levels (all in rule-weight points)."""

    strong_score: StrictInt = spec(ge=1)
    medium_score: StrictInt = spec(ge=1)
    min_score: StrictInt = spec(ge=1, description="Below this, no form is recommended with confidence.")
    close_margin: StrictInt = spec(ge=0, description="A top form this close to the second loses a level.")


@record
class NoFit(Record):
    """What to say when no form fits well (the first case whose ``when`` holds; the last has none)."""

    when: Condition | None = None
    message: Text
    next_steps: list[Text] = spec(min_length=1)


@record
class SheetFormat(Record):
    """The editorial format every resource sheet must follow (H2 sections in order, minimum length)."""

    min_words: StrictInt = spec(ge=0)
    form_sections: list[Text] = spec(min_length=1)
    introduction_sections: list[Text] = spec(min_length=1)


@record
class Change(Record):
    """A question (``choice`` absent) or a choice of ``question``, renamed ``to`` or removed in version ``since``."""

    question: Id
    choice: Id | None = None
    to: Id | None = None
    since: Text


@record
class KnowledgeMeta(Record):
    """``rules/knowledge.yaml``: version, dates and texts that apply to the whole knowledge base."""

    title: Text
    version: Text
    facts_checked_on: dt.date
    facts_as_of: Text
    scoring: Scoring
    no_fit: list[NoFit] = spec(min_length=1)
    stale_after_days: StrictInt = spec(default=183, ge=1, description=(
        "After this many days since ``facts_checked_on``, every output says the facts may be out of date."))
    stale_message: Text = spec(description="Shown when the facts are stale; may contain {checked_on}.")
    audiences: list[Audience] = spec(default_factory=list)
    horizons: list[Horizon] = spec(default_factory=list)
    internal_notes: list[Text] = spec(default_factory=list, description=(
        "Phrases of notes to maintainers that must never reach users (checked by rules check)."))
    first_steps: list[Text] = spec(min_length=1)
    disclaimer: Text
    sheet_format: SheetFormat
    criteria: list[Criterion] = spec(default_factory=list)
    mirror_hosts: list[Text] = spec(default_factory=list, description="Document-mirror sites that are not citable.")
    renamed: list[Change] = spec(default_factory=list)
    removed: list[Change] = spec(default_factory=list)


@record
class Example(Record):
    """A packaged example situation (an answers file with a description)."""

    description: Text
    answers: dict[str, Any]
