"""Files written for others to read (issue 12.15, 16.9): the one atomic writer, checked on every output.

New files get a new file's usual mode (0666 less the umask: 0644 under 022), like any program's;
nothing is ever written through a symbolic link (even a dangling one, even with ``--force``), nor
onto a device or a FIFO; an existing file is replaced only with ``--force``.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TOY_ROOT


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"distance_km": 3, "weather": "sunny"}) + "\n", encoding="utf-8")
    return path


def batch(invoke: Any, source: Path, target: Path, *extra: str) -> Any:
    return invoke("--data-dir", str(TOY_ROOT), "batch", str(source), "-o", str(target), *extra)


def memo(invoke: Any, target: Path, *extra: str) -> Any:
    return invoke("memo", "--example", "afeji", "-o", str(target), *extra)


WRITERS = {"batch": lambda invoke, source, target, *extra: batch(invoke, source, target, "--format", "csv", *extra),
           "memo": lambda invoke, source, target, *extra: memo(invoke, target, "--format", "md", *extra)}


@pytest.mark.parametrize("writer", list(WRITERS))
def test_outputs_are_readable_by_others_under_the_usual_umask(tmp_path: Path, invoke: Any, source: Path,
                                                               umask_022: None, writer: str) -> None:
    target = tmp_path / ("out.csv" if writer == "batch" else "note.md")
    assert WRITERS[writer](invoke, source, target).exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("writer", list(WRITERS))
@pytest.mark.parametrize("force", [False, True])
def test_a_symbolic_link_is_never_written_through(tmp_path: Path, invoke: Any, source: Path, writer: str,
                                                   force: bool) -> None:
    victim = tmp_path / "victime.txt"
    victim.write_text("intact", encoding="utf-8")
    link = tmp_path / "lien.csv"
    link.symlink_to(victim)
    dangling = tmp_path / "pendant.csv"
    dangling.symlink_to(tmp_path / "absent.csv")
    for target in (link, dangling):
        result = WRITERS[writer](invoke, source, target, *(["--force"] if force else []))
        assert result.exit_code == 2 and "lien symbolique" in result.stderr, result.stderr
        assert target.is_symlink()
    assert victim.read_text(encoding="utf-8") == "intact" and not (tmp_path / "absent.csv").exists()


@pytest.mark.parametrize("writer", list(WRITERS))
def test_devices_and_fifos_are_refused_even_with_force(tmp_path: Path, invoke: Any, source: Path,
                                                       writer: str) -> None:
    fifo = tmp_path / "tube.csv"
    os.mkfifo(fifo)
    for target in (Path(os.devnull), fifo):
        result = WRITERS[writer](invoke, source, target, "--force")
        assert result.exit_code == 2 and "n'est pas un fichier ordinaire" in result.stderr, result.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode) and stat.S_ISCHR(Path(os.devnull).stat().st_mode)


def test_an_existing_file_is_replaced_only_with_force_and_keeps_nothing_behind(tmp_path: Path, invoke: Any,
                                                                               source: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("ancien", encoding="utf-8")
    assert batch(invoke, source, target).exit_code == 2
    assert target.read_text(encoding="utf-8") == "ancien"
    assert batch(invoke, source, target, "--force").exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("line,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.csv"]
