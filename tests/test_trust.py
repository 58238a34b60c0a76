"""Advice a network officer can sign: dates, conditions, reasons that match the answers, citable sources."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from advisor import Advisor, KnowledgeBase, load_knowledge_base
from advisor.knowledge.models import Rule
from advisor.reasoning.conditions import evaluate
from advisor.reasoning.result import Reason, Recommendation
from advisor.reasoning.verdict import situation
from advisor.scenarios import check_knowledge_base, load_scenarios, scenario_answers
from tests.conftest import ROOT, TODAY

SCENARIOS = load_scenarios(ROOT / "tests" / "scenarios")
TZCLD_COMMUNE = {"structure_types": ["collectivity"], "goals": ["long_term_unemployment"],
                 "collectivity_carries": True, "departement_cofinances": "unknown",
                 "non_competing_activities": True, "territory_population": 8000}


def shown_reasons(rec: Recommendation) -> list[Reason]:
    """Every reason a user reads in a recommendation."""
    reasons: list[Reason] = []
    for form in rec.recommendations:
        reasons += form.reasons + form.against + form.warnings + ([form.variant_reason] if form.variant_reason else [])
    for excluded in rec.excluded:
        reasons += excluded.reasons
    for discouraged in rec.discouraged:
        reasons += discouraged.reasons + discouraged.against
    return reasons


def claims(rule: Rule) -> list[tuple[object, bool]]:
    """What a rule's reason asserts of the answers: its ``claims``, else what its condition implies."""
    if rule.claims is not None:
        return [(claim, True) for claim in rule.claims]
    return list(rule.when.leaves())


def situations(kb: KnowledgeBase) -> list[tuple[str, dict[str, object], dt.date]]:
    cases = [(f"exemple {name}", dict(kb.example(name).answers), TODAY) for name in kb.example_names()]
    cases += [(scenario.name, scenario_answers(kb, scenario), scenario.as_of or TODAY) for _, scenario in SCENARIOS]
    return cases


def test_no_shown_reason_claims_an_answer_the_user_did_not_give(advisor: Advisor, kb: KnowledgeBase) -> None:
    wrong = []
    for name, answers, as_of in situations(kb):
        rec = advisor.advise(answers, as_of=as_of)
        facts = situation(rec.answers, as_of)
        for reason in shown_reasons(rec):
            for claim, must_hold in claims(kb.rule(reason.rule)):
                if evaluate(claim, facts) != must_hold:  # type: ignore[arg-type]
                    wrong.append(f"{name} : {reason.rule}")
    assert wrong == []


def test_the_ensemblier_reason_matches_a_lasting_partnership_without_new_structure(advisor: Advisor) -> None:
    rec = advisor.advise({"structure_types": ["aci", "ea"], "goals": ["disability_pathways"],
                          "depth": "lasting_partnership"})
    texts = [r.text for r in shown_reasons(rec)]
    assert rec.top is not None and rec.top.variant == "ensemblier"
    claim = "vous cherchez à réunir des structures sous une gouvernance commune"
    assert not any(claim in text.lower() for text in texts)


def test_a_staff_sharing_user_with_no_clear_fit_is_not_told_about_a_market(advisor: Advisor) -> None:
    rec = advisor.advise({"goals": ["share_staff"], "permanent_shared_staff": "unknown",
                          "qualification_work_study": "unknown"})
    assert rec.no_clear_fit
    text = " ".join([rec.no_fit_message or "", *rec.next_steps])
    assert "marché" not in text and "ponctuel" not in text
    assert "mise à disposition" in text or "prêt de main-d'œuvre" in text


def test_a_collectivity_reads_reasons_addressed_to_it(advisor: Advisor) -> None:
    rec = advisor.advise({"structure_types": ["collectivity"], "goals": ["food"], "food_activity": True,
                          "collectivity_food_strategy": True, "pat_exists": False})
    assert rec.audience == "collectivity" and rec.top is not None and rec.top.form == "pat"
    texts = [r.text for r in shown_reasons(rec)] + rec.next_steps
    assert not any("votre structure" in text.lower() for text in texts), texts


