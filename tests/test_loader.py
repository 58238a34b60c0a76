"""Loading errors name the file, the rule or question, and what was expected — in French."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from advisor import KnowledgeBaseError, KnowledgeBaseProblems, load_knowledge_base
from tests.conftest import ROOT


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A writable copy of the real knowledge base."""
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    shutil.copytree(ROOT / "sheets", tmp_path / "sheets")
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def load_error(root: Path) -> str:
    with pytest.raises((KnowledgeBaseError, KnowledgeBaseProblems)) as caught:
        load_knowledge_base(root)
    return str(caught.value)


def test_the_real_knowledge_base_loads(data: Path) -> None:
    kb = load_knowledge_base(data)
    assert list(kb.forms) == ["gme", "ges", "ptce", "jvs", "tzcld", "pat", "regie"]
    assert kb.meta.version and kb.meta.facts_checked_on


def test_yaml_syntax_error_names_file_and_line(data: Path) -> None:
    edit(data / "rules/forms/gme.yaml", "effect: supports", "effect: [supports")
    message = load_error(data)
    assert "gme.yaml" in message and "YAML invalide ligne" in message


def test_unknown_key_names_the_rule(data: Path) -> None:
    rule = "  - id: ptce.research_training\n"
    edit(data / "rules/forms/ptce.yaml", rule, rule + "    colour: red\n")
    message = load_error(data)
    assert "ptce.yaml" in message and "ptce.research_training" in message and "champ inconnu" in message


def test_wrong_effect_lists_the_allowed_values(data: Path) -> None:
    edit(data / "rules/forms/jvs.yaml", "effect: excludes", "effect: forbids")
    message = load_error(data)
    assert "jvs.no_company" in message and "valeurs possibles" in message and "excludes" in message
    assert "'" not in message.split("valeurs possibles")[1] and " ou warns" in message and " or " not in message


def test_missing_weight_is_explained(data: Path) -> None:
    edit(data / "rules/forms/pat.yaml", "    weight: 3\n    when: {question: goals, contains: food}",
         "    when: {question: goals, contains: food}")
    message = load_error(data)
    assert "pat.food_goal" in message and "demande un poids" in message


def test_rule_on_unknown_question(data: Path) -> None:
    edit(data / "rules/forms/tzcld.yaml", "{question: collectivity_carries, is: false}",
         "{question: collectivity_ready, is: false}")
    message = load_error(data)
    assert "tzcld.yaml" in message and "tzcld.no_collectivity" in message
    assert "question inconnue « collectivity_ready »" in message


def test_unknown_choice_in_a_condition(data: Path) -> None:
    edit(data / "rules/forms/regie.yaml", "territory_type, in: [qpv, rural]", "territory_type, in: [qpv, countryside]")
    message = load_error(data)
    assert "regie.priority_or_rural_area" in message and "choix inconnu « countryside »" in message


def test_operator_that_does_not_fit_the_question_type(data: Path) -> None:
    edit(data / "rules/forms/pat.yaml", "{question: pat_exists, is: true}", "{question: pat_exists, contains: true}")
    message = load_error(data)
    assert "pat.existing_pat" in message


def test_duplicate_rule_id(data: Path) -> None:
    edit(data / "rules/forms/gme.yaml", "id: gme.lasting_structure_wanted", "id: gme.market_goal")
    message = load_error(data)
    assert "gme.market_goal" in message and "en double" in message


def test_unknown_variant(data: Path) -> None:
    edit(data / "rules/forms/regie.yaml", "variant: territoire\n    weight: 1", "variant: rural\n    weight: 1")
    message = load_error(data)
    assert "regie.variant_territoire" in message and "variante inconnue « rural »" in message


def test_missing_sheet(data: Path) -> None:
    (data / "sheets/jvs.md").unlink()
    message = load_error(data)
    assert "jvs" in message and "fiche introuvable" in message


def test_relevance_must_cite_earlier_questions(data: Path) -> None:
    questions = yaml.safe_load((data / "rules/questions.yaml").read_text(encoding="utf-8"))
    questions["questions"][1]["relevant_if"] = {"question": "goals", "contains": "market"}
    (data / "rules/questions.yaml").write_text(yaml.safe_dump(questions, allow_unicode=True), encoding="utf-8")
    message = load_error(data)
    assert "structure_types" in message and "n'est pas posée avant" in message


def test_condition_with_two_operators(data: Path) -> None:
    edit(data / "rules/forms/gme.yaml", "{question: group_stable, is: false}",
         "{question: group_stable, is: false, unknown: true}")
    message = load_error(data)
    assert "gme.group_unstable" in message and "exactement un opérateur" in message


def test_form_file_not_listed(data: Path) -> None:
    shutil.copy(data / "rules/forms/pat.yaml", data / "rules/forms/extra.yaml")
    assert "absent de la liste" in load_error(data)


def test_bad_date_in_knowledge(data: Path) -> None:
    edit(data / "rules/knowledge.yaml", "facts_checked_on: 2026-12-01", "facts_checked_on: hier")
    message = load_error(data)
    assert "knowledge.yaml" in message and "facts_checked_on" in message and "date" in message


def test_sheet_missing_a_section(data: Path) -> None:
    edit(data / "sheets/pat.md", "## Financements", "## Argent")
    message = load_error(data)
    assert "pat.md" in message and "Financements" in message


def test_sheet_with_placeholder_text(data: Path) -> None:
    edit(data / "sheets/gme.md", "## En bref\n", "## En bref\n\nTODO relire.\n")
    assert "texte provisoire" in load_error(data)


def test_missing_rules_folder(tmp_path: Path) -> None:
    assert "dossier des règles introuvable" in load_error(tmp_path)
