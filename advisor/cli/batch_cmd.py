"""``advisor batch``: advise many structures from a JSON Lines or CSV file."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from ..batch.read import CP1252_NOTE, FORMATS
from ..batch.rows import Summary
from ..batch.run import batch_to_file
from ..batch.write import FormattedRow
from ..errors import AdvisorError
from ..wording import format_number
from . import EXIT_INTERRUPTED, EXIT_USER, State, cli, pass_state
from .options import date_option

MAX_REPORTED_ERRORS = 100


@cli.command()
@click.argument("input_file", metavar="ENTRÉE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "output_file", metavar="SORTIE", default=None,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Fichier de résultats (.jsonl ou .csv), obligatoire.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Format de la sortie (par défaut : d'après l'extension de SORTIE).")
@click.option("--input-format", "input_fmt", type=click.Choice(FORMATS), default=None,
              help="Format de l'entrée (par défaut : d'après l'extension ou le contenu d'ENTRÉE).")
@click.option("--force", is_flag=True, help="Remplacer SORTIE si elle existe déjà.")
@date_option
@click.option("-j", "--jobs", type=click.IntRange(0, 64), default=0, metavar="N",
              help="Processus de calcul en parallèle (0, par défaut : choisi d'après le temps mesuré sur les "
                   "premières structures et la taille du fichier ; un par cœur quand cela fait gagner du temps, "
                   "un seul sinon).")
@pass_state
def batch(state: State, input_file: Path, output_file: Path | None, fmt: str | None, input_fmt: str | None,
          force: bool, as_of: dt.date | None, jobs: int) -> None:
    """Analyse de nombreuses structures d'un coup : une ligne par structure.

    ENTRÉE est un fichier JSON Lines (un objet « question : réponse » par ligne) ou CSV (une
    ligne d'en-tête avec les identifiants des questions, puis une ligne par structure ; plusieurs
    choix séparés par « | »). Une colonne « id » facultative est recopiée dans la sortie.

    Une ligne en erreur est signalée avec son numéro et les autres sont traitées. Code de sortie :
    0 si toutes les lignes ont abouti, 2 si certaines sont en erreur.

    \b
    Exemples :
      advisor batch structures.csv -o resultats.csv
      advisor batch structures.jsonl -o resultats.jsonl --force
    """
    if output_file is None:
        raise click.UsageError("indiquez le fichier de résultats avec -o SORTIE (.jsonl ou .csv).")
    if str(input_file) == "-" or (input_file.exists() and not input_file.is_file()):
        # The start of the input is read twice (to recognise its format and encoding): a pipe cannot be.
        raise click.UsageError(f"« {input_file} » n'est pas un fichier : l'entrée standard ou un tube ne peut pas "
                               "être lu ici. Enregistrez d'abord les structures dans un fichier CSV ou JSON Lines, "
                               "puis donnez son nom.")
    advisor = state.advisor.dated(as_of) if as_of else state.advisor
    rows = batch_to_file(advisor, input_file, output_file, source_format=input_fmt, target_format=fmt,
                         force=force, jobs=jobs)
    for note in rows.notes:
        click.echo(f"Remarque : {note}", err=True)
    summary = Summary()
    stopped = 0  # the signal that stopped the batch
    with _progress(rows.plan.size) as advance, _interruptible(at_once=lambda: rows.parallel) as interrupted:
        try:
            for row in rows:
                if interrupted():
                    raise _Stopped(interrupted())
                summary.processed += 1
                if not row.ok:
                    summary.failed += 1
                    _report(row, summary.failed, advance is not None)
                if advance is not None:
                    advance(summary.processed, row.offset)
        except (_Stopped, AdvisorError) as stop:
            # A worker lost after a signal was stopped by the same signal (sent to the whole process group).
            signum = stop.signum if isinstance(stop, _Stopped) else interrupted()
            if not signum:
                raise
            rows.close()  # deletes the temporary file, stops the workers
            stopped = signum
    if stopped:  # said once the progress bar, if any, has ended its line
        state_of_output = "est inchangé" if output_file.exists() else "n'a pas été créé"
        how = {signal.SIGINT: "Interrompu", signal.SIGTERM: "Arrêté (signal de fin)"}.get(
            stopped, "Arrêté (terminal fermé)")
        click.echo(f"{how} après {_structures(summary.processed)} : {output_file} {state_of_output}.", err=True)
        raise click.exceptions.Exit(EXIT_INTERRUPTED if stopped == signal.SIGINT else 128 + stopped)
    click.echo(_summary_text(summary, output_file, rows.notes))
    if summary.failed:
        raise click.exceptions.Exit(EXIT_USER)


# Signals that ask the batch to stop: Ctrl-C, the system (SIGTERM) and a closed terminal (SIGHUP, where
# the platform has it). Stopped by one of the last two, it exits with 128 + the signal, as a shell
# reports it (143, 129).
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class _Stopped(Exception):
    """Ctrl-C, SIGTERM or SIGHUP asked the batch to stop (``signum`` says which)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


PROGRESS_EVERY_S = 0.2  # the bar is drawn again at most five times a second
PROGRESS_LABEL = "Analyse"
LONGEST_PROGRESS_TEXT = 80  # « 100 % · 1 000 000 structures · 10 000 structures/s · temps restant : 12 h 30 min »
ESTIMATE_AFTER_S = 2.0  # the rate and time left, once that much of the work is seen (the first chunks vary)


