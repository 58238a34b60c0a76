"""Writing batch results: JSON Lines or CSV, one row at a time."""

from __future__ import annotations

import csv
import json
from typing import IO, Any

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
