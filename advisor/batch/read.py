"""Reading batch inputs: JSON Lines or CSV, streamed one structure at a time, with French errors.

Input is JSON Lines (one JSON object per line) or CSV (a header row of question ids, then one row
per structure; several choices separated by ``|``). Both may carry an ``id`` column (a reserved
question id) that is copied to the output, so the caller can join results with its own records.
A line longer than ``MAX_LINE_BYTES`` is reported, not loaded.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from ..errors import InputFileError
from ..files import open_input

if TYPE_CHECKING:
    from ..knowledge.base import KnowledgeBase

Format = Literal["jsonl", "csv"]
FORMATS: tuple[Format, ...] = ("jsonl", "csv")
EXTENSIONS: dict[str, Format] = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv"}
ID_FIELD = "id"
MAX_LINE_BYTES = 256 * 1024


@dataclass(frozen=True)
class InputRow:
    """One structure read from the input: its answers, or why it could not be read."""

    line: int
    answers: dict[str, Any] | None
    error: str | None = None
    row_id: str | None = None
    offset: int = 0


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
    from ..reasoning.answers import fold

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
