"""Answers as people write them (issue 12.9, 12.10, 12.13): numbers, text, platform labels, older files.

- numbers in the French or English way are read whole, never truncated; the ambiguous are refused;
- unreadable text (lone surrogates, control characters, non-characters) is refused with one line;
- the labels of the inclusion platforms' exports are recognised, the kinds the advisor does not cover
  are named as such;
- an answers file written for an older knowledge base is brought up to date, with notices.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from advisor import Advisor, AnswerError, KnowledgeBase
from advisor.files import dump_answers, read_answers
from advisor.knowledge.history import upgrade
from advisor.reasoning.answers import parse_whole_number
from tests.conftest import TOY_ROOT


@pytest.mark.parametrize(("text", "number"), [
    ("25000", 25000), ("25 000", 25000), ("25\u202f000", 25000), ("25\xa0000", 25000), ("25.000", 25000),
    ("25,000", 25000), ("25'000", 25000), ("1 234 567", 1234567), ("1.234.567", 1234567),
    ("25 000 habitants", 25000), ("1 habitant", 1), ("25,0", 25), ("1 000,00", 1000), ("1,000.00", 1000),
    ("1.000,00", 1000), ("-3", -3), ("\u22123", -3), (" 42 ", 42),
])
def test_whole_numbers_are_read_the_way_people_write_them(text: str, number: int) -> None:
    assert parse_whole_number(text, "habitants") == number


@pytest.mark.parametrize(("text", "reason"), [
    ("8,5", "n'est pas un nombre entier"), ("0.5", "n'est pas un nombre entier"),
    ("1,000.5", "n'est pas un nombre entier"), ("1 000 00", "un nombre entier est attendu"),
    ("1,00,000", "un nombre entier est attendu"),
    ("1e3", "un nombre entier est attendu"), ("²", "un nombre entier est attendu"),
    ("\u0663", "un nombre entier est attendu"), ("12 pommes", "un nombre entier est attendu"),
    ("1" * 41, "nombre trop long"),
])
def test_what_is_not_plainly_a_whole_number_is_refused_never_truncated(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_whole_number(text, "habitants")


def number_question(advisor: Advisor) -> str:
    return next(q.id for q in advisor.kb.questions.values() if q.type == "number" and q.unit)


@pytest.mark.parametrize("written", ["25.000", "25,000", "25 000", "25 000 habitants"])
def test_the_library_the_cli_and_the_batch_read_numbers_alike(advisor: Advisor, tmp_path: Path, invoke: Any,
                                                              written: str) -> None:
    question = number_question(advisor)
    assert advisor.validate({question: written})[question] == 25000
    answers = tmp_path / "r.yaml"
    answers.write_text(f"answers:\n  structure_types: [aci]\n  goals: [long_term_unemployment]\n"
                       f"  {question}: \"{written}\"\n", encoding="utf-8")
    result = invoke("recommend", str(answers), "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["answers"][question] == 25000
    rows = tmp_path / "in.csv"
    rows.write_text(f"structure_types;goals;{question}\naci;long_term_unemployment;{written}\n", encoding="utf-8")
    assert invoke("batch", str(rows), "-o", str(tmp_path / "out.csv")).exit_code == 0
    with pytest.raises(AnswerError, match="n'est pas un nombre entier"):
        advisor.validate({question: "8,5"})


@pytest.mark.parametrize(("text", "reason"), [
    ("X \ud83c", "texte illisible"), ("\udc80", "texte illisible"), ("a\x1b[2Jb", "U+001B"),
    ("Projet\x7f", "U+007F"), ("a\x9bc", "U+009B"), ("x\ufffe", "U+FFFE"), ("x\uffff", "U+FFFF"),
    ("x\ufdd0", "U+FDD0"), ("x\U0001fffe", "U+1FFFE"),
])
def test_unreadable_text_is_refused_with_one_line(advisor: Advisor, text: str, reason: str) -> None:
    for question in ("structure_name", "structure_types"):
        with pytest.raises(AnswerError, match=re.escape(reason)) as err:
            advisor.advise({question: text})
        assert "\n" not in str(err.value) and str(err.value).isprintable()


def test_emoji_accents_and_other_scripts_are_fine(advisor: Advisor) -> None:
    name = "Régie 🌱 des Dunes — Ωμέγα 北"
    assert advisor.advise({"structure_name": name}).answers["structure_name"] == name


@pytest.mark.parametrize(("label", "choice"), [
    ("Atelier chantier d'insertion", "aci"), ("ATELIER CHANTIER D’INSERTION", "aci"),
    ("Etablissement et service d'aide par le travail", "esat"),
    ("Établissement et service d'aide par le travail (ESAT)", "esat"), ("Entreprise adaptée", "ea"),
    ("entreprise adaptee", "ea"), ("Entreprise d'insertion par le travail indépendant", "eiti"),
    ("GEIQ", "geiq"), ("Association intermediaire", "ai"),
])
def test_the_labels_of_the_inclusion_platforms_are_recognised(advisor: Advisor, label: str, choice: str) -> None:
    assert advisor.validate({"structure_types": label})["structure_types"] == [choice]
    assert advisor.validate({"structure_types": [label, "company"]})["structure_types"] == [choice, "company"]


@pytest.mark.parametrize(("label", "words"), [
    ("EATT", "entreprises adaptées de travail temporaire"), ("Entreprise adaptée de travail temporaire", "EATT"),
    ("SEP", "détention"), ("Produits et services réalisés en prison", "SEP"),
])
def test_kinds_the_advisor_does_not_cover_are_named_as_such(advisor: Advisor, label: str, words: str) -> None:
    with pytest.raises(AnswerError, match="ne sont pas couvertes par le conseiller") as err:
        advisor.validate({"structure_types": f"aci|{label}"})
    assert words in str(err.value) and "choix inconnu" not in str(err.value)


# --- answers files from an older knowledge base --------------------------------------------------

OLD_FILE = """knowledge_base_version: "0.0.0"
answers:
  weather: sun
  baggage: true
  distance_km: 12
  extras: [reading, music]
  budget: 30
