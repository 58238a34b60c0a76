"""One input row → one result row: the summary of its recommendation, or its error. Never raises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import AdvisorError
from ..knowledge.text import readable
from ..wording import MAX_TEXT
from .read import InputRow

if TYPE_CHECKING:
    from ..knowledge.base import KnowledgeBase
    from ..reasoning.advisor import Advisor
    from ..reasoning.result import Recommendation

COLUMNS = ("line", "id", "name", "top_form", "top_form_label", "variant", "variant_label", "score", "confidence",
           "second_form", "second_form_label", "no_clear_fit", "excluded", "excluded_labels", "warnings",
           "warnings_labels", "error")


@dataclass(frozen=True)
class BatchRow:
    """The outcome for one structure: the summary of its recommendation, or an error (French, one line).

    ``top_form`` is the best-ranked form even when ``no_clear_fit`` is true (its score is then below
    the knowledge base's minimum): read the two together. Every id has its French label next to it
    (``…_label``): the warnings' labels are the sentences a person reads.
    """

    line: int
    row_id: str | None = None
    name: str | None = None
    error: str | None = None
    top_form: str | None = None
    variant: str | None = None
    score: int | None = None
    confidence: str | None = None
    second_form: str | None = None
    no_clear_fit: bool | None = None
    excluded: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    offset: int = 0
    top_form_label: str | None = None
    variant_label: str | None = None
    second_form_label: str | None = None
    excluded_labels: tuple[str, ...] = ()
    warnings_labels: tuple[str, ...] = ()

    @classmethod
    def from_result(cls, line: int, row_id: str | None, name: str | None, rec: Recommendation,
                    offset: int = 0) -> BatchRow:
        """Summarise a recommendation into one output row."""
        ranked = rec.recommendations
        first = ranked[0] if ranked else None
        second = ranked[1] if len(ranked) > 1 else None
        warnings = {w.rule: w.text for w in reversed(rec.warnings)}  # the first text of each rule
        rules = tuple(dict.fromkeys(w.rule for w in rec.warnings))
        return cls(line, row_id, name, None,
                   top_form=first.form if first else None, variant=first.variant if first else None,
                   score=first.score if first else None, confidence=first.confidence if first else None,
                   second_form=second.form if second else None, no_clear_fit=rec.no_clear_fit,
                   excluded=tuple(f.form for f in rec.excluded), warnings=rules, offset=offset,
                   top_form_label=first.label if first else None, variant_label=first.variant_label if first else None,
                   second_form_label=second.label if second else None,
                   excluded_labels=tuple(f.label for f in rec.excluded),
                   warnings_labels=tuple(warnings[r] for r in rules))

    @property
    def ok(self) -> bool:
        """Whether the structure got a recommendation."""
        return self.error is None

    def record(self) -> dict[str, Any]:
        """The output columns, in order (lists stay lists; the CSV writer joins them)."""
        return {"line": self.line, "id": self.row_id, "name": self.name, "top_form": self.top_form,
                "top_form_label": self.top_form_label, "variant": self.variant, "variant_label": self.variant_label,
                "score": self.score, "confidence": self.confidence, "second_form": self.second_form,
                "second_form_label": self.second_form_label, "no_clear_fit": self.no_clear_fit,
                "excluded": list(self.excluded), "excluded_labels": list(self.excluded_labels),
                "warnings": list(self.warnings), "warnings_labels": list(self.warnings_labels), "error": self.error}


@dataclass
class Summary:
    """Counts of a finished batch."""

    processed: int = 0
    failed: int = 0

    @property
    def succeeded(self) -> int:
        """Structures that got a recommendation."""
        return self.processed - self.failed


def advise_row(advisor: Advisor, row: InputRow, name_question: str | None) -> BatchRow:
    name = _name(row.answers, name_question)
    if row.error is not None or row.answers is None:
        return BatchRow(row.line, row.row_id, name, row.error, offset=row.offset)
    try:
        result = advisor.advise(row.answers)
    except AdvisorError as err:
        return BatchRow(row.line, row.row_id, name, str(err), offset=row.offset)
    except Exception as err:  # noqa: BLE001 - one structure never stops the others
        return BatchRow(row.line, row.row_id, name, f"erreur interne ({type(err).__name__}) : signalez-la à "
                        "l'équipe du conseiller avec cette ligne", offset=row.offset)
    if name_question is not None:
        name = result.answers.get(name_question, name)
    return BatchRow.from_result(row.line, row.row_id, name, result, row.offset)


def _name(answers: dict[str, Any] | None, question: str | None) -> str | None:
    """The structure's name: the raw answer to the knowledge base's first text question, if any."""
    from ..reasoning.answers import fold

    if answers is None or question is None:
        return None
    value = next((v for k, v in answers.items() if isinstance(k, str) and fold(k) == question), None)
    if not isinstance(value, str):
        return None
    shown = readable(" ".join(value.split()))  # an error row echoes the raw name: unreadable characters as « � »
    return (shown if len(shown) <= MAX_TEXT else shown[:MAX_TEXT] + "…") or None


def name_question(kb: KnowledgeBase) -> str | None:
    """The question whose answer names the structure: the knowledge base's first text question."""
    return next((q.id for q in kb.questions.values() if q.type == "text"), None)


