"""Batch mode: many structures in, one result row per structure out, in constant memory.

Nothing is ever held for the whole file: input is read line by line (``read``), every row is
advised (``rows``) and written (``write``) before the next is read, and the output goes through
the one atomic writer (``advisor.files.AtomicFile``), so a crash never leaves half a file.
A bad row never stops the batch: it becomes a row with an ``error`` and the others go on.
With ``jobs > 1`` rows are advised by worker processes in chunks (``parallel``); with ``jobs=0``
the first rows are advised here and timed, and workers start only if they repay their start-up
(``plan``). The output is the same, byte for byte, whatever the number of processes.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputFileError, OutputError
from ..files import AtomicFile, check_writable
from .parallel import CHUNK_ROWS, advise_in_workers, chunks
from .plan import Probe
from .read import Format, InputInfo, InputRow, format_of, inspect_input, read_rows
from .rows import BatchRow, advise_row, name_question
from .write import FormattedRow, RowFormatter

if TYPE_CHECKING:  # imported lazily: ``advisor batch --help`` must not load the reasoning
    from ..reasoning.advisor import Advisor


@dataclass
class Plan:
    """How a batch is advised: the processes asked for (0: chosen from the first rows) and in use.

    Attributes:
        asked: ``jobs`` as given; 0 lets the batch choose.
        size: the input's size in bytes (to estimate the rows left).
        jobs: the processes advising rows now (1: this one; more: workers, and this one only reads and writes).
        probe: the first rows' timing, when the batch chose.
    """

    asked: int
    size: int = 0
    jobs: int = 1
    probe: Probe | None = None


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
            engine, and at most a few chunks of rows are in flight at once (memory stays constant);
            0 chooses from the cost of the first rows and the size of the file (``plan``).
        info: how the file is written (``read.inspect_input``; found when omitted).

    Raises:
        InputFileError: the file cannot be read, or its format or CSV header is wrong.
    """
    fmt = fmt or format_of(path, sniff=True)
    yield from _advised(advisor, read_rows(path, fmt, advisor.kb, info), Plan(jobs, _size(path)), None)


def _advised(advisor: Advisor, rows: Iterator[InputRow], plan: Plan,
             formatter: RowFormatter | None) -> Generator[Any]:
    """Each row advised, in input order: a ``FormattedRow`` with a formatter, else a ``BatchRow``."""
    question = name_question(advisor.kb)

    def here(row: InputRow) -> Any:
        result = advise_row(advisor, row, question)
        return formatter.formatted(result) if formatter is not None else result

    jobs = plan.asked
    if jobs == 0:
        probe = plan.probe = Probe(plan.size)
        for row in rows:
            start = time.perf_counter()
            done = here(row)
            probe.add(time.perf_counter() - start, row.offset)
            yield done
            if probe.done:
                break
        jobs = probe.jobs(CHUNK_ROWS)
    if jobs > 1:
        parts = chunks(rows, CHUNK_ROWS)
        # A bad header fails here, before any worker starts. No more workers than chunks of work (each
        # costs a start-up); a single chunk is the whole input, advised here.
        ahead = list(itertools.islice(parts, jobs))
        if len(ahead) > 1:
            plan.jobs = len(ahead)
            text = (formatter.fmt, formatter.delimiter) if formatter is not None else None
            yield from advise_in_workers(advisor.kb.root, itertools.chain(ahead, parts), plan.jobs, advisor.as_of,
                                         text)
            return
        rows = itertools.chain.from_iterable(ahead)
    for row in rows:
        yield here(row)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


class BatchRun(Iterator[FormattedRow]):
    """The rows of a batch being written, one at a time, and what the person should know about the input.

    Iterate to advise and write each row; the output file appears when the iteration ends.
    ``close()`` stops early: the temporary file is deleted and the workers stopped.

    Attributes:
        notes: French sentences about how the input was read (an encoding other than UTF-8…).
        info: how the input is written.
        plan: the processes asked for and in use (``plan.jobs`` changes once the first rows are timed).
    """

    def __init__(self, rows: Generator[FormattedRow], info: InputInfo, plan: Plan) -> None:
        self._rows = rows
        self.info = info
        self.notes = info.notes
        self.plan = plan

    def __next__(self) -> FormattedRow:
        return next(self._rows)

    def close(self) -> None:
        """Stop now: no output file, temporary file deleted, workers stopped."""
        self._rows.close()

    @property
    def parallel(self) -> bool:
        """Whether worker processes advise the rows (this process then only reads and writes)."""
        return self.plan.jobs > 1


def batch_to_file(advisor: Advisor, source: Path, target: Path, *, source_format: str | None = None,
                  target_format: str | None = None, force: bool = False, jobs: int = 1) -> BatchRun:
    """Advise every structure of ``source`` and write the results to ``target`` atomically.

    Problems with the whole input or output (missing file, unknown format, bad CSV header, existing
    output without ``force``) raise at once. The returned iterator yields each row after writing it
    (for progress and error reporting); the output file appears only when it is exhausted.
    ``jobs`` is as for ``run_batch`` (0: chosen from the first rows).

    Raises:
        InputFileError, OutputError: a problem with the whole input or output file.
    """
    in_fmt = format_of(source, source_format, sniff=True)
    out_fmt = format_of(target, target_format)
    if target.exists() and source.exists() and target.resolve() == source.resolve():
        raise OutputError(f"{target} est aussi le fichier d'entrée : choisissez un autre fichier de sortie.")
    check_writable(target, force)
    info = inspect_input(source, in_fmt)
    formatter = RowFormatter(out_fmt, info.delimiter if in_fmt == "csv" else ",")
    plan = Plan(jobs, _size(source))
    rows = _advised(advisor, read_rows(source, in_fmt, advisor.kb, info), plan, formatter)
    first = next(rows, None)  # reads the header: a bad file fails here, before any file is created
    if first is None:
        raise InputFileError(source, "le fichier ne contient aucune structure.")
    return BatchRun(_write_rows(first, rows, target, formatter, force), info, plan)


def _write_rows(first: FormattedRow, rows: Generator[FormattedRow], target: Path, formatter: RowFormatter,
                force: bool) -> Generator[FormattedRow]:
    with contextlib.closing(rows), AtomicFile(target, force=force) as output:  # a write error stops the workers too
        write = output.stream.write
        write(formatter.header())
        write(first.text)
        yield first
        for row in rows:
            write(row.text)
            yield row
