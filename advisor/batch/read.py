"""Reading batch inputs: JSON Lines or CSV, streamed one structure at a time, with French errors.

Input is JSON Lines (one JSON object per line) or CSV (a header row of question ids, then one row
per structure; several choices separated by ``|``). Both may carry an ``id`` column (a reserved
question id) that is copied to the output, so the caller can join results with its own records.

Files come from the spreadsheets people actually have (``inspect_input``): UTF-8 with or without a
byte order mark, or Windows-1252 (told apart by reading the whole file once, with a note for the
person); the separator ``;``, ``,`` or tab (``csv.Sniffer``, checked against the header), or given
by Excel's ``sep=;`` first line; empty columns after the last header cell are ignored.

A bad row never hides the others: a line longer than ``MAX_LINE_BYTES`` is reported, not loaded;
a line that cannot be decoded, a JSON error, a cell spread over several lines (a quote never
closed swallows the following rows) each give an error row that keeps its line number and ``id``.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from ..errors import InputFileError, excerpt
from ..files import open_input
from ..knowledge.reading import DataSyntaxError, load_json
from ..knowledge.text import readable

if TYPE_CHECKING:
    from ..knowledge.base import KnowledgeBase

Format = Literal["jsonl", "csv"]
FORMATS: tuple[Format, ...] = ("jsonl", "csv")
EXTENSIONS: dict[str, Format] = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv"}
ID_FIELD = "id"
MAX_LINE_BYTES = 256 * 1024
MAX_ID_CHARS = 100
SEPARATORS = ",;\t"
_EXCEL_SEP = re.compile(r'^\s*"?sep=(.)"?\s*$', re.IGNORECASE)
CP1252_NOTE = ("le fichier n'est pas en UTF-8 : il a été lu en Windows-1252, l'encodage des anciens tableurs. "
               "Vérifiez les accents des noms dans les résultats ; pour l'éviter, enregistrez-le en UTF-8 (dans un "
               "tableur : « CSV UTF-8 »).")


@dataclass(frozen=True)
class InputInfo:
    """How an input file is written: its encoding, its CSV separator, and notes for the person (French)."""

    encoding: str = "utf-8"
    delimiter: str = ","
    excel_sep_line: bool = False
    notes: tuple[str, ...] = ()


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

def inspect_input(path: Path, fmt: Format) -> InputInfo:
    """Tell how an input file is written (one pass over the file, in constant memory).

    Raises:
        InputFileError: the file cannot be opened.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    head = b""
    with open_input(path) as handle:
        try:
            while chunk := handle.read(65536):
                if not head:
                    head = chunk
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1252"
    notes = (CP1252_NOTE,) if encoding == "cp1252" else ()
    if fmt != "csv":
        return InputInfo(encoding, notes=notes)
    lines = [line for line in head.decode(encoding, errors="replace").lstrip("\ufeff").splitlines()[:20]]
    first = next((line for line in lines if line.strip()), "")
    excel = _EXCEL_SEP.match(first)
    if excel and excel.group(1) in SEPARATORS:
        return InputInfo(encoding, excel.group(1), True, notes)
    return InputInfo(encoding, _sniff(first, lines), False, notes)


def _sniff(header: str, lines: list[str]) -> str:
    """The separator: ``csv.Sniffer`` on the first lines, trusted if the header holds it (question ids
    hold no separator), else the separator the header holds most."""
    try:
        sniffed = csv.Sniffer().sniff("\n".join(lines), delimiters=SEPARATORS).delimiter
    except csv.Error:
        sniffed = None
    if sniffed and sniffed in header:
        return sniffed
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    return max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","


class _Lines:
    """Physical lines of a binary file, decoded one at a time, with their number and the bytes read.

    A line that is too long is skipped in chunks (never loaded); one that cannot be decoded is
    decoded with replacement characters and its number remembered in ``bad``.
    """

    def __init__(self, handle: IO[bytes], encoding: str = "utf-8") -> None:
        self._handle = handle
        self._encoding = encoding
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
                text = chunk.decode(self._encoding)
            except UnicodeDecodeError:
                self.bad[self.number] = ("ligne illisible : caractères qui ne sont ni de l'UTF-8 ni du Windows-1252 "
                                         "(enregistrez le fichier en « CSV UTF-8 »)")
                text = chunk.decode(self._encoding, errors="replace")
            if "\x00" in text:
                self.bad[self.number] = "ligne illisible : données binaires"
                text = text.replace("\x00", "")
            yield text

    def problem(self, first: int, last: int) -> str | None:
        """The first reading problem among physical lines first..last, if any (forgets them all)."""
        found = [self.bad.pop(n) for n in range(first, last + 1) if n in self.bad]
        return found[0] if found else None


def read_rows(path: Path, fmt: Format, kb: KnowledgeBase, info: InputInfo | None = None) -> Iterator[InputRow]:
    """Stream the structures of an input file, one ``InputRow`` at a time.

    Args:
        info: how the file is written (``inspect_input`` is called when omitted).

    Raises:
        InputFileError: the file cannot be opened, or (CSV) its header is not a list of question ids.
    """
    info = info or inspect_input(path, fmt)
    with open_input(path) as handle:
        lines = _Lines(handle, info.encoding)
        if fmt == "jsonl":
            yield from _jsonl_rows(lines)
        else:
            yield from _csv_rows(path, lines, kb, info)