@pytest.mark.parametrize(("as_of", "confidence", "past"), [
    (dt.date(2024, 3, 1), "moyenne", set()),
    (dt.date(2026, 12, 1), "moyenne", {"tzcld.call_closed"}),
    (dt.date(2026, 12, 31), "moyenne", {"tzcld.call_closed"}),
    (dt.date(2027, 1, 1), "faible", {"tzcld.call_closed", "tzcld.experiment_end"}),
])
def test_tzcld_advice_follows_the_calendar(advisor: Advisor, as_of: dt.date, confidence: str, past: set[str]) -> None:
    rec = advisor.advise(TZCLD_COMMUNE, as_of=as_of)
    assert rec.top is not None and rec.top.form == "tzcld"
    assert rec.top.confidence == confidence
    assert {a.horizon for a in rec.alerts if a.past} == past
    assert not rec.robustness.robust  # the département's cofinancing is a condition, answered « je ne sais pas »
    assert [q.question for q in rec.robustness.depends_on] == ["departement_cofinances"]


def test_an_alert_says_how_far_the_day_is(advisor: Advisor) -> None:
    rec = advisor.advise(TZCLD_COMMUNE, as_of=dt.date(2026, 12, 1))
    end = next(a for a in rec.alerts if a.horizon == "tzcld.experiment_end")
    assert not end.past and end.days == 31 and "dans 31 jours" in end.text and "31 décembre 2026" in end.text
    after = advisor.advise(TZCLD_COMMUNE, as_of=dt.date(2027, 1, 1))
    assert "a pris fin" in next(a for a in after.alerts if a.horizon == "tzcld.experiment_end").text


def test_date_conditions_run_the_same_on_the_engine_and_the_reference(kb: KnowledgeBase) -> None:
    from advisor.knowledge.models import Condition
    from advisor.reasoning.conditions import compile_condition

    before, since = Condition(date_before=dt.date(2027, 1, 1)), Condition(date_from=dt.date(2027, 1, 1))
    for cond, day, holds in [(before, dt.date(2026, 12, 31), True), (before, dt.date(2027, 1, 1), False),
                             (since, dt.date(2026, 12, 31), False), (since, dt.date(2027, 1, 1), True)]:
        assert evaluate(cond, situation({}, day)) is holds
        assert evaluate(Condition.model_validate({"not": cond.model_dump(exclude_none=True)}),
                        situation({}, day)) is not holds
    assert compile_condition(before, {}) == {"$lt": {"as_of": dt.date(2027, 1, 1).toordinal()}}


def test_facts_checked_long_ago_are_flagged_in_every_output(advisor: Advisor, invoke) -> None:  # type: ignore[no-untyped-def]
    checked = advisor.kb.meta.facts_checked_on
    fresh = advisor.advise({"goals": ["market"]}, as_of=checked + dt.timedelta(days=30))
    stale = advisor.advise({"goals": ["market"]}, as_of=checked + dt.timedelta(days=200))
    assert not fresh.knowledge_base.stale and stale.knowledge_base.stale
    assert "il y a plus de six mois" in (stale.knowledge_base.stale_message or "")
    later = (checked + dt.timedelta(days=200)).isoformat()
    result = invoke("recommend", "--example", "afeji", "--date", later)
    assert result.exit_code == 0 and "il y a plus de six mois" in result.output


def test_ties_are_shown_as_ties_with_the_question_that_would_separate_them(advisor: Advisor) -> None:
    rec = advisor.advise({"goals": ["long_term_unemployment", "territorial_strategy"]})
    assert rec.tie is not None and set(rec.tie.forms) == {"ptce", "tzcld"}
    assert rec.tie.question is not None and rec.tie.question.question in advisor.kb.questions


@pytest.mark.parametrize("command", [["recommend", "--example", "afeji"], ["memo", "--example", "afeji", "-o", "n.md"],
                                     ["compare", "--example", "afeji"], ["rules", "check"]])