"""


def test_an_older_answers_file_is_brought_up_to_date_with_notices(toy_kb: KnowledgeBase, tmp_path: Path) -> None:
    path = tmp_path / "ancien.yaml"
    path.write_text(OLD_FILE, encoding="utf-8")
    read = read_answers(path, toy_kb)
    assert read.version == "0.0.0"
    assert read.answers == {"weather": "sunny", "luggage": True, "distance_km": 12, "extras": ["reading"]}
    assert len(read.notices) == 4
    assert any("« sun » s'appelle désormais « sunny »" in n for n in read.notices)
    assert any("« budget » n'existe plus" in n and "ignorée" in n for n in read.notices)
    Advisor(toy_kb).advise(read.answers)


def test_the_cli_tells_the_user_on_stderr_and_goes_on(tmp_path: Path, invoke: Any) -> None:
    path = tmp_path / "ancien.yaml"
    path.write_text(OLD_FILE, encoding="utf-8")
    result = invoke("--data-dir", str(TOY_ROOT), "recommend", str(path), "--format", "json")
    assert result.exit_code == 0, result.stderr
    notices = result.stderr.strip().splitlines()
    assert len(notices) == 4 and all(n.startswith("Remarque : ") for n in notices)
    assert json.loads(result.stdout)["answers"]["weather"] == "sunny"


def test_a_file_of_the_current_version_is_read_as_it_is(toy_kb: KnowledgeBase, tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(dump_answers(toy_kb, {"weather": "rainy", "extras": ["quiet"]}), encoding="utf-8")
    read = read_answers(path, toy_kb)
    assert read.version == toy_kb.meta.version and read.notices == ()
    assert read.answers == {"weather": "rainy", "extras": ["quiet"]}


def test_a_file_from_a_newer_knowledge_base_gets_a_warning(toy_kb: KnowledgeBase) -> None:
    upgraded = upgrade(toy_kb.meta, {"weather": "sun"}, "9.0.0")
    assert upgraded.answers == {"weather": "sun"}
    assert len(upgraded.notices) == 1 and "plus récente" in upgraded.notices[0]


def test_removing_the_only_choice_drops_the_answer_so_that_it_is_asked_again(toy_kb: KnowledgeBase) -> None:
    upgraded = upgrade(toy_kb.meta, {"extras": "music", "weather": "SUN"}, None)
    assert upgraded.answers == {"weather": "sunny"}
    assert any("sera posée à nouveau" in n for n in upgraded.notices)


def test_ask_with_an_older_file_asks_again_only_what_was_dropped(tmp_path: Path, invoke: Any) -> None:
    path = tmp_path / "ancien.yaml"
    path.write_text('knowledge_base_version: "0.0.0"\nanswers:\n  weather: sun\n  distance_km: 3\n'
                    "  extras: [music]\n", encoding="utf-8")
    saved = tmp_path / "reponses.yaml"
    result = invoke("--data-dir", str(TOY_ROOT), "--no-color", "ask", "--answers", str(path), "--save", str(saved),
                    input="1\n\n")
    assert "Remarque : " in result.stderr and "music" in result.stderr
    assert result.stdout.count("Que voulez-vous en plus ?") == 1  # the dropped answer, asked again
    assert "Quel temps fait-il" not in result.stdout
    assert read_answers(saved).answers == {"weather": "sunny", "distance_km": 3, "extras": ["exercise"]}


@pytest.mark.parametrize(("content", "expected"), [
    ("description: [a, b]\nanswers: {}\n", "la description doit être un texte"),
    ("description: \"" + "x" * 2001 + "\"\nanswers: {}\n", "description trop longue"),
    ("knowledge_base_version: [1]\nanswers: {}\n", "numéro de version"),
])
def test_an_answers_file_with_a_bad_description_or_version_is_refused(tmp_path: Path, invoke: Any, content: str,
                                                                      expected: str) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(content, encoding="utf-8")
    result = invoke("recommend", str(path))
    assert result.exit_code == 2 and expected in result.stderr


def test_the_knowledge_base_checks_renamed_and_removed(toy_kb: KnowledgeBase) -> None:
    from advisor.knowledge.meta import Change

    broken = toy_kb.meta.model_copy(update={
        "renamed": [Change(question="weather", choice="rainy", to="sunny", since="0.0.1"),
                    Change(question="weather", choice="snow", to="hail", since="0.0.1"),
                    Change(question="extras", choice="music", since="0.0.1")],
        "removed": [Change(question="distance_km", since="9.9.9")]})
    kb = KnowledgeBase(toy_kb.root, broken, toy_kb.questions, toy_kb.forms, toy_kb.rules, toy_kb.rule_form,
                       toy_kb.sheets, toy_kb.sources)
    problems = " | ".join(str(p) for p in kb.problems())
    assert "ce choix existe encore" in problems and "nouveau nom inconnu « hail »" in problems
    assert "« to » (le nouveau nom) est obligatoire" in problems
    assert "postérieur à la version" in problems
