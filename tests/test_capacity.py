"""Engine capacity: rules compiled in bounded parts, and ``advisor rules check`` proving they run.

durable-rules fails past internal limits that a knowledge base can reach while it still loads and
passes its own checks (engine-notes, "Capacity"). The check builds every part and consults it on a
sweep of situations in a child process, and names the form and the limit when the engine refuses.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from advisor import load_knowledge_base
from advisor.reasoning.capacity import check_engine, situations
from advisor.reasoning.parts import RULES_PER_PART, part_forms, part_label, partition

from .conftest import ROOT, TODAY, TOY_ROOT

WIDE = 70  # more tests holding at once than durable-rules can follow (64)


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _dump(data: Any, path: Path) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def too_wide_for_the_engine(folder: Path) -> Path:
    """The toy knowledge base plus one rule that holds when any of 70 yes/no answers is yes."""
    for name in ("rules", "sheets"):
        shutil.copytree(TOY_ROOT / name, folder / name)
    questions = _load(folder / "rules" / "questions.yaml")
    for n in range(WIDE):
        questions["questions"].append({"id": f"option_{n}", "type": "boolean", "text": f"Option {n} ?",
                                       "help": "Une option d'essai.", "summary": f"Option {n}"})
    _dump(questions, folder / "rules" / "questions.yaml")
    form = _load(folder / "rules" / "forms" / "bike.yaml")
    form["rules"].append({"id": "bike.any_option", "effect": "supports", "weight": 1,
                          "when": {"any": [{"question": f"option_{n}", "is": True} for n in range(WIDE)]},
                          "claims": [], "reason": "Une des options est choisie."})
    _dump(form, folder / "rules" / "forms" / "bike.yaml")
    return folder


def test_whole_forms_share_parts_of_bounded_size(kb: Any) -> None:
    parts = partition(kb)
    assert [form for part in parts for form in part_forms(part)] == list(kb.forms)
    assert all(0 < len(ids) <= RULES_PER_PART for ids in parts.values())
    assert [rule for ids in parts.values() for rule in ids] == [r.id for f in kb.forms for r in kb.rules_of(f)]
    assert len(parts) < len(kb.forms)  # small forms share a part: fewer assertions per consultation


def test_a_big_form_is_split_into_parts(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(ROOT))
    from bench.scaling import scale_knowledge_base

    kb = load_knowledge_base(scale_knowledge_base(ROOT, tmp_path / "kb", 4, varied=False))
    parts = partition(kb)
    assert "gme#2" in parts and all(len(ids) <= RULES_PER_PART for ids in parts.values())


def test_parts_are_named_in_french() -> None:
    assert part_label("gme") == "la forme « gme »"
    assert part_label("gme#2") == "la forme « gme » (partie 2)"
    assert part_label("jvs+tzcld+pat") == "les formes « jvs », « tzcld » et « pat »"


def test_the_sweep_holds_the_widest_answers_and_the_examples(kb: Any) -> None:
    sweep = situations(kb, 10)
    assert len(sweep) == 2 + len(kb.example_names()) + 10
    assert all(sweep[0][q.id] == [c.id for c in q.choices] for q in kb.questions.values() if q.type == "multiple")


def test_the_real_knowledge_base_runs_on_the_engine() -> None:
    problems, summary = check_engine(ROOT, count=20, as_of=TODAY)
    assert problems == [] and summary is not None and "3 parties" in summary


def test_rules_check_fails_cleanly_on_a_knowledge_base_the_engine_cannot_run(tmp_path: Path, invoke: Any) -> None:
    root = too_wide_for_the_engine(tmp_path / "wide")
    assert load_knowledge_base(root).rules  # it loads and passes its own checks
    result = invoke("--data-dir", str(root), "rules", "check")
    assert result.exit_code == 2
    assert "la forme « bike »" in result.stderr
    assert "plus de 64 tests à la fois" in result.stderr and "erreur 303" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_situation_the_engine_refuses_does_not_refuse_the_next_ones(tmp_path: Path) -> None:
    """After error 303 the refused session cannot be deleted (durable-rules crashes): the engine sets its host
    aside and goes on with a new one, so that in a batch only the refused row is in error. In a child
    process, since a mistake here crashes the interpreter."""
    import subprocess
    import sys

    root = too_wide_for_the_engine(tmp_path / "wide")
    script = f"""
