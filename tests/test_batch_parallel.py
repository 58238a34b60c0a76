"""Batch: the number of processes chosen from the measured cost of rows, the same bytes out whatever
the number of processes, and a progress bar only on a terminal."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from advisor import Advisor, KnowledgeBase
from advisor.batch import plan
from advisor.batch.parallel import CHUNK_ROWS
from advisor.batch.run import batch_to_file
from advisor.cli import batch_cmd
from tests.conftest import TOY_ROOT
from tests.test_batch import valid_rows, write_csv, write_jsonl

# --- the choice ----------------------------------------------------------------------------------


def test_workers_only_when_they_repay_their_start_up() -> None:
    row = 0.0015  # seconds: a typical row of the real knowledge base
    assert plan.choose_jobs(200, row, cores=2, chunk_rows=CHUNK_ROWS) == 1
    assert plan.choose_jobs(10_000, row, cores=2, chunk_rows=CHUNK_ROWS) == 2
    assert plan.choose_jobs(10_000, row, cores=1, chunk_rows=CHUNK_ROWS) == 1
    assert plan.choose_jobs(1_000_000, row, cores=64, chunk_rows=CHUNK_ROWS) == plan.MAX_JOBS
    assert plan.choose_jobs(100, 1.0, cores=8, chunk_rows=CHUNK_ROWS) == 2  # slow rows, but only two chunks
    # The threshold follows the formula: just below it one process, just above it workers.
    needed = plan.WORKER_START_S * plan.MIN_SPEEDUP / (1 - plan.MIN_SPEEDUP * (1 + plan.PARALLEL_OVERHEAD) / 2)
    assert plan.choose_jobs(needed / row * 0.95, row, cores=2, chunk_rows=CHUNK_ROWS) == 1
    assert plan.choose_jobs(needed / row * 1.05, row, cores=2, chunk_rows=CHUNK_ROWS) == 2


def test_the_probe_skips_the_first_row_and_estimates_the_rows_left() -> None:
    probe = plan.Probe(size=10_000)
    probe.add(5.0, 100)  # the first consultation warms the engine: not counted
    assert probe.row_seconds == 0.0 and not probe.done
    for n in range(2, plan.PROBE_ROWS + 1):
        probe.add(0.001, 100 * n)
    assert probe.done and probe.row_seconds == pytest.approx(0.001)
    assert probe.rows_left == pytest.approx((10_000 - 100 * plan.PROBE_ROWS) / 100)
    slow = plan.Probe(size=10_000)
    for n in range(1, 4):
        slow.add(plan.PROBE_SECONDS, 100 * n)
    assert slow.done and slow.rows == 3  # slow rows: fewer of them timed before choosing


def test_cores_are_those_the_process_may_use(monkeypatch: pytest.MonkeyPatch) -> None:
    if hasattr(os, "sched_getaffinity"):
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
        monkeypatch.setattr(os, "cpu_count", lambda: 16)
        assert plan.available_cores() == 1
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert plan.available_cores() == 1


def test_a_small_input_stays_in_one_process(tmp_path: Path, toy_kb: KnowledgeBase) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", valid_rows(toy_kb) * 20)
    run = batch_to_file(Advisor(toy_kb), source, tmp_path / "out.csv", jobs=0)
    assert sum(1 for _ in run) == len(valid_rows(toy_kb)) * 20
    assert run.plan.jobs == 1 and not run.parallel
    assert run.plan.probe is not None and 1 < run.plan.probe.rows <= plan.PROBE_ROWS


# --- the same bytes whatever the number of processes -------------------------------------------------


def _structures(kb: KnowledgeBase, count: int) -> list[Any]:
    good = valid_rows(kb)
    return [good[n % len(good)] if n % 41 else "{cassé" for n in range(count)]


@pytest.mark.parametrize("out", ["out.csv", "out.jsonl"])
def test_output_is_byte_identical_whatever_the_processes(tmp_path: Path, toy_kb: KnowledgeBase, out: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", _structures(toy_kb, 3 * CHUNK_ROWS + 7))
    advisor = Advisor(toy_kb)

    def written(jobs: int) -> bytes:
        target = tmp_path / f"{jobs}-{out}"
        run = batch_to_file(advisor, source, target, jobs=jobs)
        lines = [row.line for row in run]
        assert lines == sorted(lines)
        return target.read_bytes()

    serial = written(1)
    assert written(2) == serial
    monkeypatch.setattr(plan, "choose_jobs", lambda *args: 2)  # automatic: the first rows here, then workers
    assert written(0) == serial


def test_csv_separator_reaches_the_workers(tmp_path: Path, toy_kb: KnowledgeBase) -> None:
    rows = valid_rows(toy_kb) * (CHUNK_ROWS // len(valid_rows(toy_kb)) + 2)
    source = write_csv(tmp_path / "in.csv", toy_kb, rows, delimiter=";")
    advisor = Advisor(toy_kb)
    for jobs in (1, 2):
        list(batch_to_file(advisor, source, tmp_path / f"out-{jobs}.csv", jobs=jobs))
    serial = (tmp_path / "out-1.csv").read_bytes()
    assert serial.splitlines()[0].count(b";") > 5
    assert (tmp_path / "out-2.csv").read_bytes() == serial


# --- progress ------------------------------------------------------------------------------------


def test_progress_text_is_french() -> None:
    assert batch_cmd._progress_text((1234, 0.5, 617.2, 2.0)) == (
        "50\u202f% · 1\u202f234 structures · 617 structures/s · temps restant : 2 s")
    assert batch_cmd._progress_text((1, 0.0, None, None)) == "0\u202f% · 1 structure"
    assert batch_cmd._progress_text((10, 1.0, 10.0, None)) == "100\u202f% · 10 structures · 10 structures/s"
    narrow = batch_cmd._progress_text((45_000, 0.45, 725.0, 76.0), room=65)  # an 80-column terminal
    assert narrow == "45\u202f% · 45\u202f000 structures · temps restant : 1 min 16 s"
    assert [batch_cmd._duration(s) for s in (0.2, 59.4, 65, 3725)] == ["1 s", "59 s", "1 min 05 s", "1 h 02 min"]


def test_nothing_but_the_summary_in_a_pipe(tmp_path: Path, toy_kb: KnowledgeBase, invoke: Any) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", valid_rows(toy_kb) * 30)
    result = invoke("--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.startswith(f"{len(valid_rows(toy_kb)) * 30} structures traitées, 0 en erreur.")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals need a POSIX system")
def test_progress_bar_in_a_terminal(tmp_path: Path, toy_kb: KnowledgeBase) -> None:
    pexpect = pytest.importorskip("pexpect")
    source = write_jsonl(tmp_path / "in.jsonl", valid_rows(toy_kb) * 200)
    env = {k: v for k, v in os.environ.items() if k not in ("ADVISOR_DATA_DIR", "COLUMNS", "LINES")}
    repo = str(Path(__file__).resolve().parent.parent)
    env.update({"NO_COLOR": "1", "TERM": "dumb", "LANG": "C.UTF-8",
                "PYTHONPATH": os.pathsep.join([repo, env.get("PYTHONPATH", "")])})
    child = pexpect.spawn(sys.executable, ["-m", "advisor", "--data-dir", str(TOY_ROOT), "batch", str(source),
                                           "-o", str(tmp_path / "out.csv")],
                          cwd=str(tmp_path), env=env, encoding="utf-8", timeout=60, dimensions=(24, 80))
    child.logfile_read = screen = io.StringIO()
    child.expect_exact("Analyse")
    child.expect(r"100\u202f% · [\d\u202f]+ structures · [\d\u202f]+ structures/s")
    child.expect_exact("structures traitées, 0 en erreur")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    bars = [line for line in screen.getvalue().split("\r") if line.startswith("Analyse")]
    assert len(bars) > 1 and len({line.index("]") for line in bars}) == 1  # the bar keeps its width
    assert all(len(line.split("\n")[0].rstrip()) < 80 for line in bars)  # and the line fits: no wrapping
