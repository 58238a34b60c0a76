"""Batch mode on the spreadsheets people actually have (issue 12.12) and stopped by signals (issue 16.8).

Excel's ``sep=;`` line, empty columns after the last header cell, ``;``/``,``/tab, UTF-8 with or
without a byte order mark, Windows-1252 (with a note), the labels of the inclusion platforms'
exports; ids kept on error rows; labels next to ids in the results; SIGTERM stops like Ctrl-C.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from advisor.batch.read import inspect_input
from advisor.batch.rows import COLUMNS
from tests.conftest import TOY_ROOT

HEADER = ["id", "structure_name", "structure_types", "goals", "depth"]
ROWS = [["S-001", "Atelier du Littoral", "Atelier chantier d'insertion|Entreprise adaptée", "disability_pathways",
         "common_governance"],
        ["S-002", "Zest Insertion", "Entreprise d'insertion", "market|pool_means", "unknown"],
        ["S-003", "Régie des Hauts-de-Seine", "Etablissement et service d'aide par le travail", "market", ""]]


def spreadsheet(path: Path, sep: str = ";", encoding: str = "utf-8", excel_line: bool = False,
                trailing: int = 0, rows: list[list[str]] = ROWS) -> Path:
    lines = ([f"sep={sep}"] if excel_line else []) + [sep.join(HEADER + [""] * trailing)]
    lines += [sep.join(row + [""] * trailing) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def results(path: Path) -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8")
    sep = ";" if text.startswith("line;") else "\t" if text.startswith("line\t") else ","
    return list(csv.DictReader(text.splitlines(), delimiter=sep))


@pytest.mark.parametrize(("sep", "encoding", "excel_line", "trailing"), [
    (";", "utf-8", False, 0), (";", "utf-8-sig", True, 0), (",", "utf-8", False, 2), ("\t", "utf-8", False, 0),
    (";", "cp1252", True, 3), (";", "utf-8-sig", False, 2),
], ids=["semicolon", "excel-sep-line-bom", "comma-trailing", "tab", "cp1252-sep-trailing", "bom-trailing"])
def test_the_spreadsheets_people_have_are_read(tmp_path: Path, invoke: Any, advisor: Any, sep: str, encoding: str,
                                               excel_line: bool, trailing: int) -> None:
    source = spreadsheet(tmp_path / "export.csv", sep, encoding, excel_line, trailing)
    result = invoke("batch", str(source), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.stderr
    out = results(tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").startswith(sep.join(COLUMNS))  # same separator
    assert [r["id"] for r in out] == ["S-001", "S-002", "S-003"]
    assert [r["line"] for r in out] == [str(n + (2 if excel_line else 1)) for n in (1, 2, 3)]
    assert out[2]["name"] == "Régie des Hauts-de-Seine"  # accents right, whatever the encoding
    expected = advisor.advise({"structure_types": ["aci", "ea"], "goals": ["disability_pathways"],
                               "depth": "common_governance", "structure_name": "Atelier du Littoral"})
    assert out[0]["top_form"] == expected.recommendations[0].form
    if encoding == "cp1252":
        assert "Remarque : " in result.stderr and "Windows-1252" in result.stderr
        assert "Windows-1252" in result.stdout
    else:
        assert result.stderr == ""


def test_how_an_input_is_written_is_told_once(tmp_path: Path) -> None:
    info = inspect_input(spreadsheet(tmp_path / "a.csv", ";", "cp1252", excel_line=True), "csv")
    assert (info.encoding, info.delimiter, info.excel_sep_line, len(info.notes)) == ("cp1252", ";", True, 1)
    info = inspect_input(spreadsheet(tmp_path / "b.csv", "\t", "utf-8-sig"), "csv")
    assert (info.encoding, info.delimiter, info.excel_sep_line, info.notes) == ("utf-8", "\t", False, ())


def test_results_show_labels_next_to_ids(tmp_path: Path, invoke: Any, advisor: Any) -> None:
    source = spreadsheet(tmp_path / "export.csv")
    assert invoke("batch", str(source), "-o", str(tmp_path / "out.csv")).exit_code == 0
    for row in results(tmp_path / "out.csv"):
        assert row["top_form_label"] == advisor.kb.forms[row["top_form"]].label
        if row["second_form"]:
            assert row["second_form_label"] == advisor.kb.forms[row["second_form"]].label
        rules = [r for r in row["warnings"].split("|") if r]
        labels = [t for t in row["warnings_labels"].split("|") if t]
        assert len(rules) == len(labels) and all(" " in t for t in labels)  # sentences, not ids
        assert len(row["excluded"].split("|")) == len(row["excluded_labels"].split("|"))


def test_an_uncovered_kind_is_said_per_row_and_the_others_go_on(tmp_path: Path, invoke: Any) -> None:
    rows = [*ROWS, ["S-004", "Intérim adapté", "EATT", "market", ""], ["S-005", "Atelier", "SEP|aci", "market", ""]]
    result = invoke("batch", str(spreadsheet(tmp_path / "export.csv", rows=rows)), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2
    errors = result.stderr.strip().splitlines()
    assert [e.split(" :")[0] for e in errors] == ["Ligne 5", "Ligne 6"]
    assert "(EATT) ne sont pas couvertes" in errors[0] and "(SEP) ne sont pas couvertes" in errors[1]
    assert [r["id"] for r in results(tmp_path / "out.csv")] == ["S-001", "S-002", "S-003", "S-004", "S-005"]


def test_error_rows_keep_their_id(tmp_path: Path, invoke: Any) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(b"id;distance_km;weather\nA-1;3;sunny\nA-2;caf\x81;sunny\nA-3;3;nuageux\nA-4;3;sunny\n")
    result = invoke("--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2
    out = results(tmp_path / "out.csv")
    assert [(r["id"], bool(r["error"])) for r in out] == [("A-1", False), ("A-2", True), ("A-3", True),
                                                        ("A-4", False)]
    assert "ligne illisible" in out[1]["error"]


def test_a_column_without_a_name_in_the_middle_is_refused(tmp_path: Path, invoke: Any) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id;;weather\nA;x;sunny\n", encoding="utf-8")
    result = invoke("--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2 and "la colonne n° 2 n'a pas de nom" in result.stderr
    assert not (tmp_path / "out.csv").exists()


def test_a_value_under_a_trailing_empty_column_is_reported(tmp_path: Path, invoke: Any) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id;weather;;\nA;sunny;;\nB;sunny;oups;\n", encoding="utf-8")
    result = invoke("--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2 and result.stderr.startswith("Ligne 3 : ") and "colonnes" in result.stderr


@pytest.mark.parametrize("cell", ['"Atelier\ndes Dunes"', '"A\nB\nC\nD"', '"A\nZest;ei"'])
def test_a_line_break_in_a_name_is_kept_only_where_plausible(tmp_path: Path, invoke: Any, cell: str) -> None:
    source = tmp_path / "in.csv"
    source.write_text(f"structure_name;structure_types\n{cell};aci\nZest;ei\n", encoding="utf-8")
    result = invoke("batch", str(source), "-o", str(tmp_path / "out.csv"))
    out = results(tmp_path / "out.csv")
    if cell.count("\n") == 1 and ";" not in cell:
        assert result.exit_code == 0 and out[0]["name"] == "Atelier des Dunes"
    else:
        assert result.exit_code == 2 and "guillemet" in out[0]["error"] and out[1]["error"] == ""


def test_compare_as_csv_neutralises_formulas(invoke: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from advisor.outputs import compare

    comparison = compare.Comparison(criteria=[{"id": "c", "label": "=SUM(A1)"}],
                                    forms=[compare.ComparedForm(form="f", label="@x", short_label="x",
                                                                values={"c": "-cmd|x"})])
    assert compare.to_csv(comparison).splitlines() == ["Critère,'@x", "'=SUM(A1),'-cmd|x"]
    result = invoke("compare", "--example", "afeji", "--format", "csv")
    assert result.exit_code == 0 and all(not c.startswith(("=", "+", "@")) for c in result.stdout.split(","))


# --- signals -------------------------------------------------------------------------------------

def start_batch(tmp_path: Path, jobs: str, group: bool) -> tuple[subprocess.Popen[str], Path]:
    rows = "".join('{"distance_km": 3, "weather": "sunny"}\n' for _ in range(60_000))
    source = tmp_path / "in.jsonl"
    source.write_text(rows, encoding="utf-8")
    target = tmp_path / "out.csv"
    env = {k: v for k, v in os.environ.items() if k != "ADVISOR_DATA_DIR"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "advisor", "--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(target),
         "--jobs", jobs, "--force"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=group)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".out.csv.*.tmp")):  # the batch has started writing
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.02)
    time.sleep(0.3)
    return proc, target


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("group", [False, True], ids=["parent", "process-group"])
def test_sigterm_stops_cleanly_like_ctrl_c(tmp_path: Path, jobs: str, group: bool) -> None:
    (tmp_path / "out.csv").write_text("ancien", encoding="utf-8")
    proc, target = start_batch(tmp_path, jobs, group)
    if group:  # a service manager or ``timeout`` signals the workers too
        os.killpg(proc.pid, signal.SIGTERM)
    else:
        proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "Arrêté (signal de fin) après" in err and "est inchangé" in err
    assert not err.startswith("\n") and "\n\n" not in err  # no empty line in a pipe
    assert "Traceback" not in err and "Error" not in err
    assert target.read_text(encoding="utf-8") == "ancien"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.csv"]


def test_standard_input_or_a_pipe_is_refused_with_what_to_do(tmp_path: Path, invoke: Any) -> None:
    """The start of the input is read twice (format, encoding): a pipe would look empty the second time."""
    result = invoke("batch", "-", "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2 and "n'est pas un fichier" in result.stderr and "CSV ou JSON Lines" in result.stderr
    if hasattr(os, "mkfifo"):
        pipe = tmp_path / "tube"
        os.mkfifo(pipe)
        result = invoke("batch", str(pipe), "-o", str(tmp_path / "out.csv"))
        assert result.exit_code == 2 and "n'est pas un fichier" in result.stderr
    assert not (tmp_path / "out.csv").exists()
