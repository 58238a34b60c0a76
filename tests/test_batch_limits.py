"""Batch at its limits: long CSV lines and cells, a full disk, more workers than work."""

from __future__ import annotations

import errno
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from advisor import Advisor, KnowledgeBase
from advisor.batch import run
from advisor.batch.parallel import CHUNK_ROWS
from advisor.batch.rows import advise_row
from advisor.batch.run import batch_to_file
from advisor.batch.write import RowFormatter
from advisor.files import AtomicFile
from tests.conftest import TOY_ROOT
from tests.test_batch import read_csv, valid_rows, write_jsonl

# --- long lines and cells ------------------------------------------------------------------------


def test_a_csv_line_too_long_is_an_error_row_like_in_json_lines(tmp_path: Path, invoke) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "in.csv"
    source.write_text("id,weather\n" + "".join(f"r{n},sunny\n" for n in range(8))
                      + "long," + "x" * 300_000 + ",sunny\nlast,sunny\n", encoding="utf-8")
    result = invoke("--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2
    assert result.stderr.strip() == "Ligne 10 : ligne trop longue (plus de 256 Kio)"
    out = read_csv(tmp_path / "out.csv")
    assert [r["line"] for r in out] == [str(n) for n in range(2, 12)]
    assert out[8]["error"] == "ligne trop longue (plus de 256 Kio)" and out[9]["id"] == "last"


def test_a_long_cell_within_the_line_limit_is_not_taken_for_an_open_quote(tmp_path: Path, kb: KnowledgeBase,
                                                                           invoke) -> None:  # type: ignore[no-untyped-def]
    name = next(q.id for q in kb.questions.values() if q.type == "text")
    source = tmp_path / "in.csv"
    source.write_text(f"id,{name}\nlong,{'x' * 200_000}\n", encoding="utf-8")  # over the csv module's 128 Ki
    result = invoke("batch", str(source), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Ligne 2 : réponse « {name} » : texte trop long"), result.stderr
    assert "guillemet" not in result.stderr


# --- more workers asked than work ----------------------------------------------------------------

@pytest.mark.parametrize(("rows", "workers"), [(50, None), (CHUNK_ROWS * 2 + 1, 3), (CHUNK_ROWS * 80, 64)])
def test_no_more_workers_than_chunks_of_work(tmp_path: Path, toy_kb: KnowledgeBase, toy_advisor: Advisor,
                                             monkeypatch: pytest.MonkeyPatch, rows: int, workers: int | None) -> None:
    started: list[int] = []

    def in_workers(root: Path, chunks: Iterator[list[Any]], jobs: int, as_of: Any, text: Any) -> Iterator[Any]:
        started.append(jobs)  # advised here: only the number of workers matters
        formatter = RowFormatter(*text)
        yield from (formatter.formatted(advise_row(toy_advisor, row, None)) for chunk in chunks for row in chunk)

    monkeypatch.setattr(run, "advise_in_workers", in_workers)
    source = write_jsonl(tmp_path / "in.jsonl", (valid_rows(toy_kb) * rows)[:rows])
    batch = batch_to_file(toy_advisor, source, tmp_path / "out.csv", jobs=64)
    assert sum(1 for _ in batch) == rows
    assert started == ([workers] if workers else []) and batch.plan.jobs == (workers or 1)


# --- a full disk ---------------------------------------------------------------------------------

class _FullDisk:
    """A file stream on a disk that fills up after ``room`` characters: writing, flushing and closing fail."""

    def __init__(self, stream: Any, room: int) -> None:
        self._stream = stream
        self._room = room

    def write(self, text: str) -> int:
        self._room -= len(text)
        if self._room < 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        return self._stream.write(text)

    def flush(self) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    def fileno(self) -> int:
        return self._stream.fileno()

    def close(self) -> None:
        self._stream.close()
        raise OSError(errno.ENOSPC, "No space left on device")  # the buffer it could not write


@pytest.mark.parametrize(("room", "jobs"), [(2_000, "1"), (10**9, "1"), (2_000, "2")],
                         ids=["while-writing", "at-the-end", "with-workers"])
def test_a_full_disk_is_a_french_error_and_leaves_no_file(tmp_path: Path, toy_kb: KnowledgeBase,
                                                          monkeypatch: pytest.MonkeyPatch, invoke, room: int,  # type: ignore[no-untyped-def]
                                                          jobs: str) -> None:
    class FullDiskFile(AtomicFile):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.stream = _FullDisk(self.stream, room)

    monkeypatch.setattr(run, "AtomicFile", FullDiskFile)
    source = write_jsonl(tmp_path / "in.jsonl", (valid_rows(toy_kb) * CHUNK_ROWS * 4)[:CHUNK_ROWS * 4])
    target = tmp_path / "out.csv"
    result = invoke("--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(target), "--jobs", jobs)
    assert result.exit_code == 2, result.stderr
    assert result.stderr == (f"Erreur : plus de place sur le disque pour écrire {target} : libérez de la place "
                             "puis relancez.\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_any_command_writing_to_a_full_disk_says_so_in_french() -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "advisor", "recommend", "--example", "afeji"], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr == ("Erreur : plus de place sur le disque pour écrire la sortie : libérez de la place puis "
                           "relancez.\n")
