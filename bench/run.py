"""Benchmark of the cooperation advisor: every figure of the README's performance table.

Run from the repository (or anywhere the advisor is installed)::

    python bench/run.py            # full run (a few minutes)
    python bench/run.py --quick    # smaller samples (about half a minute)
    python bench/run.py --markdown # the table in Markdown, for the README

Figures: warm latency of ``advise()`` (p50, p99) on durable-rules and on the plain-Python reference
evaluator, with their ratio; cold start of ``advisor --help`` and ``advisor recommend --example``
against ``python -c pass``; batch throughput and peak memory on generated structures; RSS growth
over many consultations in one process; memo rendering time (HTML, PDF) when available.

This is a measurement, not a test: it never fails on a missed target (exit code 0), it only says so.
"""
# Seeded generators make the generated structures reproducible; subprocesses only run this
# interpreter and the advisor command:
# ruff: noqa: S311, S603

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from advisor import Advisor, KnowledgeBase, load_knowledge_base  # noqa: E402
from advisor.reasoning.capacity import random_value  # noqa: E402
from advisor.reasoning.conditions import evaluate  # noqa: E402


@dataclass
class Figure:
    """One line of the results table."""

    name: str
    value: float | None
    unit: str
    target: float | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "non mesuré"
        if self.target is None:
            return "—"
        return "atteint" if self.value <= self.target else "MANQUÉ"

    def cells(self) -> list[str]:
        value = "—" if self.value is None else _num(self.value)
        target = "—" if self.target is None else f"≤ {_num(self.target)} {self.unit}"
        return [self.name, f"{value} {self.unit}" if self.value is not None else value, target, self.verdict,
                self.note]


def _num(x: float) -> str:
    if isinstance(x, int):
        return str(x)
    if x >= 100:
        text = f"{x:,.0f}"
    elif x >= 10:
        text = f"{x:,.1f}"
    else:
        text = f"{x:,.2f}" if x >= 1 else f"{x:.3f}"
    return text.replace(",", "\u202f").replace(".", ",")


# --- generated structures ----------------------------------------------------------------------

def random_answers(kb: KnowledgeBase, rng: random.Random, unknown_rate: float = 0.1,
                   relevant_only: bool = True) -> dict[str, Any]:
    """A valid answer set: each question answered with probability 0.8, with a random accepted value.

    With ``relevant_only`` (as the questionnaire does), a question is answered only when its
    relevance condition holds on the answers before it; otherwise follow-up questions may be
    answered out of context, and the advisor drops them (one more consultation).
    """
    answers: dict[str, Any] = {}
    for question in kb.questions.values():
        if relevant_only and question.relevant_if is not None and not evaluate(question.relevant_if, answers):
            continue
        if rng.random() < 0.8:
            answers[question.id] = random_value(question, rng, unknown_rate)
    return answers


