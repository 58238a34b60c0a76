"""Models of the knowledge base files (``rules/*.yaml``): plain records that pydantic validates (``records.py``).

Unknown keys are errors and values are not coerced. These models only describe the *shape* of the
data. Cross-references (a rule on an unknown question, a variant that does not exist…) are checked
in ``knowledge/base.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from .records import Check, Record, record, spec

StrictBool = Annotated[bool, Check(strict=True)]
StrictInt = Annotated[int, Check(strict=True)]
StrictStr = Annotated[str, Check(strict=True)]
# Ids are plain snake_case; "__" is reserved for the engine's fact encoding, and the
# engine treats "id", "sid" and "kind" as identity fields (engine-notes §2).
Id = Annotated[str, Check(pattern=r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$", max_length=60)]
RuleId = Annotated[str, Check(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$", max_length=100)]
Text = Annotated[str, Check(min_length=1)]
Url = Annotated[str, Check(pattern=r"^https?://\S+$")]
Scalar = StrictBool | StrictInt | StrictStr

UNKNOWN = "unknown"  # the answer « je ne sais pas », as stored in answers and files
AS_OF = "as_of"  # the consultation date, given to the rules beside the answers (a day number, see conditions)
RESERVED_IDS = frozenset({"id", "sid", "kind", UNKNOWN, AS_OF})
Confidence = Literal["forte", "moyenne", "faible"]


SourceKind = Literal["texte_officiel", "administration", "reseau", "presse", "autre"]


@record
class Reference(Record):
    """A source that backs a rule: its kind (only ``texte_officiel`` is shown as an official text),
    the original publisher's address, and the day someone last checked it."""

    label: Text
    url: Url | None = None
    kind: SourceKind
    checked_on: dt.date


DATE_OPERATORS = ("date_before", "date_from")
VALUE_OPERATORS = ("is", "is_not", "in", "contains", "contains_any", "contains_all",
                   "lt", "lte", "gt", "gte", "count_gte", "count_lte", "answered", "unknown")
LOGIC_OPERATORS = ("all", "any", "not")
_OPERATOR_FIELDS = tuple((name, name + "_" if name in ("is", "in") else name) for name in VALUE_OPERATORS)


