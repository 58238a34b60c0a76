"""``advisor rules check``: the integrity check used by rule authors and CI."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from ..knowledge.loader import load_knowledge_base
from ..outputs.rulebook import export_rulebook
from ..scenarios import check_knowledge_base
from ..wording import plural
from . import EXIT_USER, SUBCOMMAND_METAVAR, State, cli, pass_state, start_up_done
from .options import date_option


@cli.group(subcommand_metavar=SUBCOMMAND_METAVAR)
def rules() -> None:
    """Outils pour les auteurs de règles."""


@rules.command("check")
@click.option("--scenarios", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Dossier des scénarios de test (par défaut : tests/scenarios du dossier de données, s'il existe).")
@date_option
@pass_state
def check(state: State, scenarios: Path | None, as_of: dt.date | None) -> None:
    """Vérifie la base de connaissances : références, sources, fiches, exemples et scénarios,
    et liste les échéances datées (passées, proches, à venir) pour les auteurs de règles.

    Sort avec le code 2 et la liste des problèmes si quelque chose ne va pas.
    """
    kb = load_knowledge_base(state.data_dir, check=False)
    start_up_done()
    if sys.stderr.isatty():  # the engine proof of a large knowledge base can take minutes: say so first
        click.echo("Vérification en cours : la preuve du moteur peut prendre quelques minutes pour une grande "
                   "base…", err=True)
    report = check_knowledge_base(kb, scenarios, as_of)
    for line in report.notes:
        click.echo(line)
    if report.problems:
        click.echo(f"Erreur : {plural(len(report.problems), 'problème')} dans la base de connaissances :", err=True)
        for problem in report.problems:
            click.echo(f"- {problem}", err=True)
        raise click.exceptions.Exit(EXIT_USER)
    click.echo(f"Base de connaissances valide : {len(kb.forms)} formes, {len(kb.questions)} questions, "
               f"{len(kb.rules)} règles, {len(kb.sheets)} fiches (version {kb.meta.version}).")


@rules.command("doc")
@click.argument("folder", metavar="DOSSIER", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Remplacer les fichiers déjà présents dans le dossier.")
@pass_state
def doc(state: State, folder: Path, force: bool) -> None:
    """Écrit le livre des règles (HTML autonome) dans DOSSIER : une page par forme et par question."""
    written = export_rulebook(state.kb, folder, force=force)
    click.echo(f"{len(written)} pages écrites dans {folder} ; ouvrez {folder / 'index.html'} dans un navigateur.")
