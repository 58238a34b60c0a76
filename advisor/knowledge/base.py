"""The knowledge base: forms, questions, rules, sheets and examples, indexed and cross-checked.

Layout of a data root::

    rules/knowledge.yaml      version, facts date, scoring thresholds, texts, order of the forms
    rules/questions.yaml      the questions, in their default order
    rules/forms/<form>.yaml   one form and all its rules
    rules/examples/<name>.yaml  example situations (answers files with a description)
    sheets/<id>.md            resource sheets
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import KnowledgeBaseError, UnknownItemError
from .history import version_key
from .meta import Example, KnowledgeMeta
from .models import RESERVED_IDS, Condition, Form, Horizon, Question, Rule
from .sheets import Sheet
from .text import match_key

SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass
class KnowledgeBase:
    """Everything the advisor knows, validated. Build it with ``load_knowledge_base``."""

    root: Path
    meta: KnowledgeMeta
    questions: dict[str, Question]
    forms: dict[str, Form]
    rules: list[Rule]
    rule_form: dict[str, str]
    sheets: dict[str, Sheet]
    sources: dict[str, Path] = field(default_factory=dict)
    horizons: dict[str | None, list[Horizon]] = field(default_factory=dict)
    """Dated alerts by form id (``None``: those of ``knowledge.yaml``, about the whole situation)."""

    @property
    def rules_dir(self) -> Path:
        """The ``rules/`` folder."""
        return self.root / "rules"

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id."""
        return next(r for r in self.rules if r.id == rule_id)

    def __post_init__(self) -> None:
        self._by_form: dict[str, list[Rule]] = {form_id: [] for form_id in self.forms}
        for rule in self.rules:
            self._by_form[self.rule_form[rule.id]].append(rule)
        self._compared: dict[str, set[int]] | None = None
        self._examples: dict[str, Example] = {}

    def compared_numbers(self, question_id: str) -> set[int]:
        """Each integer that a rule or relevance condition compares this question with, and its two
        neighbours: the values worth trying around the thresholds (``advisor.reasoning.whatif``)."""
        if self._compared is None:
            compared: dict[str, set[int]] = {}
            conditions = [r.when for r in self.rules] + [cond for _, cond in self.question_conditions()]
            for node in (node for cond in conditions for node in _nodes(cond)):
                if node.question is not None and isinstance(node.value, int):
                    compared.setdefault(node.question, set()).update({node.value - 1, node.value, node.value + 1})
            self._compared = compared
        return set(self._compared.get(question_id, ()))

    def horizon(self, horizon_id: str) -> Horizon:
        """The dated alert with this id."""
        return next(h for hs in self.horizons.values() for h in hs if h.id == horizon_id)

    def all_horizons(self) -> list[tuple[str | None, Horizon]]:
        """(form id or None, horizon) for every dated alert, soonest first."""
        return sorted(((f, h) for f, hs in self.horizons.items() for h in hs), key=lambda p: p[1].date)

    def rules_of(self, form_id: str) -> list[Rule]:
        """The rules about one form, in file order."""
        return self._by_form[form_id]

    def question_conditions(self) -> Iterator[tuple[str, Condition]]:
        """(id, condition) of every question that has a relevance condition."""
        return ((q.id, q.relevant_if) for q in self.questions.values() if q.relevant_if is not None)

    def sheet_for(self, form_id: str) -> Sheet:
        """The resource sheet of a form."""
        return self.sheets[self.forms[form_id].sheet]

    @property
    def introduction(self) -> Sheet | None:
        """The introduction sheet (the one of kind ``introduction``), if the knowledge base has one."""
        return next((s for s in self.sheets.values() if s.meta.kind == "introduction"), None)

    def get_sheet(self, sheet_id: str) -> Sheet:
        """A sheet by id; an unknown id (or a path trick) raises ``UnknownItemError``."""
        if sheet_id not in self.sheets:
            raise UnknownItemError("fiche inconnue", sheet_id, list(self.sheets))
        return self.sheets[sheet_id]

    # --- examples ---------------------------------------------------------------------

    @property
    def examples_dir(self) -> Path:
        """Folder of the packaged example situations."""
        return self.rules_dir / "examples"

    def example_names(self) -> list[str]:
        """Names of the packaged examples."""
        if not self.examples_dir.is_dir():
            return []
        return sorted(p.stem for p in self.examples_dir.glob("*.yaml") if SAFE_NAME.match(p.stem))

    def example(self, name: str) -> Example:
        """A packaged example by name; names are looked up, never joined into a path."""
        names = self.example_names()
        name = name.strip().lower()  # « AFEJI » is « afeji »: example names are lowercase
        if name not in names:
            raise UnknownItemError("exemple inconnu", name, names)
        if name in self._examples:  # read with the knowledge base (kept in its cache)
            return self._examples[name]
        from .reading import read_yaml, validate

        path = self.examples_dir / f"{name}.yaml"
        return validate(Example, read_yaml(path), path, name)

    def read_examples(self) -> None:
        """Read and validate every packaged example now, so that it is stored with the knowledge base.

        Raises:
            KnowledgeBaseError: an example file is invalid.
        """
        self._examples = {name: self.example(name) for name in self.example_names()}

    # --- integrity --------------------------------------------------------------------

    def problems(self) -> list[KnowledgeBaseError]:
        """Every cross-reference problem (empty when the knowledge base is sound)."""
        found: list[KnowledgeBaseError] = []
        order = list(self.questions)
        for qid, question in self.questions.items():
            if qid in RESERVED_IDS:
                found.append(KnowledgeBaseError(self.sources[qid], "identifiant réservé", qid))
            if question.relevant_if is not None:
                for ref in question.relevant_if.questions():
                    if ref in self.questions and order.index(ref) >= order.index(qid):
                        found.append(KnowledgeBaseError(
                            self.sources[qid], f"la condition d'affichage cite « {ref} », qui n'est pas posée "
                            "avant cette question (placez-la plus haut dans le fichier)", qid))
                found += self._condition_problems(question.relevant_if, qid)
        for rule in self.rules:
            form = self.forms[self.rule_form[rule.id]]
            found += self._condition_problems(rule.when, rule.id)
            for claim in rule.claims or []:
                found += self._condition_problems(claim, rule.id)
            branching = any(node.any is not None or node.not_ is not None for node in _nodes(rule.when))
            if branching and rule.claims is None:
                found.append(KnowledgeBaseError(
                    self.sources[rule.id], "la condition contient « any » ou « not » : écrivez dans « claims » ce que "
                    "la raison affirme des réponses (elle ne doit rien affirmer d'autre)", rule.id))
            unknown_audiences = set(rule.reason_for) - {a.id for a in self.meta.audiences}
            if unknown_audiences:
                found.append(KnowledgeBaseError(self.sources[rule.id], "public inconnu dans « reason_for » : "
                                                + ", ".join(sorted(unknown_audiences)), rule.id))
            if not rule.id.startswith(form.id + "."):
                found.append(KnowledgeBaseError(self.sources[rule.id],
                                                f"l'identifiant doit commencer par « {form.id}. »", rule.id))
            if rule.variant is not None and form.variant(rule.variant) is None:
                found.append(KnowledgeBaseError(
                    self.sources[rule.id], f"variante inconnue « {rule.variant} » pour la forme « {form.id} » "
                    f"(variantes : {', '.join(v.id for v in form.variants) or 'aucune'})", rule.id))
        for form_id, horizons in self.horizons.items():
            for horizon in horizons:
                owner = self.sources.get(horizon.id, self.rules_dir / "knowledge.yaml")
                if form_id is not None and not horizon.id.startswith(form_id + "."):
                    found.append(KnowledgeBaseError(owner, f"l'identifiant doit commencer par « {form_id}. »",
                                                    horizon.id))
                if horizon.when is not None:
                    found += self._condition_problems(horizon.when, horizon.id, owner)
        for audience in self.meta.audiences:
            found += self._condition_problems(audience.when, audience.id, self.rules_dir / "knowledge.yaml")
        for case in self.meta.no_fit:
            if case.when is not None:
                found += self._condition_problems(case.when, "no_fit", self.rules_dir / "knowledge.yaml")
        if self.meta.no_fit[-1].when is not None:
            found.append(KnowledgeBaseError(self.rules_dir / "knowledge.yaml",
                                            "le dernier cas de « no_fit » ne doit pas avoir de condition (« when »)",
                                            "no_fit"))
        for form in self.forms.values():
            for qid in form.conditions:
                if qid not in self.questions or not self.questions[qid].allow_unknown:
                    found.append(KnowledgeBaseError(self.sources[form.id], f"« conditions » cite « {qid} », qui n'est "
                                                    "pas une question acceptant « je ne sais pas »", form.id))
            if form.sheet not in self.sheets:
                found.append(KnowledgeBaseError(self.sources[form.id], f"fiche introuvable : sheets/{form.sheet}.md "
                                                f"(fiches : {', '.join(self.sheets) or 'aucune'})", form.id))
            elif self.sheets[form.sheet].meta.kind != "form":
                found.append(KnowledgeBaseError(self.sources[form.id], "la fiche liée n'est pas une fiche de forme",
                                                form.id))
            else:
                sheet_variants = {v.id for v in self.sheets[form.sheet].meta.variants}
                if sheet_variants != {v.id for v in form.variants}:
                    found.append(KnowledgeBaseError(
                        self.sheets[form.sheet].path, f"les variantes de la fiche ne sont pas celles de la forme "
                        f"« {form.id} »", form.sheet))
            for criterion in self.meta.criteria:
                if criterion.id not in form.comparison:
                    found.append(KnowledgeBaseError(self.sources[form.id],
                                                    f"critère de comparaison manquant : « {criterion.id} »", form.id))
            unknown_criteria = set(form.comparison) - {c.id for c in self.meta.criteria}
            if unknown_criteria:
                found.append(KnowledgeBaseError(self.sources[form.id], "critères de comparaison inconnus : "
                                                + ", ".join(sorted(unknown_criteria)), form.id))
        used_sheets = {f.sheet for f in self.forms.values()}
        for sheet in self.sheets.values():
            if sheet.meta.kind == "form" and sheet.id not in used_sheets:
                found.append(KnowledgeBaseError(sheet.path, "fiche de forme liée à aucune forme", sheet.id))
            for target in sheet.internal_links():
                if target not in self.sheets:
                    found.append(KnowledgeBaseError(sheet.path, f"lien vers une fiche inexistante : {target}.md",
                                                    sheet.id))
        found += self._history_problems() + self._name_clashes()
        used = set().union(*(r.when.questions() for r in self.rules))
        for qid, question in self.questions.items():
            if question.type != "text" and qid not in used:
                found.append(KnowledgeBaseError(self.sources[qid], "question utilisée par aucune règle", qid))
        return found

    def _name_clashes(self) -> list[KnowledgeBaseError]:
        """Two choices of a question must not share a name (id, label or alias), case and accents aside."""
        found = []
        for question in self.questions.values():
            names = [n for c in question.choices for n in {match_key(x) for x in (c.id, c.label, *c.aliases)}]
            names += [n for other in question.not_covered for n in {match_key(x) for x in other.labels}]
            clashes = sorted({n for n in names if names.count(n) > 1})
            if clashes:
                found.append(KnowledgeBaseError(self.sources[question.id], "un même nom désigne deux choix (sans "
                                                "tenir compte des accents ni des majuscules) : " + ", ".join(clashes),
                                                question.id))
        return found

    def _history_problems(self) -> list[KnowledgeBaseError]:
        """``renamed`` and ``removed`` must lead from names that no longer exist to names that do."""
        path = self.rules_dir / "knowledge.yaml"
        found = []
        for change, renaming in [(c, True) for c in self.meta.renamed] + [(c, False) for c in self.meta.removed]:
            where = f"{change.question}" + (f".{change.choice}" if change.choice else "")
            question = self.questions.get(change.question)
            if (change.to is None) == renaming:
                found.append(KnowledgeBaseError(path, "« to » (le nouveau nom) est obligatoire dans « renamed » et "
                                                "interdit dans « removed »", where))
                continue
            if version_key(change.since) > version_key(self.meta.version):
                found.append(KnowledgeBaseError(path, f"« since: {change.since} » est postérieur à la version de la "
                                                f"base ({self.meta.version})", where))
            target = change.to
            if change.choice is None:
                if question is not None:
                    found.append(KnowledgeBaseError(path, "cette question existe encore : elle ne peut être "
                                                    "ni renommée ni retirée", where))
                elif target is not None and target not in self.questions:
                    found.append(KnowledgeBaseError(path, f"nouveau nom inconnu « {target} »", where))
            elif question is None:
                found.append(KnowledgeBaseError(path, f"question inconnue « {change.question} » (donnez son "
                                                "identifiant actuel)", where))
            elif question.choice(change.choice) is not None:
                found.append(KnowledgeBaseError(path, "ce choix existe encore : il ne peut être ni renommé ni "
                                                "retiré", where))
            elif target is not None and question.choice(target) is None:
                found.append(KnowledgeBaseError(path, f"nouveau nom inconnu « {target} »", where))
        return found

    def _condition_problems(self, cond: Condition, owner: str, path: Path | None = None) -> list[KnowledgeBaseError]:
        path = path or self.sources[owner]
        if cond.question is None:
            return [p for child in cond.children() for p in self._condition_problems(child, owner, path)]
        question = self.questions.get(cond.question)
        if question is None:
            return [KnowledgeBaseError(path, f"question inconnue « {cond.question} »", owner)]
        problem = _operator_problem(question, cond.operator, cond.value)
        return [KnowledgeBaseError(path, f"test sur « {question.id} » : {problem}", owner)] if problem else []


