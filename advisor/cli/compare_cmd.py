"""``advisor compare``: the forms still in play, side by side."""

from __future__ import annotations

from pathlib import Path

import click

from ..answers import read_answers_file
from ..compare import compare, to_csv, to_text
from . import State, cli, pass_state


@cli.command("compare")
@click.argument("answers_file", required=False, type=click.Path(path_type=Path))
@click.option("--example", metavar="NOM", help="Utiliser une situation d'exemple fournie.")
@click.option("--forms", metavar="IDS", help="Formes à comparer, séparées par des virgules (ex. gme,ges).")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True,
              help="Format : texte, CSV pour un tableur, ou JSON.")
@pass_state
def compare_cmd(state: State, answers_file: Path | None, example: str | None, forms: str | None, fmt: str) -> None:
    """Compare côte à côte les formes encore en jeu (ou celles de --forms).

    Critères : personne morale, durée, risque financier, gouvernance, partenaires, délai, financements.

    \b
    Exemples :
      advisor compare mes-reponses.yaml
      advisor compare --forms gme,ges --format csv > comparaison.csv
    """
    advisor = state.advisor
    if answers_file and example:
        raise click.UsageError("donnez un fichier de réponses ou --example NOM, pas les deux.")
    raw = None
    if example:
        raw = advisor.kb.example(example).answers
    elif answers_file:
        raw = read_answers_file(answers_file)[0]
    rec = advisor.advise(raw) if raw is not None else None
    wanted = [f.strip() for f in forms.split(",") if f.strip()] if forms else None
    result = compare(advisor.kb, rec, wanted)
    if fmt == "json":
        click.echo(result.model_dump_json(indent=2))
    elif fmt == "csv":
        click.echo(to_csv(result), nl=False)
    else:
        click.echo(to_text(result), nl=False)