def write_structures(kb: KnowledgeBase, path: Path, count: int, seed: int = 1) -> None:
    """Write ``count`` generated structures as JSON Lines."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as handle:
        for n in range(count):
            handle.write(json.dumps({"id": f"s{n}", **random_answers(kb, rng)}, ensure_ascii=False) + "\n")


# --- measurements ------------------------------------------------------------------------------

def latencies(call: Callable[[Any], Any], inputs: list[Any], warmup: int = 200) -> list[float]:
    """Wall time of each call in milliseconds, after a warm-up."""
    for item in inputs[:warmup]:
        call(item)
    times = []
    clock = time.perf_counter_ns
    for item in inputs:
        start = clock()
        call(item)
        times.append((clock() - start) / 1e6)
    return times


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def bench_latency(kb: KnowledgeBase, n: int) -> list[Figure]:
    from advisor.reasoning.evaluator import ReferenceEvaluator

    rng = random.Random(7)
    realistic = [random_answers(kb, rng) for _ in range(n)]
    known = [random_answers(kb, rng, unknown_rate=0.0) for _ in range(n)]
    scattered = [random_answers(kb, rng, relevant_only=False) for _ in range(n)]
    durable = Advisor(kb)
    reference = Advisor(kb, consultant=ReferenceEvaluator(kb))
    d = latencies(durable.advise, realistic)
    r = latencies(reference.advise, realistic)
    d_known = latencies(durable.advise, known)
    d_scattered = latencies(durable.advise, scattered)
    consult = latencies(durable.consultant.consult, [durable.validate(a) for a in known])
    r_consult = latencies(reference.consultant.consult, [durable.validate(a) for a in known])
    d50, r50 = percentile(d, 50), percentile(r, 50)
    c50, rc50 = percentile(consult, 50), percentile(r_consult, 50)
    return [
        Figure("advise() p50, durable-rules", d50, "ms", 1.0,
               f"{n} situations générées comme par le questionnaire, 10 % de « je ne sais pas »"),
        Figure("advise() p99, durable-rules", percentile(d, 99), "ms", None,
               "les « je ne sais pas » coûtent une consultation par réponse possible (robustesse)"),
        Figure("advise() p50, sans « je ne sais pas »", percentile(d_known, 50), "ms", 1.0),
        Figure("advise() p50, réponses hors contexte", percentile(d_scattered, 50), "ms", None,
               "questions de suivi répondues sans objet : une consultation de plus"),
        Figure("advise() p50, évaluateur de référence", r50, "ms", None, "même base, évaluation en Python pur"),
        Figure("advise() p99, évaluateur de référence", percentile(r, 99), "ms"),
        Figure("rapport advise() durable-rules / référence (p50)", d50 / r50 if r50 else None, "×"),
        Figure("une consultation seule (consult) p50, durable-rules", c50, "ms", None,
               "assertion du fait, actions des règles déclenchées, lecture de la trace"),
        Figure("une consultation seule p50, référence", rc50, "ms"),
        Figure("rapport consult durable-rules / référence (p50)", c50 / rc50 if rc50 else None, "×"),
    ]


def run_child(args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """Run a command; return (wall seconds, peak RSS in MiB of its largest process, exit code).

    On Linux the peak is each process's own VmHWM, polled from /proc (with its worker processes):
    ``ru_maxrss`` would also count the memory of this benchmark, inherited through fork and exec.
    """
    wall, peak, code, _, _ = run_tree(args, cwd, env)
    return wall, peak, code


def run_tree(args: list[str], cwd: Path | None = None,
             env: dict[str, str] | None = None) -> tuple[float, int, int, int, float]:
    """As ``run_child``, with the number of processes the command ran (0 where /proc is missing) and
    its processor time (user + system, with the worker processes it waited for)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peaks: dict[int, int] = {}
    while proc.poll() is None:
        for pid in _tree(proc.pid):
            peaks[pid] = max(peaks.get(pid, 0), _hwm_kib(pid))
        time.sleep(0.02)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak = max(peaks.values(), default=0)
    processes = sum(1 for kib in peaks.values() if kib)
    if not peak:  # no /proc: fall back on the kernel's figure
        peak = after.ru_maxrss // (1024 if sys.platform == "darwin" else 1)
    return wall, peak // 1024, proc.returncode, processes, cpu