def _nodes(cond: Condition) -> Iterator[Condition]:
    yield cond
    for child in cond.children():
        yield from _nodes(child)


OPERATORS_BY_TYPE = {
    "single": {"is", "is_not", "in", "answered", "unknown"},
    "multiple": {"contains", "contains_any", "contains_all", "count_gte", "count_lte", "answered", "unknown"},
    "boolean": {"is", "is_not", "answered", "unknown"},
    "number": {"is", "is_not", "in", "lt", "lte", "gt", "gte", "answered", "unknown"},
    "text": {"answered"},
}


def _operator_problem(question: Question, op: str, operand: Any) -> str | None:
    allowed = OPERATORS_BY_TYPE[question.type]
    if op not in allowed:
        return f"l'opérateur « {op} » ne s'applique pas à une question de type « {question.type} » " \
               f"(possibles : {', '.join(sorted(allowed))})"
    if op == "unknown" and not question.allow_unknown:
        return "cette question n'accepte pas « je ne sais pas »"
    if op in ("answered", "unknown", "count_gte", "count_lte"):
        return None
    values = operand if isinstance(operand, list) else [operand]
    for value in values:
        if question.type in ("single", "multiple") and (not isinstance(value, str) or question.choice(value) is None):
            return f"choix inconnu « {value} » (choix : {', '.join(c.id for c in question.choices)})"
        if question.type == "boolean" and not isinstance(value, bool):
            return f"true ou false attendu (reçu : {value!r})"
        if question.type == "number" and (isinstance(value, bool) or not isinstance(value, int)):
            return f"un nombre entier est attendu (reçu : {value!r})"
    return None
