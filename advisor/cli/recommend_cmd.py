"""``advisor recommend`` and ``advisor questions``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..answers import read_answers_file
from . import State, cli, pass_state
from .display import format_recommendation


@cli.command()
@click.argument("answers_file", required=False, type=click.Path(path_type=Path))
@click.option("--example", "example", metavar="NOM", is_flag=False, flag_value="", default=None,
              help="Utiliser une situation d'exemple fournie (sans NOM : liste des exemples).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Format du résultat.")
@pass_state
def recommend(state: State, answers_file: Path | None, example: str | None, fmt: str) -> None:
    """Recommande des formes de coopération à partir d'un fichier de réponses (YAML ou JSON).

    \b
    Exemples :
      advisor recommend mes-reponses.yaml
      advisor recommend --example afeji --format json
      advisor recommend --example          (liste des exemples)
    """
    advisor = state.advisor
    if example == "":
        for name in advisor.kb.example_names():
            click.echo(f"{name}\t{advisor.kb.example(name).description}")
        return
    if example is not None and answers_file is None:
        raw = advisor.kb.example(example).answers
    elif answers_file is not None and example is None:
        raw = read_answers_file(answers_file)[0]
    else:
        raise click.UsageError("donnez un fichier de réponses ou --example NOM (mais pas les deux).")
    result = advisor.advise(raw, explain=True)
    if fmt == "json":
        click.echo(result.model_dump_json(indent=2))
    else:
        click.echo(format_recommendation(result, advisor.kb, color=state.color))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Format de la liste.")
@pass_state
def questions(state: State, fmt: str) -> None:
    """Liste les questions du conseiller, avec leurs choix et quand elles sont posées."""
    kb = state.advisor.kb
    if fmt == "json":
        data = [q.model_dump(mode="json", by_alias=True, exclude_none=True) for q in kb.questions.values()]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for question in kb.questions.values():
        click.echo(f"{question.id} — {question.text}")
        for choice in question.choices:
            click.echo(f"    {choice.id} : {choice.label}")
        if question.allow_unknown:
            click.echo("    unknown : je ne sais pas")
        if question.relevant_if is not None:
            click.echo("    (posée seulement dans certains cas)")
