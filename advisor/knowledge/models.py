"""Pydantic models of the knowledge base files (``rules/*.yaml``), validated with extra="forbid".

These models only describe the *shape* of the data. Cross-references (a rule on an unknown
question, a variant that does not exist…) are checked in ``knowledge/base.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, model_validator

from .text import match_key

# Ids are plain snake_case; "__" is reserved for the engine's fact encoding, and the
# engine treats "id", "sid" and "kind" as identity fields (engine-notes §2).
Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$", max_length=60)]
RuleId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$", max_length=100)]
Text = Annotated[str, Field(min_length=1)]
Url = Annotated[str, Field(pattern=r"^https?://\S+$")]
Scalar = StrictBool | StrictInt | StrictStr

UNKNOWN = "unknown"  # the answer « je ne sais pas », as stored in answers and files
RESERVED_IDS = frozenset({"id", "sid", "kind", UNKNOWN})


class StrictModel(BaseModel):
    """Base for every knowledge-base model: unknown keys are errors, values are not coerced."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


SourceKind = Literal["texte_officiel", "administration", "reseau", "presse", "autre"]


class Reference(StrictModel):
    """A legal article or official source that backs a rule."""

    label: Text
    url: Url | None = None
    kind: SourceKind | None = None
    checked_on: dt.date | None = None


VALUE_OPERATORS = ("is", "is_not", "in", "contains", "contains_any", "contains_all",
                   "lt", "lte", "gt", "gte", "count_gte", "count_lte", "answered", "unknown")
LOGIC_OPERATORS = ("all", "any", "not")


class Condition(StrictModel):
    """One node of the condition language shared by rules and question relevance.

    Either a logical node (``all``, ``any``, ``not``) or a test on one question
    (``question`` plus exactly one operator).
    """

    all: list[Condition] | None = Field(default=None, min_length=1)
    any: list[Condition] | None = Field(default=None, min_length=1)
    not_: Condition | None = Field(default=None, alias="not")
    question: str | None = None
    is_: Scalar | None = Field(default=None, alias="is")
    is_not: Scalar | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in", min_length=1)
    contains: StrictStr | None = None
    contains_any: list[StrictStr] | None = Field(default=None, min_length=1)
    contains_all: list[StrictStr] | None = Field(default=None, min_length=1)
    lt: StrictInt | None = None
    lte: StrictInt | None = None
    gt: StrictInt | None = None
    gte: StrictInt | None = None
    count_gte: StrictInt | None = None
    count_lte: StrictInt | None = None
    answered: StrictBool | None = None
    unknown: StrictBool | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Condition:
        logic = [name for name in LOGIC_OPERATORS if self.get(name) is not None]
        ops = self.operators()
        if self.question is None:
            if len(logic) != 1 or ops:
                raise ValueError(
                    "une condition doit contenir soit une seule clé logique (all, any, not), "
                    "soit « question » avec un seul opérateur")
        else:
            if logic or len(ops) != 1:
                raise ValueError(
                    f"le test sur « {self.question} » doit avoir exactement un opérateur parmi : "
                    + ", ".join(VALUE_OPERATORS) + (f" (reçu : {', '.join(ops)})" if ops else ""))
        return self

    def get(self, name: str) -> Any:
        """Return the value of an operator or logic key by its YAML name (``is``, ``not``…)."""
        return getattr(self, name + "_" if name in ("is", "in", "not") else name)

    def operators(self) -> list[str]:
        """The value operators set on this node (one for a valid test)."""
        return [name for name in VALUE_OPERATORS if self.get(name) is not None]

    @property
    def operator(self) -> str:
        """The single operator of a test node."""
        return self.operators()[0]

    @property
    def value(self) -> Any:
        """The operand of a test node."""
        return self.get(self.operator)

    def questions(self) -> set[str]:
        """Every question id the condition refers to."""
        if self.question is not None:
            return {self.question}
        children = self.all or self.any or ([self.not_] if self.not_ else [])
        return set().union(*(child.questions() for child in children))


