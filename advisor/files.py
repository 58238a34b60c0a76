"""Writing output files safely: atomically, never over an existing file by accident."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from .errors import InputFileError, OutputError


def open_input(path: Path) -> BinaryIO:
    """Open a file given by a user for reading, with a French error naming what is wrong.

    Raises:
        InputFileError: missing file, a folder, or unreadable.
    """
    try:
        return Path(path).open("rb")
    except FileNotFoundError:
        raise InputFileError(path, "fichier introuvable. Vérifiez le chemin.") from None
    except IsADirectoryError:
        raise InputFileError(path, "c'est un dossier, pas un fichier.") from None
    except OSError as err:
        raise InputFileError(path, f"lecture impossible ({err.strerror}).") from None


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write a file atomically: a crash never leaves half a file (temporary file + rename).

    Raises:
        OutputError: the folder is missing or not writable.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"le dossier {folder} n'existe pas : créez-le ou choisissez un autre chemin.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as err:
        raise OutputError(f"impossible d'écrire dans {folder} ({err.strerror}).") from None
    try:
        # mkstemp creates the file private (0600); give it the usual permissions of a new file.
        mask = os.umask(0)
        os.umask(mask)
        os.fchmod(fd, 0o666 & ~mask)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"impossible d'écrire {path} ({err.strerror}).") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_writable(path: Path, force: bool) -> None:
    """Refuse to overwrite an existing file without ``force``; the folder must exist."""
    if path.exists() and path.is_dir():
        raise OutputError(f"{path} est un dossier : donnez un nom de fichier.")
    if path.exists() and not force:
        raise OutputError(f"{path} existe déjà : ajoutez --force pour le remplacer, ou choisissez un autre nom.")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"le dossier {folder} n'existe pas : créez-le ou choisissez un autre chemin.")
