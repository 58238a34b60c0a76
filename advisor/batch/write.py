"""Writing batch results: JSON Lines or CSV, one row at a time.

Cells come partly from the input (``id``, ``name``, error excerpts): CSV cells that a spreadsheet
would run as a formula are neutralised (``files.spreadsheet_cell``), and any character that cannot
be written as UTF-8 (half an emoji from the input) becomes « � », so one odd row never stops the
others.

A row is turned into its text (``RowFormatter``) where it is advised: worker processes send back
``FormattedRow`` tuples (a few numbers and one string), which the parent writes as they are.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from typing import Any, NamedTuple

from ..files import spreadsheet_cell
from ..knowledge.text import readable
from .read import Format
from .rows import COLUMNS, BatchRow

LIST_SEPARATOR = "|"


class FormattedRow(NamedTuple):
    """One result row as it is written (``text``, with its newline), and what the command reports about it."""

    line: int
    offset: int
    error: str | None
    text: str

    @property
    def ok(self) -> bool:
        """Whether the structure got a recommendation."""
        return self.error is None


class RowFormatter:
    """Turns result rows into the text of their output line (JSON Lines or CSV)."""

    def __init__(self, fmt: Format, delimiter: str = ",") -> None:
        self.fmt = fmt
        self.delimiter = delimiter
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer, delimiter=delimiter, lineterminator="\n") if fmt == "csv" else None

    def header(self) -> str:
        """The text written before the first row (the CSV header; nothing for JSON Lines)."""
        return self._csv_line(list(COLUMNS)) if self._csv is not None else ""

    def text(self, row: BatchRow) -> str:
        """The output line of one row, newline included."""
        record = row.record()
        if self._csv is None:
            return json.dumps({key: _text(value) for key, value in record.items()}, ensure_ascii=False) + "\n"
        return self._csv_line([_cell(record[c]) for c in COLUMNS])

    def formatted(self, row: BatchRow) -> FormattedRow:
        """The row as written, with its line, input offset and error."""
        return FormattedRow(row.line, row.offset, row.error, self.text(row))

    def _csv_line(self, cells: list[str]) -> str:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._csv.writerow(cells)  # type: ignore[union-attr]
        return self._buffer.getvalue()


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return readable(value)
    if isinstance(value, list):
        return [readable(v) if isinstance(v, str) else v for v in value]
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return _text_cell(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return _text_cell(LIST_SEPARATOR.join(value))
    return str(value)


@functools.lru_cache(maxsize=1024)  # labels and warnings repeat on every row
def _text_cell(value: str) -> str:
    return spreadsheet_cell(readable(value))
