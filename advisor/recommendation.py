"""The result of a consultation: a JSON-serialisable, explained recommendation."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .models import Reference

Confidence = Literal["forte", "moyenne", "faible"]


class Output(BaseModel):
    """Base of the result models (plain data, safe to serialise)."""

    model_config = ConfigDict(extra="forbid")


class Reason(Output):
    """A rule that fired, as shown to the user."""

    rule: str
    text: str
    weight: int | None = None
    references: list[Reference] = Field(default_factory=list)


class SheetRef(Output):
    """Where to read more about a form."""

    id: str
    title: str
    path: str = Field(description="Path of the sheet inside the data folder, e.g. sheets/gme.md.")
    command: str = Field(description="The command that shows the sheet.")


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
    reasons: list[Reason] = Field(default_factory=list, description="Rules that supported the form.")
    against: list[Reason] = Field(default_factory=list, description="Rules that weakened the form.")
    warnings: list[Reason] = Field(default_factory=list)
    unknown_questions: list[str] = Field(default_factory=list,
                                         description="Questions answered « je ne sais pas » that its rules use.")
    sheet: SheetRef


class ExcludedForm(Output):
    """A form ruled out, and why."""

    form: str
    label: str
    short_label: str
    reasons: list[Reason]
    sheet: SheetRef


class OtherForm(Output):
    """A form that none of the answers supports or excludes."""

    form: str
    label: str
    short_label: str
    sheet: SheetRef


class KnowledgeBaseInfo(Output):
    """Which knowledge base produced the result."""

    title: str
    version: str
    facts_checked_on: dt.date
    facts_as_of: str


class Recommendation(Output):
    """Forms ranked best first, with exclusions, warnings and next steps."""

    recommendations: list[RankedForm]
    excluded: list[ExcludedForm]
    other_forms: list[OtherForm]
    warnings: list[Reason] = Field(description="Warnings of the ranked forms, best form first.")
    next_steps: list[str] = Field(description="Next steps for the top form (or when nothing fits).")
    first_steps: list[str] = Field(description="Steps any cooperation needs, whatever the form.")
    no_clear_fit: bool
    no_fit_message: str | None = None
    answers: dict[str, Any] = Field(description="The answers used, normalised.")
    ignored_answers: list[str] = Field(default_factory=list,
                                       description="Answers dropped because their question no longer applies.")
    unknown_answers: list[str] = Field(default_factory=list)
    knowledge_base: KnowledgeBaseInfo

    @property
    def top(self) -> RankedForm | None:
        """The recommended form, if any fits."""
        return None if self.no_clear_fit or not self.recommendations else self.recommendations[0]


def recommendation_schema() -> dict[str, Any]:
    """The JSON Schema of ``Recommendation`` (for tools that embed the advisor)."""
    return Recommendation.model_json_schema()
