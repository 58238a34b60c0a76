"""What would change the verdict, robustness under unknowns, comparison, question order, rule book."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest

from advisor import Advisor, KnowledgeBase
from advisor.knowledge.models import UNKNOWN
from advisor.outputs.compare import compare, to_csv
from advisor.outputs.rulebook import describe, render_rulebook
from advisor.reasoning.whatif import alternative_values
from bench.interview_length import measure
from tests.conftest import ROOT


def _apply(answers: dict[str, Any], change: Any) -> dict[str, Any]:
    return {**answers, **{item.question: item.after for item in change.changes}}


@pytest.mark.parametrize("name", ["afeji", "agora-ternois", "gme-brunoy", "parcours-gagnants", "zest"])
def test_every_counterfactual_statement_is_true(advisor: Advisor, kb: KnowledgeBase, name: str) -> None:
    rec = advisor.advise(kb.example(name).answers, explain=True)
    assert rec.changes, "each seed example must say what would change its verdict"
    top = rec.recommendations[0]
    for change in rec.changes:
        again = advisor.advise(_apply(rec.answers, change))
        if change.form is None:
            assert again.no_clear_fit, change.statement
        else:
            assert not again.no_clear_fit and again.recommendations[0].form == change.form, change.statement
            assert again.recommendations[0].variant == change.variant, change.statement
        assert (change.form, change.variant) != (top.form, top.variant)
        assert change.statement.startswith("Si ") and change.statement.endswith(".")
        assert all(item.question in kb.questions and kb.questions[item.question].what_if for item in change.changes)


def test_single_changes_are_preferred_to_pairs(advisor: Advisor, kb: KnowledgeBase) -> None:
    rec = advisor.advise(kb.example("gme-brunoy").answers, explain=True)
    assert rec.changes and all(len(c.changes) == 1 for c in rec.changes)


def test_the_mandataire_counterfactual(advisor: Advisor) -> None:
    """What the buyer imposes decides the variant: a buyer asking for a guarantor turns a GME conjoint into one
    with a jointly liable mandataire."""
    answers = {"goals": ["market"], "depth": "single_project", "tender_identified": True, "work_splittable": True,
               "buyer_liability": "none", "mandataire_willing": True, "shared_liability": "limited"}
    rec = advisor.advise(answers, explain=True)
    assert (rec.recommendations[0].form, rec.recommendations[0].variant) == ("gme", "conjoint")
    wanted = [c for c in rec.changes or [] if c.variant == "conjoint_mandataire_solidaire"]
    assert wanted and wanted[0].changes[0].question == "buyer_liability"
    assert "GME conjoint avec mandataire solidaire" in wanted[0].statement


def _all_values(kb: KnowledgeBase, qid: str) -> list[Any]:
    question = kb.questions[qid]
    if question.type == "multiple":
        ids = [c.id for c in question.choices]
        return [list(combo) for n in range(1, 3) for combo in itertools.combinations(ids, n)]
    if question.type == "number":
        return list(range(0, 30001, 500))
    return alternative_values(kb, question, None)


@pytest.mark.parametrize("answers", [
    {"goals": ["market"], "tender_identified": UNKNOWN},
    {"goals": ["neighbourhood"], "residents_majority": UNKNOWN, "city_landlords_committed": True},
    {"goals": ["long_term_unemployment"], "collectivity_carries": True, "territory_population": UNKNOWN},
    {"goals": ["food", "market"], "food_activity": True, "pat_exists": UNKNOWN, "tender_identified": True},
    {"structure_types": ["aci", "ea"], "goals": ["disability_pathways"], "depth": UNKNOWN},
])
def test_robustness_matches_exhaustive_enumeration(advisor: Advisor, kb: KnowledgeBase,
                                                   answers: dict[str, Any]) -> None:
    rec = advisor.advise(answers)
    base = advisor.outcome(rec.answers)[0]
    unknown = [q for q, v in rec.answers.items() if v == UNKNOWN]
    depends = {q for q in unknown if any(advisor.outcome({**rec.answers, q: v})[0] != base for v in _all_values(kb, q))}
    assert {d.question for d in rec.robustness.depends_on} == depends
    assert rec.robustness.robust == (not depends)


def test_a_fragile_top_form_loses_confidence(advisor: Advisor) -> None:
    sure = advisor.advise({"goals": ["market"], "tender_identified": True, "depth": "single_project"})
    fragile = advisor.advise({"goals": ["market"], "tender_identified": UNKNOWN, "depth": "single_project"})
    assert not fragile.robustness.robust and fragile.robustness.depends_on[0].question == "tender_identified"
    order = ["faible", "moyenne", "forte"]
    assert order.index(fragile.recommendations[0].confidence) < order.index(sure.recommendations[0].confidence)


def test_recommend_ends_with_changes_and_robustness(invoke) -> None:  # type: ignore[no-untyped-def]
    out = invoke("recommend", "--example", "afeji").stdout
    assert "Ce qui changerait la recommandation" in out and "Solidité" in out
    data = json.loads(invoke("recommend", "--example", "afeji", "--format", "json").stdout)
    assert data["changes"] and "robust" in data["robustness"]


def test_comparison_values_come_from_the_knowledge_base(advisor: Advisor, kb: KnowledgeBase) -> None:
    rec = advisor.advise(kb.example("zest").answers)
    table = compare(kb, rec)
    assert [f.form for f in table.forms] == [f.form for f in rec.recommendations]
    for column in table.forms:
        assert column.values == kb.forms[column.form].comparison
    assert [c["id"] for c in table.criteria] == [c.id for c in kb.meta.criteria]
    csv_text = to_csv(compare(kb, forms=["gme", "ges"]))
    assert csv_text.splitlines()[0] == f"Critère,{kb.forms['gme'].label},{kb.forms['ges'].label}"


def test_compare_cli(invoke) -> None:  # type: ignore[no-untyped-def]
    assert "Crée une personne morale" in invoke("compare", "--example", "zest").stdout
    data = json.loads(invoke("compare", "--forms", "gme,ges", "--format", "json").stdout)
    assert [f["form"] for f in data["forms"]] == ["gme", "ges"]
    bad = invoke("compare", "--forms", "gme,nope")
    assert bad.exit_code == 2 and "forme inconnue" in bad.stderr


def test_smart_order_reaches_a_stable_verdict_sooner(kb: KnowledgeBase) -> None:
    from advisor.scenarios import load_scenarios, scenario_answers

    # Every third scenario keeps the test fast; bench/interview_length.py measures them all.
    profiles = [scenario_answers(kb, s) for _, s in load_scenarios(ROOT / "tests" / "scenarios")][::3]
    results = measure(kb, profiles)
    assert results["smart"][1] < results["file"][1]


def test_toy_knowledge_base_supports_explanations(toy_advisor: Advisor) -> None:
    rec = toy_advisor.advise({"distance_km": 3, "weather": "sunny", "extras": ["exercise"]}, explain=True)
    assert rec.changes and all(c.statement for c in rec.changes)
    for change in rec.changes:
        again = toy_advisor.advise(_apply(rec.answers, change))
        assert (again.top.form if again.top else None) == change.form


def test_rule_book_lists_every_rule_exactly_once(kb: KnowledgeBase) -> None:
    pages = render_rulebook(kb)
    forms_html = "".join(html for name, html in pages.items() if name.startswith("forme-"))
    for rule in kb.rules:
        assert forms_html.count(f'<article class="card" id="{rule.id}">') == 1, rule.id
    assert set(pages) == {"index.html"} | {f"forme-{f}.html" for f in kb.forms} | {
        f"question-{q}.html" for q in kb.questions}
    assert kb.meta.version in pages["index.html"]


def test_conditions_read_as_french_without_ids(kb: KnowledgeBase) -> None:
    for rule in kb.rules:
        text = describe(rule.when, kb)
        assert "«" in text and not re.search(r"\b[a-z]+_[a-z_]+\b", text), (rule.id, text)


def test_rules_doc_cli_and_site(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke("rules", "doc", str(tmp_path / "doc"))
    assert result.exit_code == 0 and (tmp_path / "doc/index.html").exists()
    invoke("sheets", "export", str(tmp_path / "site"))
    assert (tmp_path / "site/regles/forme-gme.html").exists()
    assert 'href="regles/index.html"' in (tmp_path / "site/index.html").read_text(encoding="utf-8")
