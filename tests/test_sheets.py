"""Resource sheets: format, links, the CLI and the exported static site."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from advisor import KnowledgeBase
from advisor.outputs.site import export_site

FORM_SHEETS = ["gme", "ges", "ptce", "jvs", "tzcld", "pat", "regie"]


def test_one_sheet_per_form_plus_the_introduction(kb: KnowledgeBase) -> None:
    assert sorted(kb.sheets) == sorted(FORM_SHEETS + ["cooperation"])
    assert {f.sheet for f in kb.forms.values()} == set(FORM_SHEETS)
    assert kb.sheets["cooperation"].meta.kind == "introduction"


@pytest.mark.parametrize("sheet_id", FORM_SHEETS)
def test_form_sheets_are_complete_and_sourced(kb: KnowledgeBase, sheet_id: str) -> None:
    sheet = kb.sheets[sheet_id]
    assert list(sheet.sections) == kb.meta.sheet_format.form_sections
    assert sheet.words >= 600 and sheet.meta.sources and sheet.meta.checked_on
    assert "cooperation" in sheet.internal_links()
    assert len(sheet.bullets("Points de vigilance")) >= 3
    assert len(sheet.bullets("Mise en place")) >= 3
    assert {v.id for v in sheet.meta.variants} == {v.id for v in kb.forms[sheet_id].variants}


def test_gme_sheet_compares_the_three_variants(kb: KnowledgeBase) -> None:
    variants = kb.sheets["gme"].sections["Variantes"]
    assert "|" in variants  # a comparison table
    for word in ("conjoint", "mandataire solidaire", "solidaire"):
        assert word in variants.lower()


def test_tzcld_sheet_states_its_changing_status(kb: KnowledgeBase) -> None:
    status = kb.sheets["tzcld"].meta.status
    assert status is not None and status.as_of.year == 2026 and "Sénat" in status.summary


def test_every_internal_link_resolves(kb: KnowledgeBase) -> None:
    for sheet in kb.sheets.values():
        assert set(sheet.internal_links()) <= set(kb.sheets), sheet.id


def test_sheets_show_for_every_id(invoke, kb: KnowledgeBase) -> None:  # type: ignore[no-untyped-def]
    for sheet_id in kb.sheets:
        result = invoke("sheets", "show", sheet_id)
        assert result.exit_code == 0 and kb.sheets[sheet_id].title in result.stdout


def test_sheets_show_gme_has_its_variants(invoke) -> None:  # type: ignore[no-untyped-def]
    out = invoke("sheets", "show", "gme").stdout
    assert "## Variantes" in out and "mandataire solidaire" in out


@pytest.mark.parametrize("bad", ["nope", "../rules/knowledge", "/etc/passwd", "gme.md", "GME "])
def test_unknown_or_unsafe_sheet_ids_are_refused(invoke, bad: str) -> None:  # type: ignore[no-untyped-def]
    result = invoke("sheets", "show", bad)
    assert result.exit_code == 2 and "fiche inconnue" in result.stderr and "gme" in result.stderr


def test_sheets_list(invoke, kb: KnowledgeBase) -> None:  # type: ignore[no-untyped-def]
    lines = invoke("sheets", "list").stdout.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == list(kb.sheets)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.srcs: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if values.get("href"):
            self.hrefs.append(values["href"] or "")
        if values.get("src"):
            self.srcs.append(values["src"] or "")


def test_export_writes_a_self_contained_site(kb: KnowledgeBase, tmp_path: Path) -> None:
    written = export_site(kb, tmp_path / "site")
    top = sorted(p.name for p in written if p.parent == tmp_path / "site")
    assert top == sorted([f"{s}.html" for s in kb.sheets] + ["index.html"])
    assert (tmp_path / "site/regles/index.html") in written  # the rule book is part of the site
    for path in written:
        html = path.read_text(encoding="utf-8")
        assert html.startswith("<!DOCTYPE html>") and '<html lang="fr">' in html
        assert 'name="viewport"' in html and "@page" in html and "@media print" in html
        parser = _Collector()
        parser.feed(html)
        assert "script" not in parser.tags and "link" not in parser.tags and not parser.srcs
        for href in parser.hrefs:
            local = (path.parent / href.split("#")[0]).resolve()
            assert href.startswith(("http://", "https://", "mailto:", "#")) or local.exists(), (path, href)
    index = (tmp_path / "site/index.html").read_text(encoding="utf-8")
    for sheet in kb.sheets.values():
        assert f'href="{sheet.id}.html"' in index


def test_export_refuses_to_overwrite_without_force(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert invoke("sheets", "export", str(tmp_path)).exit_code == 0
    again = invoke("sheets", "export", str(tmp_path))
    assert again.exit_code == 2 and "--force" in again.stderr
    assert invoke("sheets", "export", str(tmp_path), "--force").exit_code == 0


def test_export_into_a_file_path_fails_cleanly(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "file.txt"
    target.write_text("x", encoding="utf-8")
    result = invoke("sheets", "export", str(target))
    assert result.exit_code == 2 and "n'est pas un dossier" in result.stderr


def test_no_placeholder_text_in_sheets(kb: KnowledgeBase) -> None:
    for sheet in kb.sheets.values():
        assert not re.search(r"TODO|FIXME|lorem|à compléter|XXX", sheet.body, re.IGNORECASE), sheet.id


def test_the_introduction_is_found_by_kind_not_by_name(toy_kb: KnowledgeBase, tmp_path: Path) -> None:
    """The toy knowledge base's introduction is called « intro »: every sheet page still links to it."""
    intro = toy_kb.introduction
    assert intro is not None and intro.id != "cooperation"
    export_site(toy_kb, tmp_path)
    page = (tmp_path / "bike.html").read_text(encoding="utf-8")
    assert f'href="{intro.id}.html"' in page
