"""Batch mode: many structures in, one result row per structure out, in constant memory.

Input is JSON Lines (one JSON object per line) or CSV (a header row of question ids, then one row
per structure; several choices separated by ``|``). Both may carry an ``id`` column (a reserved
question id) that is copied to the output, so the caller can join results with its own records.

Nothing is ever held for the whole file: input is read line by line (a line longer than
``MAX_LINE_BYTES`` is reported, not loaded), every row is advised and written before the next is
read, and the output goes to a temporary file renamed at the end (a crash never leaves half a file).
A bad row never stops the batch: it becomes a row with an ``error`` and the others go on.
With ``jobs > 1`` rows are advised by worker processes in chunks, a bounded number at a time, and
written back in input order.
"""

from __future__ import annotations

import csv
import itertools
import json
import multiprocessing
import os
import signal
import tempfile
from collections import deque
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from .errors import AdvisorError, EngineError, InputFileError, OutputError
from .files import check_writable, open_input

if TYPE_CHECKING:  # imported lazily: ``advisor batch --help`` must not load pydantic models
    from .advice import Advisor
    from .knowledge import KnowledgeBase
    from .recommendation import Recommendation

Format = Literal["jsonl", "csv"]
FORMATS: tuple[Format, ...] = ("jsonl", "csv")
EXTENSIONS: dict[str, Format] = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv"}
ID_FIELD = "id"
MAX_LINE_BYTES = 256 * 1024
COLUMNS = ("line", "id", "name", "top_form", "variant", "score", "confidence", "second_form", "no_clear_fit",
           "excluded", "warnings", "error")
LIST_SEPARATOR = "|"


@dataclass(frozen=True)
class InputRow:
    """One structure read from the input: its answers, or why it could not be read."""

    line: int
    answers: dict[str, Any] | None
    error: str | None = None
    row_id: str | None = None
    offset: int = 0


@dataclass(frozen=True)
class BatchRow:
    """The outcome for one structure: the summary of its recommendation, or an error (French, one line).

    ``top_form`` is the best-ranked form even when ``no_clear_fit`` is true (its score is then below
    the knowledge base's minimum): read the two together.
    """

    line: int
    row_id: str | None = None
    name: str | None = None
    error: str | None = None
    top_form: str | None = None
    variant: str | None = None
    score: int | None = None
    confidence: str | None = None
    second_form: str | None = None
    no_clear_fit: bool | None = None
    excluded: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    offset: int = 0

    @classmethod
    def from_result(cls, line: int, row_id: str | None, name: str | None, rec: Recommendation,
                    offset: int = 0) -> BatchRow:
        """Summarise a recommendation into one output row."""
        ranked = rec.recommendations
        first = ranked[0] if ranked else None
        return cls(line, row_id, name, None,
                   top_form=first.form if first else None, variant=first.variant if first else None,
                   score=first.score if first else None, confidence=first.confidence if first else None,
                   second_form=ranked[1].form if len(ranked) > 1 else None, no_clear_fit=rec.no_clear_fit,
                   excluded=tuple(f.form for f in rec.excluded),
                   warnings=tuple(dict.fromkeys(w.rule for w in rec.warnings)), offset=offset)

    @property
    def ok(self) -> bool:
        """Whether the structure got a recommendation."""
        return self.error is None

    def record(self) -> dict[str, Any]:
        """The output columns, in order (lists stay lists; the CSV writer joins them)."""
        return {"line": self.line, "id": self.row_id, "name": self.name, "top_form": self.top_form,
                "variant": self.variant, "score": self.score, "confidence": self.confidence,
                "second_form": self.second_form, "no_clear_fit": self.no_clear_fit,
                "excluded": list(self.excluded), "warnings": list(self.warnings), "error": self.error}


@dataclass
class Summary:
    """Counts of a finished batch."""

    processed: int = 0
    failed: int = 0

    @property
    def succeeded(self) -> int:
        """Structures that got a recommendation."""
        return self.processed - self.failed


# --- formats ---------------------------------------------------------------------------------

def format_of(path: Path, explicit: str | None = None, sniff: bool = False) -> Format:
    """The format of a batch file: explicit, else from its extension, else (input only) from its first byte.

    Raises:
        InputFileError: the format cannot be told.
    """
    if explicit:
        if explicit not in FORMATS:
            raise InputFileError(path, f"format inconnu « {explicit} » (formats : {', '.join(FORMATS)}).")
        return explicit
    by_extension = EXTENSIONS.get(path.suffix.lower())
    if by_extension:
        return by_extension
    if sniff and not path.exists():
        raise InputFileError(path, "fichier introuvable. Vérifiez le chemin.")
    if sniff and path.is_file():
        with path.open("rb") as handle:
            head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
        return "jsonl" if head.startswith(b"{") else "csv"
    raise InputFileError(path, "format non reconnu : utilisez l'extension .jsonl ou .csv, ou l'option --format.")


