"""Issue 16 (hostile input) and issue 12 item 8, on ``advisor ask``: whatever ends the interview, the
answers given are kept; nothing typed can make the answers file unreadable.

The inputs of ``tests/fixtures/hostile/`` are the files of the issue, byte for byte.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor import Advisor, KnowledgeBase
from advisor.cli import cli
from advisor.files import dump_answers, read_answers_file
from advisor.interview.session import Interview
from advisor.knowledge.text import description_problem, tidy_lines
from tests.conftest import ROOT
from tests.test_cli_ask import isolated, play, scenario_answers  # noqa: F401 - the autouse fixture

HOSTILE = ROOT / "tests" / "fixtures" / "hostile"
ADVISOR = Path(sys.executable).parent / "advisor"
SAVED = re.compile(r"(\d+) réponses? enregistrées? dans (.+\.yaml)\.")
DEFAULT_NAME = re.compile(r"reponses-conseiller-\d{8}-\d{6}(-\d+)?\.yaml$")


def kept(stderr: str) -> tuple[int, Path]:
    """How many answers were saved, and where (the line every unexpected end prints)."""
    found = SAVED.search(stderr)
    assert found, stderr
    return int(found[1]), Path(found[2])


@pytest.mark.parametrize(("name", "code", "said"), [
    ("f03-ask-latin1-stdin.txt", 2, "n'est pas du texte UTF-8. Enregistrez le fichier en UTF-8"),
    ("f04-ask-superscript-stdin.txt", 130, "Choix non reconnu"),
    ("f04-ask-5000digits-stdin.txt", 130, "Le numéro 999999999… n'existe pas"),
    ("f04-ask-range-stdin.txt", 130, "Le numéro 12 n'existe pas"),
    ("f07-ask-nonchar-stdin.txt", 130, "Caractère invisible ou réservé (U+FFFF)"),
])
def test_a_hostile_transcript_keeps_the_answers_and_says_what_is_wrong(runner: CliRunner, tmp_path: Path, name: str,
                                                                       code: int, said: str) -> None:
    result = runner.invoke(cli, ["--no-color", "ask"], input=(HOSTILE / name).read_bytes())
    assert result.exit_code == code, result.output
    assert said in result.output and "Erreur interne" not in result.output and "Traceback" not in result.output
    count, path = kept(result.stderr)
    assert path.parent == tmp_path and DEFAULT_NAME.search(path.name)
    answers, _ = read_answers_file(path)
    assert count >= 1 and len([v for v in answers.values() if v != ""]) == count
    assert f"Pour reprendre : advisor ask --answers {path} --save {path}" in result.stderr


def test_a_range_is_bounded_before_it_is_expanded(runner: CliRunner) -> None:
    """``1-99999999`` used to build a list of 10⁸ numbers (4 GB); now it is refused at once."""
    started = time.perf_counter()
    result = runner.invoke(cli, ["ask"], input="\n1-99999999\n")
    assert time.perf_counter() - started < 10 and "n'existe pas" in result.stdout


def test_an_internal_error_still_keeps_the_answers(runner: CliRunner, advisor: Advisor, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    lines = play(Interview(advisor), scenario_answers("pat"))
    original = Interview.answer
    calls = []

    def failing(self: Interview, raw: str):  # type: ignore[no-untyped-def]
        calls.append(raw)
        if len(calls) == 5:
            raise RuntimeError("boom")
        return original(self, raw)

    monkeypatch.setattr(Interview, "answer", failing)
    result = runner.invoke(cli, ["ask"], input="\n".join(lines) + "\n")
    assert result.exit_code == 1 and "Erreur interne (RuntimeError) : boom" in result.stderr
    count, path = kept(result.stderr)
    assert path.parent == tmp_path and len(read_answers_file(path)[0]) == 4


@pytest.mark.parametrize("signum", [getattr(signal, name, 0) for name in ("SIGTERM", "SIGHUP")],
                         ids=["SIGTERM", "SIGHUP"])
@pytest.mark.skipif(not ADVISOR.exists(), reason="the advisor command is not installed")
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_and_sighup_keep_the_answers(advisor: Advisor, tmp_path: Path, signum: int) -> None:
    lines = play(Interview(advisor), scenario_answers("ges"))[:3]
    child = subprocess.Popen([str(ADVISOR), "--no-color", "ask"], cwd=tmp_path, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write("".join(f"{line}\n" for line in lines))
    child.stdin.flush()
    seen = ""
    while "Question 4 —" not in seen:  # the fourth question is on screen: three answers given, input awaited
        seen += child.stdout.readline()
    child.send_signal(signum)
    out, err = child.communicate(timeout=30)
    assert child.returncode == 128 + signum, err
    count, path = kept(err)
    assert path.parent == tmp_path and len(read_answers_file(path)[0]) == 3
    assert ("Terminal fermé" if signum == getattr(signal, "SIGHUP", None) else "Arrêt demandé") in err
    assert "Traceback" not in err


def test_a_hostile_description_is_refused_at_input_with_a_message(runner: CliRunner, tmp_path: Path) -> None:
    """DEL in a description (f07) is refused when the file is read, naming the character: nothing is written."""
    saved = tmp_path / "s.yaml"
    result = runner.invoke(cli, ["ask", "--answers", str(HOSTILE / "f07-desc-del.yaml"), "--save", str(saved)],
                           input="1\n")
    assert result.exit_code == 2, result.output
    assert "caractère de contrôle" in result.stderr and "U+007F" in result.stderr
    assert not saved.exists()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1, max_size=60))
def test_whatever_text_is_dumped_reads_back_the_same(kb: KnowledgeBase, tmp_path: Path, text: str) -> None:
    """Everything ``ask`` writes is read back by the same loader (controls, DEL, U+FFFF, line separators…)."""
    path = tmp_path / "r.yaml"
    accepted = description_problem(text) is None  # a description with controls is refused at input
    path.write_text(dump_answers(kb, {"structure_name": text, "goals": ["market"]}, text if accepted else None),
                    encoding="utf-8")
    answers, description = read_answers_file(path)
    assert answers == {"structure_name": text, "goals": ["market"]}
    assert description == ((tidy_lines(text) or None) if accepted else None)
