"""The worker pool: rows advised in spawned processes, a bounded number of chunks in flight, input order kept.

What crosses the process boundary is kept small, since the parent shares the cores with the
workers: chunks of ``InputRow`` go out; with ``text`` set, each row comes back as a
``FormattedRow`` (its output line already written as text), else as a ``BatchRow``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing
import signal
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import EngineError, WorkerLostError
from .read import Format, InputRow
from .rows import advise_row, name_question
from .write import RowFormatter

if TYPE_CHECKING:
    from ..reasoning.advisor import Advisor

# 64 rows are about 0.1 s of work (1.5 ms a row): few enough messages for the parent, and a short
# wait for the last chunk at the end.
CHUNK_ROWS = 64
IN_FLIGHT_PER_JOB = 3  # chunks sent ahead per worker: none waits for the parent, memory stays bounded
WORKER_LOST = ("un processus de calcul s'est arrêté brutalement (mémoire insuffisante ?) : le traitement est "
               "abandonné, sans fichier de résultats. Relancez avec --jobs 1 (un seul processus, qui demande "
               "moins de mémoire).")
_worker: tuple[Advisor, str | None, RowFormatter | None] | None = None
_worker_error: Exception | None = None


def chunks(rows: Iterator[InputRow], size: int) -> Iterator[list[InputRow]]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def advise_in_workers(root: Path, chunks: Iterator[list[InputRow]], jobs: int, as_of: dt.date | None = None,
                      text: tuple[Format, str] | None = None) -> Iterator[Any]:
    """Advise chunks in worker processes, in order, with a bounded number of chunks in flight.

    Args:
        text: (format, CSV separator) to get each row back as a ``FormattedRow``; ``BatchRow`` when omitted.
    """
    context = multiprocessing.get_context("spawn")  # fork is unsafe with the engine's C state
    _start_resource_tracker()
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker,
                               initargs=(str(root), as_of, text))
    pending: deque[Future[list[Any]]] = deque()
    try:
        for chunk in chunks:
            pending.append(pool.submit(_advise_chunk, chunk))
            if len(pending) >= IN_FLIGHT_PER_JOB * jobs:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    except BrokenProcessPool:  # a worker died (out-of-memory killer, kill -9): its chunk is lost
        _stop(pool)
        raise WorkerLostError(WORKER_LOST) from None
    except BaseException:
        _stop(pool)  # Ctrl-C, a closed generator or an error: stop the workers now
        raise
    else:
        pool.shutdown()


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker deaf to SIGHUP, as Python makes it to SIGINT and SIGTERM.

    A closed terminal hangs up its whole process group: a tracker killed then is started again by
    this process, which prints a warning and the new tracker's tracebacks on the way out.
    """
    if not hasattr(signal, "SIGHUP") or not hasattr(signal, "pthread_sigmask"):
        return
    from multiprocessing import resource_tracker

    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})  # the tracker inherits the mask
    try:
        resource_tracker.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel the chunks not started and end the workers without waiting for theirs (as Python 3.14's
    ``terminate_workers``, used where it exists)."""
    terminate = getattr(pool, "terminate_workers", None)
    if terminate is not None:
        terminate()
        return
    workers = list((pool._processes or {}).values())  # noqa: SLF001 - copied before shutdown clears it
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        try:
            if worker.is_alive():
                worker.terminate()
        except (ValueError, ProcessLookupError):  # already ended and closed
            continue


def _start_worker(root: str, as_of: dt.date | None, text: tuple[Format, str] | None) -> None:
    """Load the advisor once per worker; Ctrl-C is handled by the parent, which stops the workers."""
    global _worker, _worker_error
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        from ..knowledge.loader import load_knowledge_base
        from ..reasoning.advisor import Advisor

        advisor = Advisor(load_knowledge_base(root))
        advisor = advisor.dated(as_of) if as_of else advisor
        _worker = (advisor, name_question(advisor.kb), RowFormatter(*text) if text else None)
    except Exception as err:  # noqa: BLE001 - re-raised in the parent by the first chunk (a failing
        _worker_error = err  # initializer would break the pool with a bare traceback on stderr)


def _advise_chunk(chunk: list[InputRow]) -> list[Any]:
    if _worker is None:
        # A plain AdvisorError subclass: it crosses the process boundary (pickle) intact.
        raise EngineError(f"processus de calcul parallèle : {_worker_error}")
    advisor, question, formatter = _worker
    if formatter is None:
        return [advise_row(advisor, row, question) for row in chunk]
    return [formatter.formatted(advise_row(advisor, row, question)) for row in chunk]
