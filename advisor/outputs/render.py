"""The one Jinja2 environment of every output, built once per process, and its Markdown helpers.

Templates live in ``advisor/templates``. HTML output is autoescaped; the Markdown memo uses an
overlay of the same environment without autoescaping (its user text goes through ``md_text``).
"""

from __future__ import annotations

import re
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup

from ..knowledge.sheets import Sheet
from ..knowledge.text import readable
from ..wording import format_number

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_INLINE = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_HTML_SHEET_LINK = re.compile(r'href="([a-z][a-z0-9_]*)\.md(#[^"]*)?"')
_MD_SHEET_LINK = re.compile(r"\[([^\]]+)\]\(([a-z][a-z0-9_]*)\.md(?:#[^)\s]*)?\)")
# Characters that carry meaning in inline Markdown or HTML; user text is backslash-escaped so it
# always reads as plain text (CommonMark allows a backslash before any ASCII punctuation).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~#!{}])")
# What makes a line a block in Markdown when it starts it: a list item (« - », « + », « 1. », « 1) »),
# a thematic break or a setext underline (« --- », « === »).
_MD_BLOCK_START = re.compile(r"^([-+=]|[0-9]{1,9}(?=[.)]))")


def markdown_to_html(text: str) -> Markup:
    """Markdown → safe HTML (raw HTML in the source is escaped); links between sheets go to ``.html``."""
    html = _MD.render(text)
    html = _HTML_SHEET_LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', html)
    html = html.replace("<table>", '<div class="table"><table>').replace("</table>", "</table></div>")
    return Markup(html)  # noqa: S704 - produced by markdown-it with html disabled


def inline_markdown(text: str) -> Markup:
    """One line of Markdown (emphasis, links) → safe inline HTML."""
    return Markup(_INLINE.renderInline(text))  # noqa: S704 - markdown-it with html disabled escapes raw HTML


def escape_markdown(text: object) -> str:
    """User free text as literal Markdown, on one line: no emphasis, link, HTML tag, entity or block
    (list, heading, rule) can slip in, and no control character (an escape sequence would redraw the
    terminal of whoever prints the memo) — those are refused on input and dropped here as well."""
    folded = " ".join(readable(str(text)).replace("\ufffd", "").split())
    escaped = _MD_SPECIAL.sub(r"\\\1", folded)
    return _MD_BLOCK_START.sub(lambda m: m.group(1) + "\\" if m.group(1).isdigit() else "\\" + m.group(1), escaped, 1)


def strip_sheet_links(text: str) -> str:
    """Links to other sheets (``ges.md``) lead nowhere in a standalone memo: keep only their text."""
    return _MD_SHEET_LINK.sub(r"\1", text)


def sheet_body(sheet: Sheet) -> str:
    """The sheet's Markdown without its H1 title (templates print the title themselves)."""
    return re.sub(r"\A\s*# .*\n", "", sheet.body, count=1)


@cache
def environment() -> Environment:
    """The Jinja2 environment shared by the site, the rule book and the memos (strict, autoescaped)."""
    env = Environment(loader=PackageLoader("advisor", "templates"), autoescape=select_autoescape(["html", "j2"]),
                      undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(markdown=markdown_to_html, date_fr=lambda d: d.strftime("%d/%m/%Y"), md_text=escape_markdown,
                       inline_markdown=inline_markdown, number=format_number)
    return env


@cache
def markdown_environment() -> Environment:
    """The same environment without autoescaping, for Markdown output."""
    return environment().overlay(autoescape=False)
