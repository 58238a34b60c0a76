"""``advisor ask`` end to end in a real pseudo-terminal (pexpect), as a person would use it.

The installed ``advisor`` command is looked for next to the Python running the tests (the
virtual environment's ``bin/``); these tests are skipped when it is not installed.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from advisor import Advisor, KnowledgeBase
from advisor.files import read_answers_file
from advisor.interview.session import Interview
from tests.conftest import TOY_ROOT
from tests.test_cli_ask import play, scenario_answers
from tests.test_questionnaire import typed_until_settled

pexpect = pytest.importorskip("pexpect")

ADVISOR = Path(sys.executable).parent / "advisor"
PROMPT = "> "
TIMEOUT = 30

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ADVISOR.exists(), reason=f"the advisor command is not installed in {ADVISOR.parent}"),
    pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals need a POSIX system"),
]


def spawn(tmp_path: Path, *args: str, rows: int = 50, columns: int = 200, **extra: str) -> pexpect.spawn:
    env = {k: v for k, v in os.environ.items() if k not in ("ADVISOR_DATA_DIR", "PAGER", "LESS", "COLUMNS", "LINES")}
    env.update({"NO_COLOR": "1", "TERM": "dumb", "LANG": "C.UTF-8"})
    env.update(extra)
    env = {k: v for k, v in env.items() if v is not None and v != "-"}  # "-": leave the variable unset
    return pexpect.spawn(str(ADVISOR), list(args), cwd=str(tmp_path), env=env, encoding="utf-8",
                         timeout=TIMEOUT, dimensions=(rows, columns))


def type_lines(child: pexpect.spawn, lines: list[str]) -> None:
    """Type each line at its prompt."""
    for line in lines:
        child.expect_exact(PROMPT)
        child.sendline(line)


def rows_of(text: str) -> list[str]:
    """What a terminal shows, row by row (the pseudo-terminal ends lines with CR LF)."""
    return text.replace("\r\n", "\n").split("\n")


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
        child.expect_exact("votre projet de coopération")  # the optional description, asked at the end
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


# --- issue 12, items 1 to 7, in a real terminal ------------------------------------------------

def test_an_interview_on_an_80x24_terminal_ends_on_the_verdict_and_keeps_the_answers(tmp_path: Path,
                                                                                     advisor: Advisor) -> None:
    """Items 1 and 6: no --save, every row fits 80 columns, the last screen shows the verdict and its confidence."""
    lines = play(Interview(advisor), scenario_answers("gme"))
    child = spawn(tmp_path, "ask", rows=24, columns=80)
    try:
        type_lines(child, lines)
        child.expect_exact("Relecture de vos réponses")
        child.expect_exact(PROMPT)
        child.sendline("")
        child.expect_exact("votre projet de coopération")  # the optional description, asked at the end
        child.sendline("")
        child.expect(pexpect.EOF)
        end = child.before or ""
    finally:
        child.close()
    assert child.exitstatus == 0 and "Traceback" not in end
    rows = rows_of(end)
    assert all(len(row) <= 80 or " " not in row.strip() for row in rows)  # only a word longer than a row overflows
    shown = [row[i:i + 80] for row in rows for i in range(0, max(len(row), 1), 80)]  # as the terminal folds them
    screen = shown[-23:]  # the last screen, above the shell's prompt
    assert any(row.startswith("Forme recommandée : Groupement momentané") for row in screen)
    assert any(row.startswith("Confiance : ") for row in screen)
    saved = re.search(r"Vos réponses sont enregistrées dans\s+(\S+\.yaml)\.", end)
    assert saved is not None
    path = Path(saved.group(1))
    assert path.parent == tmp_path and advisor.advise(read_answers_file(path)[0]) == advisor.advise(
        scenario_answers("gme"))


def test_a_selection_is_edited_with_plus_and_minus_and_confirmed_in_a_terminal(tmp_path: Path, advisor: Advisor,
                                                                               kb: KnowledgeBase) -> None:
    """Items 2 and 4: the market questions come together after the goals; removing the goal asks first."""
    values = advisor.validate(scenario_answers("gme"))
    lines = play(Interview(advisor), values)
    choices = [c.id for c in kb.questions["goals"].choices]
    market, pool = 1 + choices.index("market"), 1 + choices.index("pool_means")
    child = spawn(tmp_path, "ask", "--no-save")
    try:
        type_lines(child, lines[:1])
        child.expect_exact("Question 2 — ")
        child.expect_exact(kb.questions["structure_types"].text)
        type_lines(child, lines[1:])
        child.expect_exact("Relecture de vos réponses")
        child.expect(r"(\d+)\. Objectifs de la coopération")
        number = child.match.group(1)
        type_lines(child, [number])
        child.expect_exact(f"Sélection actuelle : {market}")
        type_lines(child, [f"+{pool}"])  # adding a goal removes nothing; it opens a question, asked at once
        child.expect(r"votre réponse précédente en a ouvert (une|\d+)")
        while child.expect_exact(["Relecture de vos réponses", PROMPT]) == 1:  # « je ne sais pas » to each
            child.sendline("0")
        type_lines(child, [number])
        child.expect_exact(f"Sélection actuelle : {min(market, pool)},{max(market, pool)}")
        type_lines(child, [f"-{market}"])
        child.expect_exact("Cette réponse retire les ")
        child.expect_exact("Confirmer ?")
        type_lines(child, ["n"])
        child.expect_exact("Modification annulée : la réponse précédente est gardée.")
        child.expect_exact("Relecture de vos réponses")
        type_lines(child, [""])
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


def test_fin_in_a_terminal_goes_to_the_review(tmp_path: Path, advisor: Advisor, kb: KnowledgeBase) -> None:
    """Item 3: the notice once, then « fin » shows the review screen (not a bare prompt)."""
    interview, lines = typed_until_settled(advisor, kb.example("gme-brunoy").answers)
    child = spawn(tmp_path, "ask", "--no-save")
    try:
        type_lines(child, lines)
        child.expect_exact("Tapez « fin » pour passer à la relecture")
        type_lines(child, ["fin"])
        child.expect_exact("Questions restantes passées")
        child.expect_exact("Relecture de vos réponses")
        type_lines(child, [""])
        child.expect_exact("En bref")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


def test_yes_no_and_counts_typed_in_a_terminal(tmp_path: Path, toy_advisor: Advisor) -> None:
    """Item 5: a yes/no question is a numbered list; « oui », « 8 000 km »-like counts and « NSP » are understood."""
    child = spawn(tmp_path, "--data-dir", str(TOY_ROOT), "ask", "--no-save")
    try:
        child.expect_exact("Quelle distance parcourez-vous")
        type_lines(child, ["20,5"])
        child.expect_exact("Un nombre entier est attendu, sans virgule")
        type_lines(child, ["1 000 000"])
        child.expect_exact("Le nombre doit être compris entre 0 et")
        type_lines(child, ["20"])
        child.expect_exact("  1. Oui")
        child.expect_exact("  2. Non")
        type_lines(child, ["oui"])
        child.expect_exact("Quel temps fait-il")
        type_lines(child, ["2"])
        child.expect_exact("Que voulez-vous en plus")
        type_lines(child, ["2", ""])
        child.expect_exact("En bref")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


def test_recommend_goes_through_a_pager_in_a_terminal_only(tmp_path: Path) -> None:
    """Item 6: a pager as git does (never with --no-pager, never in a pipe), opening on the verdict."""
    paged = spawn(tmp_path, "recommend", "--example", "afeji", PAGER="sed s/^/PAGE:/")
    try:
        paged.expect(pexpect.EOF)
        out = paged.before or ""
    finally:
        paged.close()
    rows = [row for row in rows_of(out) if row]
    assert rows[0] == "PAGE:En bref" and all(row.startswith("PAGE:") for row in rows)
    assert any(row.startswith("PAGE:Confiance : forte") for row in rows[:23])
    sheet = spawn(tmp_path, "sheets", "show", "gme", PAGER="sed s/^/PAGE:/")
    try:
        sheet.expect(pexpect.EOF)
        assert all(row.startswith("PAGE:") for row in rows_of(sheet.before or "") if row)
    finally:
        sheet.close()
    plain = spawn(tmp_path, "recommend", "--example", "afeji", "--no-pager", PAGER="sed s/^/PAGE:/")
    try:
        plain.expect(pexpect.EOF)
        assert "PAGE:" not in (plain.before or "") and "En bref" in (plain.before or "")
    finally:
        plain.close()


@pytest.mark.skipif(shutil.which("less") is None, reason="less is not installed")
def test_less_opens_on_the_verdict_of_a_long_recommendation(tmp_path: Path) -> None:
    """Item 6, with the real pager: on 80×24, the first screen shows the verdict and its confidence."""
    child = spawn(tmp_path, "recommend", "--example", "afeji", rows=24, columns=80, TERM="xterm", PAGER="-")
    try:
        child.expect_exact("Forme recommandée : ")
        child.expect_exact("Confiance : ")
        child.expect_exact(":")  # less waits at the bottom of the first screen
        child.send("q")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


def test_no_color_after_the_command_in_a_terminal(tmp_path: Path) -> None:
    """Item 7: ``--no-color`` after the command name; an empty NO_COLOR does not count."""
    def output(*args: str, **env: str) -> str:
        child = spawn(tmp_path, *args, TERM="xterm", **env)
        try:
            child.expect(pexpect.EOF)
            return child.before or ""
        finally:
            child.close()

    assert "\x1b[" in output("recommend", "--example", "afeji", "--no-pager", NO_COLOR="")
    assert "\x1b[" not in output("recommend", "--example", "afeji", "--no-pager", "--no-color", NO_COLOR="")
    assert "\x1b[" not in output("recommend", "--example", "afeji", "--no-pager", NO_COLOR="1")


def test_rules_check_says_in_a_terminal_that_the_engine_proof_takes_time(tmp_path: Path) -> None:
    child = spawn(tmp_path, "--data-dir", str(TOY_ROOT), "rules", "check")
    child.expect_exact("la preuve du moteur peut prendre quelques minutes")
    child.expect(pexpect.EOF, timeout=300)
