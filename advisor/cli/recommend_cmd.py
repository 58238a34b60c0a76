"""``advisor recommend`` and ``advisor questions``.

A recommendation is longer than a screen: in a terminal it goes through a pager, as git does
(``--no-pager`` to refuse it; never in a pipe), and it opens on « En bref » (``brief.py``), so that
the recommended form and its confidence show on an 80×24 terminal without scrolling.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from . import State, cli, pass_state
from .brief import format_brief
from .console import pager_wanted, show_long, width_of, wrap
from .display import format_recommendation
from .options import date_option, read_situation, situation_input


@cli.command()
@situation_input()
@date_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Format du résultat.")
@click.option("--no-pager", is_flag=True, help="Dans un terminal, tout afficher d'un coup, sans pager.")
@pass_state
def recommend(state: State, answers_file: Path | None, example: str | None, as_of: dt.date | None, fmt: str,
              no_pager: bool) -> None:
    """Recommande des formes de coopération à partir d'un fichier de réponses (YAML ou JSON).

    \b
    Exemples :
      advisor recommend mes-reponses.yaml
      advisor recommend --example afeji --format json
      advisor recommend mes-reponses.yaml --date 2027-01-15
      advisor recommend --example          (liste des exemples)
    """
    situation = read_situation(state.kb, answers_file, example)
    if situation is None:
        return
    advisor = state.advisor
    result = advisor.advise(situation.answers, explain=True, as_of=as_of)
    if fmt == "json":
        click.echo(result.model_dump_json(indent=2))
    else:
        text = format_brief(result, color=state.color) + "\n\n" + format_recommendation(result, advisor.kb,
                                                                                        color=state.color)
        show_long(text, pager=pager_wanted(no_pager))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Format de la liste.")
@pass_state
def questions(state: State, fmt: str) -> None:
    """Liste les questions du conseiller, avec leurs choix et quand elles sont posées."""
    kb = state.kb
    if fmt == "json":
        data = [q.model_dump(mode="json", by_alias=True, exclude_none=True) for q in kb.questions.values()]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    lines = []
    for question in kb.questions.values():
        lines.append(f"{question.id} — {question.text}")
        lines += [f"    {choice.id} : {choice.label}" for choice in question.choices]
        if question.allow_unknown:
            lines.append("    unknown : je ne sais pas")
        if question.relevant_if is not None:
            lines.append("    (posée seulement dans certains cas)")
    click.echo(wrap("\n".join(lines), width_of(sys.stdout)))
