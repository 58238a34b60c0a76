"""Floor 5 — the ``advisor`` command line: a thin layer of click adapters over the library.

Every command is a short function: parse options, call the library, print. Errors are turned into
a one-line French message and an exit code in one place (``AdvisorGroup.invoke``):
0 success, 2 a mistake the user can fix, 1 an internal error, 130 interrupted. A reader that goes
away (``advisor questions | head -1``) ends the command quietly with 0; characters the console
cannot show are replaced (``console.py``). ``--no-color`` is accepted before or after the command
name; ``NO_COLOR`` counts when it is set and not empty (no-color.org).
May import every lower floor (``advisor serve`` starts the site of ``advisor.web``); nothing imports it
but ``advisor.__main__``.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from . import console, french

french.install()  # before the decorators below, which format some help texts at import time

EXIT_OK, EXIT_INTERNAL, EXIT_USER, EXIT_INTERRUPTED = 0, 1, 2, 130
NO_COLOR_HELP = "Affichage sans couleurs (aussi avec la variable NO_COLOR ; avant ou après la commande)."


class State:
    """What commands share: the data folder, the knowledge base and the advisor, each built on first use (keeps
    --help fast, and spares the engine to the commands that only read the knowledge base)."""

    def __init__(self, data_dir: Path | None, color: bool) -> None:
        self.data_dir = data_dir
        self.color = color
        self._kb: Any = None
        self._advisor: Any = None

    @property
    def kb(self) -> Any:
        """The chosen knowledge base, loaded and checked once."""
        if self._kb is None:
            from ..knowledge.loader import load_knowledge_base

            self._kb = load_knowledge_base(self.data_dir)
        return self._kb

    @property
    def advisor(self) -> Any:
        """The ``Advisor`` over the chosen knowledge base (built once)."""
        if self._advisor is None:
            from ..reasoning.advisor import Advisor

            # Rules durable-rules cannot build: a French error rather than a process Ctrl-C cannot stop.
            self._advisor = Advisor(self.kb, prove=_building)
            start_up_done()
        return self._advisor


def _building() -> None:
    """Said in a terminal when the first build of the rules engine for a knowledge base takes a while."""
    if sys.stderr.isatty():
        click.echo("Préparation du moteur de règles pour cette base de connaissances (une seule fois)… "
                   "Ctrl-C pour arrêter.", err=True)


def start_up_done() -> None:
    """After ``main`` started with the garbage collector off: collect again from now on, leaving out for good
    what start-up built to last (modules, model classes, the knowledge base, the engine)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


pass_state = click.make_pass_decorator(State)


# Command name → (module of advisor.cli that defines it, one-line help). Modules are imported only
# when their command runs, so that ``advisor --help`` stays fast; a test keeps the help in sync.
COMMANDS = {
    "ask": ("ask_cmd", "Questionnaire interactif : répondez et obtenez la recommandation."),
    "batch": ("batch_cmd", "Traite un fichier de nombreuses structures (CSV ou JSON Lines)."),
    "compare": ("compare_cmd", "Compare côte à côte les formes encore en jeu."),
    "memo": ("memo_cmd", "Écrit la note d'orientation imprimable (Markdown, HTML ou PDF)."),
    "questions": ("recommend_cmd", "Liste les questions du conseiller et leurs choix."),
    "recommend": ("recommend_cmd", "Recommande des formes de coopération pour un fichier de réponses."),
    "rules": ("rules_cmd", "Outils pour les auteurs de règles (vérification, livre des règles)."),
    "serve": ("serve_cmd", "Lance le site du conseiller (questionnaire, fiches, API) dans un navigateur."),
    "sheets": ("sheets_cmd", "Fiches ressources : les lire dans le terminal ou les publier en HTML."),
}


SUBCOMMAND_METAVAR = "COMMANDE [ARGUMENTS]..."  # click's own is in English


