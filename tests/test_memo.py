"""The memo's content: golden Markdown files, « En bref » first, each fact once, the annex of --full, who
prepared it and for whom, official texts only, HTML escaping and structure, the CLI.

The printed PDF (page counts, first page, page breaks, fonts) is tested in ``test_memo_print.py``.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from jinja2 import StrictUndefined, UndefinedError

from advisor import Advisor, AdvisorError, PdfUnavailableError, render_memo, write_memo
from advisor.errors import EntryError, OutputError
from advisor.outputs import memo as memo_module
from advisor.outputs import pdf as pdf_module
from advisor.outputs.memo import describe_answer, memo_context, memo_format
from advisor.outputs.render import escape_markdown, markdown_environment, markdown_to_html
from tests.conftest import TODAY

ROOT = Path(__file__).resolve().parent.parent
TOY_ROOT = Path(__file__).resolve().parent / "fixtures" / "toy"
GOLDEN = Path(__file__).resolve().parent / "golden"
SEED_EXAMPLES = sorted(p.stem for p in (ROOT / "rules" / "examples").glob("*.yaml"))
HOSTILE = "<script>alert('x')</script> & \"Cie\" *gras* [lien](https://exemple.org)"
SEVERAL_FORMS = {"structure_types": ["aci", "ea"], "depth": "lasting_partnership",
                 "goals": ["pool_means", "share_staff", "territorial_strategy", "disability_pathways"],
                 "partners": ["siae", "sme", "commune_epci"]}
THREE_FORMS = {"structure_types": ["aci", "ai"], "territory_type": "urban", "goals": ["market", "pool_means"],
               "partners": ["siae"], "depth": "common_governance", "shared_liability": "full",
               "tender_identified": True, "buyer_type": "public", "reserved_lot": "siae", "work_splittable": True,
               "buyer_liability": "none", "mandataire_willing": True, "group_stable": True, "already_group": False}
UNESCAPED_TAG = re.compile(r"(?<!\\)<script")
ACCENTS = "Cœur de Façon « Élan » — très près, 100 €"


def _example_memo(advisor: Advisor, name: str, fmt: str = "md", *, full: bool = False, **extra: Any) -> Any:
    """The memo of a packaged example, with ``extra`` answers (by question id) over its own."""
    example = advisor.kb.example(name)
    return render_memo(advisor, {**example.answers, **extra}, fmt,  # type: ignore[arg-type]
                       description=example.description, today=TODAY, full=full)


def _text_question(advisor: Advisor) -> str:
    """The first free-text question of the knowledge base (the structure's name in the real one)."""
    return next(q.id for q in advisor.kb.questions.values() if q.type == "text")


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
    for reason in rec.top.reasons + rec.top.against + rec.top.warnings:
        assert reason.text in text
        for ref in reason.references:
            assert ref.label in text and (ref.url is None or ref.url in text)
    for step in rec.next_steps:
        assert step in text
    for contact in advisor.kb.sheet_for(rec.top.form).meta.contacts:
        assert contact.name in text
    assert advisor.kb.meta.disclaimer.split()[0] in text
    assert "je ne sais pas" in text  # an answer left unknown is shown as such


def test_en_bref_comes_first_in_five_lines(advisor: Advisor) -> None:
    for name in SEED_EXAMPLES:
        rec = advisor.advise(advisor.kb.example(name).answers)
        assert rec.top is not None
        text = _example_memo(advisor, name)
        sections = re.findall(r"^## (.+)$", text, flags=re.MULTILINE)
        assert sections[0] == "En bref", name
        brief = text.split("## En bref\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
        assert [line.split("**")[1] for line in brief] == [
            "Forme recommandée", "Confiance", "À examiner en premier", "Prochaine étape", "Autres pistes"]
        assert rec.top.label in brief[0] and f"**Confiance** : {rec.top.confidence} — " in brief[1]
        first = rec.alerts[0].text if rec.alerts else rec.top.warnings[0].text if rec.top.warnings else None
        assert first is None or first in brief[2], name
        assert rec.next_steps[0] in brief[3]


def test_the_confidence_is_explained_by_the_facts_of_the_result(advisor: Advisor) -> None:
    zest = _example_memo(advisor, "zest")
    assert "**Confiance** : moyenne — score de 8 points, entre le seuil d'une confiance moyenne (5) et celui " \
           "d'une confiance forte (9) ; 4 points d'avance sur la suivante (PTCE)." in zest
    afeji = _example_memo(advisor, "afeji")
    assert "**Confiance** : forte — score de 12 points, au-dessus du seuil d'une confiance forte (9) ; aucune " \
           "autre forme n'est soutenue par vos réponses." in afeji
    close = render_memo(advisor, THREE_FORMS, today=TODAY)
    assert isinstance(close, str)
    assert "**Confiance** : faible — score de 6 points, entre le seuil d'une confiance moyenne (5) et celui d'une " \
           "confiance forte (9) ; la suivante (GME) n'est qu'à 1 point : un niveau de moins." in close
    tie = render_memo(advisor, {"goals": ["long_term_unemployment", "territorial_strategy"]}, today=TODAY)
    assert isinstance(tie, str) and "ex aequo avec TZCLD." in tie  # already « faible »: no level to take off


def test_markdown_and_html_memos_have_the_same_sections(advisor: Advisor) -> None:
    for full in (False, True):
        markdown = render_memo(advisor, THREE_FORMS, "md", today=TODAY, full=full)
        html = render_memo(advisor, THREE_FORMS, "html", today=TODAY, full=full)
        assert isinstance(markdown, str) and isinstance(html, str)
        md_sections = re.findall(r"^##+ (.+)$", markdown, flags=re.MULTILINE)
        html_sections = [html_lib.unescape(re.sub("<[^>]+>", "", h))
                         for h in re.findall(r"<h[2-4][^>]*>(.*?)</h[2-4]>", html)]
        assert md_sections == html_sections


def _items(markdown: str) -> list[str]:
    """The paragraphs and list items of a Markdown memo, but its summary (« En bref ») and table of contents."""
    body = re.split(r"^## ", markdown, flags=re.MULTILINE)
    text = "\n".join(part.split("\n", 1)[-1] for part in body if not part.startswith(("En bref", "Sommaire")))
    items = re.split(r"\n(?:\s*[-*] |\s*\d+\. |\n)", text)
    return [" ".join(item.split()) for item in items if len(item.strip()) > 30]


@pytest.mark.parametrize("full", [False, True], ids=["default", "full"])
def test_each_fact_appears_once(advisor: Advisor, full: bool) -> None:
    situations = [advisor.kb.example(name).answers for name in SEED_EXAMPLES] + [THREE_FORMS]
    for answers in situations:
        markdown = render_memo(advisor, answers, today=TODAY, full=full)
        assert isinstance(markdown, str)
        items = _items(markdown)
        assert [i for i in set(items) if items.count(i) > 1] == []
        assert markdown.count("Calendrier indicatif") == (1 if full else 0)


def test_the_default_memo_has_no_annex_and_full_adds_it(advisor: Advisor) -> None:
    rec = advisor.advise(THREE_FORMS)
    assert len(rec.recommendations) >= 3 and rec.top is not None
    short = render_memo(advisor, THREE_FORMS, today=TODAY)
    full = render_memo(advisor, THREE_FORMS, today=TODAY, full=True)
    assert isinstance(short, str) and isinstance(full, str)
    for annex in ("## Sommaire", "## Annexes", "Comparaison des formes en jeu", "Fiche en bref", "```text"):
        assert annex not in short and annex in full
    comparison = full.split("### Comparaison des formes en jeu", 1)[1].split("\n\n", 2)[1]
    header = comparison.splitlines()[0]
    assert header == "| Critère | " + " | ".join(f.short_label for f in rec.recommendations) + " |"
    for ranked in rec.recommendations:
        for reason in ranked.reasons + ranked.against:
            assert reason.text in full
        assert f"Fiche en bref : {advisor.kb.sheet_for(ranked.form).title}" in full
    sheet = advisor.kb.sheet_for(rec.top.form)
    for item in sheet.bullets("Points de vigilance") + sheet.bullets("Mise en place"):
        assert full.count(item) == 1 and item not in short


def test_no_chart_with_fewer_than_three_bars(advisor: Advisor) -> None:
    assert memo_module.chart_rows(advisor.advise(advisor.kb.example("afeji").answers)) == []
    assert memo_module.chart_rows(advisor.advise(SEVERAL_FORMS)) == []
    rec = advisor.advise(THREE_FORMS)
    rows = memo_module.chart_rows(rec)
    assert [r.form for r in rows] == [f.form for f in rec.recommendations]
    assert rows[0].fraction == 1.0 and rows[0].text_bar == "█" * 20
    for name in SEED_EXAMPLES:
        full = _example_memo(advisor, name, full=True)
        assert "sans lien avec vos réponses\n" not in full and "<svg" not in full


def test_dated_alerts_and_stale_facts_stay_in_the_memo(advisor: Advisor) -> None:
    commune = {"structure_types": ["collectivity"], "goals": ["long_term_unemployment"],
               "collectivity_carries": True, "departement_cofinances": True, "non_competing_activities": True,
               "territory_population": 8000}
    rec = advisor.advise(commune)
    assert rec.alerts
    for fmt in ("md", "html"):
        text = html_lib.unescape(str(render_memo(advisor, commune, fmt, today=TODAY)))
        for alert in rec.alerts:
            assert alert.text in text
    stale_day = advisor.kb.meta.facts_checked_on + dt.timedelta(days=200)
    stale = advisor.dated(stale_day).advise(commune)
    assert stale.knowledge_base.stale and stale.knowledge_base.stale_message
    for fmt in ("md", "html"):
        text = html_lib.unescape(str(memo_module.render(advisor.kb, stale, fmt)))  # type: ignore[arg-type]
        assert stale.knowledge_base.stale_message in text


def test_official_texts_are_official_with_their_address_and_check_date(advisor: Advisor) -> None:
    for name in SEED_EXAMPLES:
        rec = advisor.advise(advisor.kb.example(name).answers)
        assert rec.top is not None
        section = _example_memo(advisor, name).split("## Textes officiels", 1)[1].split("\n---\n", 1)[0]
        for basis in advisor.kb.sheet_for(rec.top.form).meta.legal_bases:
            assert basis.text in section and (basis.url is None or f"<{basis.url}>" in section)
        assert section.count("vérifié le") >= 1
        cited = [ref for reason in rec.top.reasons + rec.top.against for ref in reason.references]
        for ref in cited:
            if ref.kind != "texte_officiel":
                assert ref.label not in section, (name, ref.label)


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


# --- who prepared it, for whom ---------------------------------------------------------------------

def test_the_header_says_who_prepared_the_memo_for_whom(advisor: Advisor) -> None:
    raw = advisor.kb.example("afeji").answers
    for fmt in ("md", "html"):
        text = html_lib.unescape(str(render_memo(advisor, raw, fmt, today=TODAY, prepared_by="Marie Dupont",
                                                 contact="marie@exemple.org", reader="reseau")))
        for words in ("Préparée par", "Marie Dupont", "Contact", "marie@exemple.org", "À l'intention de",
                      "réseau régional"):
            assert words in text, (fmt, words)
        assert "reseau" not in text.split("En bref")[0]
        bare = html_lib.unescape(str(render_memo(advisor, raw, fmt, today=TODAY)))
        assert "Préparée par" not in bare and "À l'intention de" not in bare
    with pytest.raises(OutputError, match="destinataire inconnu « board »"):
        render_memo(advisor, raw, today=TODAY, reader="board")


def test_a_hostile_byline_is_escaped(advisor: Advisor) -> None:
    raw = advisor.kb.example("zest").answers
    html = render_memo(advisor, raw, "html", today=TODAY, prepared_by=HOSTILE, contact=HOSTILE)
    markdown = render_memo(advisor, raw, "md", today=TODAY, prepared_by=HOSTILE, contact=HOSTILE)
    assert isinstance(html, str) and isinstance(markdown, str)
    assert "<script" not in html and not UNESCAPED_TAG.search(markdown)
    assert 'href="https://exemple.org"' not in markdown_to_html(markdown)


def test_typed_texts_become_one_line_of_bounded_length() -> None:
    assert memo_module.one_line("  Notre projet\n à Arras  ") == "Notre projet à Arras"
    assert memo_module.one_line("   ") is None and memo_module.one_line(None) is None
    with pytest.raises(EntryError, match="200 au plus"):
        memo_module.one_line("x" * 201, "la description")


@pytest.mark.parametrize(("args", "message"), [
    (["--for", "board"], "board"),
    (["--prepared-by", "x" * 201], "--prepared-by est trop long (201 caractères)"),
])
def test_cli_byline_mistakes_are_french_one_liners(invoke: Any, tmp_path: Path, args: list[str],
                                                   message: str) -> None:
    result = invoke("memo", "--example", "afeji", "-o", str(tmp_path / "note.md"), *args)
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "note.md").exists()


def test_cli_full_and_byline_options(invoke: Any, tmp_path: Path) -> None:
    target = tmp_path / "note.md"
    result = invoke("memo", "--example", "afeji", "-o", str(target), "--full", "--for", "conseil",
                    "--prepared-by", "Marie  Dupont", "--contact", "marie@exemple.org")
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert "**À l'intention de** : conseil d'administration" in text
    assert "**Préparée par** : Marie Dupont" in text and "**Contact** : marie@exemple.org" in text
    assert "## Sommaire" in text and "## Annexes" in text


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
    html = render_memo(advisor, THREE_FORMS, "html", today=TODAY, full=True)
    assert isinstance(html, str)
    assert html.startswith("<!DOCTYPE html>") and '<html lang="fr">' in html
    for external in ("<script", "<link", "<img", "src=", "@import", "url("):
        assert external not in html
    assert html.count("<h1>") == 1 and "<h2" in html and "<h3" in html
    assert '<th scope="col">' in html and '<th scope="row">' in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title chart-desc"' in html
    assert '<title id="chart-title">' in html and '<desc id="chart-desc">' in html
    assert 'class="annex page-break"' in html and 'class="toc"' in html and "target-counter" in html
    assert "@page" in html and '"page " counter(page) " / " counter(pages)' in html and "@media print" in html
    short = render_memo(advisor, THREE_FORMS, "html", today=TODAY)
    assert isinstance(short, str) and 'class="toc"' not in short and "<svg" not in short


# --- PDF -------------------------------------------------------------------------------------------

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


def test_cli_works_on_the_toy_knowledge_base(invoke: Any, tmp_path: Path) -> None:
    target = tmp_path / "note.md"
    result = invoke("--data-dir", str(TOY_ROOT), "memo", "--example", "commute", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "### Vélo" in target.read_text(encoding="utf-8")
