"""How many worker processes a batch uses: only as many as repay their start-up, at most one per core.

``advisor batch`` without ``--jobs`` advises the first rows itself (they are part of the output)
and times them (``Probe``); from the cost of a row and the estimated number of rows left (the
input's size over the bytes the first rows took), it starts workers only when they save time:

    serial time left   W = rows left × cost of a row
    with j workers     W × (1 + PARALLEL_OVERHEAD) / j + WORKER_START_S

Workers are started (one per core available to the process, at most ``MAX_JOBS``) when that is at
least ``MIN_SPEEDUP`` times faster than going on alone. ``--jobs N`` forces N processes.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

# Start-up of one worker (spawn, imports, knowledge base read from its on-disk cache, engine built):
# 0.3 s of processor time measured on a 2-core Xeon (``python -c "import advisor.cli,
# advisor.reasoning.advisor"`` under /usr/bin/time, with no bytecode cache); rounded up for slower
# machines and disks.
WORKER_START_S = 0.5
# What parallelism adds to the work of a row: the parent reads the input, sends the rows and writes
# the text the workers send back. About 6 % of the processor time of 10,000 generated structures
# (the parent's processor time with 2 workers against one process, ``resource.getrusage``).
PARALLEL_OVERHEAD = 0.1
MIN_SPEEDUP = 1.2  # below, the estimate is too rough to be worth a pool of processes
MAX_JOBS = 8  # each worker holds its own knowledge base and engine
PROBE_ROWS = 32  # rows advised and timed in the parent before choosing
PROBE_SECONDS = 0.2  # ...or fewer when they already took this long


def available_cores() -> int:
    """The processor cores this process may run on (its affinity where the system tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def choose_jobs(rows_left: float, row_seconds: float, cores: int, chunk_rows: int) -> int:
    """The number of processes for the rows left: 1 (go on alone) or the workers that repay their start-up."""
    work = rows_left * row_seconds
    jobs = min(cores, MAX_JOBS, math.ceil(rows_left / chunk_rows))
    if jobs < 2:
        return 1
    parallel = work * (1 + PARALLEL_OVERHEAD) / jobs + WORKER_START_S
    return jobs if parallel * MIN_SPEEDUP <= work else 1


@dataclass
class Probe:
    """The first rows, advised in the parent and timed: the cost of a row and the bytes a row takes."""

    size: int
    rows: int = 0
    timed: int = 0
    seconds: float = 0.0
    offset: int = 0

    def add(self, seconds: float, offset: int) -> None:
        """One more row advised in ``seconds``, ending at byte ``offset`` of the input."""
        self.rows += 1
        self.offset = max(self.offset, offset)
        if self.rows > 1:  # the first consultation warms the engine up: not a typical row
            self.timed += 1
            self.seconds += seconds

    @property
    def done(self) -> bool:
        """Whether enough rows were timed to choose."""
        return self.rows >= PROBE_ROWS or self.seconds >= PROBE_SECONDS

    @property
    def row_seconds(self) -> float:
        return self.seconds / self.timed if self.timed else 0.0

    @property
    def rows_left(self) -> float:
        """The rows still to read, estimated from the bytes the first ones took."""
        if not self.rows or not self.offset:
            return 0.0
        return max(0, self.size - self.offset) * self.rows / self.offset

    def jobs(self, chunk_rows: int) -> int:
        """The processes to use for the rest of the input."""
        return choose_jobs(self.rows_left, self.row_seconds, available_cores(), chunk_rows)
