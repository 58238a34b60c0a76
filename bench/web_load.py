"""Load test of the site on the loopback interface: simulated people completing interviews at once.

``advisor serve`` runs in a child process on a free port of 127.0.0.1 (never another address); N
threads each play interviews with generated answers, as a browser without JavaScript would (one
POST per question, then the review and the result page). The run is bounded twice: a number of
interviews per person and a time limit, after which every person stops and the server is ended.

Baselines measured in the same run, on the same server and machine: ``GET /sante`` under the same
concurrency (the cost of HTTP and the framework alone), and ``advise()`` called in this process
(the cost of the reasoning alone). Figures are reported as ratios to them.
"""
# Seeded generators make the interviews reproducible; the child process is this interpreter:
# ruff: noqa: S311, S603

from __future__ import annotations

import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.webplay import Page, answer_for  # noqa: E402

DATE = "2026-12-01"  # a fixed consultation date: the same advice, and the same work, on every run


@dataclass
class Timings:
    """Latencies in milliseconds by kind of request, shared by the simulated people."""

    pages: list[float] = field(default_factory=list)
    results: list[float] = field(default_factory=list)
    health: list[float] = field(default_factory=list)
    errors: int = 0
    interviews: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ms: float) -> None:
        with self.lock:
            getattr(self, kind).append(ms)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def connect(port: int, timeout: float) -> http.client.HTTPConnection:
    """A keep-alive connection with Nagle's algorithm off, as browsers open them (else a POST sent in two
    writes waits for a delayed acknowledgement, about 40 ms, which has nothing to do with the site)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    connection.connect()
    assert connection.sock is not None
    connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return connection


def start_server(data_dir: Path, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    """``advisor serve`` on a free loopback port, once it answers ``/sante``."""
    port = free_port()
    command = [sys.executable, "-m", "advisor", "--data-dir", str(data_dir), "serve", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--date", DATE]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              env={**os.environ, "NO_COLOR": "1"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError((server.stderr.read() if server.stderr else b"").decode(errors="replace")[-500:])
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/sante")
            if connection.getresponse().status == 200:
                return server, port
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("le serveur ne répond pas")


class Person:
    """One simulated person: a keep-alive connection, answers drawn from a seeded generator."""

    def __init__(self, port: int, timings: Timings, seed: int, make_answers: Callable[[random.Random], dict[str, Any]],
                 stop_at: float) -> None:
        self.connection = connect(port, 60)
        self.timings = timings
        self.rng = random.Random(seed)
        self.make_answers = make_answers
        self.stop_at = stop_at

    def request(self, kind: str, method: str, path: str, form: dict[str, Any] | None = None) -> str:
        body = urllib.parse.urlencode(form, doseq=True) if form is not None else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}
        start = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8")
        self.timings.add(kind, (time.perf_counter() - start) * 1000)
        if response.status >= 400:
            with self.timings.lock:
                self.timings.errors += 1
        return text

    def interview(self) -> None:
        answers = self.make_answers(self.rng)
        page = Page.parse(self.request("pages", "GET", "/questionnaire"))
        while page.question is not None and time.monotonic() < self.stop_at:
            action, values = answer_for(page.question, answers)
            form = {"etat": page.question.hidden("etat"), "action": action, "reponse": values}
            page = Page.parse(self.request("pages", "POST", "/questionnaire", form))
        if page.question is None and time.monotonic() < self.stop_at:
            form = {"etat": page.form_with("resultat").hidden("etat"), "action": "resultat"}
            self.request("results", "POST", "/questionnaire", form)
            with self.timings.lock:
                self.timings.interviews += 1

    def run(self, count: int) -> None:
        for _ in range(count):
            if time.monotonic() >= self.stop_at:
                break
            self.interview()
        self.connection.close()


def health_baseline(port: int, users: int, per_user: int, timings: Timings) -> None:
    """``GET /sante`` with the same number of concurrent connections."""
    def hit() -> None:
        connection = connect(port, 30)
        for _ in range(per_user):
            start = time.perf_counter()
            connection.request("GET", "/sante")
            connection.getresponse().read()
            timings.add("health", (time.perf_counter() - start) * 1000)
        connection.close()

    threads = [threading.Thread(target=hit) for _ in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run_load(data_dir: Path, make_answers: Callable[[random.Random], dict[str, Any]], users: int, interviews: int,
             workers: int, limit_s: float) -> tuple[Timings, float]:
    """Start the server, play ``users`` × ``interviews`` interviews (at most ``limit_s`` seconds), stop it.

    Returns the timings and the wall time of the interviews.
    """
    server, port = start_server(data_dir, workers)
    timings = Timings()
    try:
        health_baseline(port, users, 200, timings)
        stop_at = time.monotonic() + limit_s
        people = [Person(port, timings, seed, make_answers, stop_at) for seed in range(users)]
        threads = [threading.Thread(target=p.run, args=(interviews,)) for p in people]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=limit_s + 60)
        wall = time.perf_counter() - start
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    return timings, wall


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def advise_baseline(make_answers: Callable[[random.Random], dict[str, Any]], data_dir: Path, n: int) -> float:
    """p50 of ``advise(explain=True)`` in this process: what the result page costs without HTTP."""
    import datetime as dt

    from advisor import Advisor, load_knowledge_base

    advisor = Advisor(load_knowledge_base(data_dir)).dated(dt.date.fromisoformat(DATE))
    rng = random.Random(99)
    samples = [make_answers(rng) for _ in range(n)]
    times = []
    for answers in samples:
        start = time.perf_counter()
        advisor.advise(answers, explain=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)