class Choice(StrictModel):
    """One possible answer of a single- or multiple-choice question.

    ``aliases`` are other names people and other tools use for it (the labels of the inclusion
    platforms' exports…), recognised like the label: without regard to case or accents.
    """

    id: Id
    label: Text
    aliases: list[Text] = Field(default_factory=list)


class NotCovered(StrictModel):
    """Answers people give that name something the advisor knows but does not cover (a kind of
    structure with no rules), and what to tell them."""

    labels: list[Text] = Field(min_length=1)
    message: Text


QuestionType = Literal["single", "multiple", "boolean", "number", "text"]


class Question(StrictModel):
    """A question put to the structure, with its help text and when to ask it."""

    id: Id
    type: QuestionType
    text: Text
    help: Text
    summary: Text = Field(description="Short French noun phrase used in reviews and memos.")
    choices: list[Choice] = Field(default_factory=list)
    not_covered: list[NotCovered] = Field(default_factory=list)
    allow_unknown: bool = False
    optional: bool = False
    relevant_if: Condition | None = None
    what_if: bool = Field(default=True, description="Whether « what would change » may vary this answer "
                          "(false for facts about the structure that it cannot change).")
    min: StrictInt | None = None
    max: StrictInt | None = None
    unit: str | None = None

    @model_validator(mode="after")
    def _choices_fit_type(self) -> Question:
        has_choices = self.type in ("single", "multiple")
        if has_choices and len(self.choices) < 2:
            raise ValueError(f"une question de type « {self.type} » doit proposer au moins deux choix")
        if not has_choices and self.choices:
            raise ValueError(f"une question de type « {self.type} » ne doit pas avoir de choix")
        ids = [c.id for c in self.choices]
        if len(ids) != len(set(ids)):
            raise ValueError("deux choix portent le même identifiant")
        if "unknown" in ids:
            raise ValueError("« unknown » est réservé à la réponse « je ne sais pas »")
        names = [n for c in self.choices for n in {match_key(x) for x in (c.id, c.label, *c.aliases)}]
        names += [n for other in self.not_covered for n in {match_key(x) for x in other.labels}]
        clashes = sorted({n for n in names if names.count(n) > 1})
        if clashes:
            raise ValueError("un même nom désigne deux choix (sans tenir compte des accents ni des majuscules) : "
                             + ", ".join(clashes))
        if (self.min is not None or self.max is not None) and self.type != "number":
            raise ValueError("« min » et « max » ne s'appliquent qu'aux questions de type « number »")
        return self

    def choice(self, choice_id: str) -> Choice | None:
        """The choice with this id, if any."""
        return next((c for c in self.choices if c.id == choice_id), None)


class Variant(StrictModel):
    """A variant of a cooperation form (e.g. GME solidaire)."""

    id: Id
    label: Text
    description: Text


class Criterion(StrictModel):
    """One line of the side-by-side comparison of forms."""

    id: Id
    label: Text


class Form(StrictModel):
    """A cooperation form that the advisor can recommend."""

    id: Id
    label: Text
    short_label: Text
    family: Text
    description: Text
    sheet: Id
    variants: list[Variant] = Field(default_factory=list)
    default_variant: Id | None = None
    next_steps: list[Text] = Field(default_factory=list)
    comparison: dict[str, Text] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _variants_consistent(self) -> Form:
        ids = [v.id for v in self.variants]
        if len(ids) != len(set(ids)):
            raise ValueError("deux variantes portent le même identifiant")
        if self.default_variant is not None and self.default_variant not in ids:
            raise ValueError(f"la variante par défaut « {self.default_variant} » n'est pas déclarée "
                             f"(variantes : {', '.join(ids) or 'aucune'})")
        return self

    def variant(self, variant_id: str) -> Variant | None:
        """The variant with this id, if any."""
        return next((v for v in self.variants if v.id == variant_id), None)


