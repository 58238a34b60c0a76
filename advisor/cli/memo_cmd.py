"""``advisor memo``: the printable recommendation memo (Markdown, HTML or PDF)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..errors import EntryError
from ..outputs import memo as memos
from ..outputs.memo import READERS, one_line
from . import State, cli, pass_state
from .options import date_option, read_situation, situation_input


def _one_line(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    try:
        return one_line(value, f"--{param.name.replace('_', '-') if param.name else 'texte'}")
    except EntryError as error:
        raise click.BadParameter(str(error)) from None


@cli.command()
@situation_input()
@date_option
@click.option("-o", "--output", type=click.Path(path_type=Path), metavar="FICHIER",
              help="Fichier à écrire : note.md, note.html ou note.pdf.")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "pdf"]), default=None,
              help="Format de la note (par défaut : d'après l'extension du fichier).")
@click.option("--full", is_flag=True,
              help="Ajouter un sommaire et les annexes : comparaison des formes en jeu, toutes leurs raisons, "
                   "les fiches en bref.")
@click.option("--prepared-by", metavar="TEXTE", callback=_one_line,
              help="Qui a préparé la note (nom, fonction), imprimé en tête.")
@click.option("--contact", metavar="TEXTE", callback=_one_line,
              help="Qui contacter à propos de la note (courriel, téléphone), imprimé en tête.")
@click.option("--for", "reader", type=click.Choice(list(READERS)), default=None,
              help="À qui la note est destinée, imprimé en tête : "
                   + " ; ".join(f"{key} = {label}" for key, label in READERS.items()) + ".")
@click.option("--force", is_flag=True, help="Remplacer le fichier s'il existe déjà.")
@pass_state
def memo(state: State, answers_file: Path | None, example: str | None, as_of: dt.date | None, output: Path | None,
         fmt: str | None, full: bool, prepared_by: str | None, contact: str | None, reader: str | None,
         force: bool) -> None:
    """Écrit la note d'orientation à remettre à votre conseil d'administration, à votre réseau ou à un DLA.

    La note tient en deux à quatre pages : « En bref » d'abord, puis votre situation, la
    forme recommandée et ses raisons, les points de vigilance, les autres pistes, ce qui
    changerait la recommandation, les prochaines étapes avec qui contacter, et les textes
    officiels. --full ajoute un sommaire et les annexes. Le format suit l'extension du
    fichier : .md (Markdown), .html (page à imprimer depuis un navigateur) ou .pdf
    (demande WeasyPrint).

    \b
    Exemples :
      advisor memo mes-reponses.yaml -o note.pdf
      advisor memo mes-reponses.yaml -o note.pdf --for conseil --prepared-by "Marie Dupont, directrice"
      advisor memo --example afeji -o note.html --full
      advisor memo mes-reponses.yaml -o note.md --force
    """
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
    byline = memos.Byline(prepared_by, contact, reader)
    chosen = memos.write(advisor.kb, rec, output, fmt, force=force, description=situation.description, full=full,
                         byline=byline)
    hint = " ; ouvrez-la dans un navigateur pour l'imprimer" if chosen == "html" else ""
    click.echo(f"Note d'orientation écrite dans {output}{hint}.")
    if chosen == "pdf":
        warning = memos.undrawable_warning(rec, description=situation.description, byline=byline)
        if warning:
            click.echo(f"Attention : {warning}", err=True)
