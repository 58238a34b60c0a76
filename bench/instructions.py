"""Processor instructions of ``advise(explain=True)`` and of plain ``advise()``, counted by valgrind.

On a shared machine, timings of two versions of the code differ by up to 25 % from one run to the
next, more than most changes to the what-if search gain. Instruction counts are the same from one run
to the next (within 0.3 %), so they tell whether a change to the Python code saves work::

    python bench/instructions.py                  # the two slowest examples
    python bench/instructions.py zest afeji       # chosen examples

It is a guide for comparing versions, not a figure of the README: an instruction of the engine's C
code (durable-rules) costs less time than one of Python's interpreter, so the time ratio of
``run.py`` is about a tenth higher than the ratio printed here. Needs ``valgrind`` (Debian package).
"""

# Subprocesses only run valgrind on this interpreter and this script:
# ruff: noqa: S603

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

DAY = dt.date(2026, 12, 1)
CALLS = 10
DEFAULT_EXAMPLES = ("agora-ternois", "afeji")


def _consult(mode: str, calls: int, names: list[str]) -> None:
    """The measured child: warm up, then ``calls`` rounds of ``advise`` on the examples."""
    from advisor import Advisor, load_knowledge_base

    kb = load_knowledge_base()
    advisor = Advisor(kb).dated(DAY)
    answers = [kb.example(name).answers for name in names]
    for each in answers:
        advisor.advise(each, explain=True)
        advisor.advise(each)
    for _ in range(calls):
        for each in answers:
            advisor.advise(each, explain=mode == "explain")


def _instructions(valgrind: str, mode: str, calls: int, names: list[str]) -> int:
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # the same sets, in the same order, every run
    done = subprocess.run([valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
                           __file__, "--child", mode, str(calls), *names],
                          capture_output=True, text=True, env=env, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"valgrind n'a rien compté :\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        _consult(argv[1], int(argv[2]), argv[3:])
        return 0
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("valgrind est introuvable : installez-le (paquet Debian « valgrind ») pour compter les instructions.")
        return 1
    names = argv or list(DEFAULT_EXAMPLES)
    start = _instructions(valgrind, "none", 0, names)  # loading, warming up: counted once, then subtracted
    explained, plain = ((_instructions(valgrind, mode, CALLS, names) - start) / CALLS / len(names)
                        for mode in ("explain", "plain"))
    print(f"exemples : {', '.join(names)}")
    print(f"advise(explain=True) : {explained / 1e6:.2f} millions d'instructions par appel".replace(".", ","))
    print(f"advise()             : {plain / 1e6:.2f} millions d'instructions par appel".replace(".", ","))
    print(f"rapport              : {explained / plain:.2f}".replace(".", ","))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