# --- reading ---------------------------------------------------------------------------------

class _Lines:
    """Physical lines of a binary file, decoded one at a time, with their number and the bytes read.

    A line that is too long is skipped in chunks (never loaded); one that is not UTF-8 is decoded
    with replacement characters and its number remembered in ``bad``.
    """

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self.number = 0
        self.offset = 0
        self.bad: dict[int, str] = {}

    def __iter__(self) -> Iterator[str]:
        while True:
            chunk = self._handle.readline(MAX_LINE_BYTES + 1)
            if not chunk:
                return
            self.number += 1
            self.offset += len(chunk)
            if len(chunk) > MAX_LINE_BYTES and not chunk.endswith(b"\n"):
                while chunk and not chunk.endswith(b"\n"):
                    chunk = self._handle.readline(MAX_LINE_BYTES)
                    self.offset += len(chunk)
                self.bad[self.number] = f"ligne trop longue (plus de {MAX_LINE_BYTES // 1024} Kio)"
                yield "\n"
                continue
            if self.number == 1 and chunk.startswith(b"\xef\xbb\xbf"):
                chunk = chunk[3:]
            try:
                text = chunk.decode("utf-8")
            except UnicodeDecodeError:
                self.bad[self.number] = "ligne illisible : le fichier n'est pas en UTF-8 (enregistrez-le en UTF-8)"
                text = chunk.decode("utf-8", errors="replace")
            if "\x00" in text:
                self.bad[self.number] = "ligne illisible : données binaires"
                text = text.replace("\x00", "")
            yield text

    def problem(self, first: int, last: int) -> str | None:
        """The first reading problem among physical lines first..last, if any (forgets them all)."""
        found = [self.bad.pop(n) for n in range(first, last + 1) if n in self.bad]
        return found[0] if found else None


def read_rows(path: Path, fmt: Format, kb: KnowledgeBase) -> Iterator[InputRow]:
    """Stream the structures of an input file, one ``InputRow`` at a time.

    Raises:
        InputFileError: the file cannot be opened, or (CSV) its header is not a list of question ids.
    """
    with open_input(path) as handle:
        lines = _Lines(handle)
        if fmt == "jsonl":
            yield from _jsonl_rows(lines)
        else:
            yield from _csv_rows(path, lines, kb)


def _jsonl_rows(lines: _Lines) -> Iterator[InputRow]:
    for text in lines:
        number, problem = lines.number, lines.problem(lines.number, lines.number)
        if problem:
            yield InputRow(number, None, problem, offset=lines.offset)
            continue
        if not text.strip():
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            yield InputRow(number, None, f"JSON invalide (colonne {err.colno}) : {_french_json(err.msg)}",
                           offset=lines.offset)
            continue
        if not isinstance(data, dict):
            yield InputRow(number, None, "un objet JSON « question : réponse » est attendu sur chaque ligne",
                           offset=lines.offset)
            continue
        row_id = data.pop(ID_FIELD, None)
        yield InputRow(number, data, row_id=None if row_id is None else str(row_id), offset=lines.offset)


def _french_json(message: str) -> str:
    known = {"Expecting value": "valeur attendue", "Extra data": "texte en trop après l'objet",
             "Unterminated string starting at": "texte entre guillemets non terminé",
             "Expecting property name enclosed in double quotes": "nom de question entre guillemets attendu",
             "Expecting ',' delimiter": "virgule attendue", "Expecting ':' delimiter": "deux-points attendus",
             "Invalid control character at": "caractère de contrôle interdit"}
    return known.get(message, "syntaxe incorrecte")


