"""Proof that a knowledge base runs on durable-rules, for ``advisor rules check``.

A knowledge base can load and pass every check of its own and still be too big for durable-rules:
past its internal limits the engine refuses to build a ruleset (errors 106-108), fails on some
situations only (error 303), hangs, or stops the whole process (engine-notes, "Capacity"). So the
check builds every part of the rules (``engine.partition``) and consults each one on a sweep of
situations: the packaged examples, the widest answers (every choice ticked, every yes), and
situations generated as the questionnaire would. It runs in a child process, which reports each
step as a line of JSON: a crash or a hang of the engine then still names the form at fault.
"""
# A seeded generator makes the sweep reproducible:
# ruff: noqa: S311

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import AdvisorError
from ..knowledge.models import UNKNOWN, Question
from .answers import Answers, normalise
from .engine import Engine, error_code, limit_text
from .parts import ADVICE, RULES_PER_PART, part_forms, part_label
from .relevance import Relevance
from .verdict import situation

if TYPE_CHECKING:
    from ..knowledge.base import KnowledgeBase

SITUATIONS = 200
TIMEOUT_SECONDS = 300


def situations(kb: KnowledgeBase, count: int = SITUATIONS, seed: int = 15) -> list[Answers]:
    """The sweep: the examples, the widest answer sets, and ``count`` situations generated as the
    questionnaire would (each question that applies answered with probability 0.8)."""
    found = [_widest(kb, True), _widest(kb, False)]
    for name in kb.example_names():
        try:
            found.append(normalise(kb, kb.example(name).answers))
        except AdvisorError:
            continue  # reported by the examples check
    rng = random.Random(seed)
    relevance = Relevance(kb)
    for _ in range(count):
        answers: Answers = {}
        for question in kb.questions.values():
            if relevance.applies(question, answers) and rng.random() < 0.8:
                answers[question.id] = random_value(question, rng)
        found.append(answers)
    return found


def _widest(kb: KnowledgeBase, yes: bool) -> Answers:
    """Every question answered, with every choice ticked and every yes/no the same (the most tests that hold)."""
    answers: Answers = {}
    for question in kb.questions.values():
        ids = [c.id for c in question.choices]
        match question.type:
            case "multiple":
                answers[question.id] = ids
            case "single":
                answers[question.id] = ids[0] if yes else ids[-1]
            case "boolean":
                answers[question.id] = yes
            case "number":
                bound = question.max if yes else question.min
                answers[question.id] = bound if bound is not None else (100_000 if yes else 0)
            case _:
                answers[question.id] = "Structure d'essai"
    return answers


def random_value(question: Question, rng: random.Random, unknown_rate: float = 0.1, names: int = 99_999) -> Any:
    """A random value the question accepts (normalised form): « je ne sais pas » at ``unknown_rate`` where
    allowed, a few choices of a multiple choice, a number within its bounds, « Structure N » (N ≤ ``names``)."""
    if question.allow_unknown and rng.random() < unknown_rate:
        return UNKNOWN
    ids = [c.id for c in question.choices]
    match question.type:
        case "single":
            return rng.choice(ids)
        case "multiple":
            return [i for i in ids if rng.random() < 0.3] or [rng.choice(ids)]
        case "boolean":
            return rng.random() < 0.5
        case "number":
            low = question.min if question.min is not None else 0
            high = question.max if question.max is not None else low + 1000
            return rng.randint(low, min(high, low + 100_000))
        case _:
            return f"Structure {rng.randint(1, names)}"


def prove(kb: KnowledgeBase, count: int, as_of: dt.date, report: Callable[[dict[str, Any]], None]) -> None:
    """In this process: build every part, then consult each on the sweep; ``report`` gets each step.

    Events: ``{"part", "stage": "build"|"consult"}`` before a step; ``{"part", "stage", "code",
    "situation"?, "of"?}`` for a refusal, then, for a part of several forms, ``{"culprits": [...]}``: the
    forms the engine also refuses alone; ``{"done": True, "parts", "situations"}`` at the end.
    """
    failure: dict[str, Any] = {}

    def building(part: str) -> None:
        failure.update(part=part, stage="build")
        report(dict(failure))

    try:
        engine = Engine(kb, on_part=building)
    except AdvisorError as err:
        report({**failure, "code": error_code(err.__cause__ or err)})
        _find_culprits(kb, failure["part"], None, report)
        return
    facts = [situation(answers, as_of) for answers in situations(kb, count)]
    for part, rules in engine.parts.items():
        report({"part": part, "stage": "consult"})
        for number, facts_of_one in enumerate(facts):
            try:
                engine.consult(facts_of_one, rules or None)
            except AdvisorError as err:
                report({"part": part, "stage": "consult", "code": error_code(err.__cause__ or err),
                        "situation": number, "of": len(facts)})
                _find_culprits(kb, part, facts_of_one, report)
                return
    report({"done": True, "parts": len(engine.parts), "situations": len(facts)})


