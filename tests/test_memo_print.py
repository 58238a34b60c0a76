"""The printed memo, measured on real PDFs (pdfinfo, pdftotext, pdffonts, pdftoppm).

Two to four A4 pages for every packaged example and at most four for every scenario of tests/scenarios,
« En bref » whole on the first page with the form, the confidence and the first step, headings never
alone at the bottom of a page, « page N / M » with the date and the knowledge-base version in the footer,
a table of contents only with --full, and fonts for emoji and Chinese names (or a warning).

Every PDF is printed once, in one module-scoped pass spread over the processor's cores: 98 PDFs (each
example twice, each scenario once), about 48 CPU-seconds, so some 25 seconds on two idle cores. The first
page of each example is also rendered to PNG in the pass's temporary folder (``memos0/<example>-1.png``),
to be looked at when the layout changes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from advisor import Advisor, PdfUnavailableError, render_memo
from advisor.outputs import memo as memos
from advisor.outputs import pdf as pdf_module
from advisor.outputs.glyphs import missing_glyphs
from advisor.reasoning.result import Recommendation
from advisor.scenarios import load_scenarios, scenario_answers
from tests.conftest import ROOT, TODAY

SCENARIOS = [scenario for _, scenario in load_scenarios(ROOT / "tests" / "scenarios")]
EXAMPLES = sorted(p.stem for p in (ROOT / "rules" / "examples").glob("*.yaml"))
BYLINE = memos.Byline("Marie Dupont, directrice", "marie.dupont@exemple.org — 01 23 45 67 89", "conseil")
DESCRIPTION = "Un projet de coopération décrit en une ligne par la structure, comme advisor ask le demande à la fin."
ACCENTS = "Cœur de Façon « Élan » — très près, 100 €"
FOOTER = re.compile(r"^(Note d'orientation du .*|page \d+ / \d+)$")
MAX_PAGES = 4


def _pdf_ready() -> bool:
    try:
        pdf_module._load_weasyprint()
    except PdfUnavailableError:
        return False
    return all(shutil.which(tool) for tool in ("pdfinfo", "pdftotext", "pdftoppm", "pdffonts"))


# WeasyPrint and poppler-utils are optional for developers, but CI installs them and must run every check.
pytestmark = pytest.mark.skipif(not os.environ.get("CI") and not _pdf_ready(),
                                reason="WeasyPrint ou poppler-utils absents (installés par .ci/run)")


@dataclass(frozen=True)
class Printed:
    """A memo printed to PDF: its number of pages and the text of each page."""

    rec: Recommendation
    html: str
    pages: int
    texts: list[str]

    def flat(self, page: int) -> str:
        """The text of a page (1-based) on one line."""
        return " ".join(self.texts[page - 1].split())


def print_pdf(job: tuple[str, str, bool]) -> tuple[int, list[str]]:
    """Print one HTML memo to ``path`` (the real PDF path), then measure it; runs in a worker process."""
    html, path, png = job
    Path(path).write_bytes(pdf_module.html_to_pdf(html))
    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
    match = re.search(r"^Pages:\s+(\d+)", info, flags=re.MULTILINE)
    assert match is not None and "595.276 x 841.89 pts (A4)" in info
    pages = int(match.group(1))
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True, check=True,
                          text=True, encoding="utf-8").stdout
    if png:
        subprocess.run(["pdftoppm", "-r", "80", "-f", "1", "-l", "1", "-png", path, path.removesuffix(".pdf")],
                       check=True)
    return pages, text.split("\f")[:pages]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the PDFs and the PNG of each example's first page are written."""
    return tmp_path_factory.mktemp("memos")


@pytest.fixture(scope="module")
def printed(advisor: Advisor, folder: Path) -> dict[str, Printed]:
    """Every example (default and --full) and every scenario, printed once: key → Printed."""
    kb = advisor.kb
    memos_: dict[str, tuple[Recommendation, str, bool]] = {}
    for name in EXAMPLES:
        example = kb.example(name)
        rec = advisor.advise(example.answers, explain=True)
        for full in (False, True):
            html = memos.render(kb, rec, "html", description=example.description, full=full, byline=BYLINE)
            memos_[f"{name}{'-full' if full else ''}"] = (rec, str(html), not full)
    for number, scenario in enumerate(SCENARIOS):
        rec = advisor.advise(scenario_answers(kb, scenario), as_of=scenario.as_of, explain=True)
        html = memos.render(kb, rec, "html", description=DESCRIPTION, byline=BYLINE)
        memos_[f"scenario-{number}"] = (rec, str(html), False)
    jobs = [(html, str(folder / f"{key}.pdf"), png) for key, (_, html, png) in memos_.items()]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = list(pool.map(print_pdf, jobs, chunksize=4))
    return {key: Printed(rec, html, pages, texts)
            for (key, (rec, html, _)), (pages, texts) in zip(memos_.items(), results, strict=True)}