@record
class Condition(Record):
    """One node of the condition language shared by rules and question relevance.

    Either a logical node (``all``, ``any``, ``not``) or a test on one question
    (``question`` plus exactly one operator).
    """

    all: list[Condition] | None = spec(default=None, min_length=1)
    any: list[Condition] | None = spec(default=None, min_length=1)
    not_: Condition | None = spec(default=None, alias="not")
    question: str | None = None
    is_: Scalar | None = spec(default=None, alias="is")
    is_not: Scalar | None = None
    in_: list[Scalar] | None = spec(default=None, alias="in", min_length=1)
    contains: StrictStr | None = None
    contains_any: list[StrictStr] | None = spec(default=None, min_length=1)
    contains_all: list[StrictStr] | None = spec(default=None, min_length=1)
    lt: StrictInt | None = None
    lte: StrictInt | None = None
    gt: StrictInt | None = None
    gte: StrictInt | None = None
    count_gte: StrictInt | None = None
    count_lte: StrictInt | None = None
    answered: StrictBool | None = None
    unknown: StrictBool | None = None
    date_before: dt.date | None = spec(default=None, description="The consultation date is before this day.")
    date_from: dt.date | None = spec(default=None, description="The consultation date is this day or later.")

    def __post_init__(self) -> None:
        logic = [name for name in LOGIC_OPERATORS if self.get(name) is not None]
        ops = self.operators()
        dates = [name for name in DATE_OPERATORS if self.get(name) is not None]
        if dates:
            if self.question is not None or logic or ops or len(dates) != 1:
                raise ValueError("un test de date (date_before ou date_from) s'écrit seul : "
                                 "{date_from: 2027-01-01}, à combiner avec all, any ou not")
            return
        if self.question is None:
            if len(logic) != 1 or ops:
                raise ValueError(
                    "une condition doit contenir soit une seule clé logique (all, any, not), "
                    "soit « question » avec un seul opérateur, soit un test de date (date_before, date_from)")
        else:
            if logic or len(ops) != 1:
                raise ValueError(
                    f"le test sur « {self.question} » doit avoir exactement un opérateur parmi : "
                    + ", ".join(VALUE_OPERATORS) + (f" (reçu : {', '.join(ops)})" if ops else ""))

    def get(self, name: str) -> Any:
        """Return the value of an operator or logic key by its YAML name (``is``, ``not``…)."""
        return getattr(self, name + "_" if name in ("is", "in", "not") else name)

    def operators(self) -> list[str]:
        """The value operators set on this node (one for a valid test)."""
        return [name for name, field in _OPERATOR_FIELDS if self.__dict__[field] is not None]  # fast: asked per node

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
        return set().union(*(child.questions() for child in self.children()))

    def children(self) -> list[Condition]:
        """The sub-conditions of a logical node (none for a test)."""
        return self.all or self.any or ([self.not_] if self.not_ else [])

    def tests(self) -> Iterator[Condition]:
        """Every test of an answer in the condition, wherever it stands (under ``all``, ``any`` or ``not``)."""
        if self.question is not None:
            yield self
        for child in self.children():
            yield from child.tests()

    def is_date_test(self) -> bool:
        """Whether this node tests the consultation date."""
        return self.date_before is not None or self.date_from is not None

    def leaves(self, positive: bool = True) -> list[tuple[Condition, bool]]:
        """(test, must hold) pairs implied when the whole condition holds; ``any`` implies nothing."""
        if self.question is not None or self.is_date_test():
            return [(self, positive)]
        if self.not_ is not None:
            return self.not_.leaves(not positive) if self.not_.question is not None else []
        if self.all is not None and positive:
            return [leaf for child in self.all for leaf in child.leaves(True)]
        return []


@record
class Choice(Record):
    """One possible answer; ``aliases``: other names recognised like the label (case and accents aside)."""

    id: Id
    label: Text
    aliases: list[Text] = spec(default_factory=list)


@record
class NotCovered(Record):
    """Names of things the advisor knows but does not cover (a kind of structure), and what to say."""

    labels: list[Text] = spec(min_length=1)
    message: Text


QuestionType = Literal["single", "multiple", "boolean", "number", "text"]


@record
class Question(Record):
    """A question put to the structure, with its help text and when to ask it."""

    id: Id
    type: QuestionType
    text: Text
    help: Text
    summary: Text = spec(description="Short French noun phrase used in reviews and memos.")
    choices: list[Choice] = spec(default_factory=list)
    not_covered: list[NotCovered] = spec(default_factory=list)
    allow_unknown: bool = False
    optional: bool = False
    relevant_if: Condition | None = None
    what_if: bool = spec(default=True, description="Whether « what would change » may vary this answer "
                          "(false for facts about the structure that it cannot change).")
    min: StrictInt | None = None
    max: StrictInt | None = None
    unit: str | None = None

    def __post_init__(self) -> None:
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
        if (self.min is not None or self.max is not None) and self.type != "number":
            raise ValueError("« min » et « max » ne s'appliquent qu'aux questions de type « number »")

    def choice(self, choice_id: str) -> Choice | None:
        """The choice with this id, if any."""
        return next((c for c in self.choices if c.id == choice_id), None)


@record
class Variant(Record):
    """A variant of a cooperation form (e.g. GME solidaire)."""

    id: Id
    label: Text
    description: Text


