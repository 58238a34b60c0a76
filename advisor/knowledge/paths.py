"""Where the data root is: an explicit folder > the ``ADVISOR_DATA_DIR`` environment variable > the
copy packaged in the wheel (``advisor/_data``) > the source checkout (the folder above the package).

Kept apart from ``reading.py`` so that finding the data root does not import the YAML parser (a
knowledge base read from the cache needs no YAML).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def default_root() -> Path:
    """The data root used when none is given."""
    env = os.environ.get("ADVISOR_DATA_DIR")
    if env:
        return Path(env)
    packaged = PACKAGE_DIR / "_data"
    if (packaged / "rules").is_dir():
        return packaged
    return PACKAGE_DIR.parent