def _csv_rows(path: Path, lines: _Lines, kb: KnowledgeBase) -> Iterator[InputRow]:
    from .answers import fold

    source = iter(lines)
    first = next((text for text in source if text.strip()), None)
    if first is None:
        return
    header_line = lines.number
    problem = lines.problem(1, header_line)
    if problem:
        raise InputFileError(path, f"ligne {header_line} (en-tête) : {problem}.")
    dialect = _dialect(first)
    header = [fold(name) for name in next(csv.reader([first], dialect))]
    _check_header(path, header_line, header, kb)
    reader = csv.reader(source, dialect)
    while True:
        start = lines.number + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            why = ("guillemet ouvert et jamais fermé" if "field limit" in str(err)
                   else "ligne CSV mal formée")
            yield InputRow(start, None, why, offset=lines.offset)
            continue
        problem = lines.problem(start, lines.number)
        if problem:
            yield InputRow(start, None, problem, offset=lines.offset)
            continue
        if not any(cell.strip() for cell in cells):
            continue
        row = dict(zip(header, cells, strict=False))
        row_id = row.pop(ID_FIELD, None) or None
        error = None
        spread = [q for q, cell in row.items() if "\n" in cell and kb.questions[q].type != "text"]
        if spread:
            error = (f"guillemet ouvert et jamais fermé ? la colonne « {spread[0]} » s'étend des lignes {start} "
                     f"à {lines.number}")
        elif len(cells) > len(header):
            error = (f"{len(cells)} colonnes pour {len(header)} dans l'en-tête (un séparateur en trop ? "
                     "mettez entre guillemets les textes qui en contiennent)")
        yield InputRow(start, row, error, row_id=row_id, offset=lines.offset)


def _dialect(header: str) -> type[csv.Dialect]:
    """Comma, semicolon (French spreadsheets) or tab, told from the header (ids hold none of them)."""
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    sep = max(counts, key=lambda s: counts[s]) if any(counts.values()) else ","

    class Dialect(csv.excel):
        delimiter = sep

    return Dialect


def _check_header(path: Path, line: int, header: list[str], kb: KnowledgeBase) -> None:
    unknown = [name for name in header if name != ID_FIELD and name not in kb.questions]
    if unknown:
        raise InputFileError(path, f"ligne {line} (en-tête) : colonnes inconnues : {', '.join(unknown) or '(vide)'}. "
                             f"Colonnes possibles : {ID_FIELD}, {', '.join(kb.questions)}.")
    doubles = sorted({name for name in header if header.count(name) > 1})
    if doubles:
        raise InputFileError(path, f"ligne {line} (en-tête) : colonnes en double : {', '.join(doubles)}.")


# --- advising --------------------------------------------------------------------------------

def run_batch(advisor: Advisor, path: Path, fmt: Format | None = None, jobs: int = 1) -> Iterator[BatchRow]:
    """Advise every structure of an input file, yielding one ``BatchRow`` per structure, in input order.

    A structure whose answers are wrong (or whose consultation fails) gives a row with an error;
    the batch goes on. Only problems with the whole file raise.

    Args:
        advisor: the advisor to consult.
        path: the input file.
        fmt: its format (from the extension or the content when omitted).
        jobs: worker processes; above 1, each loads the advisor's knowledge base with the default
            engine, and at most a few chunks of rows are in flight at once (memory stays constant).

    Raises:
        InputFileError: the file cannot be read, or its format or CSV header is wrong.
    """
    fmt = fmt or format_of(path, sniff=True)
    rows = read_rows(path, fmt, advisor.kb)
    if jobs <= 1:
        name_question = _name_question(advisor.kb)
        for row in rows:
            yield _advise_row(advisor, row, name_question)
        return
    chunks = _chunks(rows, CHUNK_ROWS)
    first = next(chunks, None)  # a bad header fails here, before any worker starts
    if first is None:
        return
    yield from _parallel(advisor.kb.root, itertools.chain([first], chunks), jobs)


def _advise_row(advisor: Advisor, row: InputRow, name_question: str | None) -> BatchRow:
    name = _name(row.answers, name_question)
    if row.error is not None or row.answers is None:
        return BatchRow(row.line, row.row_id, name, row.error, offset=row.offset)
    try:
        result = advisor.advise(row.answers)
    except AdvisorError as err:
        return BatchRow(row.line, row.row_id, name, str(err), offset=row.offset)
    if name_question is not None:
        name = result.answers.get(name_question, name)
    return BatchRow.from_result(row.line, row.row_id, name, result, row.offset)


def _name(answers: dict[str, Any] | None, question: str | None) -> str | None:
    """The structure's name: the raw answer to the knowledge base's first text question, if any."""
    from .answers import fold

    if answers is None or question is None:
        return None
    value = next((v for k, v in answers.items() if isinstance(k, str) and fold(k) == question), None)
    return value.strip() or None if isinstance(value, str) else None


def _name_question(kb: KnowledgeBase) -> str | None:
    """The question whose answer names the structure: the knowledge base's first text question."""
    return next((q.id for q in kb.questions.values() if q.type == "text"), None)


# --- parallel mode -----------------------------------------------------------------------------

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


