"""Resource sheets (``sheets/<id>.md``): front matter model, section checks, and rendering.

A sheet is Markdown with a YAML front matter. Its sections (H2 headings) must appear in the order
the format requires, so that memos can pick out « Points de vigilance » and « Mise en place ».
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cached_property
from pathlib import Path
from typing import Literal

from ..errors import KnowledgeBaseError
from .meta import SheetFormat
from .models import Id, SourceKind, Text, Url
from .records import Record, record, spec

SHEET_ID = re.compile(r"^[a-z][a-z0-9_]*$")
PLACEHOLDERS = re.compile(r"\b(TODO|FIXME|XXX|TBD|lorem ipsum)\b|à compléter|a completer", re.IGNORECASE)
LINK = re.compile(r"\]\(([^)\s]+)\)")


@record
class SheetVariant(Record):
    """A variant covered by the sheet."""

    id: Id
    label: Text


@record
class LegalBasis(Record):
    """A legal text on which the form rests."""

    text: Text
    article: str | None = None
    url: Url | None = None
    checked_on: dt.date


@record
class Contact(Record):
    """A network or body a structure can call."""

    name: Text
    role: Text
    url: Url | None = None


@record
class Source(Record):
    """A source cited by the sheet."""

    title: Text
    url: Url
    kind: SourceKind
    checked_on: dt.date


@record
class Status(Record):
    """Where the legal framework is changing: what was known, and as of when."""

    summary: Text
    as_of: dt.date


@record
class SheetMeta(Record):
    """The front matter of a sheet."""

    id: Id
    kind: Literal["form", "introduction"]
    title: Text
    short_title: Text
    family: Text
    variants: list[SheetVariant] = spec(default_factory=list)
    legal_bases: list[LegalBasis] = spec(default_factory=list)
    contacts: list[Contact] = spec(min_length=1)
    sources: list[Source] = spec(min_length=1)
    checked_on: dt.date
    status: Status | None = None


class Sheet:
    """A loaded, validated resource sheet."""

    def __init__(self, path: Path, meta: SheetMeta, body: str) -> None:
        self.path = path
        self.meta = meta
        self.body = body

    @property
    def id(self) -> str:
        """The sheet id (= file stem)."""
        return self.meta.id

    @property
    def title(self) -> str:
        """The sheet title."""
        return self.meta.title

    @cached_property
    def sections(self) -> dict[str, str]:
        """H2 heading → section text, in order."""
        parts = re.split(r"^## +(.+?)\s*$", self.body, flags=re.MULTILINE)
        return {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}

    def bullets(self, section: str) -> list[str]:
        """The top-level list items (bulleted or numbered) of a section, as Markdown text."""
        items: list[str] = []
        for line in self.sections.get(section, "").splitlines():
            match = re.match(r"^(?:[-*]|\d+[.)])\s+(.*)$", line)
            if match:
                items.append(match.group(1).strip())
            elif items and line.startswith("   ") and line.strip():
                items[-1] += " " + line.strip()
        return items

    @property
    def words(self) -> int:
        """Word count of the body."""
        return len(re.findall(r"\w+", self.body))

    def internal_links(self) -> list[str]:
        """Relative links to other sheets (``other.md``), as sheet ids."""
        return [target[:-3] for target in LINK.findall(self.body)
                if target.endswith(".md") and "://" not in target]


def load_sheet(path: Path, fmt: SheetFormat) -> Sheet:
    """Read and validate one sheet file (front matter, id, sections, length, placeholders)."""
    # only when reading files: a knowledge base from the cache needs no YAML parser
    from .reading import MAX_DATA_FILE_BYTES, DataSyntaxError, safe_load, validate

    if path.stat().st_size > MAX_DATA_FILE_BYTES:
        raise KnowledgeBaseError(path, "fiche trop volumineuse (1 Mo au plus)", path.stem)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise KnowledgeBaseError(path, "la fiche n'est pas encodée en UTF-8") from None
    match = re.match(r"^---\n(.*?)\n---\n(.*)$", text, flags=re.DOTALL)
    if not match:
        raise KnowledgeBaseError(path, "en-tête YAML manquant : la fiche doit commencer par « --- »", path.stem)
    try:
        front = safe_load(match.group(1))
    except DataSyntaxError as err:
        raise KnowledgeBaseError(path, f"en-tête YAML invalide : {err.problem or err.detail}", path.stem) from None
    meta = validate(SheetMeta, front, path, path.stem)
    if meta.id != path.stem:
        raise KnowledgeBaseError(path, f"l'identifiant « {meta.id} » doit être le nom du fichier", path.stem)
    sheet = Sheet(path, meta, match.group(2))
    expected = tuple(fmt.form_sections if meta.kind == "form" else fmt.introduction_sections)
    found = tuple(sheet.sections)
    if found != expected:
        missing = [s for s in expected if s not in found]
        detail = (f"sections manquantes : {', '.join(missing)}" if missing
                  else "sections dans le désordre ou en trop")
        raise KnowledgeBaseError(path, f"{detail}. Ordre attendu : {' ; '.join(expected)}", meta.id)
    placeholder = PLACEHOLDERS.search(text)
    if placeholder:
        raise KnowledgeBaseError(path, f"texte provisoire à remplacer : « {placeholder.group(0)} »", meta.id)
    if sheet.words < fmt.min_words:
        raise KnowledgeBaseError(path, f"fiche trop courte ({sheet.words} mots, {fmt.min_words} au moins)", meta.id)
    return sheet


def load_sheets(folder: Path, fmt: SheetFormat) -> dict[str, Sheet]:
    """Load every ``*.md`` sheet of a folder except its README, sorted by id."""
    if not folder.is_dir():
        raise KnowledgeBaseError(folder, "dossier des fiches introuvable")
    sheets = {}
    for path in sorted(folder.glob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        sheet = load_sheet(path, fmt)
        sheets[sheet.id] = sheet
    return sheets
