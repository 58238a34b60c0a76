"""``advisor recommend`` and ``advisor questions``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from . import State, cli, pass_state
from .display import format_recommendation
from .options import date_option, read_situation, situation_input


@cli.command()
@situation_input()
@date_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Format du résultat.")
@pass_state
def recommend(state: State, answers_file: Path | None, example: str | None, as_of: dt.date | None, fmt: str) -> None:
    """Recommande des formes de coopération à partir d'un fichier de réponses (YAML ou JSON).

    \b
    Exemples :
      advisor recommend mes-reponses.yaml
      advisor recommend --example afeji --format json
      advisor recommend mes-reponses.yaml --date 2027-01-15
      advisor recommend --example          (liste des exemples)
    """
    advisor = state.advisor
    situation = read_situation(advisor.kb, answers_file, example)
    if situation is None:
        return
    result = advisor.advise(situation.answers, explain=True, as_of=as_of)
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
