"""``advisor memo``: the printable recommendation memo (Markdown, HTML or PDF)."""

from __future__ import annotations

from pathlib import Path

import click

from ..answers import read_answers_file
from ..memo import memo_format, write_memo
from . import State, cli, pass_state


@cli.command()
@click.argument("answers_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--example", "example", metavar="NOM", is_flag=False, flag_value="", default=None,
              help="Utiliser une situation d'exemple fournie (sans NOM : liste des exemples).")
@click.option("-o", "--output", type=click.Path(path_type=Path), metavar="FICHIER",
              help="Fichier à écrire : note.md, note.html ou note.pdf.")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "pdf"]), default=None,
              help="Format de la note (par défaut : d'après l'extension du fichier).")
@click.option("--force", is_flag=True, help="Remplacer le fichier s'il existe déjà.")
@pass_state
def memo(state: State, answers_file: Path | None, example: str | None, output: Path | None, fmt: str | None,
         force: bool) -> None:
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
    advisor = state.advisor
    if example == "":
        for name in advisor.kb.example_names():
            click.echo(f"{name}\t{advisor.kb.example(name).description}")
        return
    if (answers_file is None) == (example is None):
        raise click.UsageError("donnez un fichier de réponses ou --example NOM (mais pas les deux).")
    if output is None:
        raise click.UsageError("indiquez le fichier à écrire avec -o, par exemple -o note.pdf.")
    memo_format(output, fmt)  # an unknown extension is reported before any work
    if answers_file is not None:
        raw, description = read_answers_file(answers_file)
    else:
        found = advisor.kb.example(example)
        raw, description = found.answers, found.description
    chosen = write_memo(advisor, raw, output, fmt, force=force, description=description)
    hint = " ; ouvrez-la dans un navigateur pour l'imprimer" if chosen == "html" else ""
    click.echo(f"Note d'orientation écrite dans {output}{hint}.")
