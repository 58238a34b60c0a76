"""The rule book: a browsable HTML documentation of every rule, for auditors and rule authors."""

from __future__ import annotations

from pathlib import Path

from ..files import prepare_folder, write_atomic
from ..knowledge.base import KnowledgeBase
from ..knowledge.models import Condition
from ..wording import answer_text, format_number
from .render import environment

_COMPARISONS = {"lt": "est inférieur à", "lte": "est au plus", "gt": "est supérieur à", "gte": "est au moins"}


def describe(cond: Condition, kb: KnowledgeBase) -> str:
    """A condition in plain French, with question summaries and choice labels (never ids)."""
    if cond.all is not None or cond.any is not None:
        children = cond.all if cond.all is not None else cond.any or []
        parts = [f"({describe(c, kb)})" if c.all is not None or c.any is not None else describe(c, kb)
                 for c in children]
        return (" et " if cond.all is not None else " ou ").join(parts)
    if cond.not_ is not None:
        return f"il est faux que {describe(cond.not_, kb)}"
    assert cond.question is not None
    question = kb.questions[cond.question]
    name = f"« {question.summary} »"
    op, value = cond.operator, cond.value

    def label(v: object) -> str:
        return f"« {answer_text(question, v, joiner=', ')} »"

    match op:
        case "is":
            return f"{name} est {label(value)}"
        case "is_not":
            return f"{name} a une réponse autre que {label(value)}"
        case "in":
            return f"{name} est " + " ou ".join(label(v) for v in value)
        case "contains":
            return f"{name} comprend {label([value])}"
        case "contains_any":
            return f"{name} comprend au moins l'un de : " + ", ".join(label([v]) for v in value)
        case "contains_all":
            return f"{name} comprend tous ces choix : " + ", ".join(label([v]) for v in value)
        case "count_gte":
            return f"au moins {value} choix dans {name}"
        case "count_lte":
            return f"au plus {value} choix dans {name}"
        case "answered":
            return f"{name} a reçu une réponse" if value else f"{name} n'a pas reçu de réponse"
        case "unknown":
            return f"la réponse à {name} est « je ne sais pas »" if value else f"la réponse à {name} est connue"
    unit = f" {question.unit}" if question.unit else ""
    return f"{name} {_COMPARISONS[op]} {format_number(value)}{unit}"


def render_rulebook(kb: KnowledgeBase, sheets_prefix: str | None = None) -> dict[str, str]:
    """File name → HTML page: an index, one page per form and one page per question.

    Args:
        sheets_prefix: relative path from the rule book to the sheets' HTML pages (inside the
            sheets site: ``"../"``); ``None`` names the command that shows the sheet instead.
    """
    env = environment()
    phrase = {"describe": lambda cond: describe(cond, kb)}  # a render variable: the shared env stays unchanged
    used_by = {qid: [r for r in kb.rules if qid in r.when.questions()] for qid in kb.questions}
    gates = {qid: [q for q in kb.questions.values() if q.relevant_if is not None and qid in q.relevant_if.questions()]
             for qid in kb.questions}
    pages = {"index.html": env.get_template("rulebook_index.html.j2").render(kb=kb, used_by=used_by, **phrase)}
    for form in kb.forms.values():
        pages[f"forme-{form.id}.html"] = env.get_template("rulebook_form.html.j2").render(
            kb=kb, form=form, rules=list(kb.rules_of(form.id)), sheets_prefix=sheets_prefix, **phrase)
    for question in kb.questions.values():
        pages[f"question-{question.id}.html"] = env.get_template("rulebook_question.html.j2").render(
            kb=kb, question=question, rules=used_by[question.id], gates=gates[question.id], **phrase)
    return pages


def export_rulebook(kb: KnowledgeBase, folder: Path, force: bool = False,
                    sheets_prefix: str | None = None) -> list[Path]:
    """Write the rule book into ``folder``; refuses to overwrite files unless ``force``."""
    pages = render_rulebook(kb, sheets_prefix)
    prepare_folder(folder, list(pages), force)
    for name, html in pages.items():
        write_atomic(folder / name, html)
    return [folder / name for name in pages]
