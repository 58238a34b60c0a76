"""The real ``advisor`` command in a subprocess: a cp1252 console (issue 12 item 8), a closed pipe (item 11).

These run the installed command next to the Python running the tests (the virtual environment's
``bin/``), and are skipped when it is not installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from advisor import Advisor
from advisor.cli.console import fit, wrap
from advisor.interview.session import Interview
from tests.test_cli_ask import play, scenario_answers, session

ADVISOR = Path(sys.executable).parent / "advisor"
pytestmark = pytest.mark.skipif(not ADVISOR.exists(), reason=f"the advisor command is not in {ADVISOR.parent}")


def run(args: list[str], cwd: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess[bytes]:
    environment = {k: v for k, v in os.environ.items() if k not in ("ADVISOR_DATA_DIR", "NO_COLOR", "COLUMNS")}
    environment.update(env)
    return subprocess.run([str(ADVISOR), *args], cwd=cwd, input=stdin.encode("utf-8"), capture_output=True,
                          env=environment, timeout=120, check=False)


def test_the_stand_ins_of_a_console_that_lacks_a_character() -> None:
    class Console:
        encoding = "cp1252"

    assert fit("IAE ↔ EA · █░ → ✗ « é » 8\u202f000", Console()) == "IAE <-> EA · #. -> x « é » 8 000"
    assert wrap("  1. " + "mot " * 30, 40).splitlines()[1].startswith("     mot")


def commands(tmp_path: Path) -> list[tuple[list[str], str]]:
    """Every command (and sub-command) with arguments that make it print its French text."""
    batch = tmp_path / "lot.csv"
    batch.write_text("id;goals;structure_types\nS-1;disability_pathways;aci|ea\n", encoding="utf-8")
    return [
        (["--help"], ""), (["--version"], ""), (["questions"], ""), (["recommend", "--example", "afeji"], ""),
        (["recommend", "--example"], ""), (["compare", "--example", "zest"], ""),
        (["memo", "--example", "afeji", "-o", str(tmp_path / "note.md")], ""),
        (["batch", str(batch), "-o", str(tmp_path / "out.csv")], ""), (["sheets", "list"], ""),
        (["sheets", "show", "gme"], ""), (["sheets", "export", str(tmp_path / "site")], ""),
        (["rules", "check"], ""), (["rules", "doc", str(tmp_path / "doc")], ""), (["ask", "--help"], ""),
    ]


def test_every_command_works_on_a_cp1252_console(tmp_path: Path, advisor: Advisor) -> None:
    lines = session(play(Interview(advisor), {**scenario_answers("ges"), "goals": ["disability_pathways"]}))
    cases = [*commands(tmp_path), (["ask", "--no-save"], lines)]
    with ThreadPoolExecutor(max_workers=4) as pool:  # independent processes: run them side by side
        results = list(pool.map(lambda case: run(case[0], tmp_path, case[1], PYTHONIOENCODING="cp1252"), cases))
    for (args, _), result in zip(cases, results, strict=True):
        err = result.stderr.decode("cp1252")
        assert result.returncode == 0, (args, err)
        assert "Traceback" not in err and "Erreur interne" not in err and "UnicodeEncodeError" not in err, args
    printed = {" ".join(args): result.stdout.decode("cp1252") for (args, _), result in zip(cases, results, strict=True)}
    assert "IAE <-> EA/ESAT" in printed["questions"] and "#####" in printed["recommend --example afeji"]
    asked = printed["ask --no-save"]
    assert "(IAE <-> EA/ESAT)" in asked and "#####" in asked and "Formes de coopération classées" in asked


@pytest.mark.parametrize("args", [["questions"], ["sheets", "list"], ["--help"], ["recommend", "--example", "afeji"]],
                         ids=" ".join)
def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path: Path, args: list[str]) -> None:
    """``set -o pipefail; advisor questions | head -1`` exits 0, silently, every time."""
    for _ in range(2):
        shell = subprocess.run(["bash", "-c", f"set -o pipefail; {ADVISOR} {' '.join(args)} | head -1 >/dev/null"],
                               cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
        assert (shell.returncode, shell.stderr) == (0, ""), args
    child = subprocess.Popen([str(ADVISOR), *args], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None
    child.stdout.close()  # gone before the first line: every write meets a closed pipe
    _, err = child.communicate(timeout=120)
    assert (child.returncode, err) == (0, b""), args


def test_a_transcript_in_cp1252_is_refused_with_a_utf8_hint(tmp_path: Path) -> None:
    result = subprocess.run([str(ADVISOR), "ask"], cwd=tmp_path, input="\n1\n\n2\n\xe9cole\n".encode("cp1252"),
                            capture_output=True, timeout=120, check=False)
    err = result.stderr.decode("utf-8")
    assert result.returncode == 2 and "la ligne 5 de l'entrée n'est pas du texte UTF-8" in err
    assert "2 réponses enregistrées dans" in err and len(list(tmp_path.glob("reponses-conseiller-*.yaml"))) == 1
