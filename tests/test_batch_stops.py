"""Batch stopped from outside: a worker process killed (out-of-memory killer), a terminal closed (SIGHUP).

Each leaves no file behind and says why, in French, with its exit code.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.test_batch_inputs import start_batch

linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find the workers")


def workers_of(pid: int) -> list[int]:
    """The worker processes started by ``pid`` (spawned with ``spawn_main``; not its resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue  # ended meanwhile
        if ppid == pid and b"spawn_main" in command:
            found.append(int(entry.name))
    return found


@linux_only
def test_a_worker_killed_stops_the_batch_with_a_french_error_and_no_file(tmp_path: Path) -> None:
    proc, target = start_batch(tmp_path, "2", group=True)
    deadline = time.monotonic() + 60
    while not (workers := workers_of(proc.pid)):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.02)
    os.kill(workers[0], signal.SIGKILL)  # as the out-of-memory killer does
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:  # it used to wait for the lost rows forever: leave no process behind
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the batch waited forever for the rows of the worker killed")
    assert proc.returncode == 2, err
    assert "un processus de calcul s'est arrêté brutalement (mémoire insuffisante ?)" in err
    assert "--jobs 1" in err and "Traceback" not in err and "Error" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP on this platform")
@pytest.mark.parametrize(("jobs", "group"), [("1", False), ("2", True)], ids=["alone", "workers-too"])
def test_a_closed_terminal_stops_cleanly_with_129_and_no_file(tmp_path: Path, jobs: str, group: bool) -> None:
    proc, target = start_batch(tmp_path, jobs, group)
    if group:  # a closed terminal hangs up its whole foreground process group
        os.killpg(proc.pid, signal.SIGHUP)
    else:
        proc.send_signal(signal.SIGHUP)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGHUP == 129, err
    assert "Arrêté (terminal fermé) après" in err and "n'a pas été créé" in err
    assert "Traceback" not in err and "Error" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_stop_messages_use_french_plurals() -> None:
    from advisor.cli.batch_cmd import _structures

    assert [_structures(n) for n in (0, 1, 2, 4449)] == ["0 structure", "1 structure", "2 structures",
                                                        "4\u202f449 structures"]