Effect = Literal["supports", "weakens", "excludes", "selects_variant", "warns"]
SCORED_EFFECTS = ("supports", "weakens", "selects_variant")


class Rule(StrictModel):
    """A rule of reasoning about one form: when it holds, what it does, why, and on what basis."""

    id: RuleId
    effect: Effect
    when: Condition
    reason: Text
    weight: StrictInt | None = Field(default=None, ge=1, le=10)
    variant: Id | None = None
    references: list[Reference] = Field(default_factory=list)
    next_steps: list[Text] = Field(default_factory=list)

    @model_validator(mode="after")
    def _fields_fit_effect(self) -> Rule:
        if self.effect in SCORED_EFFECTS and self.weight is None:
            raise ValueError(f"l'effet « {self.effect} » demande un poids (« weight », entier de 1 à 10)")
        if self.effect not in SCORED_EFFECTS and self.weight is not None:
            raise ValueError(f"l'effet « {self.effect} » ne prend pas de poids (« weight »)")
        if self.effect == "selects_variant" and self.variant is None:
            raise ValueError("l'effet « selects_variant » demande une variante (« variant »)")
        if self.effect in ("supports", "weakens", "excludes") and self.variant is not None:
            raise ValueError(f"l'effet « {self.effect} » porte sur la forme entière : retirez « variant »")
        return self


class FormFile(StrictModel):
    """One file of ``rules/forms/``: a form and every rule about it."""

    form: Form
    rules: list[Rule] = Field(min_length=1)


class QuestionsFile(StrictModel):
    """``rules/questions.yaml``: the questions, in the order they are asked by default."""

    questions: list[Question] = Field(min_length=1)


class Scoring(StrictModel):
    """Thresholds that turn scores into confidence levels (all in rule-weight points)."""

    strong_score: StrictInt = Field(ge=1)
    medium_score: StrictInt = Field(ge=1)
    min_score: StrictInt = Field(ge=1, description="Below this, no form is recommended with confidence.")
    close_margin: StrictInt = Field(ge=0, description="A top form this close to the second loses a level.")


class NoFit(StrictModel):
    """What to say when no form fits well."""

    message: Text
    next_steps: list[Text] = Field(min_length=1)


class SheetFormat(StrictModel):
    """The editorial format every resource sheet must follow (H2 sections in order, minimum length)."""

    min_words: StrictInt = Field(ge=0)
    form_sections: list[Text] = Field(min_length=1)
    introduction_sections: list[Text] = Field(min_length=1)


class Renamed(StrictModel):
    """A question or a choice renamed in a version of the knowledge base, so older answers files still read.

    ``choice`` absent: the question ``question`` is now called ``to``. ``choice`` given: the choice
    ``choice`` of the question ``question`` (its current id) is now called ``to``.
    """

    question: Id
    choice: Id | None = None
    to: Id
    since: Text


class Removed(StrictModel):
    """A question or a choice removed in a version of the knowledge base: older answers to it are dropped."""

    question: Id
    choice: Id | None = None
    since: Text


class KnowledgeMeta(StrictModel):
    """``rules/knowledge.yaml``: version, dates and texts that apply to the whole knowledge base."""

    title: Text
    version: Text
    facts_checked_on: dt.date
    facts_as_of: Text
    scoring: Scoring
    no_fit: NoFit
    first_steps: list[Text] = Field(min_length=1)
    disclaimer: Text
    sheet_format: SheetFormat
    criteria: list[Criterion] = Field(default_factory=list)
    mirror_hosts: list[Text] = Field(default_factory=list)
    renamed: list[Renamed] = Field(default_factory=list)
    removed: list[Removed] = Field(default_factory=list)


class Example(StrictModel):
    """A packaged example situation (an answers file with a description)."""

    description: Text
    answers: dict[str, Any]
