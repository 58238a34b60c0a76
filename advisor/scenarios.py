"""``advisor rules check``: integrity of a knowledge base, its examples, that the engine runs it, and its scenarios.

A scenario file (``tests/scenarios/*.yaml``) lists situations written by domain experts, each with
a sentence as name, the answers (or a packaged example) and what the advisor must conclude.
``advisor rules check`` runs them all and also requires that every form and variant comes first in
at least one scenario, and that every rule fires in at least one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import AdvisorError, KnowledgeBaseError
from .knowledge.base import KnowledgeBase
from .knowledge.reading import read_yaml, validate
from .knowledge.records import Record, record, spec
from .reasoning.advisor import Advisor
from .reasoning.answers import normalise
from .reasoning.capacity import check_engine
from .reasoning.result import Recommendation
from .wording import delay_text, long_date


@record
class Expectation(Record):
    """What a scenario requires of the recommendation."""

    first: str | list[str] | None = spec(default=None, description="Form expected first (or one of a list).")
    variant: str | None = None
    ranking: list[str] | None = spec(default=None, description="Expected order of the first ranked forms.")
    not_first: list[str] = spec(default_factory=list)
    excluded: list[str] = spec(default_factory=list)
    not_excluded: list[str] = spec(default_factory=list)
    warnings: list[str] = spec(default_factory=list, description="Rule ids of warnings that must be given.")
    confidence: str | None = None
    no_clear_fit: bool | None = None
    discouraged: list[str] = spec(default_factory=list, description="Forms expected « déconseillées ».")
    alerts: list[str] = spec(default_factory=list, description="Dated alerts (horizon ids) that must be given.")
    no_alerts: list[str] = spec(default_factory=list, description="Dated alerts that must not be given.")
    past: list[str] = spec(default_factory=list, description="Dated alerts expected on their « after » side.")
    robust: bool | None = None
    tie: list[str] | None = spec(default=None, description="Forms expected tied first.")
    audience: str | None = None


@record
class Scenario(Record):
    """A situation and the conclusion the advisor must reach."""

    name: str = spec(min_length=10)
    example: str | None = None
    as_of: dt.date | None = spec(default=None, description="Consultation date (the file's when omitted).")
    answers: dict[str, Any] = spec(default_factory=dict)
    expect: Expectation


@record
class ScenarioFile(Record):
    """One file of scenarios, consulted as of a fixed date so that results never depend on the clock."""

    as_of: dt.date
    scenarios: list[Scenario] = spec(min_length=1)


def load_scenarios(folder: Path) -> list[tuple[Path, Scenario]]:
    """Every scenario of every ``*.yaml`` file in a folder, with its file (and its consultation date set)."""
    found = []
    for path in sorted(folder.glob("*.yaml")):
        parsed = validate(ScenarioFile, read_yaml(path), path)
        for scenario in parsed.scenarios:
            dated = scenario if scenario.as_of else scenario.model_copy(update={"as_of": parsed.as_of})
            found.append((path, dated))
    return found


def scenario_answers(kb: KnowledgeBase, scenario: Scenario) -> dict[str, Any]:
    """The answers of a scenario (its example's answers, overridden by its own)."""
    base = dict(kb.example(scenario.example).answers) if scenario.example else {}
    return {**base, **scenario.answers}


def failures(scenario: Scenario, rec: Recommendation) -> list[str]:
    """What the recommendation gets wrong for this scenario (empty when it passes)."""
    exp = scenario.expect
    ranked = [f.form for f in rec.recommendations]
    first = ranked[0] if ranked else None
    excluded = {f.form for f in rec.excluded}
    warnings = {w.rule for w in rec.warnings}
    wrong = []
    if exp.first is not None:
        allowed = exp.first if isinstance(exp.first, list) else [exp.first]
        if first not in allowed:
            wrong.append(f"première forme attendue : {' ou '.join(allowed)} ; obtenue : {first}")
    if exp.variant is not None and (not rec.recommendations or rec.recommendations[0].variant != exp.variant):
        got = rec.recommendations[0].variant if rec.recommendations else None
        wrong.append(f"variante attendue : {exp.variant} ; obtenue : {got}")
    if exp.ranking is not None and ranked[: len(exp.ranking)] != exp.ranking:
        wrong.append(f"classement attendu : {exp.ranking} ; obtenu : {ranked}")
    if first in exp.not_first:
        wrong.append(f"{first} ne devait pas arriver en tête")
    wrong += [f"{f} devait être écartée" for f in exp.excluded if f not in excluded]
    wrong += [f"{f} ne devait pas être écartée" for f in exp.not_excluded if f in excluded]
    wrong += [f"avertissement attendu : {w}" for w in exp.warnings if w not in warnings]
    if exp.confidence is not None and (not rec.recommendations or rec.recommendations[0].confidence != exp.confidence):
        wrong.append(f"confiance attendue : {exp.confidence}")
    if exp.no_clear_fit is not None and rec.no_clear_fit != exp.no_clear_fit:
        wrong.append(f"« aucune forme claire » attendu : {exp.no_clear_fit}")
    discouraged = {f.form for f in rec.discouraged}
    wrong += [f"{f} devait être déconseillée" for f in exp.discouraged if f not in discouraged]
    alerts = {a.horizon: a for a in rec.alerts}
    wrong += [f"alerte datée attendue : {a}" for a in exp.alerts if a not in alerts]
    wrong += [f"alerte datée inattendue : {a}" for a in exp.no_alerts if a in alerts]
    wrong += [f"l'alerte {a} devait être passée" for a in exp.past if a not in alerts or not alerts[a].past]
    if exp.robust is not None and rec.robustness.robust != exp.robust:
        wrong.append(f"solidité attendue : {'robuste' if exp.robust else 'dépend de réponses inconnues'}")
    if exp.tie is not None and (rec.tie.forms if rec.tie else []) != exp.tie:
        wrong.append(f"égalité attendue : {exp.tie} ; obtenue : {rec.tie.forms if rec.tie else []}")
    if exp.audience is not None and rec.audience != exp.audience:
        wrong.append(f"public attendu : {exp.audience} ; obtenu : {rec.audience}")
    return wrong


def example_problems(kb: KnowledgeBase) -> list[KnowledgeBaseError]:
    """Packaged examples whose answers do not fit the questions."""
    found = []
    for name in kb.example_names():
        try:
            normalise(kb, kb.example(name).answers)
        except AdvisorError as err:
            found.append(KnowledgeBaseError(kb.examples_dir / f"{name}.yaml", str(err), name))
    return found


@dataclass
class Report:
    """Outcome of ``check_knowledge_base``."""

    problems: list[KnowledgeBaseError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def source_problems(kb: KnowledgeBase) -> list[KnowledgeBaseError]:
    """References to document-mirror sites, and notes to maintainers left in what users read."""
    found = []
    mirrors = tuple(host.lower() for host in kb.meta.mirror_hosts)

    def mirror(url: str | None) -> bool:
        host = urlsplit(url).hostname or "" if url else ""
        return any(host == m or host.endswith("." + m) for m in mirrors)

    for owner, path, refs in _references(kb):
        for ref in refs:
            if mirror(ref.url):
                found.append(KnowledgeBaseError(path, f"référence vers un site miroir non citable ({ref.url}) : "
                                                "citez l'éditeur d'origine", owner))
    for sheet in kb.sheets.values():
        meta = sheet.meta
        urls = [b.url for b in meta.legal_bases] + [s.url for s in meta.sources] + [c.url for c in meta.contacts]
        urls += re.findall(r"\]\((https?://[^)\s]+)\)", sheet.body)
        for url in urls:
            if mirror(url):
                found.append(KnowledgeBaseError(sheet.path, f"lien vers un site miroir non citable ({url}) : citez "
                                                "l'éditeur d'origine", sheet.id))
    notes = [note.casefold() for note in kb.meta.internal_notes]
    for owner, path, text in _user_texts(kb):
        hit = next((n for n in notes if n in text.casefold()), None)
        if hit:
            found.append(KnowledgeBaseError(path, f"note interne dans un texte lu par les utilisateurs : « {hit} »",
                                            owner))
    return found


def _references(kb: KnowledgeBase) -> Iterator[tuple[str, Path, list[Any]]]:
    for rule in kb.rules:
        yield rule.id, kb.sources[rule.id], rule.references
    for _, horizon in kb.all_horizons():
        yield horizon.id, kb.sources.get(horizon.id, kb.rules_dir / "knowledge.yaml"), horizon.references


def _user_texts(kb: KnowledgeBase) -> Iterator[tuple[str, Path, str]]:
    for rule in kb.rules:
        for text in [rule.reason, *rule.reason_for.values(), *rule.next_steps]:
            yield rule.id, kb.sources[rule.id], text
    for form in kb.forms.values():
        texts = [form.description, *form.next_steps, *form.comparison.values()]
        texts += [step for steps in form.next_steps_for.values() for step in steps]
        for text in texts:
            yield form.id, kb.sources[form.id], text
    for question in kb.questions.values():
        for text in [question.text, question.help, *(c.label for c in question.choices)]:
            yield question.id, kb.sources[question.id], text
    for _, horizon in kb.all_horizons():
        for text in (horizon.before, horizon.after):
            yield horizon.id, kb.sources.get(horizon.id, kb.rules_dir / "knowledge.yaml"), text
    for sheet in kb.sheets.values():
        yield sheet.id, sheet.path, sheet.body


def horizon_report(kb: KnowledgeBase, as_of: dt.date) -> list[str]:
    """For maintainers: every dated alert, past or coming, seen from ``as_of`` (soonest first)."""
    lines = [f"Échéances de la base au {long_date(as_of)} :"]
    for _, horizon in kb.all_horizons():
        days = (horizon.date - as_of).days
        if days <= 0:
            state = f"passée ({delay_text(days)}) : le texte « après » s'affiche ; vérifiez qu'il est toujours exact"
        elif days <= horizon.notice_days:
            state = f"proche ({delay_text(days)}) : l'alerte s'affiche déjà"
        else:
            state = f"à venir ({delay_text(days)})"
        lines.append(f"- {horizon.id} — {horizon.what}, le {long_date(horizon.date)} : {state} "
                     f"(sources du {long_date(horizon.source_date)}).")
    age = (as_of - kb.meta.facts_checked_on).days
    if age > kb.meta.stale_after_days:
        lines.append(f"- Les faits ont été vérifiés le {long_date(kb.meta.facts_checked_on)}, il y a {age} jours : "
                     "chaque résultat le signale aux utilisateurs. Revérifiez-les et mettez à jour facts_checked_on.")
    return lines


def check_knowledge_base(kb: KnowledgeBase, scenarios_dir: Path | None = None,
                         as_of: dt.date | None = None) -> Report:
    """Check references, sources, examples and scenarios; every problem names its file and item.

    Args:
        kb: the knowledge base (loaded without its own checks, which run here).
        scenarios_dir: the scenarios (``tests/scenarios`` of the data root by default).
        as_of: the day the dated alerts are reported from (today by default).
    """
    report = Report(problems=kb.problems() + example_problems(kb) + source_problems(kb))
    if report.problems:
        return report
    report.notes += horizon_report(kb, as_of or dt.date.today())
    failures_of_engine, summary = check_engine(kb.root, as_of=as_of)
    for form_id, message in failures_of_engine:
        report.problems.append(KnowledgeBaseError(kb.sources.get(form_id, kb.rules_dir), message, form_id or None))
    if report.problems:
        return report  # the scenarios would not run either
    report.notes.append(summary or "")
    folder = scenarios_dir or kb.root / "tests" / "scenarios"
    if not folder.is_dir():
        report.notes.append(f"Scénarios non trouvés ({folder}) : vérification de couverture non faite.")
        return report
    advisor = Advisor(kb)
    firsts: set[str] = set()
    variants: set[tuple[str, str]] = set()
    fired: set[str] = set()
    scenarios = load_scenarios(folder)
    for path, scenario in scenarios:
        try:
            rec = advisor.advise(scenario_answers(kb, scenario), as_of=scenario.as_of)
        except AdvisorError as err:
            report.problems.append(KnowledgeBaseError(path, str(err), scenario.name))
            continue
        report.problems += [KnowledgeBaseError(path, w, scenario.name) for w in failures(scenario, rec)]
        if rec.recommendations:
            top = rec.recommendations[0]
            firsts.add(top.form)
            if top.variant:
                variants.add((top.form, top.variant))
        fired |= advisor.dated(rec.as_of).settle(rec.answers)[2]
    for form in kb.forms.values():
        if form.id not in firsts:
            report.problems.append(KnowledgeBaseError(folder, "aucun scénario ne place cette forme en tête", form.id))
        for variant in form.variants:
            if (form.id, variant.id) not in variants:
                report.problems.append(KnowledgeBaseError(
                    folder, "aucun scénario ne recommande cette variante en tête", f"{form.id}/{variant.id}"))
    for rule in kb.rules:
        if rule.id not in fired:
            report.problems.append(KnowledgeBaseError(kb.sources[rule.id], "aucun scénario ne déclenche cette règle",
                                                      rule.id))
    report.notes.append(f"{len(scenarios)} scénarios vérifiés ({folder}).")
    return report
