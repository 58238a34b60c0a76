"""The benchmark's ratios: each figure against a baseline measured in the same run, never a time alone.

- start-up: ``advisor --help`` against ``python -c pass``, ``advisor recommend --example`` against
  ``advisor --help`` (and the floor no advising command can go below: importing click and durable-rules);
- explanations: ``advise(explain=True)`` against plain ``advise()``, situation by situation;
- the engine: a consultation against a bare durable-rules consultation of the same fact;
- growth: a knowledge base ten times larger (generated in a temporary folder) against the real one.

Commands and calls are timed in alternation (A, B, A, B…) and each ratio is taken pair by pair, so
that a machine whose speed drifts during the run still gives a fair ratio. Commands are timed in
processor time (user + system, from the operating system's accounting of each finished child), which
other programs on a shared machine disturb far less than the wall clock.
"""
# Seeded generators make the generated situations reproducible; subprocesses only run this
# interpreter and the advisor command:
# ruff: noqa: S311, S603

from __future__ import annotations

import datetime as dt
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from advisor import Advisor, KnowledgeBase, load_knowledge_base
from bench.run import Figure, _num, advisor_command, percentile, random_answers
from bench.scaling import scale_knowledge_base

DAY = dt.date(2026, 12, 1)


def _child_seconds(args: list[str], env: dict[str, str]) -> float:
    """Processor time (user + system) of one run of a command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def paired(first: list[str], second: list[str], runs: int, env: dict[str, str]) -> tuple[float, float, float]:
    """(median seconds of ``first``, of ``second``, median of the pair-by-pair ratios first / second)."""
    _child_seconds(first, env), _child_seconds(second, env)  # warm: file cache, bytecode, knowledge-base cache
    a, b = [], []
    for _ in range(runs):
        a.append(_child_seconds(first, env))
        b.append(_child_seconds(second, env))
    ratios = [x / y for x, y in zip(a, b, strict=True) if y > 0]
    return statistics.median(a), statistics.median(b), statistics.median(ratios) if ratios else float("nan")


def bench_start(kb: KnowledgeBase, runs: int) -> list[Figure]:
    """Start-up ratios, with the knowledge-base cache in a temporary folder and bytecode as installed."""
    example = "afeji" if "afeji" in kb.example_names() else kb.example_names()[0]
    cmd = advisor_command()
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(NO_COLOR="1", ADVISOR_CACHE_DIR=cache, ADVISOR_DATE=DAY.isoformat())
        python = [sys.executable, "-c", "pass"]
        help_ = [*cmd, "--help"]
        recommend = [*cmd, "recommend", "--example", example]
        # Imported as the command line starts (collector off, no last collection at exit).
        floor = [sys.executable, "-c", "import gc; gc.disable(); import advisor.cli, durable.engine; "
                 "gc.freeze()"]
        help_s, base, help_ratio = paired(help_, python, runs, env)
        rec_s, _, rec_ratio = paired(recommend, help_, runs, env)
        floor_s, _, floor_ratio = paired(floor, help_, runs, env)
        cold_s, _, cold_ratio = paired(recommend, help_, max(3, runs // 3), {**env, "ADVISOR_NO_CACHE": "1"})
    ms = 1000
    return [
        Figure("python -c pass (référence)", base * ms, "ms", None, f"temps processeur, médiane de {runs} lancements"),
        Figure("advisor --help / python -c pass", help_ratio, "×", None, f"{help_s * ms:.0f} ms"),
        Figure(f"advisor recommend --example {example} / advisor --help", rec_ratio, "×", 2.5,
               f"{rec_s * ms:.0f} ms ; base de connaissances lue depuis le cache"),
        Figure("  plancher : importer click et durable-rules / advisor --help", floor_ratio, "×", None,
               f"{floor_s * ms:.0f} ms : aucune commande qui conseille ne descend sous ce rapport"),
        Figure(f"advisor recommend --example {example} sans cache / advisor --help", cold_ratio, "×", None,
               f"{cold_s * ms:.0f} ms ; lecture et validation des fichiers YAML (ADVISOR_NO_CACHE=1)"),
    ]


def explain_ratios(advisor: Advisor, inputs: list[dict[str, Any]], reps: int) -> tuple[list[float], list[float]]:
    """Per situation, the best of ``reps`` alternated runs: (plain advise ms, advise with explanations ms)."""
    clock = time.process_time_ns
    plain, explained = [], []
    for answers in inputs:
        best_plain = best_explained = float("inf")
        for _ in range(reps):
            start = clock()
            advisor.advise(answers)
            middle = clock()
            advisor.advise(answers, explain=True)
            end = clock()
            best_plain, best_explained = min(best_plain, middle - start), min(best_explained, end - middle)
        plain.append(best_plain / 1e6)
        explained.append(best_explained / 1e6)
    return plain, explained


def bench_explain(kb: KnowledgeBase, count: int) -> list[Figure]:
    advisor = Advisor(kb).dated(DAY)
    rng = random.Random(11)
    generated = [random_answers(kb, rng) for _ in range(count)]
    examples = [kb.example(name).answers for name in kb.example_names()]
    for answers in generated[:20]:
        advisor.advise(answers, explain=True)  # warm
    figures = []
    for label, inputs, reps in (("exemples", examples, 9), (f"{count} situations générées", generated, 3)):
        plain, explained = explain_ratios(advisor, inputs, reps)
        for q in (50, 95):
            p, e = percentile(plain, q), percentile(explained, q)
            figures.append(Figure(f"advise(explain=True) / advise(), p{q}, {label}", e / p, "×", 4.0,
                                  f"{_ms(e)} contre {_ms(p)}"))
        # The same, situation by situation: the overhead of explaining where it is largest (for information;
        # the target reads the percentiles of each call's time, as people wait for them).
        ratios = sorted(e / p for p, e in zip(plain, explained, strict=True))
        figures.append(Figure(f"  rapport situation par situation, p95, {label}", percentile(ratios, 95), "×", None,
                              f"médiane {_num(percentile(ratios, 50))} ; le plus élevé {_num(ratios[-1])}"))
    return figures


def _ms(value: float) -> str:
    return f"{value:.2f} ms".replace(".", ",")


def raw_consult(kb: KnowledgeBase) -> Callable[[dict[str, Any]], None]:
    """A bare durable-rules consultation of the same fact: one ruleset, one rule that always holds."""
    from advisor.reasoning.encoding import FACT_KIND, encode
    from advisor.reasoning.engine import _host_class, _import_engine

    host = _host_class(_import_engine())(lambda name: (lambda c: None))
    host.set_rulesets({"raw": {"any": {"all": [{"m": {"$and": [{"kind": FACT_KIND}]}}], "pri": 1, "run": "any"}}})
    choices = {qid: [c.id for c in q.choices] for qid, q in kb.questions.items() if q.type == "multiple"}

    def consult(answers: dict[str, Any]) -> None:
        fact = encode(answers, choices)
        fact["sid"] = sid = uuid.uuid4().hex
        host.assert_fact("raw", fact)
        host.get_state("raw", sid)
        host.delete_state("raw", sid)
    return consult


def _alternated(first: Callable[[Any], Any], second: Callable[[Any], Any], inputs: list[Any]) -> tuple[float, float]:
    """Median processor milliseconds of two calls made one after the other on each input."""
    clock = time.process_time_ns
    a, b = [], []
    for item in inputs:
        start = clock()
        first(item)
        middle = clock()
        second(item)
        b.append((clock() - middle) / 1e6)
        a.append((middle - start) / 1e6)
    return statistics.median(a), statistics.median(b)


def bench_scale(kb: KnowledgeBase, count: int, factor: int = 10) -> list[Figure]:
    """The engine against a bare consultation, and a knowledge base ``factor`` times larger against the real one."""
    from advisor.reasoning.capacity import check_engine

    with tempfile.TemporaryDirectory() as tmp:
        big_root = scale_knowledge_base(kb.root, Path(tmp) / "kb", factor, varied=True)
        os.environ["ADVISOR_NO_CACHE"] = "1"  # time the reading and validation of the files
        try:
            small_load = min(_timed(lambda: load_knowledge_base(kb.root)) for _ in range(3))
            big_load = min(_timed(lambda: load_knowledge_base(big_root)) for _ in range(3))
        finally:
            del os.environ["ADVISOR_NO_CACHE"]
        big = load_knowledge_base(big_root)
        small_advisor, big_advisor = Advisor(kb).dated(DAY), Advisor(big).dated(DAY)
        rng = random.Random(5)
        inputs = [random_answers(kb, rng) for _ in range(count)]
        failures = 0
        for answers in inputs:
            try:
                big_advisor.advise(answers)
            except Exception:  # noqa: BLE001 - counted: the figure is how many situations fail
                failures += 1
        small_ms, big_ms = _alternated(small_advisor.advise, big_advisor.advise, inputs)
        settled = [small_advisor.validate(a) for a in inputs]
        raw = raw_consult(kb)
        consult_ms, raw_ms = _alternated(small_advisor.consultant.consult, raw, settled)
        big_consult_ms, raw_ms2 = _alternated(big_advisor.consultant.consult, raw, settled)
        problems, summary = check_engine(big_root, count=100, as_of=DAY)
    rules = f"{len(big.rules)} règles contre {len(kb.rules)}"
    return [
        Figure("consultation du moteur / consultation durable-rules nue", consult_ms / raw_ms, "×", None,
               f"{_ms(consult_ms)} contre {_ms(raw_ms)} (une règle, même fait) ; {len(small_advisor.consultant.parts)} "
               "parties"),
        Figure(f"base {factor} fois plus grande : situations sans réponse", failures, "", 0,
               f"{count} situations générées ; {rules}"),
        Figure(f"base {factor} fois plus grande : advisor rules check (moteur)", len(problems), "problème(s)", 0,
               summary or "; ".join(message for _, message in problems)[:120]),
        Figure(f"base {factor} fois plus grande : lecture et validation / base réelle", big_load / small_load, "×",
               float(factor), f"{big_load * 1000:.0f} ms contre {small_load * 1000:.0f} ms ; linéaire : ≤ {factor}"),
        Figure(f"base {factor} fois plus grande : advise() p50 / base réelle", big_ms / small_ms, "×", float(factor),
               f"{_ms(big_ms)} contre {_ms(small_ms)} ; linéaire : ≤ {factor}"),
        Figure(f"base {factor} fois plus grande : consultation / consultation nue", big_consult_ms / raw_ms2, "×",
               None, f"{_ms(big_consult_ms)} ; {len(big_advisor.consultant.parts)} parties"),
    ]


def _timed(call: Callable[[], Any]) -> float:
    start = time.process_time()
    call()
    return time.process_time() - start