def _chunks(rows: Iterator[InputRow], size: int) -> Iterator[list[InputRow]]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def _parallel(root: Path, chunks: Iterator[list[InputRow]], jobs: int) -> Iterator[BatchRow]:
    """Advise chunks in worker processes, in order, with a bounded number of chunks in flight."""
    context = multiprocessing.get_context("spawn")  # fork is unsafe with the engine's C state
    pool = context.Pool(jobs, initializer=_start_worker, initargs=(str(root),))
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


def _start_worker(root: str) -> None:
    """Load the advisor once per worker; Ctrl-C is handled by the parent, which stops the workers."""
    global _worker, _worker_error
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        from .advice import Advisor
        from .knowledge import load_knowledge_base

        advisor = Advisor(load_knowledge_base(root))
        _worker = (advisor, _name_question(advisor.kb))
    except Exception as err:  # noqa: BLE001 - re-raised in the parent by the first chunk (a failing
        _worker_error = err  # initializer would make the pool restart workers forever)


def _advise_chunk(chunk: list[InputRow]) -> list[BatchRow]:
    if _worker is None:
        # A plain AdvisorError subclass: it crosses the process boundary (pickle) intact.
        raise EngineError(f"processus de calcul parallèle : {_worker_error}")
    advisor, name_question = _worker
    return [_advise_row(advisor, row, name_question) for row in chunk]


# --- writing ---------------------------------------------------------------------------------

class BatchWriter:
    """Writes result rows to a text stream as JSON Lines or CSV, one row at a time."""

    def __init__(self, stream: IO[str], fmt: Format, delimiter: str = ",") -> None:
        self._stream = stream
        self._fmt = fmt
        self._csv: Any = None
        if fmt == "csv":
            self._csv = csv.writer(stream, delimiter=delimiter, lineterminator="\n")
            self._csv.writerow(COLUMNS)

    def write(self, row: BatchRow) -> None:
        """Write one row."""
        record = row.record()
        if self._fmt == "jsonl":
            self._stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            self._csv.writerow([_cell(record[c]) for c in COLUMNS])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(value)
    return str(value)


class AtomicOutput:
    """A text file written through a temporary file in the same folder, renamed on success.

    Use as a context manager: on an exception (or Ctrl-C) the temporary file is deleted and any
    existing file at ``path`` is left untouched.
    """

    def __init__(self, path: Path, force: bool = False) -> None:
        self.path = Path(path)
        check_writable(self.path, force)
        folder = self.path.parent if str(self.path.parent) else Path(".")
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
        except OSError as err:
            raise OutputError(f"impossible d'écrire dans {folder} ({err.strerror}).") from None
        self._tmp = Path(tmp)
        self.stream: IO[str] = open(fd, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed in __exit__

    def __enter__(self) -> AtomicOutput:
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if kind is not None:
            self.stream.close()
            self._tmp.unlink(missing_ok=True)
            return
        try:
            self.stream.flush()
            os.fsync(self.stream.fileno())
            self.stream.close()
            os.replace(self._tmp, self.path)
        except OSError as err:
            self._tmp.unlink(missing_ok=True)
            raise OutputError(f"impossible d'écrire {self.path} ({err.strerror}).") from None


def csv_delimiter(path: Path, fmt: Format) -> str:
    """The separator of a CSV input (so a semicolon file gives a semicolon file), else a comma."""
    if fmt != "csv" or not path.is_file():
        return ","
    with path.open("rb") as handle:
        for raw in handle:
            text = raw.decode("utf-8", errors="replace")
            if text.strip():
                return str(_dialect(text).delimiter)
    return ","


def batch_to_file(advisor: Advisor, source: Path, target: Path, *, source_format: str | None = None,
                  target_format: str | None = None, force: bool = False, jobs: int = 1) -> Generator[BatchRow]:
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
    rows = run_batch(advisor, source, in_fmt, jobs)
    first = next(rows, None)  # reads the header: a bad file fails here, before any file is created
    if first is None:
        raise InputFileError(source, "le fichier ne contient aucune structure.")
    return _write_rows(first, rows, target, out_fmt, csv_delimiter(source, in_fmt), force)


def _write_rows(first: BatchRow, rows: Iterator[BatchRow], target: Path, fmt: Format, delimiter: str,
                force: bool) -> Generator[BatchRow]:
    with AtomicOutput(target, force) as output:
        writer = BatchWriter(output.stream, fmt, delimiter)
        writer.write(first)
        yield first
        for row in rows:
            writer.write(row)
            yield row
