"""``advisor memo``: the printable recommendation memo (Markdown, HTML or PDF)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from . import State, cli, pass_state
from .options import date_option, read_situation, situation_input


@cli.command()
@situation_input()
@date_option
@click.option("-o", "--output", type=click.Path(path_type=Path), metavar="FICHIER",
              help="Fichier à écrire : note.md, note.html ou note.pdf.")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "pdf"]), default=None,
              help="Format de la note (par défaut : d'après l'extension du fichier).")
@click.option("--force", is_flag=True, help="Remplacer le fichier s'il existe déjà.")
@pass_state
def memo(state: State, answers_file: Path | None, example: str | None, as_of: dt.date | None, output: Path | None,
         fmt: str | None, force: bool) -> None:
    """Écrit la note d'orientation à remettre à votre conseil d'administration, à votre réseau ou à un DLA.

    La note reprend votre situation, la forme recommandée et ses raisons, les autres pistes,
    les points de vigilance, les prochaines étapes et, en annexe, la fiche de la forme
    recommandée. Le format suit l'extension du fichier : .md (Markdown), .html (page à
    imprimer depuis un navigateur) ou .pdf (demande WeasyPrint).

    \b
    Exemples :
      advisor memo mes-reponses.yaml -o note.pdf
      advisor memo --example afeji -o note.html
      advisor memo mes-reponses.yaml -o note.md --force
    """
    from ..outputs import memo as memos

    advisor = state.advisor
    if example == "" and answers_file is None:
        read_situation(advisor.kb, answers_file, example)  # lists the examples
        return
    if output is None:
        raise click.UsageError("indiquez le fichier à écrire avec -o, par exemple -o note.pdf.")
    memos.memo_format(output, fmt)  # an unknown extension is reported before any work
    situation = read_situation(advisor.kb, answers_file, example)
    assert situation is not None
    rec = advisor.advise(situation.answers, explain=True, as_of=as_of)
    chosen = memos.write(advisor.kb, rec, output, fmt, force=force, description=situation.description)
    hint = " ; ouvrez-la dans un navigateur pour l'imprimer" if chosen == "html" else ""
    click.echo(f"Note d'orientation écrite dans {output}{hint}.")
