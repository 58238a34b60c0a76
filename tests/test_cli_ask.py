"""``advisor ask`` through click's CliRunner: whole sessions typed as ``input=``.

The lines to type are computed by walking the library's ``Interview`` with the answers wanted,
so the sessions follow whatever order the advisor chooses; every verdict is then compared with
``advisor recommend`` on the saved answers file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from advisor import Advisor, KnowledgeBase, load_knowledge_base
from advisor.cli import State, ask_io, cli
from advisor.files import read_answers_file
from advisor.interview.session import Interview
from advisor.knowledge.models import UNKNOWN
from tests.conftest import ROOT, TOY_ROOT
from tests.test_questionnaire import typed

FORMS = list(load_knowledge_base(ROOT).forms)
SAVED = re.compile(r"enregistrées? dans (.+\.yaml)\.")


def scenario_answers(form: str) -> dict[str, Any]:
    """The answers of the first scenario of ``tests/scenarios/<form>.yaml`` that puts the form first."""
    data = yaml.safe_load((ROOT / "tests" / "scenarios" / f"{form}.yaml").read_text(encoding="utf-8"))
    return next(s["answers"] for s in data["scenarios"] if s["expect"].get("first") == form)


def play(interview: Interview, values: Mapping[str, Any], inserts: Mapping[int, list[str]] | None = None) -> list[str]:
    """The lines that answer every remaining question with ``values`` (« je ne sais pas » or Enter
    for the others), plus ``inserts[i]`` typed just before the i-th answer (help, mistakes…)."""
    values = interview.advisor.validate(values)
    lines: list[str] = []
    step = 0
    while interview.current() is not None:
        for extra in (inserts or {}).get(step, []):
            lines.append(extra)
            interview.answer(extra)
        question = interview.current()
        assert question is not None
        line = typed(question, values.get(question.id, UNKNOWN if question.allow_unknown else None))
        lines.append(line)
        assert interview.answer(line).kind in ("answered", "skipped", "kept")
        step += 1
    return lines


def session(lines: list[str], confirm: bool = True) -> str:
    """The input of a session: one answer per line, then Enter on the review screen."""
    return "".join(f"{line}\n" for line in lines) + ("\n" if confirm else "")


def recommend_json(invoke, path: Path, *options: str) -> Any:  # type: ignore[no-untyped-def]
    result = invoke(*options, "recommend", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, advisor: Advisor, tmp_path: Path) -> None:
    """Run in a temporary folder (interrupted sessions save there), and reuse the session's advisor
    rather than load the knowledge base at every invocation (speed)."""
    monkeypatch.chdir(tmp_path)
    loader = State.advisor.fget  # type: ignore[attr-defined]
    monkeypatch.setattr(State, "advisor", property(lambda self: advisor if self.data_dir is None else loader(self)))


# --- complete interviews -------------------------------------------------------------------

@pytest.mark.parametrize("form", FORMS)
def test_a_full_interview_ends_on_each_form(invoke, advisor: Advisor, tmp_path: Path, form: str) -> None:  # type: ignore[no-untyped-def]
    saved = tmp_path / "réponses.yaml"
    lines = play(Interview(advisor), scenario_answers(form))
    result = invoke("ask", "--save", str(saved), "--format", "json", input=session(lines))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # the dialogue went to stderr: stdout is pure JSON
    assert data["recommendations"][0]["form"] == form and not data["no_clear_fit"]
    assert data == recommend_json(invoke, saved)
    assert "Question 1 —" in result.stderr and "Relecture de vos réponses" in result.stderr


def test_the_text_verdict_is_the_one_of_recommend(invoke, advisor: Advisor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    saved = tmp_path / "r.yaml"
    lines = play(Interview(advisor), scenario_answers(FORMS[0]))
    result = invoke("ask", "--save", str(saved), input=session(lines))
    assert result.exit_code == 0, result.output
    brief, verdict = invoke("recommend", str(saved)).stdout.split("\n\n", 1)
    assert verdict.strip() in result.stdout
    assert result.stdout.endswith(f"{brief}\nVos réponses sont enregistrées dans {saved}.\n")  # the verdict last
    assert "→ En lice (" in result.stdout and "en tête :" in result.stdout
    assert "Traceback" not in result.output


def test_going_back_help_and_mistakes(invoke, advisor: Advisor, kb: KnowledgeBase, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    values = scenario_answers(FORMS[1])
    probe = Interview(advisor)
    play(probe, values, {})
    steps = [kb.questions[qid] for qid in probe.history]
    # a choice question right after an answered one
    second = next(i for i, q in enumerate(steps) if i > 0 and q.choices and steps[i - 1].id in probe.answers)
    inserts = {0: ["<"], second: ["?", "n'importe quoi", "99", "<", ""]}
    lines = play(Interview(advisor), values, inserts)
    result = invoke("ask", "--save", str(tmp_path / "r.yaml"), input=session(lines))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Pas de question précédente." in out
    assert f"Aide : {steps[second].help}" in out
    assert "Choix non reconnu" in out and "Le numéro 99 n'existe pas" in out
    before = steps[second - 1]
    assert out.count(before.text) == 2 and "Entrée = garder" in out  # went back, kept the answer
    assert out.count(steps[second].text) == 2
    assert recommend_json(invoke, tmp_path / "r.yaml")["recommendations"][0]["form"] == FORMS[1]


def test_review_change_drops_answers_that_no_longer_apply(invoke, advisor: Advisor, kb: KnowledgeBase,  # type: ignore[no-untyped-def]
                                                          tmp_path: Path) -> None:
    gme = scenario_answers("gme")
    interview = Interview(advisor)
    lines = play(interview, gme)
    goals = kb.questions["goals"]
    number = next(i.number for i in interview.review() if i.question is goals)
    lines.append(str(number))
    interview.answer(str(number))
    lines.append(typed(goals, ["food"]))
    assert interview.answer(lines[-1]).kind == "confirm"  # it removes the market answers: confirm first
    lines.append("o")
    dropped = interview.answer(lines[-1]).dropped
    assert "tender_identified" in [q.id for q in dropped]
    lines += play(interview, {"food_activity": True, "pat_exists": True})
    saved = tmp_path / "r.yaml"
    result = invoke("ask", "--save", str(saved), input=session(lines))
    assert result.exit_code == 0, result.output
    message = "Réponses retirées car leur question ne s'applique plus : " + " ; ".join(q.summary for q in dropped)
    assert message in result.stdout
    assert result.stdout.count("Relecture de vos réponses") == 2
    answers, _ = read_answers_file(saved)
    assert "tender_identified" not in answers and answers["goals"] == ["food"]
    verdict = invoke("recommend", str(saved)).stdout.split("\n\n", 1)[1]
    assert verdict.strip() in result.stdout


# --- never lose an answer ------------------------------------------------------------------

def test_end_of_input_saves_to_a_default_file_and_resume_finishes(invoke, advisor: Advisor,  # type: ignore[no-untyped-def]
                                                                   tmp_path: Path) -> None:
    values = scenario_answers("tzcld")
    lines = play(Interview(advisor), values)
    result = invoke("ask", input=session(lines[:4], confirm=False))
    assert result.exit_code == 130
    assert "Fin de l'entrée : questionnaire interrompu." in result.stderr and "Traceback" not in result.output
    saved = Path(SAVED.search(result.stderr)[1])  # type: ignore[index]
    assert saved.parent == tmp_path and saved.exists()
    assert f"Pour reprendre : advisor ask --answers {saved} --save {saved}" in result.stderr
    answers, _ = read_answers_file(saved)
    assert len(answers) == 4

    first_question = Interview(advisor).current()
    resumed = Interview(advisor, answers)
    rest = play(resumed, values)
    assert len(rest) == len(lines) - 4
    again = invoke("ask", "--answers", str(saved), "--save", str(saved), "--format", "json", input=session(rest))
    assert again.exit_code == 0, again.output
    assert first_question is not None and first_question.text not in again.stderr  # only what is missing
    assert "Reprise de" in again.stderr
    data = json.loads(again.stdout)
    assert data["recommendations"][0]["form"] == "tzcld"
    assert data == recommend_json(invoke, saved)


def test_ctrl_c_saves_to_the_save_file_and_exits_130(runner: CliRunner, advisor: Advisor, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    lines = play(Interview(advisor), scenario_answers("regie"))[:3]
    typed_lines = iter(lines)

    def read(self: ask_io.Dialogue) -> str:
        line = next(typed_lines, None)
        if line is None:
            raise KeyboardInterrupt
        return line

    monkeypatch.setattr(ask_io.Dialogue, "read", read)
    saved = tmp_path / "r.yaml"
    result = runner.invoke(cli, ["ask", "--save", str(saved)])
    assert result.exit_code == 130 and "Traceback" not in result.output
    assert "Questionnaire interrompu." in result.stderr
    raw = read_answers_file(saved)[0]
    assert len(raw) == 3  # skipped optional questions are written too, as blanks
    given = len(advisor.validate(raw))
    assert f"{given} réponse{'s' if given > 1 else ''} enregistrée{'s' if given > 1 else ''} dans {saved}." \
        in result.stderr


def test_every_answer_is_saved_as_soon_as_it_is_given(runner: CliRunner, advisor: Advisor, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    lines = play(Interview(advisor), scenario_answers("pat"))
    saved = tmp_path / "r.yaml"
    seen: list[int] = []
    typed_lines = iter(lines)

    def read(self: ask_io.Dialogue) -> str:
        if saved.exists():
            seen.append(len(yaml.safe_load(saved.read_text(encoding="utf-8"))["answers"] or {}))
        line = next(typed_lines, None)
        if line is None:
            raise EOFError
        return line

    monkeypatch.setattr(ask_io.Dialogue, "read", read)
    result = runner.invoke(cli, ["ask", "--save", str(saved)])
    assert result.exit_code == 130
    assert seen == list(range(1, len(lines) + 1))


@pytest.mark.parametrize("typed_lines", ["", "\n"])  # nothing, or only an optional question skipped
def test_nothing_answered_nothing_written(invoke, tmp_path: Path, typed_lines: str) -> None:  # type: ignore[no-untyped-def]
    result = invoke("ask", input=typed_lines)
    assert result.exit_code == 130
    assert "Aucune réponse donnée : rien à enregistrer." in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_existing_save_file_is_not_overwritten(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    saved = tmp_path / "r.yaml"
    saved.write_text("answers:\n  goals: [food]\n", encoding="utf-8")
    result = invoke("ask", "--save", str(saved), input="")
    assert result.exit_code == 2
    assert f"existe déjà : reprenez-le avec --answers {saved} --save {saved}" in result.stderr
    assert saved.read_text(encoding="utf-8") == "answers:\n  goals: [food]\n"
    assert invoke("ask", "--save", str(saved), "--answers", str(saved), input="").exit_code == 130


def test_a_bad_answers_file_is_a_french_error(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "r.yaml"
    path.write_text("answers:\n  goals: [picnic]\n", encoding="utf-8")
    result = invoke("ask", "--answers", str(path), input="")
    assert result.exit_code == 2 and result.stderr.startswith("Erreur : réponse « goals » : choix inconnu")


# --- options -------------------------------------------------------------------------------

def test_memo_is_written_at_the_end(invoke, advisor: Advisor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    memo = tmp_path / "note.md"
    lines = play(Interview(advisor), scenario_answers("ges"))
    result = invoke("ask", "--memo", str(memo), input=session(lines))
    assert result.exit_code == 0, result.output
    assert f"Note d'orientation écrite dans {memo}." in result.stdout
    assert advisor.kb.forms["ges"].label in memo.read_text(encoding="utf-8")


def test_memo_with_an_unknown_extension_fails_before_the_first_question(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke("ask", "--memo", str(tmp_path / "note.docx"), input="")
    assert result.exit_code == 2 and "Question 1" not in result.output and "Erreur :" in result.stderr


@pytest.mark.parametrize(("args", "env", "coloured"), [
    ([], {}, True), (["--no-color"], {}, False), ([], {"NO_COLOR": "1"}, False)])
def test_colours_follow_no_color(runner: CliRunner, args: list[str], env: dict[str, str], coloured: bool) -> None:
    result = runner.invoke(cli, [*args, "ask"], input="\n", env=env, color=True)
    assert ("\x1b[" in result.output) is coloured


# --- the toy knowledge base ------------------------------------------------------------------

def test_the_toy_knowledge_base_resumes_and_finishes(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    start = tmp_path / "trajet.yaml"
    start.write_text("answers:\n  weather: rainy\n", encoding="utf-8")
    result = invoke("--data-dir", str(TOY_ROOT), "ask", "--answers", str(start), "--save", str(start),
                    input="20\no\n2\n\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Conseiller de trajet (base d'essai)" in out and "Quel temps fait-il" not in out
    assert "✗ Vélo écartée : Les bagages sont trop lourds." in out
    assert "1. Train" in out and "advisor sheets show train" in out
    assert read_answers_file(start)[0] == {"weather": "rainy", "distance_km": 20, "luggage": True,
                                           "extras": ["reading"]}


def test_a_toy_interview_from_scratch(invoke, toy_advisor: Advisor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lines = play(Interview(toy_advisor), {"distance_km": 3, "weather": "sunny", "extras": ["exercise"]})
    saved = tmp_path / "r.yaml"
    result = invoke("--data-dir", str(TOY_ROOT), "ask", "--save", str(saved), input=session(lines))
    assert result.exit_code == 0, result.output
    assert "1. Vélo" in result.stdout
    verdict = invoke("--data-dir", str(TOY_ROOT), "recommend", str(saved)).stdout.split("\n\n", 1)[1]
    assert verdict.strip() in result.stdout
