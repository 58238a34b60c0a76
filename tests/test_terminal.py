"""``advisor ask`` end to end in a real pseudo-terminal (pexpect), as a person would use it.

The installed ``advisor`` command is looked for next to the Python running the tests (the
virtual environment's ``bin/``); these tests are skipped when it is not installed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from advisor import Advisor
from advisor.files import read_answers_file
from advisor.interview.session import Interview
from tests.test_cli_ask import play, scenario_answers

pexpect = pytest.importorskip("pexpect")

ADVISOR = Path(sys.executable).parent / "advisor"
PROMPT = "> "
TIMEOUT = 30

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ADVISOR.exists(), reason=f"the advisor command is not installed in {ADVISOR.parent}"),
    pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals need a POSIX system"),
]


def spawn(tmp_path: Path, *args: str) -> pexpect.spawn:
    env = {k: v for k, v in os.environ.items() if k != "ADVISOR_DATA_DIR"}
    env.update({"NO_COLOR": "1", "TERM": "dumb", "LANG": "C.UTF-8"})
    return pexpect.spawn(str(ADVISOR), list(args), cwd=str(tmp_path), env=env, encoding="utf-8",
                         timeout=TIMEOUT, dimensions=(50, 200))


def test_a_whole_interview_in_a_terminal(tmp_path: Path, advisor: Advisor) -> None:
    saved = tmp_path / "mes-réponses.yaml"
    probe = Interview(advisor)
    play(probe, scenario_answers("jvs"))
    step = next(i for i, qid in enumerate(probe.history) if i > 0 and advisor.kb.questions[qid].choices)
    lines = play(Interview(advisor), scenario_answers("jvs"), {step: ["?", "zz", "<", ""]})
    child = spawn(tmp_path, "ask", "--save", str(saved))
    try:
        child.expect_exact("Question 1 —")
        for line in lines:
            child.expect_exact(PROMPT)
            child.sendline(line)
        child.expect_exact("Relecture de vos réponses")
        child.expect_exact(PROMPT)
        child.sendline("")
        child.expect_exact("Formes de coopération classées")
        child.expect_exact(advisor.kb.forms["jvs"].label)
        child.expect_exact(f"Vos réponses sont enregistrées dans {saved}.")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert "Traceback" not in (child.before or "")
    assert advisor.advise(read_answers_file(saved)[0]).recommendations[0].form == "jvs"


def test_ctrl_c_in_a_terminal_saves_and_says_how_to_resume(tmp_path: Path, advisor: Advisor) -> None:
    lines = play(Interview(advisor), scenario_answers("ges"))
    child = spawn(tmp_path, "ask")
    try:
        for line in lines[:3]:
            child.expect_exact(PROMPT)
            child.sendline(line)
        child.expect_exact(PROMPT)
        child.sendintr()
        child.expect_exact("Questionnaire interrompu.")
        child.expect(r"enregistrées? dans (\S+\.yaml)\.")
        path = Path(child.match.group(1))
        child.expect_exact("Pour reprendre : advisor ask --answers")
        child.expect(pexpect.EOF)
        output = child.before or ""
    finally:
        child.close()
    assert child.exitstatus == 130 and "Traceback" not in output
    assert path.parent == tmp_path and len(read_answers_file(path)[0]) == 3
