"""The printable memo: golden Markdown files, HTML escaping and structure, the real PDF path, the CLI."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jinja2 import StrictUndefined, UndefinedError

from advisor import Advisor, AdvisorError, PdfUnavailableError, render_memo, write_memo
from advisor.errors import OutputError
from advisor.outputs import memo as memo_module
from advisor.outputs import pdf as pdf_module
from advisor.outputs.memo import describe_answer, memo_context, memo_format
from advisor.outputs.render import escape_markdown, markdown_environment, markdown_to_html

ROOT = Path(__file__).resolve().parent.parent
TOY_ROOT = Path(__file__).resolve().parent / "fixtures" / "toy"
GOLDEN = Path(__file__).resolve().parent / "golden"
TODAY = dt.date(2026, 11, 26)
SEED_EXAMPLES = sorted(p.stem for p in (ROOT / "rules" / "examples").glob("*.yaml"))
HOSTILE = "<script>alert('x')</script> & \"Cie\" *gras* [lien](https://exemple.org)"
SEVERAL_FORMS = {"structure_types": ["aci", "ea"], "depth": "lasting_partnership",
                 "goals": ["pool_means", "share_staff", "territorial_strategy", "disability_pathways"],
                 "partners": ["siae", "sme", "commune_epci"]}
UNESCAPED_TAG = re.compile(r"(?<!\\)<script")
ACCENTS = "Cœur de Façon « Élan » — très près, 100 €"


def _example_memo(advisor: Advisor, name: str, fmt: str = "md", **extra: Any) -> Any:
    example = advisor.kb.example(name)
    return render_memo(advisor, {**example.answers, **extra}, fmt,  # type: ignore[arg-type]
                       description=example.description, today=TODAY)


def _text_question(advisor: Advisor) -> str:
    """The first free-text question of the knowledge base (the structure's name in the real one)."""
    return next(q.id for q in advisor.kb.questions.values() if q.type == "text")


def _pdf_ready() -> bool:
    try:
        pdf_module._load_weasyprint()
    except PdfUnavailableError:
        return False
    return shutil.which("pdftotext") is not None


# WeasyPrint is optional for developers, but CI installs it and must run the real PDF path.
needs_pdf = pytest.mark.skipif(not os.environ.get("CI") and not _pdf_ready(),
                               reason="WeasyPrint ou pdftotext absent (installés par .ci/run)")


# --- golden Markdown ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", SEED_EXAMPLES)
def test_the_markdown_memo_of_each_seed_example_matches_its_golden_file(
        advisor: Advisor, update_golden: bool, name: str) -> None:
    text = _example_memo(advisor, name)
    golden = GOLDEN / f"{name}.md"
    if update_golden:
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"{golden} manque : lancez pytest --update-golden puis relisez le diff"
    assert text == golden.read_text(encoding="utf-8"), \
        f"la note de {name} a changé : relisez le diff puis lancez pytest --update-golden"


def test_the_memo_says_what_was_recommended_why_and_what_to_do(advisor: Advisor) -> None:
    rec = advisor.advise(advisor.kb.example("gme-brunoy").answers)
    text = _example_memo(advisor, "gme-brunoy")
    assert rec.top is not None
    assert f"### {rec.top.label}" in text
    assert rec.top.variant_label and rec.top.variant_label in text
    for reason in rec.top.reasons:
        assert reason.text in text
        for ref in reason.references:
            assert ref.label in text and (ref.url is None or ref.url in text)
    for step in rec.next_steps + rec.first_steps:
        assert step in text
    assert advisor.kb.meta.disclaimer.split()[0] in text
    assert "je ne sais pas" in text  # an answer left unknown is shown as such
    assert advisor.kb.sheet_for(rec.top.form).title in text  # the annex


def test_answers_read_as_words_not_ids(advisor: Advisor) -> None:
    question = next(q for q in advisor.kb.questions.values() if q.type == "multiple")
    line = describe_answer(question, [question.choices[0].id, question.choices[1].id])
    assert line.kind == "choices" and line.labels == [question.choices[0].label, question.choices[1].label]
    assert describe_answer(question, "unknown").kind == "unknown"
    assert describe_answer(question, None).kind == "unanswered"
    number = next(q for q in advisor.kb.questions.values() if q.type == "number")
    assert describe_answer(number, 8000).value == "8\u202f000"


def test_when_nothing_fits_the_memo_says_so_and_lists_the_excluded_forms(advisor: Advisor) -> None:
    raw = {"structure_types": ["aci"], "goals": ["market"], "tender_identified": False}
    rec = advisor.advise(raw)
    assert rec.no_clear_fit and rec.excluded
    for fmt in ("md", "html"):
        rendered = render_memo(advisor, raw, fmt, today=TODAY)  # type: ignore[arg-type]
        assert isinstance(rendered, str)
        text = html_lib.unescape(rendered)
        assert (rec.no_fit_message or "").split(":")[0] in text
        for step in rec.next_steps:
            assert step.split("(")[0].strip() in text
        for excluded in rec.excluded:
            assert excluded.label in text
            assert excluded.reasons[0].text.split(":")[0] in text
        assert "écartée" in text


def test_templates_are_strict_about_missing_fields(advisor: Advisor) -> None:
    env = markdown_environment()
    assert env.undefined is StrictUndefined
    context = memo_context(advisor.kb, advisor.advise(advisor.kb.example("afeji").answers), today=TODAY)
    del context["top"]
    with pytest.raises(UndefinedError):
        env.get_template("memo.md.j2").render(**context)


def test_the_toy_knowledge_base_renders_too(toy_advisor: Advisor) -> None:
    kb = toy_advisor.kb
    name = kb.example_names()[0]
    rec = toy_advisor.advise(kb.example(name).answers)
    for fmt in ("md", "html"):
        text = html_lib.unescape(_example_memo(toy_advisor, name, fmt))
        assert rec.top is not None and rec.top.label in text
        assert kb.meta.disclaimer in text
        assert "GME" not in text and "SIAE" not in text


# --- escaping ------------------------------------------------------------------------------------

def test_hostile_structure_name_is_escaped_in_html(advisor: Advisor) -> None:
    html = _example_memo(advisor, "afeji", "html", **{_text_question(advisor): HOSTILE})
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;Cie&#34;" in html
    assert 'href="https://exemple.org"' not in html


def test_hostile_description_is_escaped_in_html_and_markdown(advisor: Advisor) -> None:
    raw = advisor.kb.example("zest").answers
    html = render_memo(advisor, raw, "html", description=HOSTILE, today=TODAY)
    markdown = render_memo(advisor, raw, "md", description=HOSTILE, today=TODAY)
    assert isinstance(html, str) and isinstance(markdown, str)
    assert "<script" not in html and not UNESCAPED_TAG.search(markdown)
    assert "<script" not in markdown_to_html(markdown)


def test_hostile_structure_name_stays_plain_text_in_markdown(advisor: Advisor) -> None:
    markdown = _example_memo(advisor, "afeji", "md", **{_text_question(advisor): HOSTILE})
    assert not UNESCAPED_TAG.search(markdown)
    rendered = markdown_to_html(markdown)
    assert "<script" not in rendered
    assert "&lt;script&gt;" in rendered
    assert "<em>gras</em>" not in rendered
    assert 'href="https://exemple.org"' not in rendered
    assert "[lien](https://exemple.org)" in rendered


def test_escape_markdown_neutralises_inline_syntax() -> None:
    assert escape_markdown("a*b*_c_ `d` <e> & [f](g) | #h") == r"a\*b\*\_c\_ \`d\` \<e\> \& \[f\](g) \| \#h"
    assert escape_markdown("l'AGORA du Ternois (62)") == "l'AGORA du Ternois (62)"


# --- HTML structure --------------------------------------------------------------------------------

def test_html_is_self_contained_accessible_and_printable(advisor: Advisor) -> None:
    assert len(advisor.advise(SEVERAL_FORMS).recommendations) >= 2  # so that the comparison table is drawn
    html = render_memo(advisor, SEVERAL_FORMS, "html", today=TODAY)
    assert isinstance(html, str)
    assert html.startswith("<!DOCTYPE html>") and '<html lang="fr">' in html
    for external in ("<script", "<link", "<img", "src=", "@import", "url("):
        assert external not in html
    assert html.count("<h1>") == 1 and "<h2" in html and "<h3" in html
    assert '<th scope="col">' in html and '<th scope="row">' in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title chart-desc"' in html
    assert '<title id="chart-title">' in html and '<desc id="chart-desc">' in html
    assert 'class="annex page-break"' in html
    assert "@page" in html and "counter(page)" in html and "@media print" in html


def test_the_chart_shows_every_form_with_excluded_ones_marked(advisor: Advisor) -> None:
    raw = {"structure_types": ["aci"], "goals": ["market"], "tender_identified": False}
    rows = memo_module.chart_rows(advisor.advise(raw))
    assert {r.form for r in rows} == set(advisor.kb.forms)
    assert [r.status for r in rows if r.form == "gme"] == ["excluded"]
    rec = advisor.advise(SEVERAL_FORMS)
    ranked = [r for r in memo_module.chart_rows(rec) if r.status == "ranked"]
    assert ranked[0].fraction == 1.0 and ranked[0].text_bar == "█" * 20
    assert [r.score for r in ranked] == [f.score for f in rec.recommendations]


# --- PDF -------------------------------------------------------------------------------------------

@needs_pdf
def test_the_pdf_keeps_the_recommended_label_and_french_characters(advisor: Advisor, tmp_path: Path) -> None:
    pdf = _example_memo(advisor, "gme-brunoy", "pdf", **{_text_question(advisor): ACCENTS})
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF")
    path = tmp_path / "note.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True,
                          text=True, encoding="utf-8").stdout
    flat = " ".join(text.split())
    top = advisor.advise(advisor.kb.example("gme-brunoy").answers).top
    assert top is not None and top.label in flat
    assert ACCENTS in flat
    for word in ("Note d'orientation — coopération", "Votre situation", "Pistes écartées", "« je ne sais pas »",
                 "Points de vigilance", "Prochaines étapes"):
        assert word in flat
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "595.276 x 841.89 pts (A4)" in info


