"""``advisor ask``: the interactive interview, a thin loop of prompts and prints over ``Interview``.

Nothing typed is ever lost (issues 12 and 16): with ``--save`` the answers are written after every
change; whatever ends the interview — its end, Ctrl-C, end of input, SIGTERM, SIGHUP, an
undecodable line, an internal error — they are written (to ``--save``, else to a new
``reponses-conseiller-AAAAMMJJ-HHMMSS.yaml``) and the path is printed, unless ``--no-save``. When
standard input is not a terminal, answers are read one per line and echoed, so a piped session
reads like a transcript. Screens are in ``ask_view.py``, reading and saving in ``ask_io.py``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shlex
import signal
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from ..errors import EntryError, OutputError
from ..files import AnswersFile, check_writable, read_answers, write_atomic
from ..interview.session import Interview
from ..knowledge.text import description_problem
from ..outputs import memo as memos
from ..wording import MAX_TEXT, plural
from . import EXIT_INTERRUPTED, EXIT_USER, State, cli, pass_state
from .ask_io import Dialogue, Saver, Stopped, UndecodableInput, ignore_stop_signals, stop_signals
from .ask_view import View, resumed, status_line, summaries
from .brief import format_brief
from .console import width_of, wrap
from .display import format_recommendation
from .options import date_option, echo_notices

REPEAT = ("help", "invalid", "notice")  # outcomes after which only the prompt is shown again


@cli.command()
@click.option("--save", "save_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FICHIER",
              help="Enregistrer les réponses (YAML) dans FICHIER après chaque réponse.")
@click.option("--no-save", is_flag=True,
              help="N'enregistrer aucun fichier de réponses (sans cette option, elles sont gardées à la fin).")
@click.option("--answers", "answers_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FICHIER",
              help="Reprendre les réponses de FICHIER et ne poser que les questions manquantes.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Format du résultat final (en json, le dialogue passe sur la sortie d'erreur).")
@click.option("--memo", "memo_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FICHIER",
              help="Écrire aussi la note d'orientation (.md, .html ou .pdf) à la fin.")
@click.option("--force", is_flag=True, help="Remplacer un fichier --save ou --memo existant.")
@date_option
@pass_state
def ask(state: State, save_path: Path | None, no_save: bool, answers_path: Path | None, fmt: str,
        memo_path: Path | None, force: bool, as_of: dt.date | None) -> None:
    """Pose le questionnaire en français et recommande des formes de coopération.

    Seules les questions utiles sont posées. Tapez le numéro de votre choix (plusieurs :
    1,3 ; pour modifier une sélection : +2 ou -1), o ou n, un nombre ; 0 ou nsp pour
    « je ne sais pas » quand c'est possible ; ? pour l'aide, < pour revenir à la question
    précédente. Avant le résultat, vous relisez et pouvez modifier chaque réponse. Vos
    réponses sont toujours gardées dans un fichier (sauf --no-save), même si le
    questionnaire est interrompu (Ctrl-C).

    \b
    Exemples :
      advisor ask --save mes-reponses.yaml
      advisor ask --answers mes-reponses.yaml --save mes-reponses.yaml
      advisor ask --format json > resultat.json
    """
    _check_files(save_path, no_save, answers_path, memo_path, force)
    advisor = state.advisor.dated(as_of) if as_of else state.advisor
    read = read_answers(answers_path, advisor.kb) if answers_path else AnswersFile({})
    echo_notices(read.notices)
    raw, description = read.answers, read.description
    interview = Interview(advisor, raw)
    dialogue = Dialogue(state.color, to_stderr=fmt == "json")
    saver = Saver(advisor.kb, save_path, description, enabled=not no_save)
    _introduce(dialogue, interview, answers_path)
    try:
        with stop_signals():
            _run(View(dialogue, interview), dialogue, interview, saver)
            if saver.description is None and (saver.enabled or memo_path is not None):  # somewhere to keep it
                saver.description = _describe(dialogue)
    except (EOFError, KeyboardInterrupt) as stop:
        _stop(interview, saver, state, "Fin de l'entrée : questionnaire interrompu." if isinstance(stop, EOFError)
              else "Questionnaire interrompu.", EXIT_INTERRUPTED)
    except Stopped as stop:
        _stop(interview, saver, state, _signal_message(stop.signum), 128 + stop.signum)
    except UndecodableInput as bad:
        _stop(interview, saver, state, f"Erreur : la ligne {bad.line} de l'entrée n'est pas du texte UTF-8. "
              "Enregistrez le fichier en UTF-8 (dans un éditeur : « Enregistrer sous… », encodage UTF-8), puis "
              "relancez.", EXIT_USER)
    except BaseException:
        _keep(interview, saver, state)  # an internal error: the answers first, then the error is reported
        raise
    saver.save(interview)  # with --save: up to date even if nothing changed (a complete file resumed)
    kept = saver.save_somewhere(interview) if save_path is None or saver.warned else save_path
    try:
        _conclude(state, interview, saver, dialogue, fmt, memo_path, kept)
    except BaseException:
        if kept is not None:
            click.echo(f"Vos réponses sont enregistrées dans {kept}.", err=True)
        raise


def _conclude(state: State, interview: Interview, saver: Saver, dialogue: Dialogue, fmt: str,
              memo_path: Path | None, kept: Path | None) -> None:
    """The verdict (its short block last, where the screen ends), the memo, where the answers are."""
    rec = interview.recommendation()
    dialogue.say()
    if fmt == "json":
        click.echo(rec.model_dump_json(indent=2))
    else:
        width = width_of(sys.stdout)
        click.echo(wrap(format_recommendation(rec, interview.kb, color=state.color), width))
        click.echo()
        click.echo(wrap(format_brief(rec, color=state.color), width))
    if memo_path is not None:
        write_atomic(memo_path, memos.render(interview.kb, rec, memos.memo_format(memo_path),
                                             description=saver.description))
        dialogue.say(f"Note d'orientation écrite dans {memo_path}.")
    if kept is not None:
        dialogue.say(f"Vos réponses sont enregistrées dans {kept}." + (
            "" if kept == saver.path else f" Pour les reprendre : {_resume(state, kept, save=False)}"))
    elif not saver.enabled:
        dialogue.say("Réponses non enregistrées (--no-save).", dim=True)


def _describe(dialogue: Dialogue) -> str | None:
    """The project in one optional line, for the memo (Enter or the end of the input: none)."""
    dialogue.say()
    dialogue.say(memos.DESCRIPTION_PROMPT)
    for _ in range(3):
        try:
            line = dialogue.read()
        except EOFError:
            return None
        try:
            text = memos.one_line(line)
        except EntryError:
            dialogue.say(f"Description trop longue : {MAX_TEXT} caractères au plus, sur une ligne. Recommencez, "
                         "ou appuyez sur Entrée pour passer.")
            continue
        problem = description_problem(text) if text else None
        if problem is None:
            return text
        dialogue.say(f"Description non retenue : {problem}. Recommencez, ou appuyez sur Entrée pour passer.")
    return None


def _check_files(save: Path | None, no_save: bool, answers: Path | None, memo: Path | None, force: bool) -> None:
    """Fail before the first question rather than after the last one."""
    if save is not None and no_save:
        raise click.UsageError("--save et --no-save s'excluent : choisissez l'une des deux options.")
    if memo is not None:
        memos.memo_format(memo)
        check_writable(memo, force)
    if save is not None:
        resuming = answers is not None and save.resolve() == answers.resolve()
        if save.exists() and not force and not resuming:
            raise OutputError(f"{save} existe déjà : reprenez-le avec --answers {save} --save {save}, ajoutez "
                              "--force pour le remplacer, ou choisissez un autre nom.")
        check_writable(save, force=True)


def _introduce(dialogue: Dialogue, interview: Interview, answers_path: Path | None) -> None:
    kb = interview.kb
    dialogue.say(kb.meta.title, bold=True)
    dialogue.say("Tapez votre réponse puis Entrée. À tout moment : « ? » affiche l'aide de la question, "
                 "« < » revient à la question précédente, Ctrl-C arrête en gardant vos réponses.")
    dialogue.say(kb.meta.disclaimer, dim=True)
    if answers_path is not None:
        dialogue.say(resumed(interview, answers_path))
        dialogue.say(status_line(interview.status()))
    if interview.ignored:
        dialogue.say("Réponses ignorées car leur question ne s'applique pas : " + summaries(interview.ignored) + ".")


def _run(view: View, dialogue: Dialogue, interview: Interview, saver: Saver) -> None:
    """Ask until the person confirms the review screen."""
    shown: Any = object()  # what is on screen: a question, None for the review
    outcome = None
    while True:
        question = interview.current()
        repeat = outcome is not None and question is shown and outcome.kind in REPEAT
        if outcome is not None and outcome.kind == "confirm":
            pass  # the confirmation question is on screen
        elif repeat:
            pass  # same question after help or a mistake: only the prompt again
        elif question is None:
            view.review()
        else:
            view.question(question)
        shown = question
        outcome = interview.answer(dialogue.read())
        if outcome.kind == "finish":
            return
        view.outcome(outcome)
        if outcome.changed:
            saver.save(interview)


def _signal_message(signum: int) -> str:
    if signum == getattr(signal, "SIGHUP", None):
        return "Terminal fermé : questionnaire interrompu."
    return "Arrêt demandé par le système : questionnaire interrompu."


def _keep(interview: Interview, saver: Saver, state: State) -> Path | None:
    """Save what was answered and say where, and how to resume (never fails: the terminal may be gone)."""
    ignore_stop_signals()
    path = saver.save_somewhere(interview)
    n = len(interview.answers)
    with contextlib.suppress(OSError):
        if path is not None:
            click.echo(f"{plural(n, 'réponse')} {'enregistrée' if n < 2 else 'enregistrées'} dans {path}.", err=True)
            click.echo(f"Pour reprendre : {_resume(state, path)}", err=True)
        elif not saver.enabled:
            click.echo("Réponses non enregistrées (--no-save).", err=True)
        else:
            click.echo("Aucune réponse donnée : rien à enregistrer.", err=True)
    return path


def _resume(state: State, path: Path, save: bool = True) -> str:
    """The command that resumes from ``path`` (and keeps saving to it)."""
    data_dir = f" --data-dir {shlex.quote(str(state.data_dir))}" if state.data_dir else ""
    quoted = shlex.quote(str(path))
    return f"advisor{data_dir} ask --answers {quoted}" + (f" --save {quoted}" if save else "")


def _stop(interview: Interview, saver: Saver, state: State, message: str, code: int) -> NoReturn:
    """Save what was answered, say why the interview stopped and how to resume, exit with ``code``."""
    with contextlib.suppress(OSError):
        click.echo(err=True)
        click.echo(message, err=True)
    _keep(interview, saver, state)
    raise click.exceptions.Exit(code)

