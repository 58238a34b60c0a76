"""``advisor sheets list | show | export``: the resource sheets."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..outputs.render import sheet_body
from ..outputs.site import export_site
from . import SUBCOMMAND_METAVAR, State, cli, pass_state
from .console import page, pager_wanted


@cli.group(subcommand_metavar=SUBCOMMAND_METAVAR)
def sheets() -> None:
    """Fiches ressources : les lire dans le terminal ou les publier en HTML."""


@sheets.command("list")
@pass_state
def list_sheets(state: State) -> None:
    """Liste les fiches ressources (identifiant, titre)."""
    for sheet in state.kb.sheets.values():
        click.echo(f"{sheet.id}\t{sheet.title}")


@sheets.command("show")
@click.argument("sheet_id", metavar="ID")
@click.option("--no-pager", is_flag=True, help="Dans un terminal, tout afficher d'un coup, sans pager.")
@pass_state
def show(state: State, sheet_id: str, no_pager: bool) -> None:
    """Affiche une fiche (mise en forme dans un terminal, avec un pager ; texte brut dans un tube).

    \b
    Exemple :
      advisor sheets show gme
    """
    sheet = state.kb.get_sheet(sheet_id)
    header = f"{sheet.title}\n{sheet.meta.family} · faits vérifiés le {sheet.meta.checked_on:%d/%m/%Y}"
    if sheet.meta.status:
        header += f"\nCadre en évolution (état au {sheet.meta.status.as_of:%d/%m/%Y}) : {sheet.meta.status.summary}"
    body = sheet_body(sheet)
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.markdown import Markdown

        console = Console(no_color=not state.color, force_terminal=True)
        with console.capture() as screen:  # laid out by rich at the terminal's width, then paged
            console.print(header, style="bold" if state.color else None, highlight=False)
            console.print(Markdown(body))
        page(screen.get(), pager=pager_wanted(no_pager))
    else:
        click.echo(header + "\n\n" + body.strip())


@sheets.command("export")
@click.argument("folder", metavar="DOSSIER", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Remplacer les fichiers déjà présents dans le dossier.")
@pass_state
def export(state: State, folder: Path, force: bool) -> None:
    """Écrit un site HTML autonome (index et une page par fiche) dans DOSSIER.

    Le site n'utilise ni script ni ressource externe : il peut être publié tel quel.
    """
    written = export_site(state.kb, folder, force=force)
    click.echo(f"{len(written)} pages écrites dans {folder} ; ouvrez {folder / 'index.html'} dans un navigateur.")
