"""A validated knowledge base kept on disk, so that a command does not read and validate the YAML again.

Reading ``rules/`` and ``sheets/`` and validating them takes most of a short command's time. Once
validated, the knowledge base is stored (pickled) in the user's cache folder and reused while nothing
it depends on changes. The key of a stored copy covers:

- the content of every file of the data root's ``rules/`` and ``sheets/`` (names and bytes);
- the advisor's version, the source of the modules whose objects are stored (a changed model is a
  different pickle), and the Python version.

Any other key, an unreadable or damaged file, or a folder that cannot be written means the knowledge
base is simply read from the YAML files, as without a cache. Where the cache lives:
``ADVISOR_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/cooperation-advisor`` (``~/.cache/…`` by
default; the platform's cache folder on macOS and Windows). ``ADVISOR_NO_CACHE=1`` turns it off.

One file per data folder, as it was written (``rules`` and ``/home/…/rules`` have one each: the stored
knowledge base names its files as they were given). The same folder also holds empty notes of what
succeeded once (``remember``: engine builds, ``reasoning/build_proof.py``). A file is touched each
time it is read, and files nobody read for ``MAX_AGE_DAYS`` are removed when another is written.

Unpickling runs code named in the file, so a stored copy is read only when it and its folder belong
to the current user and nobody else can write them (checked on POSIX systems).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any

CACHE_FORMAT = 1
APP_NAME = "cooperation-advisor"
HEADER_BYTES = 64  # the key, in hexadecimal, then a newline
KEEP_CACHE = ("", "0", "non", "no", "false", "off")  # ADVISOR_NO_CACHE values that do not turn it off
# Files above this size are keyed by size and date, not read: the loader refuses them (1 Mo at most)
# or never reads them (a stray file beside the rules), and reading gigabytes to hash them would cost more.
HASHED_BYTES = 1_000_000
# The modules whose classes and layout the stored objects carry.
MAX_AGE_DAYS = 90  # a stored copy nobody read for this long is removed (its data folder may be gone)
STORED_MODULES = ("records.py", "models.py", "meta.py", "sheets.py", "base.py", "cache.py")


def cache_dir() -> Path | None:
    """The folder of stored knowledge bases, or ``None`` when caching is turned off."""
    if os.environ.get("ADVISOR_NO_CACHE", "").strip().lower() not in KEEP_CACHE:
        return None
    chosen = os.environ.get("ADVISOR_CACHE_DIR")
    if chosen:
        return Path(chosen)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / APP_NAME / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / APP_NAME
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / APP_NAME


def cache_key(root: Path) -> str | None:
    """The key of a data root's knowledge base: its files, the advisor's version and code, Python;
    ``None`` when caching is off or a file cannot be read (the knowledge base is then read from its files)."""
    if cache_dir() is None:
        return None
    from .. import __version__

    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    digest.update(f"{CACHE_FORMAT}|{__version__}|{sys.version}".encode())
    try:
        for name in STORED_MODULES:
            digest.update((here / name).read_bytes())
        for folder in ("rules", "sheets"):
            for path in sorted((root / folder).rglob("*")):
                if not path.is_file():  # folders, broken links, pipes: the loader reads none of them
                    continue
                info = path.stat()
                content = (path.read_bytes() if info.st_size <= HASHED_BYTES
                           else f"{info.st_size}|{info.st_mtime_ns}".encode())
                digest.update(str(path.relative_to(root)).encode() + b"\0" + content + b"\0")
    except OSError:  # an unreadable file: no cache, and the loader says in French what is wrong, if it matters
        return None
    return digest.hexdigest()


def _file_for(folder: Path, root: Path) -> Path:
    """One stored copy per data root, as written: the same folder given two ways has two copies, rather than
    one rewritten at each change of spelling (the knowledge base names its files as the root was given)."""
    name = f"{root.resolve()}\0{root}"
    return folder / f"kb-{hashlib.sha256(name.encode()).hexdigest()[:20]}.pickle"


def _trusted(path: Path) -> bool:
    """Whether the file and its folder belong to this user and nobody else may write them (POSIX)."""
    return _owned(path) and _owned(path.parent)


def _owned(item: Path) -> bool:
    """Whether a file or folder belongs to this user and nobody else may write it (always true off POSIX)."""
    if not hasattr(os, "getuid"):
        return True
    info = item.stat()
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


def load(root: Path, key: str) -> Any:
    """The object stored for a data root if its key matches, else ``None`` (never raises)."""
    folder = cache_dir()
    if folder is None:
        return None
    path = _file_for(folder, root)
    try:
        if not path.is_file() or not _trusted(path):  # checked before opening: a pipe would block
            return None
        with path.open("rb") as handle:
            if handle.read(HEADER_BYTES + 1) != key.encode() + b"\n":
                return None
            kb = pickle.load(handle)  # noqa: S301 - our own file, checked above: same key, same owner
    except Exception:  # noqa: BLE001 - a missing, damaged or foreign file means: read the YAML
        return None
    with contextlib.suppress(OSError):  # a read-only cache serves as well
        os.utime(path)  # still in use: not pruned
    return kb


def save(root: Path, key: str, kb: Any) -> None:
    """Store a validated knowledge base; a folder that cannot be written is not an error."""
    folder = cache_dir()
    if folder is None:
        return
    import tempfile  # only when writing (it imports much of the standard library)

    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _owned(folder):  # a copy others could replace would never be read: do not write it
            return
        # Written beside, then renamed: a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".kb-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(key.encode() + b"\n")
                pickle.dump(kb, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, _file_for(folder, root))
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        _prune(folder)
    except Exception:  # noqa: BLE001 - read-only or full disk, unpicklable object: run without a cache
        return


def remembered(name: str) -> bool:
    """Whether ``remember(name)`` was called before, in a cache folder nobody else may write (never raises)."""
    folder = cache_dir()
    if folder is None:
        return False
    path = folder / f"{name}.ok"
    try:
        if not path.is_file() or not _trusted(path):
            return False
    except OSError:
        return False
    with contextlib.suppress(OSError):  # a read-only cache serves as well
        os.utime(path)  # still in use: not pruned
    return True


def remember(name: str) -> None:
    """Note that something succeeded (an engine build, ``build_proof.py``); a folder that cannot be written is
    not an error."""
    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if _owned(folder):
            path = folder / f"{name}.ok"
            path.touch(mode=0o600)
            path.chmod(0o600)  # one others could write would never be trusted
    except OSError:
        return


def _prune(folder: Path) -> None:
    """Remove the stored copies and notes nobody read for ``MAX_AGE_DAYS`` (a data folder since removed or renamed),
    and the temporary files of writes killed more than a day ago."""
    now = time.time()
    for pattern, age in (("kb-*.pickle", MAX_AGE_DAYS * 86400), ("*.ok", MAX_AGE_DAYS * 86400), (".kb-*.tmp", 86400)):
        for path in folder.glob(pattern):
            try:
                if path.stat().st_mtime < now - age:
                    path.unlink()
            except OSError:  # another process removed or replaced it: nothing to do
                continue
