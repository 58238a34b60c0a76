"""Writing batch results: JSON Lines or CSV, one row at a time.

Cells come partly from the input (``id``, ``name``, error excerpts): CSV cells that a spreadsheet
would run as a formula are neutralised (``files.spreadsheet_cell``), and any character that cannot
be written as UTF-8 (half an emoji from the input) becomes « � », so one odd row never stops the
others.
"""

from __future__ import annotations

import csv
import functools
import json
from typing import IO, Any

from ..files import spreadsheet_cell
from ..knowledge.text import readable
from .read import Format
from .rows import COLUMNS, BatchRow

LIST_SEPARATOR = "|"


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
            self._stream.write(json.dumps({key: _text(value) for key, value in record.items()},
                                          ensure_ascii=False) + "\n")
        else:
            self._csv.writerow([_cell(record[c]) for c in COLUMNS])


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
