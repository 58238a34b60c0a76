"""Every recommendation stays exactly what it was: the full JSON, with explanations, of every scenario,
every packaged example and a fixed set of generated situations.

The golden file was recorded before the what-if search became incremental; any speed-up must leave
each result identical, byte for byte once serialised. ``pytest --update-golden`` rewrites it (only
when a change of result is intended, and reviewed).
"""

from __future__ import annotations

import datetime as dt
import difflib
import gzip
import json
import random
from pathlib import Path
from typing import Any

import pytest

from advisor import Advisor, KnowledgeBase
from advisor.reasoning.capacity import random_value
from advisor.reasoning.conditions import evaluate
from advisor.scenarios import load_scenarios, scenario_answers

from .conftest import TODAY

GOLDEN = Path(__file__).resolve().parent / "golden" / "recommendations.jsonl.gz"
SCENARIOS_DIR = Path(__file__).resolve().parent / "scenarios"
GENERATED = 160
LATER = dt.date(2027, 3, 1)  # after the end of the TZCLD experiment: the other side of the horizons


def _generated(kb: KnowledgeBase, rng: random.Random, in_context: bool) -> dict[str, Any]:
    """A situation answered as the questionnaire would (``in_context``), or with follow-ups out of context."""
    answers: dict[str, Any] = {}
    for question in kb.questions.values():
        if in_context and question.relevant_if is not None and not evaluate(question.relevant_if, answers):
            continue
        if rng.random() < 0.8:
            answers[question.id] = random_value(question, rng, unknown_rate=0.15, names=999)
    return answers


def cases(kb: KnowledgeBase) -> list[tuple[str, dict[str, Any], dt.date]]:
    """(name, raw answers, consultation date) of every case of the golden file, in a fixed order."""
    found = [(f"scénario : {s.name}", scenario_answers(kb, s), s.as_of) for _, s in load_scenarios(SCENARIOS_DIR)]
    found += [(f"exemple : {name}", dict(kb.example(name).answers), TODAY) for name in kb.example_names()]
    rng = random.Random(15)
    for n in range(GENERATED):
        as_of = TODAY if n % 3 else LATER
        found.append((f"généré {n}", _generated(kb, rng, in_context=n % 4 != 3), as_of))
    return found


def _json(advisor: Advisor, answers: dict[str, Any], as_of: dt.date) -> str:
    return advisor.advise(answers, explain=True, as_of=as_of).model_dump_json(indent=1)


def test_every_recommendation_is_unchanged(advisor: Advisor, kb: KnowledgeBase, update_golden: bool) -> None:
    fresh = {name: _json(advisor, answers, as_of) for name, answers, as_of in cases(kb)}
    if update_golden:
        lines = (json.dumps({"name": name, "json": text}, ensure_ascii=False) for name, text in fresh.items())
        GOLDEN.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), mtime=0))
        pytest.skip("fichier de référence réécrit")
    recorded = {item["name"]: item["json"] for item in
                map(json.loads, gzip.decompress(GOLDEN.read_bytes()).decode("utf-8").splitlines())}
    assert list(fresh) == list(recorded)
    for name, text in fresh.items():
        if text != recorded[name]:
            diff = "\n".join(difflib.unified_diff(recorded[name].splitlines(), text.splitlines(), "avant", "après",
                                                  lineterm="", n=2))
            pytest.fail(f"{name} : la recommandation a changé\n{diff[:6000]}")