def _jsonl_rows(lines: _Lines) -> Iterator[InputRow]:
    for text in lines:
        number, problem = lines.number, lines.problem(lines.number, lines.number)
        if problem:
            yield InputRow(number, None, problem, offset=lines.offset)
            continue
        if not text.strip():
            continue
        try:
            data = load_json(text)
        except DataSyntaxError as err:
            why = err.problem or f"JSON invalide (colonne {err.column}) : {_french_json(err.detail or '')}"
            yield InputRow(number, None, why, offset=lines.offset)
            continue
        if not isinstance(data, dict):
            yield InputRow(number, None, "un objet JSON « question : réponse » est attendu sur chaque ligne",
                           offset=lines.offset)
            continue
        row_id, bad_id = row_identifier(data.pop(ID_FIELD, None))
        yield InputRow(number, data, bad_id, row_id=row_id, offset=lines.offset)


def _french_json(message: str) -> str:
    known = {"Expecting value": "valeur attendue", "Extra data": "texte en trop après l'objet",
             "Unterminated string starting at": "texte entre guillemets non terminé",
             "Expecting property name enclosed in double quotes": "nom de question entre guillemets attendu",
             "Expecting ',' delimiter": "virgule attendue", "Expecting ':' delimiter": "deux-points attendus",
             "Invalid control character at": "caractère de contrôle interdit"}
    return known.get(message, "syntaxe incorrecte")


def row_identifier(value: Any) -> tuple[str | None, str | None]:
    """(the ``id`` of a row as it will be written, why it is refused): a text or a whole number, readable and short."""
    if value is None or value == "":
        return None, None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None, f"« {ID_FIELD} » doit être un texte ou un nombre ({excerpt(value)})"
    text = readable(str(value))
    if len(text) > MAX_ID_CHARS:
        return text[:MAX_ID_CHARS] + "…", f"« {ID_FIELD} » trop long ({MAX_ID_CHARS} caractères au plus)"
    return text, None


def _csv_rows(path: Path, lines: _Lines, kb: KnowledgeBase, info: InputInfo) -> Iterator[InputRow]:
    from ..reasoning.answers import fold

    source = iter(lines)
    first = next((text for text in source if text.strip()), None)
    if first is not None and info.excel_sep_line:
        first = next((text for text in source if text.strip()), None)
    if first is None:
        return
    header_line = lines.number
    problem = lines.problem(1, header_line)
    if problem:
        raise InputFileError(path, f"ligne {header_line} (en-tête) : {problem}.")
    dialect = _dialect(info.delimiter)
    header = [fold(name) for name in next(csv.reader([first], dialect))]
    while header and not header[-1]:
        header.pop()  # spreadsheets add empty columns after the last one (« ;; » at the end)
    _check_header(path, header_line, header, kb)
    # The csv module refuses fields over 128 Ki characters, which a line may well hold: a field can then
    # only outgrow the line limit by running over several lines (a quote never closed).
    csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_BYTES))
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
        if not any(cell.strip() for cell in cells):
            problem = lines.problem(start, lines.number)  # a line too long is read as a blank one
            if problem:
                yield InputRow(start, None, problem, offset=lines.offset)
            continue
        while len(cells) > len(header) and not cells[-1].strip():
            cells.pop()
        row = dict(zip(header, cells, strict=False))
        row_id, error = row_identifier(row.pop(ID_FIELD, None))
        error = lines.problem(start, lines.number) or error
        spread = next((q for q, cell in row.items() if _swallowed(cell, kb.questions[q].type != "text",
                                                                       info.delimiter, lines.number - start)),
                      ID_FIELD if _swallowed(row_id or "", False, info.delimiter, lines.number - start) else None)
        if error is None and spread:
            error = (f"la colonne « {spread} » s'étend des lignes {start} à {lines.number} : un guillemet ouvert "
                     "n'a sans doute jamais été fermé (les lignes suivantes y ont été avalées). Fermez-le, ou "
                     "retirez le retour à la ligne de la cellule")
        elif error is None and len(cells) > len(header):
            error = (f"{len(cells)} colonnes pour {len(header)} dans l'en-tête (un séparateur en trop ? "
                     "mettez entre guillemets les textes qui en contiennent)")
        yield InputRow(start, row, error, row_id=row_id, offset=lines.offset)


def _swallowed(cell: str, one_line: bool, delimiter: str, extra_lines: int) -> bool:
    """Whether a cell spread over several lines looks like rows swallowed by a quote never closed.

    A line break is plausible only in a text (a name, an id) kept on two or three lines of a
    spreadsheet cell; not in a choice or a number, not over more lines, and not when what follows
    the break holds the separator, as the next rows would.
    """
    if "\n" not in cell and "\r" not in cell:
        return False
    return one_line or extra_lines > 2 or any(delimiter in part or '"' in part for part in cell.splitlines()[1:])


def _dialect(sep: str) -> type[csv.Dialect]:
    class Dialect(csv.excel):
        delimiter = sep

    return Dialect


def _check_header(path: Path, line: int, header: list[str], kb: KnowledgeBase) -> None:
    if "" in header:
        raise InputFileError(path, f"ligne {line} (en-tête) : la colonne n° {header.index('') + 1} n'a pas de nom. "
                             "Donnez-lui l'identifiant d'une question, ou supprimez-la.")
    unknown = [readable(name) for name in header if name != ID_FIELD and name not in kb.questions]
    if unknown:
        shown = ", ".join(unknown[:10]) + ("…" if len(unknown) > 10 else "")
        raise InputFileError(path, f"ligne {line} (en-tête) : colonnes inconnues : {shown}. "
                             f"Colonnes possibles : {ID_FIELD}, {', '.join(kb.questions)}.")
    doubles = sorted({name for name in header if header.count(name) > 1})
    if doubles:
        raise InputFileError(path, f"ligne {line} (en-tête) : colonnes en double : {', '.join(doubles)}.")
