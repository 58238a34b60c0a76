"""Batch mode: many structures in, one result row per structure out, in constant memory.

Nothing is ever held for the whole file: input is read line by line (``read``), every row is
advised (``rows``) and written (``write``) before the next is read, and the output goes through
the one atomic writer (``advisor.files.AtomicFile``), so a crash never leaves half a file.
A bad row never stops the batch: it becomes a row with an ``error`` and the others go on.
With ``jobs > 1`` rows are advised by worker processes in chunks (``parallel``).
"""

from __future__ import annotations

import itertools
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputFileError, OutputError
from ..files import AtomicFile, check_writable
from .parallel import CHUNK_ROWS, advise_in_workers, chunks
from .read import Format, InputInfo, format_of, inspect_input, read_rows
from .rows import BatchRow, advise_row, name_question
from .write import BatchWriter

if TYPE_CHECKING:  # imported lazily: ``advisor batch --help`` must not load pydantic models
    from ..reasoning.advisor import Advisor


def run_batch(advisor: Advisor, path: Path, fmt: Format | None = None, jobs: int = 1,
              info: InputInfo | None = None) -> Iterator[BatchRow]:
    """Advise every structure of an input file, yielding one ``BatchRow`` per structure, in input order.

    A structure whose answers are wrong (or whose consultation fails) gives a row with an error;
    the batch goes on. Only problems with the whole file raise.

    Args:
        advisor: the advisor to consult.
        path: the input file.
        fmt: its format (from the extension or the content when omitted).
        jobs: worker processes; above 1, each loads the advisor's knowledge base with the default
            engine, and at most a few chunks of rows are in flight at once (memory stays constant).
        info: how the file is written (``read.inspect_input``; found when omitted).

    Raises:
        InputFileError: the file cannot be read, or its format or CSV header is wrong.
    """
    fmt = fmt or format_of(path, sniff=True)
    rows = read_rows(path, fmt, advisor.kb, info)
    if jobs <= 1:
        question = name_question(advisor.kb)
        for row in rows:
            yield advise_row(advisor, row, question)
        return
    parts = chunks(rows, CHUNK_ROWS)
    first = next(parts, None)  # a bad header fails here, before any worker starts
    if first is None:
        return
    yield from advise_in_workers(advisor.kb.root, itertools.chain([first], parts), jobs, advisor.as_of)


class BatchRun(Iterator[BatchRow]):
    """The rows of a batch being written, one at a time, and what the person should know about the input.

    Iterate to advise and write each row; the output file appears when the iteration ends.
    ``close()`` stops early: the temporary file is deleted and the workers stopped.

    Attributes:
        notes: French sentences about how the input was read (an encoding other than UTF-8…).
        info: how the input is written.
    """

    def __init__(self, rows: Generator[BatchRow], info: InputInfo) -> None:
        self._rows = rows
        self.info = info
        self.notes = info.notes

    def __next__(self) -> BatchRow:
        return next(self._rows)

    def close(self) -> None:
        """Stop now: no output file, temporary file deleted, workers stopped."""
        self._rows.close()


def batch_to_file(advisor: Advisor, source: Path, target: Path, *, source_format: str | None = None,
                  target_format: str | None = None, force: bool = False, jobs: int = 1) -> BatchRun:
    """Advise every structure of ``source`` and write the results to ``target`` atomically.

    Problems with the whole input or output (missing file, unknown format, bad CSV header, existing
    output without ``force``) raise at once. The returned iterator yields each row after writing it
    (for progress and error reporting); the output file appears only when it is exhausted.

    Raises:
        InputFileError, OutputError: a problem with the whole input or output file.
    """
    in_fmt = format_of(source, source_format, sniff=True)
    out_fmt = format_of(target, target_format)
    if target.exists() and source.exists() and target.resolve() == source.resolve():
        raise OutputError(f"{target} est aussi le fichier d'entrée : choisissez un autre fichier de sortie.")
    check_writable(target, force)
    info = inspect_input(source, in_fmt)
    rows = run_batch(advisor, source, in_fmt, jobs, info)
    first = next(rows, None)  # reads the header: a bad file fails here, before any file is created
    if first is None:
        raise InputFileError(source, "le fichier ne contient aucune structure.")
    delimiter = info.delimiter if in_fmt == "csv" else ","
    return BatchRun(_write_rows(first, rows, target, out_fmt, delimiter, force), info)


def _write_rows(first: BatchRow, rows: Iterator[BatchRow], target: Path, fmt: Format, delimiter: str,
                force: bool) -> Generator[BatchRow]:
    with AtomicFile(target, force=force) as output:
        writer = BatchWriter(output.stream, fmt, delimiter)
        writer.write(first)
        yield first
        for row in rows:
            writer.write(row)
            yield row