def _examples() -> list[Any]:
    return [pytest.param(name, id=name) for name in EXAMPLES]


def _scenarios() -> list[Any]:
    return [pytest.param(f"scenario-{n}", id=s.name) for n, s in enumerate(SCENARIOS)]


# --- length and first page -------------------------------------------------------------------------

@pytest.mark.parametrize("key", _examples())
def test_each_example_memo_is_two_to_four_pages(printed: dict[str, Printed], key: str) -> None:
    assert 2 <= printed[key].pages <= MAX_PAGES


@pytest.mark.parametrize("key", _scenarios())
def test_each_scenario_memo_fits_on_four_pages(printed: dict[str, Printed], key: str) -> None:
    assert printed[key].pages <= MAX_PAGES


@pytest.mark.parametrize("key", _examples() + _scenarios())
def test_the_first_page_says_the_form_the_confidence_and_the_first_step(printed: dict[str, Printed],
                                                                        key: str) -> None:
    memo = printed[key]
    first = memo.flat(1)
    top = memo.rec.top
    if top is None:
        assert "Forme recommandée : aucune ne se dégage clairement de vos réponses." in first
    else:
        assert f"Forme recommandée : {top.label}" in first
        assert f"Confiance : {top.confidence} — " in first
    assert f"Prochaine étape : {' '.join(memo.rec.next_steps[0].split())}" in first
    for label in ("En bref", "À examiner en premier :", "Autres pistes :", "Préparée par", "Marie Dupont"):
        assert label in first  # « En bref » is one box, never split from its header


def test_the_first_page_of_each_example_is_rendered_for_review(printed: dict[str, Printed], folder: Path) -> None:
    for name in EXAMPLES:
        png = folder / f"{name}-1.png"
        assert png.stat().st_size > 10_000, png


# --- page layout -----------------------------------------------------------------------------------

def _headings(html: str) -> set[str]:
    return {" ".join(re.sub("<[^>]+>", "", h).split()) for h in re.findall(r"<h[2-4][^>]*>(.*?)</h[2-4]>", html)}


def _body_lines(page: str) -> list[str]:
    return [line.strip() for line in page.splitlines() if line.strip() and not FOOTER.match(line.strip())]


@pytest.mark.parametrize("key", [*EXAMPLES, *(f"{name}-full" for name in EXAMPLES)])
def test_headings_never_end_a_page(printed: dict[str, Printed], key: str) -> None:
    memo = printed[key]
    headings = {h.replace("&#39;", "'").replace("&#34;", '"') for h in _headings(memo.html)}
    for number, page in enumerate(memo.texts[:-1], start=1):
        lines = _body_lines(page)
        assert lines and lines[-1] not in headings, f"page {number} se termine par le titre « {lines[-1]} »"


@pytest.mark.parametrize("key", [*EXAMPLES, *(f"{name}-full" for name in EXAMPLES)])
def test_the_footer_numbers_the_pages_and_dates_the_memo(printed: dict[str, Printed], key: str) -> None:
    memo = printed[key]
    version = memo.rec.knowledge_base.version
    for number, page in enumerate(memo.texts, start=1):
        lines = [line.strip() for line in page.splitlines()]
        assert f"page {number} / {memo.pages}" in lines
        assert f"Note d'orientation du {TODAY:%d/%m/%Y} · base de connaissances {version}" in lines


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_recommendation_box_is_on_one_page(printed: dict[str, Printed], name: str, advisor: Advisor) -> None:
    memo = printed[name]
    top = memo.rec.top
    assert top is not None
    form = advisor.kb.forms[top.form]
    box = [form.description] + ([form.variant(top.variant).description] if top.variant else [])  # type: ignore[union-attr]
    pages = [n for n in range(1, memo.pages + 1) if " ".join(form.description.split()) in memo.flat(n)]
    assert len(pages) == 1
    for part in box:
        assert " ".join(part.split()) in memo.flat(pages[0])