def _tree(pid: int) -> list[int]:
    """A process and its descendants (Linux /proc; just the process elsewhere)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo += [int(child) for child in handle.read().split()]
        except OSError:
            continue
    return found


def _hwm_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            return next((int(line.split()[1]) for line in handle if line.startswith("VmHWM:")), 0)
    except (OSError, ValueError):
        return 0


def advisor_command() -> list[str]:
    """The installed ``advisor`` script next to this interpreter, else ``python -m advisor``."""
    script = Path(sys.executable).with_name("advisor")
    return [str(script)] if script.exists() else [sys.executable, "-m", "advisor"]


SPIN = "import sys\nn = int(sys.argv[1])\nwhile n:\n    n -= 1"  # pure Python work, no input nor output


def machine_parallelism(units: int = 15_000_000) -> float:
    """How much faster 2 processes do a fixed amount of pure Python work than 1, on this machine now.

    2.0 on 2 idle cores; less when other programs share them. It is the ceiling of a batch's
    2-worker ratio measured at the same moment.
    """
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", SPIN, str(units)], check=True)
    alone = time.perf_counter() - start
    start = time.perf_counter()
    halves = [subprocess.Popen([sys.executable, "-c", SPIN, str(units // 2)]) for _ in range(2)]
    for proc in halves:
        proc.wait()
    return alone / (time.perf_counter() - start)


def bench_batch(kb: KnowledgeBase, count: int, pairs: int) -> list[Figure]:
    """``advisor batch`` with 2 workers against 1 process, and the automatic choice on a small input.

    Runs alternate (1 process, 2 workers, 1 process…) and each ratio is taken pair by pair in wall
    time, next to the machine's own 2-process ratio measured just before each pair: on a shared
    machine the batch cannot do better than what the cores give at that moment.
    """
    cmd = advisor_command()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tiny, small, large = folder / "tiny.jsonl", folder / "small.jsonl", folder / "large.jsonl"
        write_structures(kb, tiny, 200)
        write_structures(kb, small, count // 10)
        write_structures(kb, large, count)

        def batch(source: Path, jobs: str) -> tuple[float, int, int, int, float]:
            return run_tree([*cmd, "--data-dir", str(kb.root), "batch", str(source), "-o",
                             str(folder / f"out-{source.stem}-{jobs}.csv"), "--force", "--jobs", jobs])

        batch(tiny, "1")  # warm: bytecode, file cache, knowledge-base cache
        one, two, machine, codes = [], [], [], set()
        peaks: dict[str, int] = {}
        for _ in range(pairs):
            machine.append(machine_parallelism())
            for jobs, walls in (("1", one), ("2", two)):
                wall, peak, code, _, _ = batch(large, jobs)
                walls.append(wall)
                peaks[jobs] = max(peaks.get(jobs, 0), peak)
                codes.add(code)
        ratios = [b / a for a, b in zip(one, two, strict=True)]
        small_peak = batch(small, "2")[1]
        auto, alone, processes = [], [], set()
        for _ in range(5):  # processor time: both should run in one process, and it is steadier than wall time
            _, _, code, spawned, cpu = batch(tiny, "0")
            auto.append(cpu)
            processes.add(spawned)
            alone.append(batch(tiny, "1")[4])
        tiny_ratio = statistics.median(a / b for a, b in zip(auto, alone, strict=True))
    ok = "" if codes <= {0, 2} else f" ; codes de sortie {sorted(codes)}"
    one_s, two_s = statistics.median(one), statistics.median(two)
    chosen = ("un seul processus" if processes == {1} else
              f"{'/'.join(map(str, sorted(processes)))} processus" if 0 not in processes else "non observé")
    return [
        Figure(f"advisor batch, {count} structures, un processus", one_s, "s", None,
               f"{_num(count / one_s)} structures/s{ok}"),
        Figure(f"advisor batch, {count} structures, 2 processus de calcul (--jobs 2)", two_s, "s", None,
               f"{_num(count / two_s)} structures/s"),
        Figure("temps avec 2 processus de calcul / avec un processus", statistics.median(ratios), "×", 0.625,
               f"soit {_num(1 / statistics.median(ratios))} fois plus rapide (objectif : 1,6 fois ; meilleure paire : "
               f"{_num(1 / min(ratios))}) ; médiane de {pairs} paires ({', '.join(_num(r) for r in ratios)}) ; "
               "au même moment, la machine va "
               f"{_num(statistics.median(machine))} fois plus vite avec 2 processus qu'avec un"),
        Figure("choix automatique sur 200 structures / un processus", tiny_ratio, "×", 1.05,
               f"temps processeur ; choix : {chosen} ; médiane de 5 paires"),
        Figure(f"mémoire maximale par processus ({count} structures)", max(peaks.values()), "Mio", None,
               f"{_num(small_peak)} Mio pour {count // 10} structures : ne croît pas avec l'entrée"),
    ]


def rss_mib() -> float:
    """Resident memory of this process (Linux /proc; ``resource`` elsewhere, which is the peak)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        import resource

        scale = 1 if sys.platform == "darwin" else 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def rss_child(count: int, data_dir: str) -> None:
    """In a fresh process: RSS before and after ``count`` consultations, printed as JSON."""
    kb = load_knowledge_base(data_dir)
    advisor = Advisor(kb)
    rng = random.Random(3)
    pool = [random_answers(kb, rng) for _ in range(1000)]
    for answers in pool:  # warm: caches, pydantic validators, engine structures
        advisor.advise(answers)
    before = rss_mib()
    start = time.perf_counter()
    for n in range(count):
        advisor.advise(pool[n % len(pool)])
    elapsed = time.perf_counter() - start
    print(json.dumps({"before": before, "after": rss_mib(), "seconds": elapsed}))


