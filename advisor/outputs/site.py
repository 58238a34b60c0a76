"""Rendering sheets to HTML and exporting them as a self-contained static site.

The site is plain files (index + one page per sheet, inline CSS, no script, no external asset) that
a network can publish as is. Templates live in ``advisor/templates``.
"""

from __future__ import annotations

from pathlib import Path

from ..files import prepare_folder, write_atomic
from ..knowledge.base import KnowledgeBase
from ..knowledge.sheets import Sheet
from .render import environment, sheet_body
from .rulebook import render_rulebook

RULEBOOK_DIR = "regles"


def render_sheet_page(kb: KnowledgeBase, sheet: Sheet) -> str:
    """One sheet as a complete HTML page."""
    return environment().get_template("sheet.html.j2").render(
        kb=kb, sheet=sheet, body=sheet_body(sheet), intro=kb.introduction)


def render_index(kb: KnowledgeBase, extra_pages: list[tuple[str, str]] | None = None) -> str:
    """The site's home page listing every sheet."""
    sheets = sorted(kb.sheets.values(), key=lambda s: (s.meta.kind != "introduction", _form_rank(kb, s)))
    return environment().get_template("index.html.j2").render(kb=kb, sheets=sheets, extra_pages=extra_pages or [])


def _form_rank(kb: KnowledgeBase, sheet: Sheet) -> int:
    sheets = [f.sheet for f in kb.forms.values()]
    return sheets.index(sheet.id) if sheet.id in sheets else len(sheets)


def site_pages(kb: KnowledgeBase) -> dict[str, str]:
    """Every page of the site by its relative path: the index, one page per sheet, the rule book in ``regles/``."""
    pages = {f"{sheet.id}.html": render_sheet_page(kb, sheet) for sheet in kb.sheets.values()}
    pages["index.html"] = render_index(kb, [(f"{RULEBOOK_DIR}/index.html", "Les règles du conseiller (pour les "
                                                                             "auditeurs et les auteurs de règles)")])
    pages.update({f"{RULEBOOK_DIR}/{name}": html for name, html in render_rulebook(kb, "../").items()})
    return pages


def export_site(kb: KnowledgeBase, folder: Path, force: bool = False) -> list[Path]:
    """Write the static site into ``folder`` (created if missing) and return the files written.

    Raises:
        OutputError: the folder is a file, cannot be created, or holds files that would be
            overwritten without ``force``.
    """
    pages = site_pages(kb)
    prepare_folder(folder, list(pages), force)
    (folder / RULEBOOK_DIR).mkdir(exist_ok=True)
    written = []
    for name, html in pages.items():
        write_atomic(folder / name, html)
        written.append(folder / name)
    return written