from advisor import Advisor, EngineError, load_knowledge_base
advisor = Advisor(load_knowledge_base({str(root)!r}))
wide = {{f"option_{{n}}": True for n in range({WIDE})}}
outcomes = []
for _ in range(3):
    try:
        advisor.advise(wide)
        outcomes.append("answered")
    except EngineError as err:
        outcomes.append("refused" if "erreur 303" in str(err) else str(err))
    outcomes.append(advisor.advise({{"weather": "sunny", "distance_km": 3}}).recommendations[0].form)
print(outcomes)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == str(["refused", "bike"] * 3)


def too_slow_to_build(folder: Path) -> Path:
    """The toy knowledge base plus 40 rules, each an ``any`` over 20 thresholds of one number: durable-rules
    spends hours building them (measured), in C, where Ctrl-C does not reach."""
    for name in ("rules", "sheets"):
        shutil.copytree(TOY_ROOT / name, folder / name)
    questions = _load(folder / "rules" / "questions.yaml")
    questions["questions"].append({"id": "amount", "type": "number", "text": "Montant ?", "help": "Un montant.",
                                   "summary": "Montant", "min": 0, "max": 100000})
    _dump(questions, folder / "rules" / "questions.yaml")
    form = _load(folder / "rules" / "forms" / "bike.yaml")
    for n in range(40):
        form["rules"].append({"id": f"bike.threshold_{n}", "effect": "supports", "weight": 1, "claims": [],
                              "when": {"any": [{"question": "amount", "gte": n * 100 + k} for k in range(20)]},
                              "reason": "Un seuil est atteint."})
    _dump(form, folder / "rules" / "forms" / "bike.yaml")
    return folder


def _recommend(root: Path, cache: Path, seconds: float,
               args: tuple[str, ...] = ("recommend", "--example", "commute")) -> subprocess.Popen[str]:
    """An ``advisor`` command on a data folder in a child process, the build proof stopped after ``seconds``."""
    code = ("import sys; from advisor.reasoning import build_proof; build_proof.BUILD_SECONDS = float(sys.argv[1])\n"
            "from advisor.cli import main; main(['--data-dir', sys.argv[2], *sys.argv[3:]])")
    env = {**os.environ, "ADVISOR_CACHE_DIR": str(cache), "ADVISOR_NO_CACHE": "", "NO_COLOR": "1"}
    return subprocess.Popen([sys.executable, "-c", code, str(seconds), str(root), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, start_new_session=True,
                            preexec_fn=_default_signals)


def _default_signals() -> None:
    """As in a terminal, whatever runs the tests (``nohup`` ignores SIGHUP, a background job SIGINT)."""
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)


def _child_of(proc: subprocess.Popen[str]) -> int:
    """The process the command started (the build proof's or the engine check's), once it runs."""
    deadline = time.monotonic() + 30
    while not (found := subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True,
                                       check=False).stdout.split()):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    return int(found[0])


def _stop(proc: subprocess.Popen[str]) -> None:
    """Leave no process behind, whatever the test found."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the build proof needs os.fork")
def test_rules_the_engine_cannot_build_stop_a_command_in_french_instead_of_hanging_it(tmp_path: Path) -> None:
    proc = _recommend(too_slow_to_build(tmp_path / "kb"), tmp_path / "cache", 3)
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        _stop(proc)
    assert proc.returncode == 2 and out == "", err
    assert "le moteur de règles n'a pas fini de construire les règles de la forme « bike » après 3 s" in err
    assert "advisor rules check" in err and "Traceback" not in err
    assert not list((tmp_path / "cache").glob("build-*.ok"))  # nothing remembered: the next run says it again


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the build proof needs os.fork")
def test_ctrl_c_stops_a_command_while_the_engine_builds(tmp_path: Path) -> None:
    proc = _recommend(too_slow_to_build(tmp_path / "kb"), tmp_path / "cache", 120)
    _child_of(proc)
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=10)
    finally:
        _stop(proc)
    assert proc.returncode == 130 and "Interrompu" in err and "Traceback" not in err
    with pytest.raises(ProcessLookupError):  # the child building the rules is gone too
        os.killpg(proc.pid, 0)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the build proof needs os.fork")
def test_a_build_that_succeeded_is_proven_once(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = _recommend(TOY_ROOT, cache, 60)
    assert first.wait(timeout=60) == 0, first.communicate()
    (marker,) = cache.glob("build-*.ok")
    code = ("import os, sys; from advisor import load_knowledge_base; from advisor.reasoning.engine import Engine\n"
            "os.fork = None  # a second proof would fail here\n"
            "Engine(load_knowledge_base(sys.argv[1]), prove=True).consult({})")
    env = {**os.environ, "ADVISOR_CACHE_DIR": str(cache), "ADVISOR_NO_CACHE": ""}
    done = subprocess.run([sys.executable, "-c", code, str(TOY_ROOT)], capture_output=True, text=True, env=env,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert marker.exists()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the build proof needs os.fork")
def test_the_child_building_the_rules_does_not_outlive_its_time_when_the_command_is_killed(tmp_path: Path) -> None:
    proc = _recommend(too_slow_to_build(tmp_path / "kb"), tmp_path / "cache", 1)
    child = _child_of(proc)
    proc.kill()  # as a system stopping the command would, leaving the child alone
    proc.communicate()
    assert _gone_within(child, 10), "the child kept building after its time was up"


def _gone_within(pid: int, seconds: float) -> bool:
    """Whether a process ends within ``seconds``."""
    deadline = time.monotonic() + seconds
    while _running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _running(pid: int) -> bool:
    """Whether a process exists and is not a zombie (an orphan is reaped by init, or lingers as a zombie here)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc (macOS): ask the system
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


