"""Side-by-side comparison of forms on the criteria of the knowledge base."""

from __future__ import annotations

import csv
import io

from ..errors import UnknownItemError
from ..files import spreadsheet_cell
from ..knowledge.base import KnowledgeBase
from ..knowledge.records import Record, record
from ..reasoning.result import Recommendation


@record
class ComparedForm(Record):
    """One column of the comparison."""

    form: str
    label: str
    short_label: str
    score: int | None = None
    values: dict[str, str]


@record
class Comparison(Record):
    """Criteria (rows) × forms (columns); every value comes from the knowledge base."""

    criteria: list[dict[str, str]]
    forms: list[ComparedForm]


def compare(kb: KnowledgeBase, rec: Recommendation | None = None, forms: list[str] | None = None) -> Comparison:
    """Compare the given forms, or the forms still in play in a recommendation (all forms otherwise).

    Raises:
        UnknownItemError: a form id that does not exist.
    """
    scores = {f.form: f.score for f in rec.recommendations} if rec else {}
    if forms:
        for form_id in forms:
            if form_id not in kb.forms:
                raise UnknownItemError("forme inconnue", form_id, list(kb.forms))
        chosen = list(dict.fromkeys(forms))
    elif rec is not None and rec.recommendations:
        chosen = [f.form for f in rec.recommendations]
    else:
        chosen = list(kb.forms)
    return Comparison(
        criteria=[{"id": c.id, "label": c.label} for c in kb.meta.criteria],
        forms=[ComparedForm(form=fid, label=kb.forms[fid].label, short_label=kb.forms[fid].short_label,
                            score=scores.get(fid), values=dict(kb.forms[fid].comparison)) for fid in chosen])


def to_csv(comparison: Comparison) -> str:
    """The comparison as CSV for a spreadsheet (one row per criterion, one column per form)."""
    out = io.StringIO()
    writer = csv.writer(out)
    rows = [["Critère"] + [f.label for f in comparison.forms]]
    rows += [[criterion["label"]] + [f.values.get(criterion["id"], "") for f in comparison.forms]
             for criterion in comparison.criteria]
    writer.writerows([spreadsheet_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


def to_text(comparison: Comparison) -> str:
    """The comparison as readable text, criterion by criterion."""
    lines = ["Comparaison : " + " · ".join(f.short_label for f in comparison.forms), ""]
    for criterion in comparison.criteria:
        lines.append(criterion["label"])
        lines += [f"  {f.short_label} : {f.values.get(criterion['id'], '')}" for f in comparison.forms]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
