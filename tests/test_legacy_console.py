"""Any console (issue 12.8): on a Windows-1252 console the file commands never crash on a character.

``PYTHONIOENCODING=cp1252`` stands for an old Windows console or a redirected output: batch,
compare, memo, sheets and rules check print through ``click.echo`` and must exit normally.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

ROWS = [{"structure_types": ["aci", "ea"], "goals": ["disability_pathways"], "structure_name": "Régie ✓"},
        {"structure_types": ["martien"]}]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**{k: v for k, v in os.environ.items() if k != "ADVISOR_DATA_DIR"}, "PYTHONIOENCODING": "cp1252",
           "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "advisor", "--data-dir", str(ROOT), *args], cwd=cwd, env=env,
                          capture_output=True, timeout=300, check=False)


def assert_no_crash(result: subprocess.CompletedProcess[bytes], code: int = 0) -> None:
    err = result.stderr.decode("cp1252", errors="replace")
    assert "UnicodeEncodeError" not in err and "Erreur interne" not in err and "Traceback" not in err, err
    assert result.returncode == code, err
    result.stdout.decode("cp1252")  # what was printed is valid Windows-1252


@pytest.mark.parametrize("args", [
    ("compare", "--example", "afeji"), ("compare", "--example", "afeji", "--format", "csv"),
    ("compare", "--example", "afeji", "--format", "json"), ("rules", "check"), ("sheets", "list"),
    ("sheets", "show", "gme"), ("memo", "--example", "afeji", "-o", "note.md"),
], ids=lambda a: " ".join(a))
def test_file_commands_print_on_a_windows_1252_console(tmp_path: Path, args: tuple[str, ...]) -> None:
    assert_no_crash(run(*args, cwd=tmp_path))


def test_batch_prints_its_report_on_a_windows_1252_console(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS), encoding="utf-8")
    result = run("batch", str(source), "-o", "out.csv", cwd=tmp_path)
    assert_no_crash(result, 2)
    assert "Ligne 2" in result.stderr.decode("cp1252") and "2 structures" in result.stdout.decode("cp1252")
    assert "Régie ✓" in (tmp_path / "out.csv").read_text(encoding="utf-8")  # the file itself stays UTF-8


@pytest.mark.xfail(reason="« 1 000 » is written with a narrow no-break space, which Windows-1252 lacks: needs the "
                          "console output degrade of advisor/cli/__init__.py (issue 12.8, another branch)",
                   strict=False)
def test_a_batch_of_thousands_reports_on_a_windows_1252_console(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(ROWS[0], ensure_ascii=False) + "\n" * 1, encoding="utf-8")
    source.write_text(source.read_text(encoding="utf-8") * 1200, encoding="utf-8")
    assert_no_crash(run("batch", str(source), "-o", "out.csv", cwd=tmp_path))