def test_a_missing_weasyprint_gives_a_french_message(advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # makes « import weasyprint » fail
    with pytest.raises(PdfUnavailableError) as caught:
        _example_memo(advisor, "afeji", "pdf")
    message = str(caught.value)
    assert isinstance(caught.value, AdvisorError) and caught.value.exit_code == 2
    assert "WeasyPrint n'est pas installé" in message
    assert "pip install 'cooperation-advisor[pdf]'" in message and "libpango-1.0-0" in message
    assert "-o note.html" in message and "navigateur" in message


def test_missing_system_libraries_give_a_french_message_and_print_nothing(
        advisor: Advisor, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    class BrokenWeasyPrint:
        """Imports « weasyprint » the way it fails when Pango is missing: a banner, then OSError."""

        @staticmethod
        def find_spec(name: str, *args: Any) -> None:
            if name == "weasyprint":
                print("WeasyPrint could not import some external libraries.")
                raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.delitem(sys.modules, "weasyprint", raising=False)
    monkeypatch.setattr(sys, "meta_path", [BrokenWeasyPrint(), *sys.meta_path])
    with pytest.raises(PdfUnavailableError, match="Pango") as caught:
        pdf_module.html_to_pdf("<p>x</p>")
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0" in str(caught.value)
    assert capsys.readouterr().out == ""


@needs_pdf
def test_missing_fonts_give_a_french_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_module, "_font_count", lambda: 0)
    with pytest.raises(PdfUnavailableError, match="aucune police") as caught:
        pdf_module.html_to_pdf("<p>x</p>")
    assert "fonts-dejavu-core" in str(caught.value) and "-o note.html" in str(caught.value)


# --- files and formats -----------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "fmt", "expected"), [
    ("note.md", None, "md"), ("NOTE.HTML", None, "html"), ("a/b/note.pdf", None, "pdf"), ("note.htm", None, "html"),
    ("note.txt", "md", "md"), ("note.pdf", "html", "html"),
])
def test_the_format_follows_the_extension_unless_given(name: str, fmt: str | None, expected: str) -> None:
    assert memo_format(Path(name), fmt) == expected


