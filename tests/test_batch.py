"""Batch mode: CSV and JSON Lines in and out, bad lines reported by number, constant memory."""

from __future__ import annotations

import csv
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from advisor import Advisor, AnswerError, InputFileError, KnowledgeBase, OutputError
from advisor.batch.read import format_of
from advisor.batch.rows import COLUMNS, BatchRow
from advisor.batch.run import batch_to_file, run_batch
from advisor.cli import batch_cmd
from tests.conftest import TOY_ROOT


def valid_rows(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """The packaged examples' answers: known-good structures of any knowledge base."""
    return [dict(kb.example(name).answers) for name in kb.example_names()]


def write_jsonl(path: Path, lines: list[Any]) -> Path:
    """One line per item: dicts are dumped as JSON, strings written as they are (to break lines)."""
    with path.open("w", encoding="utf-8") as handle:
        for item in lines:
            handle.write((item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)) + "\n")
    return path


def csv_value(value: Any) -> str:
    if isinstance(value, list):
        return "|".join(value)
    if isinstance(value, bool):
        return "oui" if value else "non"
    return str(value)


def write_csv(path: Path, kb: KnowledgeBase, rows: list[dict[str, Any]], delimiter: str = ",",
              ids: bool = True) -> Path:
    header = (["id"] if ids else []) + list(kb.questions)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        for n, row in enumerate(rows):
            cells = [csv_value(row[q]) if q in row else "" for q in kb.questions]
            writer.writerow(([f"r{n}"] if ids else []) + cells)
    return path


