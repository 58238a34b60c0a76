"""The result of a consultation: a JSON-serialisable, explained recommendation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..knowledge.models import Confidence, Reference

__all__ = ["Confidence"]


class Output(BaseModel):
    """Base of the result models (plain data, safe to serialise).

    The reasoning builds them with ``model_construct`` from values it has already validated, and
    their validators are built only when first needed (``defer_build``): a command that prints a
    recommendation as text never builds them. Serialising to JSON builds the serialisers. Lists default
    to ``[]`` (pydantic copies it for each instance) rather than to a factory, whose signature pydantic
    inspects at every ``model_construct``.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)


class Reason(Output):
    """A rule that fired, as shown to the user."""

    rule: str
    text: str
    weight: int | None = None
    references: list[Reference] = Field(default=[])


class SheetRef(Output):
    """Where to read more about a form."""

    id: str
    title: str
    path: str = Field(description="Path of the sheet inside the data folder, e.g. sheets/gme.md.")


class RankedForm(Output):
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
    reasons: list[Reason] = Field(default=[], description="Rules that supported the form.")
    against: list[Reason] = Field(default=[], description="Rules that weakened the form.")
    warnings: list[Reason] = Field(default=[])
    unknown_questions: list[str] = Field(default=[],
                                         description="Questions answered « je ne sais pas » that its rules use.")
    sheet: SheetRef


class ExcludedForm(Output):
    """A form ruled out, and why."""

    form: str
    label: str
    short_label: str
    reasons: list[Reason]
    sheet: SheetRef


class DiscouragedForm(Output):
    """A form the answers ask for (a supporting rule holds) whose reasons against outweigh those for.

    Shown as « déconseillée », with those reasons: they are the most useful advice.
    """

    form: str
    label: str
    short_label: str
    score: int
    reasons: list[Reason] = Field(default=[], description="Rules that supported the form.")
    against: list[Reason] = Field(default=[], description="Rules that weakened it: the advice.")
    sheet: SheetRef


class OtherForm(Output):
    """A form no supporting or excluding rule touched (« sans lien avec vos réponses »)."""

    form: str
    label: str
    short_label: str
    sheet: SheetRef


class QuestionRef(Output):
    """A question named in an explanation."""

    question: str
    summary: str
    text: str


class Robustness(Output):
    """Whether the recommended form holds whatever the « je ne sais pas » answers turn out to be."""

    robust: bool
    depends_on: list[QuestionRef] = Field(default=[],
                                          description="Unknown answers that could change the recommended form.")


class Alert(Output):
    """A dated alert: a day when the law or a framework changes, seen from the consultation date."""

    horizon: str
    form: str | None = Field(description="The form it concerns (None: the whole situation).")
    date: dt.date
    past: bool = Field(description="Whether the consultation date is on or after the day.")
    days: int = Field(description="Days from the consultation date to the day (negative once past).")
    text: str
    references: list[Reference] = Field(default=[])


class Tie(Output):
    """Forms ranked first with the same score, and a question whose answer would separate them."""

    forms: list[str]
    labels: list[str]
    question: QuestionRef | None = None


class AnswerChange(Output):
    """One answer changed in a counterfactual."""

    question: str
    summary: str
    before: Any = None
    before_label: str
    after: Any
    after_label: str


class Change(Output):
    """A smallest change of answers that would change the recommendation (verified by re-running it)."""

    changes: list[AnswerChange]
    form: str | None = Field(description="The form that would then be recommended (None: no clear fit).")
    form_label: str | None = None
    variant: str | None = None
    variant_label: str | None = None
    statement: str = Field(description="The change stated in French.")


class KnowledgeBaseInfo(Output):
    """Which knowledge base produced the result."""

    title: str
    version: str
    facts_checked_on: dt.date
    facts_as_of: str
    stale: bool = Field(default=False, description="The facts were checked too long before the consultation date.")
    stale_message: str | None = None


class Recommendation(Output):
    """Forms ranked best first, with exclusions, warnings and next steps."""

    as_of: dt.date = Field(description="The consultation date: the law as it stands on that day.")
    audience: str | None = Field(default=None, description="Who answers (an audience id of the knowledge base).")
    recommendations: list[RankedForm]
    excluded: list[ExcludedForm]
    discouraged: list[DiscouragedForm] = Field(default=[])
    other_forms: list[OtherForm]
    tie: Tie | None = None
    alerts: list[Alert] = Field(default=[], description="Dated alerts, the most urgent first.")
    warnings: list[Reason] = Field(description="Warnings of the ranked forms, best form first.")
    next_steps: list[str] = Field(description="Next steps for the top form (or when nothing fits).")
    first_steps: list[str] = Field(description="Steps any cooperation needs, whatever the form.")
    no_clear_fit: bool
    no_fit_message: str | None = None
    robustness: Robustness = Field(default_factory=lambda: Robustness(robust=True))
    changes: list[Change] | None = Field(default=None, description="What would change the verdict "
                                         "(computed on request: advise(..., explain=True)).")
    answers: dict[str, Any] = Field(description="The answers used, normalised.")
    questions: list[str] = Field(default=[],
                                 description="The questions that apply to these answers, in order (answered or not).")
    ignored_answers: list[str] = Field(default=[],
                                       description="Answers dropped because their question no longer applies.")
    unknown_answers: list[str] = Field(default=[])
    knowledge_base: KnowledgeBaseInfo

    @property
    def top(self) -> RankedForm | None:
        """The recommended form, if any fits."""
        return None if self.no_clear_fit or not self.recommendations else self.recommendations[0]


def recommendation_schema() -> dict[str, Any]:
    """The JSON Schema of ``Recommendation`` (for tools that embed the advisor)."""
    return Recommendation.model_json_schema()