def test_an_unknown_extension_is_refused_in_french(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"extension « \.docx ».*\.md, \.html ou \.pdf"):
        memo_format(tmp_path / "note.docx")
    with pytest.raises(OutputError, match="extension absente"):
        memo_format(tmp_path / "note")
    with pytest.raises(OutputError, match="est un dossier"):
        memo_format(tmp_path)


def test_write_memo_is_atomic_and_refuses_to_overwrite(advisor: Advisor, tmp_path: Path) -> None:
    raw = advisor.kb.example("afeji").answers
    target = tmp_path / "note.md"
    assert write_memo(advisor, raw, target, today=TODAY) == "md"
    first = target.read_text(encoding="utf-8")
    with pytest.raises(OutputError, match="existe déjà"):
        write_memo(advisor, raw, target, description="autre", today=TODAY)
    assert target.read_text(encoding="utf-8") == first
    write_memo(advisor, raw, target, force=True, description="autre", today=TODAY)
    assert "autre" in target.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["note.md"]  # no temporary file left behind


# --- CLI -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", ["md", "html"])
def test_cli_writes_the_memo_of_an_example(invoke: Any, tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"note.{suffix}"
    result = invoke("memo", "--example", "gme-brunoy", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert str(target) in result.stdout
    text = html_lib.unescape(target.read_text(encoding="utf-8"))
    assert "Groupement momentané d'entreprises (GME)" in text
    assert ("<!DOCTYPE html>" in text) == (suffix == "html")


def test_cli_reads_an_answers_file_with_its_description(invoke: Any, tmp_path: Path) -> None:
    answers = tmp_path / "reponses.yaml"
    answers.write_text('description: "Notre projet à Arras"\nanswers:\n  structure_types: [aci, ea]\n'
                       "  goals: [disability_pathways]\n", encoding="utf-8")
    target = tmp_path / "note.html"
    result = invoke("memo", str(answers), "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "Notre projet à Arras" in target.read_text(encoding="utf-8")


def test_cli_format_option_wins_over_the_extension(invoke: Any, tmp_path: Path) -> None:
    target = tmp_path / "note.txt"
    assert invoke("memo", "--example", "afeji", "-o", str(target), "--format", "html").exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_cli_refuses_to_overwrite_without_force(invoke: Any, tmp_path: Path) -> None:
    target = tmp_path / "note.md"
    target.write_text("ancienne note", encoding="utf-8")
    result = invoke("memo", "--example", "afeji", "-o", str(target))
    assert result.exit_code == 2
    assert "Erreur :" in result.stderr and "existe déjà" in result.stderr and "--force" in result.stderr
    assert target.read_text(encoding="utf-8") == "ancienne note"
    result = invoke("memo", "--example", "afeji", "-o", str(target), "--force")
    assert result.exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("# Note d'orientation")


@pytest.mark.parametrize(("args", "message"), [
    (["-o", "{tmp}/absent/note.md"], "n'existe pas"),
    (["-o", "{tmp}/note.docx"], "extension « .docx »"),
    (["-o", "{tmp}"], "est un dossier"),
])
def test_cli_output_mistakes_are_french_one_liners(invoke: Any, tmp_path: Path, args: list[str],
                                                   message: str) -> None:
    result = invoke("memo", "--example", "afeji", *[a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 2
    assert result.stderr.startswith("Erreur : ") and message in result.stderr
    assert "Traceback" not in result.output


def test_cli_usage_mistakes(invoke: Any, tmp_path: Path) -> None:
    missing_output = invoke("memo", "--example", "afeji")
    assert missing_output.exit_code == 2 and "-o" in missing_output.stderr
    neither = invoke("memo", "-o", str(tmp_path / "note.md"))
    assert neither.exit_code == 2 and "--example" in neither.stderr
    unknown = invoke("memo", "--example", "inconnu", "-o", str(tmp_path / "note.md"))
    assert unknown.exit_code == 2 and "exemple inconnu" in unknown.stderr
    assert not (tmp_path / "note.md").exists()


def test_cli_lists_examples(invoke: Any) -> None:
    result = invoke("memo", "--example")
    assert result.exit_code == 0
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == SEED_EXAMPLES


def test_cli_pdf_without_weasyprint_exits_2_with_advice(invoke: Any, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    target = tmp_path / "note.pdf"
    result = invoke("memo", "--example", "afeji", "-o", str(target))
    assert result.exit_code == 2
    assert result.stderr.startswith("Erreur : impossible de produire un PDF") and "-o note.html" in result.stderr
    assert "Traceback" not in result.output
    assert not target.exists() and list(tmp_path.iterdir()) == []


@needs_pdf
def test_cli_writes_a_pdf(invoke: Any, tmp_path: Path) -> None:
    target = tmp_path / "note.pdf"
    result = invoke("memo", "--example", "zest", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"%PDF")


def test_cli_works_on_the_toy_knowledge_base(invoke: Any, tmp_path: Path) -> None:
    target = tmp_path / "note.md"
    result = invoke("--data-dir", str(TOY_ROOT), "memo", "--example", "commute", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "### Vélo" in target.read_text(encoding="utf-8")
