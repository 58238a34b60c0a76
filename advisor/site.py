"""Rendering sheets to HTML and exporting them as a self-contained static site.

The site is plain files (index + one page per sheet, inline CSS, no script, no external asset) that
a network can publish as is. Templates live in ``advisor/templates``.
"""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup

from .errors import OutputError
from .files import write_atomic
from .knowledge import KnowledgeBase
from .sheets import Sheet

RULEBOOK_DIR = "regles"
_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_SHEET_LINK = re.compile(r'href="([a-z][a-z0-9_]*)\.md(#[^"]*)?"')


def markdown_to_html(text: str) -> Markup:
    """Markdown → safe HTML (raw HTML in the source is escaped); links between sheets go to ``.html``."""
    html = _MD.render(text)
    html = _SHEET_LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', html)
    html = html.replace("<table>", '<div class="table"><table>').replace("</table>", "</table></div>")
    return Markup(html)  # noqa: S704 - produced by markdown-it with html disabled


def environment() -> Environment:
    """The Jinja2 environment shared by the site and the memos (strict, autoescaped)."""
    env = Environment(loader=PackageLoader("advisor", "templates"), autoescape=select_autoescape(["html", "j2"]),
                      undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["markdown"] = markdown_to_html
    env.filters["date_fr"] = lambda d: d.strftime("%d/%m/%Y")
    return env


def sheet_body(sheet: Sheet) -> str:
    """The sheet's Markdown without its H1 title (templates print the title themselves)."""
    return re.sub(r"\A\s*# .*\n", "", sheet.body, count=1)


def render_sheet_page(kb: KnowledgeBase, sheet: Sheet) -> str:
    """One sheet as a complete HTML page."""
    return environment().get_template("sheet.html.j2").render(
        kb=kb, sheet=sheet, body=sheet_body(sheet), intro=kb.sheets.get("cooperation"))


def render_index(kb: KnowledgeBase, extra_pages: list[tuple[str, str]] | None = None) -> str:
    """The site's home page listing every sheet."""
    sheets = sorted(kb.sheets.values(), key=lambda s: (s.meta.kind != "introduction", _form_rank(kb, s)))
    return environment().get_template("index.html.j2").render(kb=kb, sheets=sheets, extra_pages=extra_pages or [])


def _form_rank(kb: KnowledgeBase, sheet: Sheet) -> int:
    sheets = [f.sheet for f in kb.forms.values()]
    return sheets.index(sheet.id) if sheet.id in sheets else len(sheets)


def export_site(kb: KnowledgeBase, folder: Path, force: bool = False) -> list[Path]:
    """Write the static site into ``folder`` (created if missing) and return the files written.

    Raises:
        OutputError: the folder is a file, cannot be created, or holds files that would be
            overwritten without ``force``.
    """
    from .rulebook import render_rulebook

    pages = {f"{sheet.id}.html": render_sheet_page(kb, sheet) for sheet in kb.sheets.values()}
    pages["index.html"] = render_index(kb, [(f"{RULEBOOK_DIR}/index.html", "Les règles du conseiller (pour les "
                                                                             "auditeurs et les auteurs de règles)")])
    pages.update({f"{RULEBOOK_DIR}/{name}": html for name, html in render_rulebook(kb, "../").items()})
    prepare_folder(folder, list(pages), force)
    (folder / RULEBOOK_DIR).mkdir(exist_ok=True)
    written = []
    for name, html in pages.items():
        write_atomic(folder / name, html)
        written.append(folder / name)
    return written


def prepare_folder(folder: Path, names: list[str], force: bool) -> None:
    """Create an output folder, refusing to overwrite existing files unless ``force``."""
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
