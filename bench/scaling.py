"""A knowledge base N times larger than a real one, generated in a folder, to measure how the advisor grows.

Every rule of every form is copied N - 1 times (ids ``<rule>_x2`` … ``<rule>_xN``). With ``varied``, each
copy tests other values than its original (other choices, other thresholds, the other yes/no), as a
knowledge base that grows with new rules would; without it, the copies are exact (the engine can share
their tests). Forms, questions, sheets and examples are those of the source, so the result loads and
passes the knowledge base's own checks. Used by ``bench/run.py`` and by the capacity tests.
"""
# Seeded generators make the generated knowledge base reproducible:
# ruff: noqa: S311

from __future__ import annotations

import copy
import random
import shutil
from pathlib import Path
from typing import Any

import yaml


def _load(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506


def _dump(data: Any, path: Path) -> None:
    path.write_text(yaml.dump(data, allow_unicode=True, sort_keys=False, width=200), encoding="utf-8")


def _vary(cond: Any, questions: dict[str, dict[str, Any]], rng: random.Random) -> Any:
    """The same condition shape, testing other values of the same questions."""
    if not isinstance(cond, dict):
        return cond
    cond = dict(cond)
    for key in ("all", "any"):
        if key in cond:
            cond[key] = [_vary(child, questions, rng) for child in cond[key]]
    if "not" in cond:
        cond["not"] = _vary(cond["not"], questions, rng)
    question = questions.get(cond.get("question", ""))
    if question is None:
        return cond
    choices = [c["id"] for c in question.get("choices", [])]
    for op in ("is", "is_not"):
        if op in cond:
            value = cond[op]
            if isinstance(value, bool):
                cond[op] = rng.random() < 0.5
            elif isinstance(value, int):
                cond[op] = max(0, value + rng.randint(-value // 2 - 1, value // 2 + 1))
            elif choices:
                cond[op] = rng.choice(choices)
    if "in" in cond and choices and isinstance(cond["in"][0], str):
        cond["in"] = rng.sample(choices, min(len(cond["in"]), len(choices)))
    if "contains" in cond and choices:
        cond["contains"] = rng.choice(choices)
    for op in ("contains_any", "contains_all"):
        if op in cond and choices:
            cond[op] = rng.sample(choices, min(len(cond[op]), len(choices)))
    for op in ("lt", "lte", "gt", "gte"):
        if op in cond:
            value = cond[op]
            low, high = question.get("min", 0), question.get("max", max(2 * value, 10))
            cond[op] = rng.randint(low, max(low, high))
    for op in ("count_gte", "count_lte"):
        if op in cond and choices:
            cond[op] = rng.randint(1, len(choices))
    return cond


def scale_knowledge_base(source: Path, target: Path, factor: int, varied: bool = True, seed: int = 1) -> Path:
    """Write into ``target`` (created) a knowledge base with ``factor`` times the rules of ``source``.

    Returns:
        ``target``, a data root holding ``rules/`` and ``sheets/``.
    """
    rng = random.Random(seed)
    target.mkdir(parents=True, exist_ok=True)
    for folder in ("rules", "sheets"):
        shutil.copytree(source / folder, target / folder, dirs_exist_ok=True)
    questions = {q["id"]: q for q in _load(target / "rules" / "questions.yaml")["questions"]}
    for path in sorted((target / "rules" / "forms").glob("*.yaml")):
        data = _load(path)
        originals = data["rules"]
        rules = list(originals)
        for n in range(2, factor + 1):
            for rule in originals:
                twin = copy.deepcopy(rule)
                twin["id"] = f"{rule['id']}_x{n}"
                if varied:
                    twin["when"] = _vary(twin["when"], questions, rng)
                rules.append(twin)
        data["rules"] = rules
        _dump(data, path)
    return target