def read_csv(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def first_text_question(kb: KnowledgeBase) -> str | None:
    return next((q.id for q in kb.questions.values() if q.type == "text"), None)


# --- formats in and out --------------------------------------------------------------------------

def test_csv_in_csv_out_gives_one_row_per_structure_with_the_top_form(tmp_path, kb, advisor, invoke):
    rows = valid_rows(kb)
    source = write_csv(tmp_path / "structures.csv", kb, rows)
    result = invoke("batch", str(source), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.stderr
    out = read_csv(tmp_path / "out.csv")
    assert list(out[0]) == list(COLUMNS)
    assert [r["id"] for r in out] == [f"r{n}" for n in range(len(rows))]
    assert [int(r["line"]) for r in out] == list(range(2, len(rows) + 2))
    name_q = first_text_question(kb)
    for raw, row in zip(rows, out, strict=True):
        rec = advisor.advise(raw)
        assert row["top_form"] == rec.recommendations[0].form
        assert row["score"] == str(rec.recommendations[0].score)
        assert row["confidence"] == rec.recommendations[0].confidence
        assert row["variant"] == (rec.recommendations[0].variant or "")
        assert row["second_form"] == (rec.recommendations[1].form if len(rec.recommendations) > 1 else "")
        assert row["excluded"] == "|".join(f.form for f in rec.excluded)
        assert row["warnings"] == "|".join(dict.fromkeys(w.rule for w in rec.warnings))
        assert row["no_clear_fit"] == ("true" if rec.no_clear_fit else "false")
        assert row["error"] == ""
        if name_q:
            assert row["name"] == raw.get(name_q, "")
    assert "structures traitées, 0 en erreur" in result.stdout


def test_jsonl_in_jsonl_out_keeps_lists_and_ids(tmp_path, kb, advisor, invoke):
    rows = valid_rows(kb)
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": n, **row} for n, row in enumerate(rows)])
    result = invoke("batch", str(source), "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 0, result.stderr
    out = read_jsonl(tmp_path / "out.jsonl")
    assert [r["line"] for r in out] == list(range(1, len(rows) + 1))
    assert [r["id"] for r in out] == [str(n) for n in range(len(rows))]
    for raw, row in zip(rows, out, strict=True):
        rec = advisor.advise(raw)
        assert list(row) == list(COLUMNS)
        assert row["top_form"] == rec.recommendations[0].form
        assert row["excluded"] == [f.form for f in rec.excluded]
        assert isinstance(row["score"], int) and row["error"] is None


@pytest.mark.parametrize(("source_name", "target_name"), [("in.csv", "out.jsonl"), ("in.jsonl", "out.csv")])
def test_formats_can_be_mixed_and_give_the_same_results(tmp_path, kb, invoke, source_name, target_name):
    rows = valid_rows(kb)
    if source_name.endswith(".csv"):
        write_csv(tmp_path / source_name, kb, rows, ids=False)
    else:
        write_jsonl(tmp_path / source_name, rows)
    assert invoke("batch", str(tmp_path / source_name), "-o", str(tmp_path / target_name)).exit_code == 0
    out = read_csv(tmp_path / target_name) if target_name.endswith(".csv") else read_jsonl(tmp_path / target_name)
    forms = [r["top_form"] for r in out]
    assert forms == [Advisor(kb).advise(r).recommendations[0].form for r in rows]


def test_a_semicolon_csv_from_a_french_spreadsheet_gives_a_semicolon_csv(tmp_path, kb, invoke):
    source = write_csv(tmp_path / "tableur.csv", kb, valid_rows(kb), delimiter=";")
    source.write_bytes(b"\xef\xbb\xbf" + source.read_bytes())  # spreadsheets add a BOM
    assert invoke("batch", str(source), "-o", str(tmp_path / "out.csv")).exit_code == 0
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").startswith(";".join(COLUMNS))
    assert all(r["error"] == "" for r in read_csv(tmp_path / "out.csv", ";"))


def test_headers_and_choices_are_read_like_answers_files(tmp_path, toy_kb, toy_advisor, invoke):
    # Upper-case headers, labels instead of ids, French yes/no, decimal comma: as in answers files.
    multiple = next(q for q in toy_kb.questions.values() if q.type == "multiple")
    labels = "|".join(c.label.upper() for c in multiple.choices[:2])
    source = tmp_path / "in.csv"
    source.write_text(f"ID,{multiple.id.upper()}\nx1,\"{labels}\"\n", encoding="utf-8")
    result = invoke("--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 0, result.stderr
    row = read_jsonl(tmp_path / "out.jsonl")[0]
    expected = toy_advisor.advise({multiple.id: [c.id for c in multiple.choices[:2]]})
    assert row["id"] == "x1" and row["top_form"] == (expected.recommendations[0].form
                                                      if expected.recommendations else None)


def test_the_toy_knowledge_base_works_and_has_no_name_column_value(tmp_path, toy_kb, toy_advisor, invoke):
    rows = valid_rows(toy_kb) * 3
    source = write_csv(tmp_path / "in.csv", toy_kb, rows)
    result = invoke("--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.stderr
    out = read_csv(tmp_path / "out.csv")
    assert len(out) == len(rows)
    assert all(r["name"] == "" for r in out)  # the toy base has no text question
    assert {r["top_form"] for r in out} == {toy_advisor.advise(r).recommendations[0].form for r in rows}


def test_format_comes_from_the_extension_then_the_content_or_the_option(tmp_path, toy_kb, invoke):
    assert format_of(Path("a.jsonl")) == "jsonl" and format_of(Path("a.CSV")) == "csv"
    assert format_of(Path("a.json")) == "jsonl" and format_of(Path("a.txt"), "csv") == "csv"
    source = write_jsonl(tmp_path / "donnees.txt", valid_rows(toy_kb))
    assert format_of(source, sniff=True) == "jsonl"
    result = invoke("--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(tmp_path / "out.txt"))
    assert result.exit_code == 2
    assert "--format" in result.stderr and "Traceback" not in result.stderr
    result = invoke("--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(tmp_path / "out.txt"),
                    "--format", "csv")
    assert result.exit_code == 0 and (tmp_path / "out.txt").read_text().startswith("line,id,")


# --- bad lines ---------------------------------------------------------------------------------

def test_bad_lines_are_reported_with_their_number_and_the_others_processed(tmp_path, toy_kb, invoke):
    good = valid_rows(toy_kb)[0]
    number = next(q for q in toy_kb.questions.values() if q.type == "number" and q.max is not None)
    lines: list[Any] = [
        good,                                   # 1
        "{not json",                            # 2
        "",                                     # 3: blank lines are skipped, not errors
        [1, 2],                                 # 4
        {"no_such_question": 1},                # 5
        {number.id: number.max + 1},            # 6
        good,                                   # 7
    ]
    source = write_jsonl(tmp_path / "in.jsonl", lines)
    with source.open("ab") as handle:
        handle.write(b'{"' + number.id.encode() + b'": "caf\xe9"}\n')  # 8: Windows-1252, not UTF-8
        handle.write(json.dumps(good).encode() + b"\n")               # 9
    result = invoke("--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 2
    note, *errors = result.stderr.strip().splitlines()
    assert note.startswith("Remarque : ") and "UTF-8" in note and "Windows-1252" in note
    assert [e.split(" :")[0] for e in errors] == ["Ligne 2", "Ligne 4", "Ligne 5", "Ligne 6", "Ligne 8"]
    assert "JSON invalide" in errors[0]
    assert "objet JSON" in errors[1]
    assert "no_such_question" in errors[2] and "question inconnue" in errors[2]
    assert number.id in errors[3] and "hors des limites" in errors[3]
    assert "'café'" in errors[4] and "nombre entier" in errors[4]  # read in Windows-1252: the accent is right
    out = read_jsonl(tmp_path / "out.jsonl")
    assert [r["line"] for r in out] == [1, 2, 4, 5, 6, 7, 8, 9]
    assert [r["error"] is None for r in out] == [True, False, False, False, False, True, False, True]
    assert "8 structures traitées, 5 en erreur" in result.stdout
    assert "Traceback" not in result.stderr + result.stdout


def test_csv_rows_with_too_many_cells_or_bad_values_are_reported(tmp_path, toy_kb, invoke):
    single = next(q for q in toy_kb.questions.values() if q.type == "single")
    ok = single.choices[0].id
    source = tmp_path / "in.csv"
    source.write_text(
        f"id,{single.id}\n"
        f"a,{ok}\n"                  # line 2
        f"b,{ok},en trop\n"          # line 3: one cell too many
        f"\"c\nsur deux lignes\",{ok}\n"  # lines 4-5: a quoted cell may hold a line break
        f"d,n'existe pas\n"          # line 6
        f"e,{ok}\n",                 # line 7
        encoding="utf-8")
    result = invoke("--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2
    assert [e.split(" :")[0] for e in result.stderr.strip().splitlines()] == ["Ligne 3", "Ligne 6"]
    assert "colonnes" in result.stderr and "choix inconnu" in result.stderr
    out = read_csv(tmp_path / "out.csv")
    assert [r["line"] for r in out] == ["2", "3", "4", "6", "7"]
    assert [r["id"] for r in out] == ["a", "b", "c\nsur deux lignes", "d", "e"]
    assert "5 structures traitées, 2 en erreur" in result.stdout


def test_an_unclosed_quote_is_reported_with_the_lines_it_swallowed(tmp_path, toy_kb, invoke):
    single = next(q for q in toy_kb.questions.values() if q.type == "single")
    ok = single.choices[0].id
    source = tmp_path / "in.csv"
    source.write_text(f"id,{single.id}\na,{ok}\nx,\"{ok}\n" + "".join(f"r{n},{ok}\n" for n in range(50)),
                      encoding="utf-8")
    result = invoke("--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"Ligne 3 : la colonne « {single.id} » s'étend des lignes 3 à 53 : un "
                                     "guillemet ouvert n'a sans doute jamais été fermé (les lignes suivantes y ont "
                                     "été avalées). Fermez-le, ou retirez le retour à la ligne de la cellule")
    assert [r["line"] for r in read_csv(tmp_path / "out.csv")] == ["2", "3"]


def test_a_huge_unclosed_cell_is_cut_and_the_rest_read(tmp_path, toy_kb, invoke):
    single = next(q for q in toy_kb.questions.values() if q.type == "single")
    ok = single.choices[0].id
    filler = "".join(f"r{n},{ok}{' ' * 100}\n" for n in range(3000))  # over the 256 Kio cell limit
    source = tmp_path / "in.csv"
    source.write_text(f"id,{single.id}\nx,\"{ok}\n{filler}last,{ok}\n", encoding="utf-8")
    result = invoke("--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2
    assert result.stderr.startswith("Ligne 2 : guillemet ouvert et jamais fermé")
    out = read_csv(tmp_path / "out.csv")
    assert out[0]["line"] == "2" and out[-1]["id"] == "last" and out[-1]["line"] == str(3000 + 3)
    assert all(not r["error"] for r in out[1:])


def test_a_line_too_long_is_reported_without_being_loaded(tmp_path, toy_kb, invoke):
    good = json.dumps(valid_rows(toy_kb)[0])
    source = tmp_path / "in.jsonl"
    source.write_text(good + "\n" + '{"x": "' + "a" * 400_000 + '"}\n' + good + "\n", encoding="utf-8")
    result = invoke("--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 2
    assert result.stderr.startswith("Ligne 2 : ligne trop longue")
    assert [r["line"] for r in read_jsonl(tmp_path / "out.jsonl")] == [1, 2, 3]


def test_many_errors_are_capped_on_stderr_but_all_in_the_output(tmp_path, toy_kb, invoke):
    source = write_jsonl(tmp_path / "in.jsonl", ["{"] * (batch_cmd.MAX_REPORTED_ERRORS + 20))
    result = invoke("--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == batch_cmd.MAX_REPORTED_ERRORS + 1
    assert len(read_jsonl(tmp_path / "out.jsonl")) == batch_cmd.MAX_REPORTED_ERRORS + 20


# --- whole-file problems -------------------------------------------------------------------------

def test_an_unknown_csv_column_stops_before_anything_is_written(tmp_path, toy_kb, invoke):
    source = tmp_path / "in.csv"
    source.write_text("id,pas_une_question\n1,x\n", encoding="utf-8")
    result = invoke("--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2
    assert result.stderr.startswith("Erreur : ") and "pas_une_question" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


@pytest.mark.parametrize(("content", "message"), [
    ("", "aucune structure"),
    ("\n\n", "aucune structure"),
])
def test_an_empty_input_is_a_mistake(tmp_path, invoke, content, message):
    source = tmp_path / "in.jsonl"
    source.write_text(content, encoding="utf-8")
    result = invoke("--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_missing_input_existing_output_and_same_file_are_refused(tmp_path, toy_kb, invoke):
    base = ["--data-dir", str(TOY_ROOT), "batch"]
    result = invoke(*base, str(tmp_path / "absent.csv"), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2 and "introuvable" in result.stderr
    source = write_jsonl(tmp_path / "in.jsonl", valid_rows(toy_kb))
    (tmp_path / "out.jsonl").write_text("ancien", encoding="utf-8")
    result = invoke(*base, str(source), "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 2 and "--force" in result.stderr
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8") == "ancien"
    assert invoke(*base, str(source), "-o", str(tmp_path / "out.jsonl"), "--force").exit_code == 0
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8").startswith('{"line": 1')
    result = invoke(*base, str(source), "-o", str(source), "--force")
    assert result.exit_code == 2 and "fichier d'entrée" in result.stderr
    result = invoke(*base, str(source), "-o", str(tmp_path / "absent" / "out.csv"))
    assert result.exit_code == 2 and "n'existe pas" in result.stderr


def test_an_interrupted_batch_leaves_no_partial_file(tmp_path, toy_kb, monkeypatch):
    source = write_jsonl(tmp_path / "in.jsonl", valid_rows(toy_kb) * 10)
    target = tmp_path / "out.jsonl"
    target.write_text("ancien", encoding="utf-8")
    advisor = Advisor(toy_kb)
    calls = {"n": 0}
    real = advisor.advise

    def failing(raw):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return real(raw)

    monkeypatch.setattr(advisor, "advise", failing)
    with pytest.raises(KeyboardInterrupt):
        for _ in batch_to_file(advisor, source, target, force=True):
            pass
    assert target.read_text(encoding="utf-8") == "ancien"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


def test_nothing_is_written_besides_the_output(tmp_path, toy_kb, invoke):
    source = write_jsonl(tmp_path / "in.jsonl", valid_rows(toy_kb))
    out_dir = tmp_path / "sortie"
    out_dir.mkdir()
    assert invoke("--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(out_dir / "r.csv")).exit_code == 0
    assert sorted(p.name for p in out_dir.iterdir()) == ["r.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "sortie"]


# --- library -----------------------------------------------------------------------------------

def test_run_batch_yields_rows_with_line_numbers_and_errors(tmp_path, toy_kb):
    advisor = Advisor(toy_kb)
    good = valid_rows(toy_kb)[0]
    source = write_jsonl(tmp_path / "in.jsonl", [good, {"nope": 1}, good])
    rows = list(run_batch(advisor, source))
    assert [r.line for r in rows] == [1, 2, 3]
    assert [r.ok for r in rows] == [True, False, True]
    assert rows[0].top_form == advisor.advise(good).recommendations[0].form
    with pytest.raises(AnswerError) as err:
        advisor.advise({"nope": 1})
    assert rows[1].error == str(err.value)
    assert isinstance(rows[0], BatchRow) and list(rows[0].record()) == list(COLUMNS)


def test_run_batch_raises_only_for_the_whole_file(tmp_path, toy_kb):
    source = tmp_path / "in.csv"
    source.write_text("id,id\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="en double"):
        list(run_batch(Advisor(toy_kb), source))
    with pytest.raises(OutputError):
        batch_to_file(Advisor(toy_kb), write_jsonl(tmp_path / "a.jsonl", [{}]), tmp_path / "x" / "o.csv")


def test_parallel_workers_give_the_same_output_in_the_same_order(tmp_path, toy_kb, invoke):
    rows: list[Any] = []
    for n in range(300):
        rows.append(valid_rows(toy_kb)[n % len(valid_rows(toy_kb))] if n % 37 else "{cassé")
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    base = ["--data-dir", str(TOY_ROOT), "batch", str(source)]
    serial = invoke(*base, "-o", str(tmp_path / "serial.csv"), "--jobs", "1")
    parallel = invoke(*base, "-o", str(tmp_path / "parallel.csv"), "--jobs", "2")
    assert serial.exit_code == parallel.exit_code == 2
    assert serial.stderr == parallel.stderr and serial.stdout.split(".")[0] == parallel.stdout.split(".")[0]
    assert (tmp_path / "serial.csv").read_text() == (tmp_path / "parallel.csv").read_text()


# --- progress and size -------------------------------------------------------------------------

def test_progress_bar_only_on_a_terminal(tmp_path, toy_kb, invoke, monkeypatch):
    source = write_jsonl(tmp_path / "in.jsonl", valid_rows(toy_kb) * 5)
    quiet = invoke("--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(tmp_path / "a.csv"))
    assert quiet.exit_code == 0 and quiet.stderr == ""
    monkeypatch.setattr(batch_cmd, "_stderr_is_terminal", lambda: True)
    shown = invoke("--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(tmp_path / "b.csv"))
    assert shown.exit_code == 0 and "Analyse" in shown.stderr
    assert "Analyse" not in shown.stdout


def test_ten_thousand_lines_with_a_few_broken_ones(tmp_path, toy_kb, invoke):
    good = valid_rows(toy_kb)
    broken = {17: "{", 4242: '"une chaîne"', 9999: {"inconnue": 1}}
    lines: list[Any] = [broken.get(n, good[n % len(good)]) for n in range(1, 10_001)]
    source = write_jsonl(tmp_path / "in.jsonl", lines)
    result = invoke("--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(tmp_path / "out.csv"),
                    "--jobs", "1")
    assert result.exit_code == 2
    assert [e.split(" :")[0] for e in result.stderr.strip().splitlines()] == [f"Ligne {n}" for n in sorted(broken)]
    assert "10\u202f000 structures traitées, 3 en erreur" in result.stdout
    out = read_csv(tmp_path / "out.csv")
    assert len(out) == 10_000
    assert [int(r["line"]) for r in out if r["error"]] == sorted(broken)
    assert all(r["top_form"] for r in out if not r["error"])


class _FixedAdvisor:
    """Answers every structure with one recommendation: isolates the batch pipeline's own memory."""

    def __init__(self, advisor: Advisor, answers: dict[str, Any]) -> None:
        self.kb = advisor.kb
        self._rec = advisor.advise(answers)

    def advise(self, raw: Any) -> Any:
        return self._rec


def _peak_memory(tmp_path: Path, advisor: Any, rows: list[Any], count: int) -> int:
    source = write_jsonl(tmp_path / f"in-{count}.jsonl", [rows[n % len(rows)] for n in range(count)])
    tracemalloc.start()
    try:
        for _ in batch_to_file(advisor, source, tmp_path / f"out-{count}.csv"):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_input(tmp_path, toy_kb, toy_advisor):
    rows = valid_rows(toy_kb)
    fixed = _FixedAdvisor(toy_advisor, rows[0])
    small = _peak_memory(tmp_path, fixed, rows, 2_000)
    large = _peak_memory(tmp_path, fixed, rows, 20_000)
    assert large < small * 1.5 + 64 * 1024, (small, large)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_stops_cleanly_with_exit_130_and_no_file(tmp_path, toy_kb, jobs):
    import os
    import signal
    import subprocess
    import sys
    import time

    source = write_jsonl(tmp_path / "in.jsonl", valid_rows(toy_kb) * 20_000)
    target = tmp_path / "out.csv"
    env = {k: v for k, v in os.environ.items() if k != "ADVISOR_DATA_DIR"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "advisor", "--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(target),
         "--jobs", jobs],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # a background shell ignores SIGINT
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".out.csv.*.tmp")):  # the batch has started writing
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Interrompu après" in err and "n'a pas été créé" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]