@record
class Form(Record):
    """A cooperation form that the advisor can recommend."""

    id: Id
    label: Text
    short_label: Text
    family: Text
    description: Text
    sheet: Id
    variants: list[Variant] = spec(default_factory=list)
    default_variant: Id | None = None
    next_steps: list[Text] = spec(default_factory=list)
    next_steps_for: dict[Id, list[Text]] = spec(
        default_factory=dict, description="Next steps for an audience (its id) instead of ``next_steps``.")
    comparison: dict[str, Text] = spec(default_factory=dict)
    conditions: list[Id] = spec(default_factory=list, description=(
        "Questions whose answer is a condition of the form: « je ne sais pas » there makes the verdict "
        "depend on it and lowers confidence."))

    def __post_init__(self) -> None:
        ids = [v.id for v in self.variants]
        if len(ids) != len(set(ids)):
            raise ValueError("deux variantes portent le même identifiant")
        if self.default_variant is not None and self.default_variant not in ids:
            raise ValueError(f"la variante par défaut « {self.default_variant} » n'est pas déclarée "
                             f"(variantes : {', '.join(ids) or 'aucune'})")

    def variant(self, variant_id: str) -> Variant | None:
        """The variant with this id, if any."""
        return next((v for v in self.variants if v.id == variant_id), None)


Effect = Literal["supports", "weakens", "excludes", "selects_variant", "warns"]
SCORED_EFFECTS = ("supports", "weakens", "selects_variant")


@record
class Rule(Record):
    """A rule of reasoning about one form: when it holds, what it does, why, and on what basis."""

    id: RuleId
    effect: Effect
    when: Condition
    reason: Text
    weight: StrictInt | None = spec(default=None, ge=1, le=10)
    variant: Id | None = None
    reason_for: dict[Id, Text] = spec(default_factory=dict,
                                       description="The reason for an audience (its id) instead of ``reason``.")
    claims: list[Condition] | None = spec(default=None, description=(
        "What the reason says of the answers, when the condition alone does not imply it (an ``any`` or "
        "a ``not``): each must hold whenever the reason is shown."))
    cap: Confidence | None = spec(default=None, description="Confidence of the form is at most this when it fires.")
    references: list[Reference] = spec(default_factory=list)
    next_steps: list[Text] = spec(default_factory=list)

    def __post_init__(self) -> None:
        if self.effect in SCORED_EFFECTS and self.weight is None:
            raise ValueError(f"l'effet « {self.effect} » demande un poids (« weight », entier de 1 à 10)")
        if self.effect not in SCORED_EFFECTS and self.weight is not None:
            raise ValueError(f"l'effet « {self.effect} » ne prend pas de poids (« weight »)")
        if self.effect == "selects_variant" and self.variant is None:
            raise ValueError("l'effet « selects_variant » demande une variante (« variant »)")
        if self.effect in ("supports", "weakens", "excludes") and self.variant is not None:
            raise ValueError(f"l'effet « {self.effect} » porte sur la forme entière : retirez « variant »")
        if self.cap is not None and self.effect not in ("weakens", "warns"):
            raise ValueError("« cap » (plafond de confiance) ne s'emploie qu'avec les effets « weakens » et « warns »")

    def text_for(self, audience: str | None) -> str:
        """The reason addressed to this audience (the general one when it has none of its own)."""
        return self.reason_for.get(audience, self.reason) if audience else self.reason


@record
class Horizon(Record):
    """A day when the law or a framework changes, and what to tell a structure on each side of it.

    ``before`` and ``after`` may contain ``{date}`` (the day, written out) and ``{delay}`` (« dans
    30 jours »). Before the day, the alert is shown only within ``notice_days``.
    """

    id: RuleId
    date: dt.date = spec(description="The first day of the new state (e.g. 2027-01-01 for an end on 31 December).")
    what: Text = spec(description="What changes, as a short noun phrase (for maintainers' reports).")
    when: Condition | None = None
    before: Text
    after: Text
    notice_days: StrictInt = spec(default=366, ge=0)
    cap_before: Confidence | None = None
    cap_after: Confidence | None = None
    source_date: dt.date = spec(description="Date of the newest source the texts rely on.")
    references: list[Reference] = spec(min_length=1)


@record
class FormFile(Record):
    """One file of ``rules/forms/``: a form and every rule about it."""

    form: Form
    rules: list[Rule] = spec(min_length=1)
    horizons: list[Horizon] = spec(default_factory=list)


@record
class QuestionsFile(Record):
    """``rules/questions.yaml``: the questions, in the order they are asked by default."""

    questions: list[Question] = spec(min_length=1)
