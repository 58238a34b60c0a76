"""The worker pool: rows advised in spawned processes, a bounded number of chunks in flight, input order kept."""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterator
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import EngineError
from .read import InputRow
from .rows import BatchRow, advise_row, name_question

if TYPE_CHECKING:
    from ..reasoning.advisor import Advisor

CHUNK_ROWS = 64
PARALLEL_FROM_BYTES = 256 * 1024  # about 1,000 structures: below, starting workers costs more than it saves
_worker: tuple[Advisor, str | None] | None = None
_worker_error: Exception | None = None


def auto_jobs(path: Path) -> int:
    """One worker per core for inputs big enough to repay the workers' start-up, else 1."""
    try:
        big = path.stat().st_size >= PARALLEL_FROM_BYTES
    except OSError:
        big = False
    return max(1, min(os.cpu_count() or 1, 8)) if big else 1


def chunks(rows: Iterator[InputRow], size: int) -> Iterator[list[InputRow]]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def advise_in_workers(root: Path, chunks: Iterator[list[InputRow]], jobs: int,
                      as_of: dt.date | None = None) -> Iterator[BatchRow]:
    """Advise chunks in worker processes, in order, with a bounded number of chunks in flight."""
    context = multiprocessing.get_context("spawn")  # fork is unsafe with the engine's C state
    pool = context.Pool(jobs, initializer=_start_worker, initargs=(str(root), as_of))
    pending: deque[AsyncResult[list[BatchRow]]] = deque()
    try:
        for chunk in chunks:
            pending.append(pool.apply_async(_advise_chunk, (chunk,)))
            if len(pending) >= 3 * jobs:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()
    except BaseException:
        pool.terminate()  # Ctrl-C, a closed generator or an error: stop the workers now
        raise
    else:
        pool.close()
    finally:
        pool.join()


def _start_worker(root: str, as_of: dt.date | None) -> None:
    """Load the advisor once per worker; Ctrl-C is handled by the parent, which stops the workers."""
    global _worker, _worker_error
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        from ..knowledge.loader import load_knowledge_base
        from ..reasoning.advisor import Advisor

        advisor = Advisor(load_knowledge_base(root))
        advisor = advisor.dated(as_of) if as_of else advisor
        _worker = (advisor, name_question(advisor.kb))
    except Exception as err:  # noqa: BLE001 - re-raised in the parent by the first chunk (a failing
        _worker_error = err  # initializer would make the pool restart workers forever)


def _advise_chunk(chunk: list[InputRow]) -> list[BatchRow]:
    if _worker is None:
        # A plain AdvisorError subclass: it crosses the process boundary (pickle) intact.
        raise EngineError(f"processus de calcul parallèle : {_worker_error}")
    advisor, question = _worker
    return [advise_row(advisor, row, question) for row in chunk]