class AdvisorGroup(click.Group):
    """A click group that loads commands on demand and reports library errors as French one-liners."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(f"{__name__}.{COMMANDS[cmd_name][0]}")
        command = self.commands.get(cmd_name)
        if command is not None:
            _accept_no_color(command)
        return command

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except BrokenPipeError:  # ``advisor --help | head -1``
            console.silence_stdout()
            raise click.exceptions.Exit(EXIT_OK) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx) if name in COMMANDS]
        with formatter.section("Commandes"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        from ..errors import AdvisorError

        try:
            return super().invoke(ctx)
        except AdvisorError as err:
            click.echo(f"Erreur : {err}", err=True)
            ctx.exit(err.exit_code)
        except (KeyboardInterrupt, click.exceptions.Abort):
            click.echo("\nInterrompu.", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException):
            raise
        except BrokenPipeError:  # the reader of our output went away (``… | head``): nothing more to say
            console.silence_stdout()
            ctx.exit(EXIT_OK)
        except ImportError as err:
            click.echo(f"Erreur : une bibliothèque nécessaire manque ({err.name or err}). Réinstallez le conseiller "
                       "avec ses dépendances : pip install -e . (depuis le dossier du projet).", err=True)
            ctx.exit(EXIT_INTERNAL)
        except Exception as err:  # noqa: BLE001 - the one place where anything unexpected is reported
            from ..files import DISK_FULL, disk_full

            if isinstance(err, OSError) and err.errno in DISK_FULL:  # ``advisor recommend > /dev/full``
                click.echo(f"Erreur : {disk_full(err.filename or 'la sortie')}", err=True)
                ctx.exit(EXIT_USER)
            if os.environ.get("ADVISOR_DEBUG"):
                traceback.print_exc()
            click.echo(f"Erreur interne ({type(err).__name__}) : {err}. Relancez avec ADVISOR_DEBUG=1 pour le "
                       "détail technique et signalez-la à l'équipe du conseiller.", err=True)
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=AdvisorGroup, subcommand_metavar=SUBCOMMAND_METAVAR,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="ADVISOR_DATA_DIR",
              help="Dossier de la base de connaissances (contenant rules/ et sheets/). Par défaut : celle "
                   "installée avec le conseiller.")
@click.option("--no-color", is_flag=True, help=NO_COLOR_HELP)
@click.version_option(package_name="cooperation-advisor", message="%(prog)s, version %(version)s")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None, no_color: bool) -> None:
    """Conseiller en coopération pour les SIAE et les entreprises adaptées.

    Répondez à un court questionnaire (advisor ask) ou donnez un fichier de réponses
    (advisor recommend), et recevez les formes de coopération qui vous correspondent,
    classées et expliquées, avec leur fiche ressource.

    \b
    Exemples :
      advisor ask --save mes-reponses.yaml
      advisor recommend --example afeji
      advisor sheets show gme
    """
    color = not no_color and not os.environ.get("NO_COLOR")
    ctx.obj = State(data_dir, color)
    if not color:
        ctx.color = False


def _no_color(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """``--no-color`` given after the command name: the same as before it."""
    if value:
        ctx.color = False
        state = ctx.find_object(State)
        if state is not None:
            state.color = False


def _accept_no_color(command: click.Command) -> None:
    """Let a command (and the commands of a group) take ``--no-color`` too (idempotent)."""
    if not any(p.name == "no_color" for p in command.params):
        command.params.append(click.Option(["--no-color"], is_flag=True, expose_value=False, callback=_no_color,
                                           help=NO_COLOR_HELP))
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _accept_no_color(sub)


def main(args: list[str] | None = None, prog_name: str = "advisor") -> None:
    """Entry point of the ``advisor`` command."""
    # Start-up builds thousands of objects that live until the end, and the collector would walk them
    # again and again (measured: about a tenth of a short command). ``start_up_done`` turns it back on.
    gc.disable()
    console.protect_output()
    try:
        cli.main(args=args, prog_name=prog_name)
        code: Any = EXIT_OK
    except SystemExit as done:
        code = done.code
    except KeyboardInterrupt:
        click.echo("\nInterrompu.", err=True)
        code = EXIT_INTERRUPTED
    except BrokenPipeError:
        code = EXIT_OK
        console.silence_stdout()
    try:
        sys.stdout.flush()  # what is still buffered may meet a closed pipe: stop quietly, as other tools do
    except BrokenPipeError:
        console.silence_stdout()
    except (OSError, ValueError):
        pass
    gc.freeze()  # nothing left to collect: spare the interpreter's last full collection on the way out
    sys.exit(code)
