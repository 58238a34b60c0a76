"""Issue 12 (« Nothing lost, nothing garbled ») through click's CliRunner: items 1 to 7, as a person types them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from advisor import Advisor, KnowledgeBase
from advisor.cli import cli
from advisor.files import read_answers_file
from advisor.interview.session import Interview
from advisor.knowledge.models import UNKNOWN
from tests.test_cli_ask import isolated, play, scenario_answers, session  # noqa: F401 - the autouse fixture
from tests.test_questionnaire import typed, typed_until_settled

KEPT = re.compile(r"Vos réponses sont enregistrées dans (\S+\.yaml)\.")
DEFAULT_NAME = re.compile(r"^reponses-conseiller-\d{8}-\d{6}(-\d+)?\.yaml$")


# --- 1. finishing keeps the answers -----------------------------------------------------------

def test_finishing_without_save_keeps_the_answers_in_a_new_file(invoke, advisor: Advisor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    values = scenario_answers("ptce")
    result = invoke("ask", input=session(play(Interview(advisor), values)))
    assert result.exit_code == 0, result.output
    path = Path(KEPT.search(result.stdout)[1])  # type: ignore[index]
    assert path.parent == tmp_path and DEFAULT_NAME.match(path.name)
    assert f"Pour les reprendre : advisor ask --answers {path}" in result.stdout
    kept, given = advisor.advise(read_answers_file(path)[0]), advisor.advise(values)
    assert {q: v for q, v in kept.answers.items() if v != UNKNOWN} == given.answers  # the rest was « je ne sais pas »
    assert [(f.form, f.variant) for f in kept.recommendations] == [(f.form, f.variant) for f in given.recommendations]


def test_ask_ends_by_asking_for_a_one_line_description_kept_in_the_file_and_the_memo(  # type: ignore[no-untyped-def]
        invoke, advisor: Advisor, tmp_path: Path) -> None:
    saved, memo = tmp_path / "r.yaml", tmp_path / "note.md"
    lines = play(Interview(advisor), scenario_answers("ptce"))
    result = invoke("ask", "--save", str(saved), "--memo", str(memo),
                    input="\n".join([*lines, "", "Une   légumerie partagée\u0007 ?", "Une légumerie partagée"]) + "\n")
    assert result.exit_code == 0, result.output
    assert "votre projet de coopération" in result.output and "Description non retenue" in result.output
    assert read_answers_file(saved)[1] == "Une légumerie partagée"
    assert "Une légumerie partagée" in memo.read_text(encoding="utf-8")


def test_no_save_keeps_nothing_even_when_interrupted(invoke, advisor: Advisor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lines = play(Interview(advisor), scenario_answers("ptce"))
    finished = invoke("ask", "--no-save", input=session(lines))
    assert finished.exit_code == 0 and "Réponses non enregistrées (--no-save)." in finished.stdout
    stopped = invoke("ask", "--no-save", input=session(lines[:3], confirm=False))
    assert stopped.exit_code == 130 and "Réponses non enregistrées (--no-save)." in stopped.stderr
    assert list(tmp_path.iterdir()) == []
    both = invoke("ask", "--no-save", "--save", str(tmp_path / "r.yaml"), input="")
    assert both.exit_code == 2 and "--save et --no-save s'excluent" in both.stderr


# --- 2. editing a multiple choice -------------------------------------------------------------

def test_a_goal_added_and_removed_at_review_keeps_and_restores_the_market_answers(
        invoke, advisor: Advisor, kb: KnowledgeBase, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    values = advisor.validate(scenario_answers("gme"))
    interview = Interview(advisor)
    lines = play(interview, values)
    market = [qid for qid in interview.answers if kb.questions[qid].relevant_if is not None]
    goals = next(item.number for item in interview.review() if item.question.id == "goals")
    pool = 1 + [c.id for c in kb.questions["goals"].choices].index("pool_means")
    first = 1 + [c.id for c in kb.questions["goals"].choices].index(values["goals"][0])

    def typing(*entries: str) -> Any:
        outcome = None
        for entry in entries:
            lines.append(entry)
            outcome = interview.answer(entry)
        return outcome

    assert typing(str(goals), f"+{pool}").kind == "answered"  # adding a goal removes nothing
    lines.extend(play(interview, values))  # the questions the new goal opened
    confirm = typing(str(goals), f"-{first}")
    assert confirm.kind == "confirm" and {q.id for q in confirm.dropped} == set(market)
    assert typing("o").dropped and not set(market) & set(interview.answers)
    lines.extend(play(interview, values))
    restored = typing(str(goals), f"+{first}")
    assert {q.id for q in restored.restored} == set(market)
    saved = tmp_path / "r.yaml"
    result = invoke("ask", "--save", str(saved), input=session(lines))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"Sélection actuelle : {first}\n" in out
    assert f"Sélection actuelle : {min(first, pool)},{max(first, pool)}" in out
    assert "Cette réponse retire les " in out and "Elles reviendront si vous rétablissez votre réponse." in out
    assert "Réponses rétablies, car leur question s'applique de nouveau : " in out
    answers = advisor.validate(read_answers_file(saved)[0])
    assert {qid: answers[qid] for qid in market} == {qid: values[qid] for qid in market}


# --- 3. « fin » ----------------------------------------------------------------------------

def test_fin_goes_to_the_review_and_the_notice_comes_once(invoke, advisor: Advisor, kb: KnowledgeBase) -> None:  # type: ignore[no-untyped-def]
    interview, lines = typed_until_settled(advisor, kb.example("gme-brunoy").answers)
    assert interview.current() is not None, "the verdict should settle before the last question"
    lines.append("fin")
    result = invoke("ask", "--no-save", input=session(lines))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.count("Tapez « fin » pour passer à la relecture") == 1
    assert "ne peuvent plus changer la forme recommandée (GME) ni sa variante" in out \
        or "ne peuvent plus rien changer : ni la forme recommandée (GME), ni sa variante" in out
    after_fin = out.split("> fin\n", 1)[1]
    assert after_fin.startswith("Questions restantes passées") and "Relecture de vos réponses" in after_fin.split(
        "> ", 1)[0]


# --- 4. order and what is said after each answer -----------------------------------------------

def test_the_status_line_comes_only_when_it_changes_and_opened_questions_are_announced(
        invoke, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    lines = play(Interview(advisor), scenario_answers("gme"))
    out = invoke("ask", "--no-save", input=session(lines)).stdout
    statuses = [line for line in out.splitlines() if line.startswith("  → En lice")]
    assert statuses and len(statuses) < len(lines) // 2
    assert all(a != b for a, b in zip(statuses, statuses[1:], strict=False))
    assert "(votre réponse précédente en a ouvert " in out
    numbers = [int(n) for n in re.findall(r"^Question (\d+) —", out, flags=re.MULTILINE)]
    assert numbers == list(range(1, len(numbers) + 1))


# --- 5. entry -----------------------------------------------------------------------------------

def test_yes_no_questions_are_numbered_and_counts_typed_the_french_way(invoke, advisor: Advisor,  # type: ignore[no-untyped-def]
                                                                      tmp_path: Path) -> None:
    values = advisor.validate(scenario_answers("tzcld"))
    interview = Interview(advisor)
    words = iter(["oui", "1", "o", "OUI"])
    lines = []
    while (question := interview.current()) is not None:
        value = values.get(question.id, UNKNOWN if question.allow_unknown else None)
        if question.type == "number" and isinstance(value, int):
            line = f"{value:,} habitants".replace(",", " ")
        elif question.type == "boolean" and value is True:
            line = next(words, "o")
        elif value == UNKNOWN and question.type != "text":
            line = "Ne sait pas"
        else:
            line = typed(question, value)
        lines.append(line)
        assert interview.answer(line).kind in ("answered", "skipped"), (question.id, line)
    saved = tmp_path / "r.yaml"
    result = invoke("ask", "--save", str(saved), input=session(lines))
    assert result.exit_code == 0, result.output
    assert "\n  1. Oui\n  2. Non\n  0. Je ne sais pas\n" in result.stdout
    assert advisor.validate(read_answers_file(saved)[0]) == interview.answers


# --- 6. text that fits ----------------------------------------------------------------------------

def test_every_paragraph_is_wrapped_on_word_boundaries_with_a_hanging_indent(invoke, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    lines = session(play(Interview(advisor), scenario_answers("gme")))
    wide = invoke("ask", "--no-save", input=lines).stdout
    narrow = invoke("ask", "--no-save", input=lines, env={"COLUMNS": "60"}).stdout
    assert narrow.split() == wide.split()  # the same words, none cut
    assert all(len(line) <= 59 or " " not in line.strip() for line in narrow.splitlines())
    assert "\n  1. Un acheteur soumis au Code de la commande publique\n     (État, collectivité" in narrow
    recommend = invoke("recommend", "--example", "gme-brunoy", env={"COLUMNS": "60"}).stdout
    assert all(len(line) <= 59 or " " not in line.strip() for line in recommend.splitlines())


def test_recommend_opens_on_the_verdict_and_its_confidence(invoke) -> None:  # type: ignore[no-untyped-def]
    out = invoke("recommend", "--example", "afeji", "--no-pager").stdout.splitlines()
    assert out[0] == "En bref" and out[1].startswith("Forme recommandée : Groupe économique solidaire")
    assert out[2].startswith("Confiance : forte")


# --- 7. colours ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "env", "coloured"), [
    (["ask", "--no-color"], {}, False), (["--no-color", "ask"], {}, False), (["ask"], {"NO_COLOR": ""}, True),
    (["ask"], {"NO_COLOR": "1"}, False), (["recommend", "--example", "afeji", "--no-color"], {}, False),
    (["recommend", "--example", "afeji"], {}, True), (["sheets", "show", "gme", "--no-color"], {}, False),
])
def test_no_color_after_the_command_and_an_empty_no_color(runner: CliRunner, args: list[str], env: dict[str, str],
                                                          coloured: bool) -> None:
    result = runner.invoke(cli, args, input="\n", env=env, color=True)
    assert result.exit_code in (0, 130), result.output
    assert ("\x1b[" in result.output) is coloured
