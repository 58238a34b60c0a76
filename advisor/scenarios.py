"""``advisor rules check``: integrity of a knowledge base, its examples, and its scenarios.

A scenario file (``tests/scenarios/*.yaml``) lists situations written by domain experts, each with
a sentence as name, the answers (or a packaged example) and what the advisor must conclude.
``advisor rules check`` runs them all and also requires that every form and variant comes first in
at least one scenario, and that every rule fires in at least one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field

from .errors import AdvisorError, KnowledgeBaseError
from .knowledge.base import KnowledgeBase
from .knowledge.models import StrictModel
from .knowledge.reading import read_yaml, validate
from .reasoning.advisor import Advisor
from .reasoning.answers import normalise
from .reasoning.result import Recommendation


class Expectation(StrictModel):
    """What a scenario requires of the recommendation."""

    first: str | list[str] | None = Field(default=None, description="Form expected first (or one of a list).")
    variant: str | None = None
    ranking: list[str] | None = Field(default=None, description="Expected order of the first ranked forms.")
    not_first: list[str] = Field(default_factory=list)
    excluded: list[str] = Field(default_factory=list)
    not_excluded: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list, description="Rule ids of warnings that must be given.")
    confidence: str | None = None
    no_clear_fit: bool | None = None


class Scenario(StrictModel):
    """A situation and the conclusion the advisor must reach."""

    name: str = Field(min_length=10)
    example: str | None = None
    answers: dict[str, Any] = Field(default_factory=dict)
    expect: Expectation


class ScenarioFile(StrictModel):
    """One file of scenarios."""

    scenarios: list[Scenario] = Field(min_length=1)


def load_scenarios(folder: Path) -> list[tuple[Path, Scenario]]:
    """Every scenario of every ``*.yaml`` file in a folder, with its file."""
    found = []
    for path in sorted(folder.glob("*.yaml")):
        for scenario in validate(ScenarioFile, read_yaml(path), path).scenarios:
            found.append((path, scenario))
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


def check_knowledge_base(kb: KnowledgeBase, scenarios_dir: Path | None = None) -> Report:
    """Check references, examples and scenarios; every problem names its file and item."""
    report = Report(problems=kb.problems() + example_problems(kb))
    if report.problems:
        return report
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
            rec = advisor.advise(scenario_answers(kb, scenario))
        except AdvisorError as err:
            report.problems.append(KnowledgeBaseError(path, str(err), scenario.name))
            continue
        report.problems += [KnowledgeBaseError(path, w, scenario.name) for w in failures(scenario, rec)]
        if rec.recommendations:
            top = rec.recommendations[0]
            firsts.add(top.form)
            if top.variant:
                variants.add((top.form, top.variant))
        fired |= advisor.consultant.consult(rec.answers)
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