@contextlib.contextmanager
def _progress(size: int) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr, only when stderr is a terminal: rows done, rate, time left.

    Yields ``advance(rows done, bytes of the input read)``, or ``None`` off a terminal. The rate and
    the time left are measured from the first result, once the workers have started, on the share
    of the input's bytes advised since. The bar keeps one width, so that the line does not move.
    """
    if not _stderr_is_terminal():
        yield None
        return
    columns = shutil.get_terminal_size().columns
    width = max(10, min(40, columns - len(PROGRESS_LABEL) - 6 - LONGEST_PROGRESS_TEXT))
    room = columns - 1 - len(PROGRESS_LABEL) - width - 6  # click draws « label  [bar]  text »; one column spare
    with click.progressbar(length=max(size, 1), label=PROGRESS_LABEL, file=sys.stderr, width=width,
                           show_eta=False, show_percent=False,
                           item_show_func=lambda state: _progress_text(state, room)) as bar:
        done = 0
        shown = time.monotonic()
        first: tuple[float, int, int] | None = None  # (time, rows, bytes) at the first result

        def advance(rows: int, offset: int) -> None:
            nonlocal done, shown, first
            now = time.monotonic()
            if first is None:
                first = (now, rows, offset)
            if now - shown < PROGRESS_EVERY_S and offset < size:
                return
            shown = now
            since, rows_then, offset_then = first
            elapsed = now - since
            rate = (rows - rows_then) / elapsed if elapsed >= ESTIMATE_AFTER_S or offset >= size > 0 else None
            left = (elapsed * (size - offset) / (offset - offset_then)
                    if elapsed >= ESTIMATE_AFTER_S and offset_then < offset < size else None)
            bar.update(offset - done, (rows, offset / size if size else 1.0, rate, left))
            done = offset

        yield advance


def _progress_text(state: tuple[int, float, float | None, float | None] | None, room: int = 200) -> str | None:
    """« 42 % · 4 210 structures · 615 structures/s · temps restant : 1 min 05 s », in at most ``room`` characters:
    the rate goes first, then the time left, when the line would not fit the terminal.

    ``state``: (rows done, share of the input done, rows per second, seconds left), the last two unknown at first.
    """
    if state is None:
        return None
    rows, share, rate, left = state
    parts = [f"{int(share * 100)}\u202f% · {format_number(rows)} structure{'s' if rows > 1 else ''}"]
    if rate is not None:
        parts.append(f"{format_number(round(rate))} structures/s")
    if left is not None:
        parts.append(f"temps restant : {_duration(left)}")
    while len(" · ".join(parts)) > room and len(parts) > 1:
        parts.pop(1)
    return " · ".join(parts)[:max(room, 0)]


def _duration(seconds: float) -> str:
    """« 12 s », « 1 min 05 s », « 2 h 03 min »."""
    whole = max(1, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


@contextlib.contextmanager
def _interruptible(at_once: Callable[[], bool] = lambda: False) -> Iterator[Callable[[], int]]:
    """Turn Ctrl-C (SIGINT), SIGTERM and SIGHUP into a flag checked between structures; yields the signal seen (or 0).

    A KeyboardInterrupt raised inside the rules engine would be caught by durable-rules and
    reported as an engine error on one line; a flag lets the current structure finish and the
    batch stop cleanly (no output, temporary file removed). A second signal stops at once. With
    workers (``at_once()`` true when the signal comes), the engine no longer runs in this process
    and the workers may have been stopped by the same SIGTERM or SIGHUP: these stop at once, so that
    no result is waited for in vain.
    """
    if threading.current_thread() is not threading.main_thread():
        yield lambda: 0
        return
    hits: list[int] = []

    def handler(signum: int, frame: Any) -> None:
        hits.append(signum)
        if len(hits) > 1 or (signum != signal.SIGINT and at_once()):
            raise _Stopped(signum) if signum != signal.SIGINT else KeyboardInterrupt

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield lambda: hits[0] if hits else 0
    finally:
        for sig, action in previous.items():
            signal.signal(sig, action)


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def _report(row: FormattedRow, count: int, bar: bool) -> None:
    clear = "\r\033[K" if bar else ""
    if count <= MAX_REPORTED_ERRORS:
        click.echo(f"{clear}Ligne {row.line} : {row.error}", err=True)
    elif count == MAX_REPORTED_ERRORS + 1:
        click.echo(f"{clear}Autres erreurs non affichées : voir la colonne « error » du fichier de sortie.", err=True)


def _structures(count: int) -> str:
    """« 1 structure », « 4 449 structures »."""
    return f"{format_number(count)} structure{'s' if count > 1 else ''}"


def _summary_text(summary: Summary, output: Path, notes: tuple[str, ...] = ()) -> str:
    done = f"{_structures(summary.processed)} traitée{'s' if summary.processed > 1 else ''}"
    read = " (entrée lue en Windows-1252 : voir la remarque ci-dessus)" if CP1252_NOTE in notes else ""
    return f"{done}, {format_number(summary.failed)} en erreur. Résultats : {output}{read}"