def test_date_option_is_checked(invoke, command: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = invoke(*command, "--date", "31/13/2026")
    assert result.exit_code == 2 and "AAAA-MM-JJ ou JJ/MM/AAAA" in result.stderr


def test_a_date_can_be_written_the_french_way(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("recommend", "--example", "afeji", "--date", "15/01/2027", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["as_of"] == "2027-01-15"


def test_recommend_on_both_sides_of_the_tzcld_horizon(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    answers = tmp_path / "commune.yaml"
    answers.write_text("answers:\n" + "".join(f"  {k}: {v!r}\n".replace("'", '"') if not isinstance(v, list)
                                              else f"  {k}: [{', '.join(v)}]\n" for k, v in TZCLD_COMMUNE.items()),
                       encoding="utf-8")
    before = invoke("recommend", str(answers), "--date", "2026-12-01")
    after = invoke("recommend", str(answers), "--date", "2027-01-02")
    assert before.exit_code == after.exit_code == 0
    assert "dans 31 jours" in before.output and "a pris fin" in after.output
    assert "confiance moyenne" in before.output and "confiance faible" in after.output


def _copy_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "rules", data / "rules")
    shutil.copytree(ROOT / "sheets", data / "sheets")
    return data


def test_rules_check_refuses_a_mirror_site_reference(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    path = data / "rules/forms/ges.yaml"
    text = path.read_text(encoding="utf-8")
    first_url = text.index('url: "https://') + len('url: "')
    path.write_text(text[:first_url] + "https://fr.123dok.net/document/x.html" + text[text.index('"', first_url):],
                    encoding="utf-8")
    report = check_knowledge_base(load_knowledge_base(data, check=False), ROOT / "tests" / "scenarios", TODAY)
    assert any("site miroir" in str(p) and "123dok" in str(p) for p in report.problems)


def test_rules_check_refuses_an_internal_note(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    path = data / "rules/forms/pat.yaml"
    text = path.read_text(encoding="utf-8")
    note = 'reason: "Nous n\'avons pas pu lire cet article. Vous voulez agir'
    path.write_text(text.replace('reason: "Vous voulez agir', note, 1), encoding="utf-8")
    report = check_knowledge_base(load_knowledge_base(data, check=False), ROOT / "tests" / "scenarios", TODAY)
    assert any("note interne" in str(p) and "pat.food_goal" in str(p) for p in report.problems)


@pytest.mark.parametrize(("day", "word"), [("2026-12-01", "proche (dans 31 jours)"), ("2027-01-02", "passée")])
def test_rules_check_reports_the_horizons(invoke, day: str, word: str) -> None:  # type: ignore[no-untyped-def]
    result = invoke("rules", "check", "--date", day)
    assert result.exit_code == 0
    line = next(line for line in result.output.splitlines() if line.startswith("- tzcld.experiment_end"))
    assert word in line


def test_no_output_carries_a_mirror_url_or_an_internal_note(kb: KnowledgeBase, invoke,  # type: ignore[no-untyped-def]
                                                            tmp_path: Path) -> None:
    banned = [h.casefold() for h in kb.meta.mirror_hosts] + [n.casefold() for n in kb.meta.internal_notes]
    for name in kb.example_names():
        memo = tmp_path / f"{name}.html"
        outputs = [invoke("recommend", "--example", name).output, invoke("recommend", "--example", name, "--format",
                                                                          "json").output]
        assert invoke("memo", "--example", name, "-o", str(memo)).exit_code == 0
        outputs.append(memo.read_text(encoding="utf-8"))
        for output in outputs:
            found = [b for b in banned if b in output.casefold()]
            assert not found, (name, found)
    for sheet in kb.sheets.values():
        assert not [b for b in banned if b in sheet.body.casefold()], sheet.id


def test_official_texts_are_only_official(kb: KnowledgeBase) -> None:
    for sheet in kb.sheets.values():
        for basis in sheet.meta.legal_bases:
            assert basis.url is None or "legifrance.gouv.fr" in basis.url, (sheet.id, basis.url)
        section = sheet.sections.get("Sources", "")
        if "**Textes officiels**" in section:
            official = section.split("**Textes officiels**", 1)[1].split("**", 1)[0]
            kinds = {s.url: s.kind for s in sheet.meta.sources}
            for url in (u for u in kinds if u in official):
                assert kinds[url] == "texte_officiel", (sheet.id, url)
