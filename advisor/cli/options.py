"""Options shared by several commands, written once: the situation to advise (a file or an example).

``advisor recommend``, ``memo`` and ``compare`` all take « ANSWERS_FILE or --example NAME »; this
module declares it and reads it the same way for each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])
DATE_HELP = ("Date de consultation AAAA-MM-JJ : le conseil suit le droit et les échéances connus à cette date "
             "(par défaut : aujourd'hui, ou la variable ADVISOR_DATE).")


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None or value == "":
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):  # ISO, or the French way (15/01/2027)
        try:
            return dt.datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    raise click.BadParameter(f"« {value} » n'est pas une date AAAA-MM-JJ ou JJ/MM/AAAA (par exemple 2027-01-15 "
                             "ou 15/01/2027).")


def date_option(command: F) -> F:
    """Add ``--date AAAA-MM-JJ`` (the consultation date; ``as_of`` for the library)."""
    return click.option("--date", "as_of", metavar="AAAA-MM-JJ", envvar="ADVISOR_DATE", callback=_parse_date,
                        help=DATE_HELP)(command)



def situation_input(required: bool = True) -> Callable[[F], F]:
    """Add the ``[FICHIER]`` answers-file argument and the ``--example [NOM]`` option to a command."""
    def decorate(command: F) -> F:
        command = click.option(
            "--example", "example", metavar="NOM", is_flag=False, flag_value="", default=None,
            help="Utiliser une situation d'exemple fournie (sans NOM : liste des exemples).")(command)
        return click.argument("answers_file", required=False, metavar="[FICHIER]",
                              type=click.Path(dir_okay=False, path_type=Path))(command)
    return decorate


@dataclass(frozen=True)
class Situation:
    """The raw answers to advise on, and the description that goes with them."""

    answers: dict[str, Any]
    description: str | None = None


def echo_notices(notices: tuple[str, ...] | list[str]) -> None:
    """What was changed while reading a file (answers renamed or dropped…), one French line each on stderr."""
    for notice in notices:
        click.echo(f"Remarque : {notice}", err=True)


def read_situation(kb: Any, answers_file: Path | None, example: str | None,
                   required: bool = True) -> Situation | None:
    """The situation named on the command line; ``None`` if none was given (``required=False``)
    or if ``--example`` alone asked for the list of examples (printed here).

    Raises:
        click.UsageError: both or (``required``) neither were given.
        InputFileError, UnknownItemError: the file or the example cannot be read.
    """
    if example == "" and answers_file is None:
        for name in kb.example_names():
            click.echo(f"{name}\t{kb.example(name).description}")
        return None
    if answers_file is not None and example is not None:
        raise click.UsageError("donnez un fichier de réponses ou --example NOM, pas les deux.")
    if answers_file is not None:
        from ..files import read_answers  # only for a file: it imports the YAML parser

        read = read_answers(answers_file, kb)
        echo_notices(read.notices)
        return Situation(read.answers, read.description)
    if example:
        found = kb.example(example)
        return Situation(found.answers, found.description)
    if required:
        raise click.UsageError("donnez un fichier de réponses ou --example NOM (sans NOM : liste des exemples).")
    return None
