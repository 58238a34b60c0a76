"""Hypothesis strategies that build valid answer sets from any knowledge base."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from advisor import KnowledgeBase
from advisor.knowledge.models import UNKNOWN, Question


def answer_value(question: Question) -> st.SearchStrategy[Any]:
    """Any value a question accepts, in normalised form."""
    match question.type:
        case "single":
            values: st.SearchStrategy[Any] = st.sampled_from([c.id for c in question.choices])
        case "multiple":
            ids = [c.id for c in question.choices]
            values = st.lists(st.sampled_from(ids), unique=True).map(lambda picked: [i for i in ids if i in picked])
        case "boolean":
            values = st.booleans()
        case "number":
            low = question.min if question.min is not None else -1000
            high = question.max if question.max is not None else 1_000_000
            values = st.integers(min_value=low, max_value=min(high, 1_000_000))
        case _:
            values = st.text(alphabet=st.characters(categories=("L", "N", "Zs")), min_size=1, max_size=30).filter(
                lambda t: t.strip() != "" and t.strip().casefold() not in {"unknown", "nsp", "jnsp", "n", "o"})
    if question.allow_unknown:
        values = st.one_of(values, st.just(UNKNOWN))
    return values


def answer_sets(kb: KnowledgeBase) -> st.SearchStrategy[dict[str, Any]]:
    """Normalised answers to a random subset of the questions (relevance ignored on purpose)."""
    return st.fixed_dictionaries({}, optional={qid: answer_value(q) for qid, q in kb.questions.items()})
