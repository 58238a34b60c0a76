"""Files a user names: opening inputs, answers files, and the one atomic writer of every output.

Every output of the advisor (memos, batch results, saved answers, static sites) goes through
``AtomicFile``: written to a temporary file in the same folder and renamed at the end, so a crash
or Ctrl-C never leaves half a file; created with the usual permissions (0666 less the umask, as
any program's new file); never written through a symbolic link or onto a device, a FIFO or a
folder. May import ``advisor.errors`` and ``advisor.knowledge``.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO

from .errors import InputFileError, OutputError, excerpt
from .knowledge.history import upgrade
from .knowledge.reading import MAX_DATA_FILE_BYTES, DataSyntaxError, load_json, safe_load
from .knowledge.text import description_problem, tidy_lines

if TYPE_CHECKING:
    from .knowledge.base import KnowledgeBase

# A full disk, or a full quota: the person can free space and try again.
DISK_FULL = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
MAX_FILE_BYTES = MAX_DATA_FILE_BYTES  # an answers file (1 Mo); a real one is a few kilobytes
ANSWERS_FILE_KEYS = ("answers", "description", "knowledge_base_version")


# --- reading -------------------------------------------------------------------------------

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


@dataclass(frozen=True)
class AnswersFile:
    """An answers file as read: raw answers (brought up to date), description, version and notices.

    Attributes:
        answers: the raw answers (``question : réponse``), to be validated by the advisor.
        description: the free description, checked (readable, ``MAX_DESCRIPTION`` characters at most).
        version: the ``knowledge_base_version`` the file says it was written for, if any.
        notices: French sentences about answers renamed or dropped since that version (for the person).
    """

    answers: dict[Any, Any]
    description: str | None = None
    version: str | None = None
    notices: tuple[str, ...] = ()


def read_answers(path: Path, kb: KnowledgeBase | None = None) -> AnswersFile:
    """Read an answers file (YAML or JSON); with ``kb``, bring answers written for an older version up to date.

    The file is a mapping with an ``answers`` mapping and optional ``description`` and
    ``knowledge_base_version`` keys. YAML aliases are refused (a few hundred bytes of them can
    expand to gigabytes), and so are keys given twice.

    Raises:
        InputFileError: unreadable, too big, not UTF-8, not YAML/JSON, wrong shape, or a bad description.
    """
    return answers_from_data(load_data_file(path, aliases=False), path, kb)


def answers_from_data(data: Any, path: Path, kb: KnowledgeBase | None = None) -> AnswersFile:
    """Check the shape of a parsed answers file (``path`` names it in messages); see ``read_answers``.

    Raises:
        InputFileError: wrong shape, or a bad description or version.
    """
    if not isinstance(data, dict):
        raise InputFileError(path, "le fichier doit contenir une clé « answers » suivie des réponses "
                                   "(« question : réponse »), pas " + _kind(data) + ".")
    extra = set(data) - set(ANSWERS_FILE_KEYS)
    if "answers" not in data or extra:
        raise InputFileError(path, "clés attendues : « answers » (obligatoire), « description » et "
                                   "« knowledge_base_version » (facultatives)"
                             + (f" ; clés inconnues : {', '.join(sorted(excerpt(k) for k in extra)[:5])}"
                                if extra else "") + ".")
    answers = data["answers"] or {}
    if not isinstance(answers, dict):
        raise InputFileError(path, f"« answers » doit être un ensemble « question : réponse », pas {_kind(answers)}.")
    description = data.get("description")
    if description is not None and (problem := description_problem(description)):
        raise InputFileError(path, problem + ".")
    version = data.get("knowledge_base_version")
    if version is not None:
        if isinstance(version, bool) or not isinstance(version, (str, int, float)) or len(str(version)) > 40:
            raise InputFileError(path, "« knowledge_base_version » doit être un numéro de version (par exemple "
                                       "« 2026.12.1 »).")
        version = str(version)
    notices: tuple[str, ...] = ()
    if kb is not None:
        upgraded = upgrade(kb.meta, answers, version)
        answers, notices = upgraded.answers, tuple(upgraded.notices)
    return AnswersFile(answers, (tidy_lines(description) or None) if description else None, version, notices)


def read_answers_file(path: Path) -> tuple[dict[str, Any], str | None]:
    """(raw answers, description) of an answers file, as written (``read_answers`` without a knowledge base).

    Raises:
        InputFileError: as ``read_answers``.
    """
    read = read_answers(path)
    return read.answers, read.description


def load_data_file(path: Path, *, aliases: bool = True) -> Any:
    """Parse a small YAML or JSON file safely, with French errors.

    Raises:
        InputFileError: unreadable, or as ``parse_data``.
    """
    with open_input(path) as handle:
        raw = handle.read(MAX_FILE_BYTES + 1)
    return parse_data(raw, path, aliases=aliases)


def parse_data(raw: bytes, path: Path, *, aliases: bool = True) -> Any:
    """Parse the bytes of a small YAML or JSON file (``path`` names it and its suffix picks JSON).

    Raises:
        InputFileError: larger than ``MAX_FILE_BYTES``, not UTF-8, invalid syntax, or refused by the
            checks of ``reading.safe_load`` (keys twice, deep nesting, huge numbers, aliases when
            ``aliases`` is false).
    """
    if len(raw) > MAX_FILE_BYTES:
        raise InputFileError(path, "fichier trop volumineux (1 Mo au plus) : un fichier de réponses fait quelques "
                                   "kilo-octets ; vérifiez que c'est le bon fichier.")
    if not raw.strip():
        raise InputFileError(path, "le fichier est vide.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputFileError(path, "le fichier n'est pas un texte UTF-8 (enregistrez-le en UTF-8).") from None
    if "\x00" in text:
        raise InputFileError(path, "le fichier contient des données binaires, pas du texte.")
    try:
        if path.suffix.lower() == ".json":
            return load_json(text)
        return safe_load(text, aliases=aliases)
    except DataSyntaxError as err:
        where = f"ligne {err.line} : " if err.line else ""
        raise InputFileError(path, f"{where}{err.problem}." if err.problem
                             else f"syntaxe YAML/JSON invalide{f' (ligne {err.line})' if err.line else ''}.") from None


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "une liste"
    if isinstance(value, str):
        return "un texte"
    return "une valeur simple" if value is not None else "rien"


def dump_answers(kb: KnowledgeBase, answers: Mapping[str, Any], description: str | None = None) -> str:
    """Render answers as a commented YAML file a person can read and edit by hand.

    Values are written as JSON (a subset of YAML), with every character YAML may not hold raw (controls, DEL,
    U+FFFF, line separators…) escaped, so that ``read_answers_file`` reads back exactly what was written.
    """
    lines = ["# Réponses au questionnaire du conseiller en coopération.",
             "# Modifiable à la main : une réponse par question ; « unknown » = je ne sais pas.",
             f"knowledge_base_version: {yaml_value(kb.meta.version)}"]
    if description:
        lines.append(f"description: {yaml_value(description)}")
    lines.append("answers:")
    for qid, question in kb.questions.items():
        if qid not in answers:
            continue
        lines.append(f"  # {question.text}")
        if question.choices:
            lines.append("  # choix : " + " ; ".join(f"{c.id} = {c.label}" for c in question.choices))
        lines.append(f"  {qid}: {yaml_value(answers[qid])}")
    return "\n".join(lines) + "\n"


# Characters YAML reads as they are: tab, printable ASCII, and the printable Unicode ranges, less
# NEL, the line and paragraph separators and the byte-order mark, which it would take as breaks.
_NOT_RAW_IN_YAML = re.compile("[^\t\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")


def yaml_value(value: Any) -> str:
    """A value as a one-line JSON scalar or list that YAML reads back unchanged."""
    return _NOT_RAW_IN_YAML.sub(_escape, json.dumps(value, ensure_ascii=False))


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    if 0xD800 <= code <= 0xDFFF:  # half a character (from a JSON escape): YAML cannot hold it even escaped
        return "\\ufffd"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


# --- writing -------------------------------------------------------------------------------

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP « CSV injection »).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?[0-9]+([.,][0-9]+)?")


def spreadsheet_cell(value: str) -> str:
    """A text cell of a CSV file that a spreadsheet shows as text and never runs as a formula.

    A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    single quote (OWASP's advice), except a plain negative number. Every CSV the advisor writes goes
    through this.
    """
    if value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def check_writable(path: Path, force: bool) -> None:
    """Refuse an output path that is not, or would not be, a regular file we may replace.

    Raises:
        OutputError: a folder, a symbolic link (even a dangling one), a device or FIFO, an existing
            file without ``force``, or a missing folder.
    """
    path = Path(path)
    if path.is_symlink():
        raise OutputError(f"{path} est un lien symbolique : le conseiller n'écrit pas à travers un lien. "
                          "Donnez le chemin du fichier lui-même.")
    if path.is_dir():
        raise OutputError(f"{path} est un dossier : donnez un nom de fichier.")
    if path.exists():
        if not stat.S_ISREG(path.stat().st_mode):
            raise OutputError(f"{path} n'est pas un fichier ordinaire (périphérique, tube…) : choisissez un "
                              "fichier ordinaire.")
        if not force:
            raise OutputError(f"{path} existe déjà : ajoutez --force pour le remplacer, ou choisissez un autre nom.")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"le dossier {folder} n'existe pas : créez-le ou choisissez un autre chemin.")


class AtomicFile:
    """An output file written through a temporary file in the same folder, renamed on success.

    Use as a context manager around ``stream``: on an exception (or Ctrl-C) the temporary file is
    deleted and any existing file at ``path`` is left untouched.

    Args:
        path: the file to write.
        force: replace an existing regular file.
        binary: ``stream`` takes bytes (else UTF-8 text, with newlines written as given).

    Raises:
        OutputError: as ``check_writable``, or the folder is not writable.
    """

    def __init__(self, path: Path, *, force: bool = False, binary: bool = False) -> None:
        self.path = Path(path)
        check_writable(self.path, force)
        folder = self.path.parent if str(self.path.parent) else Path(".")
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
        except OSError as err:
            raise OutputError(f"impossible d'écrire dans {folder} ({err.strerror}).") from None
        self._tmp = Path(tmp)
        mask = os.umask(0)  # mkstemp creates the file private (0600): give it a new file's usual mode
        os.umask(mask)
        os.fchmod(fd, 0o666 & ~mask)
        self.stream: IO[Any] = (os.fdopen(fd, "wb") if binary
                                else open(fd, "w", encoding="utf-8", newline=""))  # noqa: SIM115 - closed in __exit__

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if kind is not None:
            self.discard()
            if isinstance(error, OSError) and error.errno in DISK_FULL:
                raise disk_full(self.path) from None
            return
        try:
            self.stream.flush()
            os.fsync(self.stream.fileno())
            self.stream.close()
            os.replace(self._tmp, self.path)
        except OSError as err:
            self.discard()
            if err.errno in DISK_FULL:
                raise disk_full(self.path) from None
            raise OutputError(f"impossible d'écrire {self.path} ({err.strerror}).") from None

    def discard(self) -> None:
        """Close and delete the temporary file (also safe from a signal handler, and on a full disk)."""
        try:
            self.stream.close()
        except OSError:  # what is left in the buffer cannot be written (disk full), and is not wanted
            pass
        finally:
            self._tmp.unlink(missing_ok=True)


def disk_full(target: Path | str) -> OutputError:
    """The error for a full disk (or quota) while writing ``target`` (a file, or « la sortie »)."""
    return OutputError(f"plus de place sur le disque pour écrire {target} : libérez de la place puis relancez.")


def write_atomic(path: Path, data: str | bytes, *, force: bool = True) -> None:
    """Write a whole file at once through ``AtomicFile``.

    ``force`` defaults to true because callers check for an existing file before long work
    (``check_writable``), then write.

    Raises:
        OutputError: as ``AtomicFile``.
    """
    with AtomicFile(path, force=force, binary=isinstance(data, bytes)) as output:
        output.stream.write(data)


def prepare_folder(folder: Path, names: list[str], force: bool) -> None:
    """Create an output folder, refusing to overwrite existing files unless ``force``.

    Raises:
        OutputError: the folder is a file, cannot be created, or holds one of ``names`` (without ``force``).
    """
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} existe et n'est pas un dossier.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"impossible de créer le dossier {folder} ({err.strerror}).") from None
    clashes = [n for n in names if (folder / n).exists()]
    if clashes and not force:
        raise OutputError(f"{folder} contient déjà {', '.join(clashes[:3])}{'…' if len(clashes) > 3 else ''} : "
                          "ajoutez --force pour remplacer ces fichiers, ou choisissez un autre dossier.")
