"""``advisor compare``: the forms still in play, side by side."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..outputs.compare import compare, to_csv, to_text
from . import State, cli, pass_state
from .options import date_option, read_situation, situation_input


@cli.command("compare")
@situation_input()
@date_option
@click.option("--forms", metavar="IDS", help="Formes à comparer, séparées par des virgules (ex. gme,ges).")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True,
              help="Format : texte, CSV pour un tableur, ou JSON.")
@pass_state
def compare_cmd(state: State, answers_file: Path | None, example: str | None, as_of: dt.date | None,
                forms: str | None, fmt: str) -> None:
    """Compare côte à côte les formes encore en jeu (ou celles de --forms).

    Les critères de comparaison sont ceux de la base de connaissances.

    \b
    Exemples :
      advisor compare mes-reponses.yaml
      advisor compare --forms gme,ges --format csv > comparaison.csv
    """
    if example == "" and answers_file is None:
        read_situation(state.kb, answers_file, example)  # lists the examples
        return
    situation = read_situation(state.kb, answers_file, example, required=False)
    rec = state.advisor.advise(situation.answers, as_of=as_of) if situation is not None else None
    wanted = [f.strip() for f in forms.split(",") if f.strip()] if forms else None
    result = compare(state.kb, rec, wanted)
    if fmt == "json":
        click.echo(result.model_dump_json(indent=2))
    elif fmt == "csv":
        click.echo(to_csv(result), nl=False)
    else:
        click.echo(to_text(result), nl=False)
