"""The result of a consultation: a JSON-serialisable, explained recommendation.

Plain records (``knowledge/records.py``): the reasoning builds them from values it has already
checked, and pydantic is imported only to write them as JSON or describe them in a schema.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..knowledge.models import Confidence, Reference
from ..knowledge.records import Record, record, spec

__all__ = ["Confidence"]


@record
class Reason(Record):
    """A rule that fired, as shown to the user."""

    rule: str
    text: str
    weight: int | None = None
    references: list[Reference] = spec(default_factory=list)


@record
class SheetRef(Record):
    """Where to read more about a form."""

    id: str
    title: str
    path: str = spec(description="Path of the sheet inside the data folder, e.g. sheets/gme.md.")


@record
class RankedForm(Record):
    """A form still in play, with its score and the reasons for and against it."""

    form: str
    label: str
    short_label: str
    family: str
    variant: str | None = None
    variant_label: str | None = None
    variant_reason: Reason | None = None
    score: int
    confidence: Confidence
    reasons: list[Reason] = spec(default_factory=list, description="Rules that supported the form.")
    against: list[Reason] = spec(default_factory=list, description="Rules that weakened the form.")
    warnings: list[Reason] = spec(default_factory=list)
    unknown_questions: list[str] = spec(default_factory=list,
                                         description="Questions answered « je ne sais pas » that its rules use.")
    sheet: SheetRef


@record
class ExcludedForm(Record):
    """A form ruled out, and why."""

    form: str
    label: str
    short_label: str
    reasons: list[Reason]
    sheet: SheetRef


@record
class DiscouragedForm(Record):
    """A form the answers ask for (a supporting rule holds) whose reasons against outweigh those for.

    Shown as « déconseillée », with those reasons: they are the most useful advice.
    """

    form: str
    label: str
    short_label: str
    score: int
    reasons: list[Reason] = spec(default_factory=list, description="Rules that supported the form.")
    against: list[Reason] = spec(default_factory=list, description="Rules that weakened it: the advice.")
    sheet: SheetRef


@record
class OtherForm(Record):
    """A form no supporting or excluding rule touched (« sans lien avec vos réponses »)."""

    form: str
    label: str
    short_label: str
    sheet: SheetRef


@record
class QuestionRef(Record):
    """A question named in an explanation."""

    question: str
    summary: str
    text: str


@record
class Robustness(Record):
    """Whether the recommended form holds whatever the « je ne sais pas » answers turn out to be."""

    robust: bool
    depends_on: list[QuestionRef] = spec(default_factory=list,
                                          description="Unknown answers that could change the recommended form.")


@record
class Alert(Record):
    """A dated alert: a day when the law or a framework changes, seen from the consultation date."""

    horizon: str
    form: str | None = spec(description="The form it concerns (None: the whole situation).")
    date: dt.date
    past: bool = spec(description="Whether the consultation date is on or after the day.")
    days: int = spec(description="Days from the consultation date to the day (negative once past).")
    text: str
    references: list[Reference] = spec(default_factory=list)


@record
class Tie(Record):
    """Forms ranked first with the same score, and a question whose answer would separate them."""

    forms: list[str]
    labels: list[str]
    question: QuestionRef | None = None


@record
class AnswerChange(Record):
    """One answer changed in a counterfactual."""

    question: str
    summary: str
    before: Any = None
    before_label: str
    after: Any
    after_label: str


@record
class Change(Record):
    """A smallest change of answers that would change the recommendation (verified by re-running it)."""

    changes: list[AnswerChange]
    form: str | None = spec(description="The form that would then be recommended (None: no clear fit).")
    form_label: str | None = None
    variant: str | None = None
    variant_label: str | None = None
    statement: str = spec(description="The change stated in French.")


@record
class KnowledgeBaseInfo(Record):
    """Which knowledge base produced the result."""

    title: str
    version: str
    facts_checked_on: dt.date
    facts_as_of: str
    stale: bool = spec(default=False, description="The facts were checked too long before the consultation date.")
    stale_message: str | None = None


@record
class Recommendation(Record):
    """Forms ranked best first, with exclusions, warnings and next steps."""

    as_of: dt.date = spec(description="The consultation date: the law as it stands on that day.")
    audience: str | None = spec(default=None, description="Who answers (an audience id of the knowledge base).")
    recommendations: list[RankedForm]
    excluded: list[ExcludedForm]
    discouraged: list[DiscouragedForm] = spec(default_factory=list)
    other_forms: list[OtherForm]
    tie: Tie | None = None
    alerts: list[Alert] = spec(default_factory=list, description="Dated alerts, the most urgent first.")
    warnings: list[Reason] = spec(description="Warnings of the ranked forms, best form first.")
    next_steps: list[str] = spec(description="Next steps for the top form (or when nothing fits).")
    first_steps: list[str] = spec(description="Steps any cooperation needs, whatever the form.")
    no_clear_fit: bool
    no_fit_message: str | None = None
    robustness: Robustness = spec(default_factory=lambda: Robustness(robust=True))
    changes: list[Change] | None = spec(default=None, description="What would change the verdict "
                                         "(computed on request: advise(..., explain=True)).")
    answers: dict[str, Any] = spec(description="The answers used, normalised.")
    questions: list[str] = spec(default_factory=list,
                                 description="The questions that apply to these answers, in order (answered or not).")
    ignored_answers: list[str] = spec(default_factory=list,
                                       description="Answers dropped because their question no longer applies.")
    unknown_answers: list[str] = spec(default_factory=list)
    knowledge_base: KnowledgeBaseInfo

    @property
    def top(self) -> RankedForm | None:
        """The recommended form, if any fits."""
        return None if self.no_clear_fit or not self.recommendations else self.recommendations[0]


def recommendation_schema() -> dict[str, Any]:
    """The JSON Schema of ``Recommendation`` (for tools that embed the advisor)."""
    return Recommendation.model_json_schema()
