"""The thin CLI: recommend, questions, rules check — exit codes and French messages."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from advisor import KnowledgeBase, recommendation_schema
from tests.conftest import ROOT, TOY_ROOT

SEED = {"afeji": ("ges", "ensemblier"), "agora-ternois": ("ptce", None), "gme-brunoy": ("gme", "solidaire"),
        "parcours-gagnants": ("ges", "groupement_employeurs")}


@pytest.mark.parametrize("name", sorted(SEED))
def test_seed_examples_in_json(invoke, name: str) -> None:  # type: ignore[no-untyped-def]
    result = invoke("recommend", "--example", name, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    top = data["recommendations"][0]
    assert (top["form"], top["variant"]) == SEED[name]
    assert top["reasons"] and all(r["text"] for r in top["reasons"])
    assert top["sheet"]["path"] == f"sheets/{top['form']}.md"
    assert data["knowledge_base"]["version"] and data["knowledge_base"]["facts_checked_on"]
    for field in ("excluded", "warnings", "next_steps", "other_forms"):
        assert field in data


def test_zest_puts_ptce_or_ges_first(invoke) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(invoke("recommend", "--example", "zest", "--format", "json").stdout)
    assert [f["form"] for f in data["recommendations"][:2]] in (["ptce", "ges"], ["ges", "ptce"])


def test_text_verdict_is_french_and_points_to_the_sheet(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("recommend", "--example", "gme-brunoy")
    assert result.exit_code == 0
    assert "GME solidaire" in result.stdout and "advisor sheets show gme" in result.stdout
    assert "Prochaines étapes" in result.stdout and "\x1b[" not in result.stdout


def test_examples_are_listed_one_per_line(invoke, kb: KnowledgeBase) -> None:  # type: ignore[no-untyped-def]
    lines = invoke("recommend", "--example").stdout.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == kb.example_names()
    assert all(len(line.split("\t")[1]) > 20 for line in lines)


def test_answers_file(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "réponses.yaml"
    path.write_text("answers:\n  goals: [food]\n  food_activity: oui\n  pat_exists: oui\n", encoding="utf-8")
    data = json.loads(invoke("recommend", str(path), "--format", "json").stdout)
    assert data["recommendations"][0]["form"] == "pat"


@pytest.mark.parametrize(("content", "expected"), [
    ("answers:\n  goals: [picnic]\n", "réponse « goals » : choix inconnu"),
    ("answers:\n  colour: red\n", "question inconnue"),
    ("- a\n- b\n", "clé « answers »"),
    ("answers: [1, 2]\n", "« answers » doit être"),
    ("answers:\n  goals: [market\n", "syntaxe YAML/JSON invalide"),
    ("goals: [market]\n", "clés attendues"),
])
def test_bad_answers_files_give_one_french_line(invoke, tmp_path: Path, content: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "answers.yaml"
    path.write_text(content, encoding="utf-8")
    result = invoke("recommend", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith("Erreur : ") and expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_missing_file_and_unknown_example(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("recommend", "/nonexistent/answers.yaml")
    assert result.exit_code == 2 and "fichier introuvable" in result.stderr
    result = invoke("recommend", "--example", "../rules/knowledge")
    assert result.exit_code == 2 and "exemple inconnu" in result.stderr and "afeji" in result.stderr


def test_file_and_example_together_is_a_usage_error(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke("recommend", str(tmp_path / "x.yaml"), "--example", "afeji")
    assert result.exit_code == 2 and "Erreur" in result.stderr


def test_questions_text_and_json(invoke, kb: KnowledgeBase) -> None:  # type: ignore[no-untyped-def]
    text = invoke("questions").stdout
    assert all(q in text for q in kb.questions)
    data = json.loads(invoke("questions", "--format", "json").stdout)
    assert [q["id"] for q in data] == list(kb.questions)
    assert any("relevant_if" in q for q in data)


def test_rules_check_passes_on_the_packaged_knowledge_base(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("rules", "check")
    assert result.exit_code == 0, result.output
    assert "Base de connaissances valide" in result.stdout and "scénarios vérifiés" in result.stdout


def test_rules_check_fails_clearly_on_a_broken_knowledge_base(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    shutil.copytree(ROOT / "sheets", tmp_path / "sheets")
    path = tmp_path / "rules/forms/jvs.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("{question: activity_viable, is: false}", "{question: activity_viable, is: maybe}")
    path.write_text(text, encoding="utf-8")
    result = invoke("--data-dir", str(tmp_path), "rules", "check")
    assert result.exit_code == 2
    assert "jvs.yaml" in result.stderr and "jvs.not_viable" in result.stderr and "true ou false" in result.stderr


def test_rules_check_reports_unreached_forms(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios/one.yaml").write_text(
        "as_of: 2026-12-01\nscenarios:\n  - name: Un seul scénario ne couvre pas tout\n    example: afeji\n"
        "    expect: {first: ges}\n",
        encoding="utf-8")
    result = invoke("rules", "check", "--scenarios", str(tmp_path / "scenarios"))
    assert result.exit_code == 2 and "aucun scénario ne place cette forme en tête" in result.stderr


def test_toy_knowledge_base_through_the_cli(invoke) -> None:  # type: ignore[no-untyped-def]
    """The CLI works unchanged on a knowledge base about something else entirely."""
    result = invoke("--data-dir", str(TOY_ROOT), "recommend", "--example", "commute", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["recommendations"][0]["form"] == "bike"
    assert invoke("--data-dir", str(TOY_ROOT), "sheets", "list").stdout.split()[0] == "bike"


def test_json_schema_is_exportable() -> None:
    schema = recommendation_schema()
    assert {"recommendations", "excluded", "warnings", "next_steps"} <= set(schema["properties"])
    assert schema["properties"]["alerts"]["default"] == [] and "alerts" not in schema["required"]


def test_results_keep_the_methods_library_users_call(advisor) -> None:  # type: ignore[no-untyped-def]
    """Results are plain records at run time (start-up, issue 15), with pydantic's method names."""
    from advisor import Recommendation

    rec = advisor.advise({"structure_types": ["aci"], "goals": ["market"]}, explain=True)
    text = rec.model_dump_json()
    assert Recommendation.model_validate_json(text) == rec == Recommendation.model_validate(rec.model_dump())
    assert json.loads(text) == rec.model_dump(mode="json")
    deep = rec.model_copy(deep=True)
    deep.next_steps.append("changé")
    assert rec.next_steps != deep.next_steps and rec.model_copy(update={"audience": "x"}).audience == "x"
    assert Recommendation.model_construct(**rec.__dict__) == rec