def test_a_table_of_contents_with_page_numbers_only_with_full(printed: dict[str, Printed]) -> None:
    for name in EXAMPLES:
        assert "Sommaire" not in "".join(printed[name].texts)
        full = " ".join(printed[f"{name}-full"].flat(n) for n in (1, 2))
        assert "Sommaire" in full
        assert re.search(r"Votre situation[ .]*\d", full), name
        assert printed[f"{name}-full"].pages > printed[name].pages


# --- characters and fonts --------------------------------------------------------------------------

def _fonts(path: Path) -> str:
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


def _name_question(advisor: Advisor) -> str:
    return next(q.id for q in advisor.kb.questions.values() if q.type == "text")


def test_the_pdf_keeps_the_recommended_label_and_french_characters(advisor: Advisor, tmp_path: Path) -> None:
    answers = {**advisor.kb.example("gme-brunoy").answers, _name_question(advisor): ACCENTS}
    pdf = render_memo(advisor, answers, "pdf", today=TODAY)
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF")
    path = tmp_path / "note.pdf"
    path.write_bytes(pdf)
    _, texts = print_pdf((str(render_memo(advisor, answers, "html", today=TODAY)), str(path), False))
    flat = " ".join(" ".join(texts).split())
    assert ACCENTS in flat and "Groupement momentané d'entreprises (GME)" in flat
    for words in ("Note d'orientation — coopération", "Votre situation", "« je ne sais pas »", "Points de vigilance",
                  "Prochaines étapes", "Textes officiels"):
        assert words in flat


def test_emoji_and_chinese_names_print_with_a_fallback_font(advisor: Advisor, tmp_path: Path) -> None:
    name = "Atelier 🌱 du 中文 Cœur"
    if missing_glyphs(name) and not os.environ.get("CI"):
        pytest.skip("polices fonts-noto-color-emoji et fonts-wqy-microhei absentes (installées par .ci/run)")
    assert missing_glyphs(name) == ""
    answers = {**advisor.kb.example("afeji").answers, _name_question(advisor): name}
    path = tmp_path / "note.pdf"
    path.write_bytes(render_memo(advisor, answers, "pdf", today=TODAY))  # type: ignore[arg-type]
    fonts = _fonts(path)
    assert "Noto-Color-Emoji" in fonts and "WenQuanYi" in fonts
    assert memos.undrawable_warning(advisor.advise(answers)) is None


def test_characters_no_font_can_draw_are_reported_not_printed_silently(invoke: Any, tmp_path: Path) -> None:
    answers = tmp_path / "reponses.yaml"
    answers.write_text('answers:\n  structure_name: "Atelier \U00010000 et \ue000"\n  goals: [market]\n',
                       encoding="utf-8")
    target = tmp_path / "note.pdf"
    result = invoke("memo", str(answers), "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"%PDF")
    assert result.stderr.startswith("Attention : aucune police installée ne sait dessiner ces caractères")
    assert "\U00010000" in result.stderr and "fonts-noto-color-emoji" in result.stderr
    assert invoke("memo", str(answers), "-o", str(tmp_path / "note.html")).stderr == ""  # a browser has its fonts


def test_missing_fonts_give_a_french_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_module, "_font_count", lambda: 0)
    with pytest.raises(PdfUnavailableError, match="aucune police") as caught:
        pdf_module.html_to_pdf("<p>x</p>")
    assert "fonts-dejavu-core" in str(caught.value) and "-o note.html" in str(caught.value)


def test_cli_writes_a_pdf_with_its_byline(invoke: Any, tmp_path: Path) -> None:
    target = tmp_path / "note.pdf"
    result = invoke("memo", "--example", "zest", "-o", str(target), "--for", "dla", "--prepared-by",
                    "Jean Martin", "--contact", "jean@exemple.org", "--full")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    _, texts = _measure(target)
    first = " ".join(texts[0].split())
    for words in ("À l'intention de", "dispositif local d'accompagnement (DLA)", "Préparée par", "Jean Martin",
                  "Contact", "jean@exemple.org", "Sommaire"):
        assert words in first


def _measure(path: Path) -> tuple[int, list[str]]:
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True,
                          text=True, encoding="utf-8").stdout
    pages = text.split("\f")[:-1]
    return len(pages), pages