def _find_culprits(kb: KnowledgeBase, part: str, facts: dict[str, Any] | None,
                   report: Callable[[dict[str, Any]], None]) -> None:
    """For a part of several forms: which of them the engine refuses on their own (built, or on ``facts``)."""
    forms = part_forms(part)
    if len(forms) < 2:
        return
    culprits = []
    for form_id in forms:
        try:
            alone = Engine(kb, forms=[form_id])
            if facts is not None:
                alone.consult(facts)
        except AdvisorError:
            culprits.append(form_id)
    report({"part": part, "culprits": culprits})


def check_engine(root: Path, count: int = SITUATIONS, as_of: dt.date | None = None,
                 timeout: float = TIMEOUT_SECONDS) -> tuple[list[tuple[str, str]], str | None]:
    """Run ``prove`` on a data root in a child process.

    Returns:
        (problems as (form id, French message), a French summary when every part ran).
    """
    day = as_of or dt.date.today()
    command = [sys.executable, "-m", __name__, str(root), str(count), day.isoformat()]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603
        lines, errors, code, hung = done.stdout, done.stderr, done.returncode, False
    except subprocess.TimeoutExpired as err:
        out = err.stdout or b""
        lines = out.decode("utf-8", "replace") if isinstance(out, bytes) else out
        errors, code, hung = "", None, True
    events = [json.loads(line) for line in lines.splitlines() if line.startswith("{")]
    last = events[-1] if events else {}
    if last.get("done"):
        return [], (f"Moteur de règles : {last['parts']} parties (les formes regroupées, {RULES_PER_PART} règles au "
                    f"plus chacune), {last['situations']} situations d'essai examinées sans erreur.")
    failure = next((e for e in reversed(events) if "code" in e), last)
    part = failure.get("part")
    if part is None:
        detail = errors.strip().splitlines()[-1:]
        return [("", "le moteur de règles n'a pas pu être essayé" + (f" : {detail[0]}" if detail else ""))], None
    culprits = last.get("culprits") or []
    if culprits:  # the forms of a shared part that the engine refuses on their own
        return [(form, _message(failure, form, code, hung, timeout)) for form in culprits], None
    return [(part_forms(part)[0], _message(failure, part, code, hung, timeout))], None


def _message(event: dict[str, Any], part: str, code: int | None, hung: bool, timeout: float) -> str:
    building = event.get("stage") == "build"
    doing = f"en construisant {part_label(part)}" if building else f"en examinant {part_label(part)}"
    if hung:
        return (f"durable-rules ne répond plus après {timeout:.0f} s {doing} (une même question testée sur plus "
                f"de 512 valeurs différentes ?). {ADVICE}")
    if "code" in event:
        which = (f" (situation d'essai n° {event['situation'] + 1} sur {event['of']})" if "situation" in event
                 else "")
        return f"durable-rules échoue {doing}{which} : {limit_text(event['code'])}. {ADVICE}"
    return (f"durable-rules s'est arrêté brutalement {doing} (code de sortie {code}) : une limite interne du "
            f"moteur est dépassée. {ADVICE}")


def _main(argv: Iterable[str]) -> None:
    from ..knowledge.loader import load_knowledge_base
    from .build_proof import die_with_parent

    die_with_parent(os.getppid())  # a check stopped with its command stops here too, even inside the engine
    root, count, day = list(argv)
    kb = load_knowledge_base(root, check=False)

    def report(event: dict[str, Any]) -> None:
        print(json.dumps(event), flush=True)

    prove(kb, int(count), dt.date.fromisoformat(day), report)


if __name__ == "__main__":
    _main(sys.argv[1:])