def test_unknown_option_is_reported_in_french(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("--bogus")
    assert result.exit_code == 2 and "Option inconnue" in result.stderr


def test_python_dash_m_runs_the_cli() -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "advisor", "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "Conseiller en coopération" in result.stdout


def test_every_command_is_listed_and_documented(invoke) -> None:  # type: ignore[no-untyped-def]
    """The lazy command table of ``advisor --help`` matches the commands the modules define."""
    import click

    from advisor.cli import COMMANDS, cli

    ctx = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None and command.help, name
    assert set(cli.commands) == set(COMMANDS)
    listing = invoke("--help").stdout
    assert all(name in listing for name in COMMANDS)


def test_help_does_not_load_the_engine() -> None:
    """``advisor --help`` must start fast: no pydantic, engine or templates behind it."""
    import subprocess
    import sys

    code = ("import sys; from advisor.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('pydantic', 'durable', 'jinja2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("[]")


def test_a_recommendation_from_the_cache_loads_neither_pydantic_nor_yaml(tmp_path: Path) -> None:
    """Start-up (issue 15): the knowledge base and the results are plain records; pydantic validates files."""
    import subprocess
    import sys

    code = ("import sys; from advisor.cli import main\n"
            "try:\n    main(['recommend', '--example', 'afeji', '--no-pager'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('pydantic', 'yaml') if m in sys.modules), file=sys.stderr)")
    env = {**os.environ, "ADVISOR_CACHE_DIR": str(tmp_path), "ADVISOR_NO_CACHE": ""}
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
            for _ in range(2)]
    assert runs[0].stderr.strip().endswith("['pydantic', 'yaml']")  # the files are read and validated once
    assert runs[1].stderr.strip().endswith("[]") and runs[1].stdout == runs[0].stdout


def test_ctrl_c_during_a_command_exits_130_without_traceback(invoke, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from advisor.reasoning.advisor import Advisor

    def interrupted(self, raw, explain=False, as_of=None):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(Advisor, "advise", interrupted)
    result = invoke("recommend", "--example", "afeji")
    assert result.exit_code == 130 and "Interrompu" in result.stderr and "Traceback" not in result.output


def test_a_choice_label_with_commas_is_one_choice(advisor) -> None:  # type: ignore[no-untyped-def]
    label = "Mutualiser des moyens (fonctions support, matériel, locaux, formation)"
    assert advisor.validate({"goals": label})["goals"] == ["pool_means"]
    assert advisor.validate({"goals": "market|" + label})["goals"] == ["market", "pool_means"]
    assert advisor.validate({"goals": "market, food"})["goals"] == ["market", "food"]


def test_a_free_text_answer_is_never_read_as_je_ne_sais_pas(advisor) -> None:  # type: ignore[no-untyped-def]
    assert advisor.validate({"structure_name": "NE SAIS PAS"})["structure_name"] == "NE SAIS PAS"


@pytest.mark.parametrize(("args", "collecting"), [(["recommend", "--example", "afeji", "--no-pager"], True),
                                                  (["rules", "check"], True), (["--help"], False)])
def test_the_garbage_collector_runs_again_once_the_knowledge_base_is_loaded(args: list[str], collecting: bool) -> None:
    """The command line starts with the collector off (start-up builds only lasting objects) and turns it back
    on once the knowledge base is loaded, so that long commands (serve, batch, ask) collect as usual."""
    import subprocess
    import sys

    script = ("import gc\nfrom advisor.cli import main\ntry:\n    main(" + repr(args) + ")\n"
              "except SystemExit:\n    pass\nprint('collecting', gc.isenabled())")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "ADVISOR_NO_CACHE": "1"})
    assert done.stdout.splitlines()[-1] == f"collecting {collecting}", done.stderr[-2000:]


def test_an_example_name_in_capitals_is_found(invoke) -> None:  # type: ignore[no-untyped-def]
    assert invoke("recommend", "--example", "AFEJI", "--format", "json").exit_code == 0


@pytest.mark.parametrize(("args", "usage"), [
    (["--help"], " [OPTIONS] COMMANDE [ARGUMENTS]...\n"),
    (["rules", "--help"], " rules [OPTIONS] COMMANDE [ARGUMENTS]...\n"),
    (["recommend", "--help"], " recommend [OPTIONS] [FICHIER]\n"),
    (["rules", "doc", "--help"], " rules doc [OPTIONS] DOSSIER\n"),
    (["sheets", "export", "--help"], " sheets export [OPTIONS] DOSSIER\n"),
])
def test_usage_lines_name_their_arguments_in_french(invoke, args: list[str], usage: str) -> None:  # type: ignore[no-untyped-def]
    first = invoke(*args).stdout.splitlines()[0] + "\n"
    assert first.startswith("Utilisation : ") and first.endswith(usage)