def bench_rss(kb: KnowledgeBase, count: int) -> list[Figure]:
    out = subprocess.run([sys.executable, __file__, "--rss-child", str(count), "--data-dir", str(kb.root)],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return [Figure(f"croissance de la mémoire sur {count} consultations", None, "Mio", 10.0,
                       out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "échec")]
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return [Figure(f"croissance de la mémoire (RSS) sur {count} consultations", data["after"] - data["before"],
                   "Mio", 10.0, f"{_num(data['before'])} → {_num(data['after'])} Mio en {_num(data['seconds'])} s")]


def bench_memo(kb: KnowledgeBase, runs: int) -> list[Figure]:
    """Memo rendering (the recommendation computed once, with explanations), against plain ``advise()``."""
    from advisor.outputs import memo

    advisor = Advisor(kb)
    example = (kb.example_names() or [None])[0]
    answers = kb.example(example).answers if example else {}
    rec = advisor.advise(answers, explain=True)
    advisor.advise(answers)
    plain_ms = statistics.median(_timed(lambda: advisor.advise(answers)) for _ in range(runs)) * 1000
    figures = []
    for fmt, label in (("html", "HTML"), ("pdf", "PDF")):
        def call(fmt: str = fmt) -> Any:
            return memo.render(advisor.kb, rec, fmt)  # type: ignore[arg-type]
        try:
            call()  # warm: templates (one Jinja environment, compiled once per process), fonts, WeasyPrint
            ms = statistics.median(_timed(call) for _ in range(runs)) * 1000
            figures.append(Figure(f"note d'orientation {label} (exemple {example})", ms, "ms", None,
                                  f"médiane de {runs} rendus après un premier ; {_num(ms / plain_ms)} × advise()"))
        except Exception as err:  # noqa: BLE001 - a missing optional dependency (WeasyPrint) is reported, not fatal
            reason = str(err).splitlines()[0][:100] if str(err) else type(err).__name__
            figures.append(Figure(f"note d'orientation {label}", None, "ms", None, f"non mesuré : {reason}"))
    return figures


def bench_web(kb: KnowledgeBase, users: int, interviews: int, limit_s: float) -> list[Figure]:
    """The site under load on 127.0.0.1: see ``web_load.py``."""
    try:
        from bench.web_load import advise_baseline, percentile, run_load
    except ImportError as err:
        return [Figure("site web sous charge", None, "ms", None, f"non mesuré : {err}")]
    workers = os.cpu_count() or 1

    def answers(rng: random.Random) -> dict[str, Any]:
        return random_answers(kb, rng)

    try:
        timings, wall = run_load(kb.root, answers, users, interviews, workers, limit_s)
    except Exception as err:  # noqa: BLE001 - the web extra missing, a port refused: reported, not fatal
        return [Figure("site web sous charge", None, "ms", None, f"non mesuré : {str(err).splitlines()[-1][:100]}")]
    health = percentile(timings.health, 50)
    advise = advise_baseline(answers, kb.root, 50)
    page50, page95 = percentile(timings.pages, 50), percentile(timings.pages, 95)
    result50, result95 = percentile(timings.results, 50), percentile(timings.results, 95)
    count = len(timings.pages) + len(timings.results)
    who = f"{users} personnes simultanées, {workers} processus serveur"
    return [
        Figure("GET /sante p50 (référence : HTTP seul)", health, "ms", None, who),
        Figure("advise(explain=True) p50 dans le processus (référence)", advise, "ms", None,
               "le calcul d'une page de résultat, sans HTTP"),
        Figure("page du questionnaire p50", page50, "ms", None, f"soit ×{_num(page50 / health)} GET /sante ; {who}"),
        Figure("page du questionnaire p95", page95, "ms", 500.0, f"{len(timings.pages)} pages"),
        Figure("page du résultat p50", result50, "ms", None, f"soit ×{_num(result50 / advise)} advise(explain=True)"),
        Figure("page du résultat p95", result95, "ms", 2000.0, f"{len(timings.results)} résultats"),
        Figure("débit du site", count / wall if wall else None, "pages/s", None,
               f"{timings.interviews} entretiens complets en {_num(wall)} s ; {timings.errors} erreurs HTTP"),
    ]


def _timed(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


# --- report ------------------------------------------------------------------------------------

def machine() -> list[tuple[str, str]]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu)
    except OSError:
        pass
    try:
        from importlib.metadata import version

        durable = version("durable-rules")
    except Exception:  # noqa: BLE001
        durable = "?"
    return [("Processeur", cpu), ("Cœurs (nproc)", str(os.cpu_count())),
            ("Système", f"{platform.system()} {platform.release()}"),
            ("Python", platform.python_version()), ("durable-rules", durable)]


def print_table(figures: list[Figure], markdown: bool) -> None:
    head = ["Mesure", "Résultat", "Objectif", "Verdict", "Détail"]
    rows = [f.cells() for f in figures]
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join("---" for _ in head) + "|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        return
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    for row in [head, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def sections(args: argparse.Namespace) -> Iterator[tuple[str, Callable[[KnowledgeBase], list[Figure]]]]:
    from bench import ratios

    quick = args.quick
    if "latency" in args.only:
        yield "latence de advise()", lambda kb: bench_latency(kb, 500 if quick else 5000)
    if "cold" in args.only:
        yield "démarrage", lambda kb: ratios.bench_start(kb, 5 if quick else 15)
    if "explain" in args.only:
        yield "explications", lambda kb: ratios.bench_explain(kb, 100 if quick else 400)
    if "scale" in args.only:
        yield "moteur et base dix fois plus grande", lambda kb: ratios.bench_scale(kb, 100 if quick else 300)
    if "batch" in args.only:
        yield "batch", lambda kb: bench_batch(kb, 2000 if quick else 10_000, 1 if quick else 3)
    if "rss" in args.only:
        yield "mémoire", lambda kb: bench_rss(kb, 10_000 if quick else 100_000)
    if "memo" in args.only:
        yield "note d'orientation", lambda kb: bench_memo(kb, 3 if quick else 10)
    if "web" in args.only:
        yield "site web sous charge", lambda kb: bench_web(kb, 4 if quick else 8, 2 if quick else 5,
                                                          60 if quick else 180)


def main() -> None:
    parser = argparse.ArgumentParser(description="Mesures de performance du conseiller en coopération.")
    parser.add_argument("--quick", action="store_true", help="échantillons réduits (environ 30 s)")
    parser.add_argument("--markdown", action="store_true", help="tableau au format Markdown")
    parser.add_argument("--data-dir", default=None, help="dossier de la base de connaissances")
    every = ["latency", "cold", "explain", "scale", "batch", "rss", "memo", "web"]
    parser.add_argument("--only", nargs="+", default=every, choices=every, help="mesures à faire")
    parser.add_argument("--rss-child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child is not None:
        rss_child(args.rss_child, args.data_dir)
        return
    kb = load_knowledge_base(args.data_dir)
    for label, value in machine():
        print(f"{label} : {value}")
    print(f"Base de connaissances : {kb.root} (version {kb.meta.version}, {len(kb.rules)} règles, "
          f"{len(kb.questions)} questions)\n")
    figures: list[Figure] = []
    for label, run in sections(args):
        print(f"… {label}", file=sys.stderr, flush=True)
        start = time.perf_counter()
        figures += run(kb)
        print(f"   ({time.perf_counter() - start:.0f} s)", file=sys.stderr, flush=True)
    print()
    print_table(figures, args.markdown)
    missed = [f.name for f in figures if f.verdict == "MANQUÉ"]
    print("\nObjectifs manqués : " + ", ".join(missed) if missed else "\nTous les objectifs mesurés sont atteints.")
    if shutil.which("advisor") is None and not Path(sys.executable).with_name("advisor").exists():
        print("(commande advisor non installée : mesures faites avec python -m advisor)")


if __name__ == "__main__":
    main()
