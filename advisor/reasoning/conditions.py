"""The condition language: plain-Python evaluation, and compilation to durable-rules expressions.

Semantics (two-valued): a test on a question that is unanswered, or answered « je ne sais pas »,
is false — except ``answered`` and ``unknown``, which test exactly that. ``not`` negates the
whole test, so ``not: {question: q, is: x}`` is true when q is unknown; rule authors who want
"answered, and not x" write ``is_not: x``.

Two tests read the consultation date instead of an answer: ``date_before`` and ``date_from``
(the date is given beside the answers under ``AS_OF``, as a day number).

The Python evaluator is the reference (test oracle); the compiled expressions must give the same
result on the engine's fact encoding (see ``encoding.py``), which the differential tests check.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..knowledge.models import AS_OF, UNKNOWN, Condition
from .encoding import choice_field, unknown_field

Answers = Mapping[str, Any]  # read-only view of ``reasoning.answers.Answers``

Predicate = Callable[[Answers], bool]


def predicate(cond: Condition) -> Predicate:
    """Turn a condition into a plain-Python function of normalised answers (the reference semantics).

    The condition tree is walked once here, so evaluating it many times is cheap.
    """
    if cond.all is not None:
        return _all([predicate(c) for c in cond.all])
    if cond.any is not None:
        return _any([predicate(c) for c in cond.any])
    if cond.not_ is not None:
        inner = predicate(cond.not_)
        return lambda answers: not inner(answers)
    if cond.date_before is not None:
        day = cond.date_before.toordinal()
        return lambda answers: answers.get(AS_OF) is not None and answers[AS_OF] < day
    if cond.date_from is not None:
        day = cond.date_from.toordinal()
        return lambda answers: answers.get(AS_OF) is not None and answers[AS_OF] >= day
    assert cond.question is not None
    question, op, operand = cond.question, cond.operator, cond.value
    if op == "answered":
        return lambda answers: (answers.get(question) not in (None, UNKNOWN)) == operand
    if op == "unknown":
        return lambda answers: (answers.get(question) == UNKNOWN) == operand
    # The most frequent tests, specialised (the searches evaluate them many times); each gives exactly what
    # the generic ``test`` below gives. A multiple-choice answer is a list, never « je ne sais pas ».
    if op == "contains":
        def contains(answers: Answers) -> bool:
            value = answers.get(question)
            if type(value) is list:
                return operand in value
            return value is not None and value != UNKNOWN and operand in value
        return contains
    if op == "contains_any" and all(type(o) is str for o in operand):
        choices = frozenset(operand)

        def contains_any(answers: Answers) -> bool:
            value = answers.get(question)
            if type(value) is list:
                return not choices.isdisjoint(value)
            return value is not None and value != UNKNOWN and any(o in value for o in operand)
        return contains_any
    if op == "is":
        kind = type(operand)
        if kind is str and operand == UNKNOWN:
            return lambda answers: False  # « je ne sais pas » is never a value a test holds on
        if kind is str:
            def is_text(answers: Answers) -> bool:
                value = answers.get(question)
                return type(value) is str and value == operand
            return is_text

        def is_(answers: Answers) -> bool:  # a value of another type than text is never « je ne sais pas »
            value = answers.get(question)
            return type(value) is kind and value == operand
        return is_
    if op == "in" and all(type(o) is str for o in operand):
        texts = frozenset(operand) - {UNKNOWN}

        def in_(answers: Answers) -> bool:
            value = answers.get(question)
            if type(value) is str:
                return value in texts
            return value is not None and value != UNKNOWN and any(_same(value, o) for o in operand)
        return in_
    compare = _COMPARE[op]

    def test(answers: Answers) -> bool:
        value = answers.get(question)
        return value is not None and value != UNKNOWN and compare(value, operand)
    return test


# ``all`` and ``any`` of a few parts without a generator: the searches evaluate rules many times.
def _all(parts: list[Predicate]) -> Predicate:
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        first, second = parts
        return lambda answers: first(answers) and second(answers)
    if len(parts) == 3:
        first, second, third = parts
        return lambda answers: first(answers) and second(answers) and third(answers)

    def all_(answers: Answers) -> bool:
        for part in parts:
            if not part(answers):
                return False
        return True
    return all_


def _any(parts: list[Predicate]) -> Predicate:
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        first, second = parts
        return lambda answers: first(answers) or second(answers)
    if len(parts) == 3:
        first, second, third = parts
        return lambda answers: first(answers) or second(answers) or third(answers)

    def any_(answers: Answers) -> bool:
        for part in parts:
            if part(answers):
                return True
        return False
    return any_


Tests = dict[str, list[tuple[Predicate, frozenset[str]]]]


def tests_by_question(conditions: Iterable[tuple[str, Condition]]) -> Tests:
    """For each question, every distinct test of it in these conditions, and the owners of the conditions holding it."""
    found: dict[str, dict[tuple[str, str], tuple[Predicate, set[str]]]] = defaultdict(dict)
    for owner, cond in conditions:
        for test in cond.tests():
            key = (test.operator, repr(test.value))  # the same test in several conditions is evaluated once
            found[test.question].setdefault(key, (predicate(test), set()))[1].add(owner)
    return {qid: [(test, frozenset(owners)) for test, owners in tests.values()] for qid, tests in found.items()}


def conjunctive(cond: Condition) -> bool:
    """Whether a condition holds exactly when all its ``leaves`` do (only ``all``, tests, and ``not`` of a test)."""
    if cond.question is not None or cond.is_date_test():
        return True
    if cond.not_ is not None:
        return cond.not_.question is not None
    return cond.all is not None and all(conjunctive(child) for child in cond.all)


def evaluate(cond: Condition, answers: Answers) -> bool:
    """Evaluate a condition once on normalised answers."""
    return predicate(cond)(answers)


def _same(value: Any, operand: Any) -> bool:
    # Types must match: the engine would take True for 1, the reference must not.
    return type(value) is type(operand) and bool(value == operand)


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "is": _same,
    "is_not": lambda value, operand: not _same(value, operand),
    "in": lambda value, operand: any(_same(value, o) for o in operand),
    "contains": lambda value, operand: operand in value,
    "contains_any": lambda value, operand: any(o in value for o in operand),
    "contains_all": lambda value, operand: all(o in value for o in operand),
    "lt": lambda value, operand: bool(value < operand),
    "lte": lambda value, operand: bool(value <= operand),
    "gt": lambda value, operand: bool(value > operand),
    "gte": lambda value, operand: bool(value >= operand),
    "count_gte": lambda value, operand: len(value) >= operand,
    "count_lte": lambda value, operand: len(value) <= operand,
}


# --- compilation to durable-rules ---------------------------------------------------------

def compile_condition(cond: Condition, question_types: Mapping[str, str], negate: bool = False) -> dict[str, Any]:
    """Compile a condition to a durable-rules expression over the situation fact.

    Negation is pushed down to the tests (De Morgan), because durable-rules has no ``not``
    inside a pattern: a negated test becomes "field absent, or field present and not matching".
    """
    if cond.all is not None or cond.any is not None:
        children = cond.all if cond.all is not None else cond.any
        assert children is not None
        is_and = (cond.all is not None) != negate
        parts = [compile_condition(c, question_types, negate) for c in children]
        return {"$and" if is_and else "$or": parts}
    if cond.not_ is not None:
        return compile_condition(cond.not_, question_types, not negate)
    if cond.is_date_test():
        before = cond.date_before is not None
        day = (cond.date_before or cond.date_from).toordinal()  # type: ignore[union-attr]
        positive, negative = ({"$lt": {AS_OF: day}}, {"$gte": {AS_OF: day}})
        if not before:
            positive, negative = negative, positive
        return positive if not negate else {"$or": [negative, {"$nex": {AS_OF: 1}}]}
    assert cond.question is not None
    return _compile_test(cond.question, question_types[cond.question], cond.operator, cond.value, negate)


def _compile_test(q: str, qtype: str, op: str, operand: Any, negate: bool) -> dict[str, Any]:
    if op == "answered":
        present = operand != negate
        return {"$ex" if present else "$nex": {q: 1}}
    if op == "unknown":
        if operand != negate:
            return {unknown_field(q): True}
        return {"$nex": {unknown_field(q): 1}}
    positive, negative = _value_test(q, qtype, op, operand)
    if not negate:
        return positive
    # Not answered (or unknown) makes the positive test false, so its negation true.
    # Every answered question sets its own field ``q`` (see encoding.py), so ``$nex q`` means "no answer".
    return {"$or": [negative, {"$nex": {q: 1}}]}


def _value_test(q: str, qtype: str, op: str, operand: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (test, negated test), both assuming the question is answered."""
    match op:
        case "is":
            return {q: operand}, {"$neq": {q: operand}}
        case "is_not":
            return {"$neq": {q: operand}}, {q: operand}
        case "in":
            return ({"$or": [{q: o} for o in operand]}, {"$and": [{"$neq": {q: o}} for o in operand]})
        case "contains":
            return {choice_field(q, operand): True}, {choice_field(q, operand): False}
        case "contains_any":
            return ({"$or": [{choice_field(q, o): True} for o in operand]},
                    {"$and": [{choice_field(q, o): False} for o in operand]})
        case "contains_all":
            return ({"$and": [{choice_field(q, o): True} for o in operand]},
                    {"$or": [{choice_field(q, o): False} for o in operand]})
        case "lt" | "lte" | "gt" | "gte":
            opposite = {"lt": "gte", "lte": "gt", "gt": "lte", "gte": "lt"}[op]
            return {f"${op}": {q: operand}}, {f"${opposite}": {q: operand}}
        case "count_gte":
            return {"$gte": {q: operand}}, {"$lt": {q: operand}}
        case "count_lte":
            return {"$lte": {q: operand}}, {"$gt": {q: operand}}
    raise ValueError(f"opérateur inconnu : {op}")