@pytest.mark.skipif(not hasattr(signal, "SIGHUP") or not hasattr(os, "fork"), reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM)], ids=["term", "hup"])
def test_a_command_stopped_while_the_engine_builds_stops_the_child_too(tmp_path: Path, signum: int) -> None:
    proc = _recommend(too_slow_to_build(tmp_path / "kb"), tmp_path / "cache", 120)
    child = _child_of(proc)
    proc.send_signal(signum)
    try:
        proc.communicate(timeout=10)
    finally:
        _stop(proc)
    assert proc.returncode == -signum  # ended by the signal, as it would have been without the proof
    assert not _running(child)


@pytest.mark.parametrize("args", [("questions",), ("sheets", "list"), ("recommend", "--example"),
                                  ("compare", "--forms", "bike,train")], ids=lambda a: " ".join(a))
def test_commands_that_only_read_the_knowledge_base_do_not_build_the_engine(tmp_path: Path,
                                                                           args: tuple[str, ...]) -> None:
    proc = _recommend(too_slow_to_build(tmp_path / "kb"), tmp_path / "cache", 120, args)
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        _stop(proc)
    assert proc.returncode == 0 and out and err == "", err


@pytest.mark.skipif(sys.platform == "win32" or not hasattr(os, "fork"), reason="pseudo-terminals and os.fork")
def test_a_long_first_build_is_announced_in_a_terminal(tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    root = too_slow_to_build(tmp_path / "kb")
    code = ("import sys; from advisor.reasoning import build_proof; build_proof.BUILD_SECONDS = 4.0\n"
            "from advisor.cli import main; main(['--data-dir', sys.argv[1], 'recommend', '--example', 'commute'])")
    env = {**os.environ, "ADVISOR_CACHE_DIR": str(tmp_path / "cache"), "ADVISOR_NO_CACHE": "", "NO_COLOR": "1",
           "TERM": "dumb", "LANG": "C.UTF-8"}
    child = pexpect.spawn(sys.executable, ["-c", code, str(root)], env=env, encoding="utf-8", timeout=30,
                          dimensions=(24, 200))
    child.expect_exact("Préparation du moteur de règles pour cette base de connaissances (une seule fois)")
    child.expect_exact("n'a pas fini de construire les règles de la forme « bike » après 4 s")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="dying with the parent is a Linux feature")
def test_the_engine_check_stops_with_rules_check(tmp_path: Path) -> None:
    proc = _recommend(too_slow_to_build(tmp_path / "kb"), tmp_path / "cache", 120, ("rules", "check"))
    child = _child_of(proc)
    time.sleep(0.5)  # the check has started building
    proc.send_signal(signal.SIGTERM)
    try:
        proc.communicate(timeout=10)
    finally:
        _stop(proc)
    assert _gone_within(child, 5), "the engine check kept running after rules check was stopped"


@pytest.mark.skipif(not hasattr(signal, "SIGHUP") or not hasattr(os, "fork"), reason="POSIX signals")
def test_a_command_run_under_nohup_outlives_a_closed_terminal_while_the_engine_builds(tmp_path: Path) -> None:
    code = ("import sys; from advisor.cli import main\n"
            "main(['--data-dir', sys.argv[1], 'recommend', '--example', 'commute'])")
    env = {**os.environ, "ADVISOR_CACHE_DIR": str(tmp_path / "cache"), "ADVISOR_NO_CACHE": ""}
    proc = subprocess.Popen([sys.executable, "-c", code, str(too_slow_to_build(tmp_path / "kb"))], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))  # as nohup does
    try:
        _child_of(proc)
        proc.send_signal(signal.SIGHUP)
        time.sleep(1)
        assert proc.poll() is None  # still proving the rules, as asked
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
