"""``advisor ask``: the interactive interview, a thin loop of prompts and prints over ``Interview``.

The answers are written after every change when ``--save`` is given, and always on Ctrl-C or end
of input (to a default file otherwise), so that nothing typed is ever lost. When standard input is
not a terminal, answers are read one per line and echoed, so a piped session reads like a transcript.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any, NoReturn

import click

from ..errors import AdvisorError, OutputError
from ..files import AnswersFile, check_writable, dump_answers, read_answers, write_atomic
from ..interview.session import Interview, Outcome, Status
from ..knowledge.base import KnowledgeBase
from ..knowledge.models import Question
from ..outputs import memo as memos
from ..wording import plural
from . import EXIT_INTERRUPTED, State, cli, pass_state
from .display import Style, format_recommendation
from .options import date_option, echo_notices

PROMPT = "> "


class Console:
    """Where the dialogue goes (stderr when stdout carries JSON) and how lines are read."""

    def __init__(self, color: bool, to_stderr: bool) -> None:
        self.style = Style(color)
        self.err = to_stderr
        if sys.stdin.isatty():
            with contextlib.suppress(ImportError):  # line editing (arrows, history) where available
                import readline  # noqa: F401

    def say(self, text: str = "", **styles: Any) -> None:
        click.echo(self.style(text, **styles) if styles else text, err=self.err)

    def read(self) -> str:
        """One typed line; ``EOFError`` at the end of input, ``KeyboardInterrupt`` on Ctrl-C."""
        stdin = sys.stdin
        if stdin.isatty():
            if self.err:
                click.echo(PROMPT, nl=False, err=True)
                return input()
            return input(PROMPT)
        click.echo(PROMPT, nl=False, err=self.err)
        line = stdin.readline()
        if not line:
            click.echo(err=self.err)
            raise EOFError
        line = line.rstrip("\r\n")
        click.echo(line, err=self.err)  # a piped session then reads like a transcript
        return line


class Saver:
    """Writes the answers file (atomically) after each change, and a default file on interruption."""

    def __init__(self, kb: KnowledgeBase, path: Path | None, description: str | None) -> None:
        self.kb = kb
        self.path = path
        self.description = description
        self.warned = False

    def text(self, interview: Interview) -> str:
        return dump_answers(self.kb, interview.answers_to_save(), self.description)

    def save(self, interview: Interview) -> None:
        if self.path is None:
            return
        try:
            write_atomic(self.path, self.text(interview))
        except OutputError as err:
            if not self.warned:
                click.echo(f"Attention : {err} Vos réponses seront enregistrées ailleurs en cas d'arrêt.", err=True)
                self.warned = True

    def save_somewhere(self, interview: Interview) -> Path | None:
        """Save on interruption: to --save, else to a new file in the current (or temporary) folder."""
        text = self.text(interview)
        candidates = [] if self.path is None or self.warned else [self.path]
        if not candidates and not interview.answers:
            return None  # nothing worth a new file (at most a few optional questions skipped)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        candidates += [_free_path(folder / f"reponses-conseiller-{stamp}.yaml")
                       for folder in (Path.cwd(), Path(tempfile.gettempdir()))]
        for path in candidates:
            try:
                write_atomic(path, text)
                return path
            except OutputError:
                continue
        click.echo("Impossible d'enregistrer vos réponses dans un fichier ; les voici :\n" + text, err=True)
        return None


def _free_path(path: Path) -> Path:
    n = 2
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


@cli.command()
@click.option("--save", "save_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FICHIER",
              help="Enregistrer les réponses (YAML) dans FICHIER après chaque réponse.")
@click.option("--answers", "answers_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FICHIER",
              help="Reprendre les réponses de FICHIER et ne poser que les questions manquantes.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Format du résultat final (en json, le dialogue passe sur la sortie d'erreur).")
@click.option("--memo", "memo_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FICHIER",
              help="Écrire aussi la note d'orientation (.md, .html ou .pdf) à la fin.")
@click.option("--force", is_flag=True, help="Remplacer un fichier --save ou --memo existant.")
@date_option
@pass_state
def ask(state: State, save_path: Path | None, answers_path: Path | None, fmt: str, memo_path: Path | None,
        force: bool, as_of: dt.date | None) -> None:
    """Pose le questionnaire en français et recommande des formes de coopération.

    Seules les questions utiles sont posées. Tapez le numéro de votre choix (plusieurs :
    1,3), o ou n, un nombre ; 0 ou nsp pour « je ne sais pas » quand c'est possible ;
    ? pour l'aide, < pour revenir à la question précédente. Avant le résultat, vous
    relisez et pouvez modifier chaque réponse. Ctrl-C arrête en gardant vos réponses.

    \b
    Exemples :
      advisor ask --save mes-reponses.yaml
      advisor ask --answers mes-reponses.yaml --save mes-reponses.yaml
      advisor ask --format json > resultat.json
    """
    _check_files(save_path, answers_path, memo_path, force)
    advisor = state.advisor.dated(as_of) if as_of else state.advisor
    read = read_answers(answers_path, advisor.kb) if answers_path else AnswersFile({})
    echo_notices(read.notices)
    raw, description = read.answers, read.description
    interview = Interview(advisor, raw)
    console = Console(state.color, to_stderr=fmt == "json")
    saver = Saver(advisor.kb, save_path, description)
    _introduce(console, interview, answers_path)
    try:
        _run(console, interview, saver)
    except (EOFError, KeyboardInterrupt) as stop:
        _interrupted(interview, saver, state, isinstance(stop, EOFError))
    rec = interview.recommendation()
    console.say()
    if fmt == "json":
        click.echo(rec.model_dump_json(indent=2))
    else:
        click.echo(format_recommendation(rec, advisor.kb, color=state.color))
    if memo_path is not None:
        _write_memo(memo_path, interview, rec, saver, console)
    if save_path is not None:
        kept = saver.save_somewhere(interview) if saver.warned else save_path
        console.say(f"Vos réponses sont enregistrées dans {kept}." if kept else "")
    else:
        console.say("Astuce : ajoutez --save FICHIER pour garder vos réponses et les reprendre plus tard.", dim=True)


def _check_files(save: Path | None, answers: Path | None, memo: Path | None, force: bool) -> None:
    """Fail before the first question rather than after the last one."""
    if memo is not None:
        memos.memo_format(memo)
        check_writable(memo, force)
    if save is not None:
        resuming = answers is not None and save.resolve() == answers.resolve()
        if save.exists() and not force and not resuming:
            raise OutputError(f"{save} existe déjà : reprenez-le avec --answers {save} --save {save}, ajoutez "
                              "--force pour le remplacer, ou choisissez un autre nom.")
        check_writable(save, force=True)


def _introduce(console: Console, interview: Interview, answers_path: Path | None) -> None:
    kb = interview.kb
    console.say(kb.meta.title, bold=True)
    console.say("Tapez votre réponse puis Entrée. À tout moment : « ? » affiche l'aide de la question, "
                "« < » revient à la question précédente, Ctrl-C arrête en gardant vos réponses.")
    console.say(kb.meta.disclaimer, dim=True)
    if answers_path is not None:
        console.say(f"Reprise de {answers_path} : {plural(len(interview.answers), 'réponse')} déjà "
                    f"{'donnée' if len(interview.answers) < 2 else 'données'}.")
        console.say(_status_line(interview.status()))
    if interview.ignored:
        console.say("Réponses ignorées car leur question ne s'applique pas : " + _summaries(interview.ignored) + ".")


def _run(console: Console, interview: Interview, saver: Saver) -> None:
    """Ask until the person confirms the review screen."""
    repeat = False
    while True:
        question = interview.current()
        if repeat:
            pass  # same question after help or a mistake: only the prompt again
        elif question is None:
            _show_review(console, interview)
        else:
            _show_question(console, interview, question)
        outcome = interview.answer(console.read())
        repeat = outcome.kind in ("help", "invalid", "notice")
        if outcome.kind == "finish":
            return
        _show_outcome(console, outcome)
        if outcome.changed:
            saver.save(interview)


def _show_question(console: Console, interview: Interview, question: Question) -> None:
    progress = interview.progress()
    left = ("sans doute la dernière" if progress.remaining == 0
            else f"environ {progress.remaining} {'restante' if progress.remaining == 1 else 'restantes'}")
    console.say()
    console.say(f"Question {progress.number} — {left}", dim=True)
    console.say(question.text, bold=True)
    for number, choice in enumerate(question.choices, start=1):
        console.say(f"  {number}. {choice.label}")
    if question.choices and question.allow_unknown:
        console.say("  0. Je ne sais pas")
    console.say(f"  ({interview.prompt_hint(question)})", dim=True)


def _show_review(console: Console, interview: Interview) -> None:
    console.say()
    console.say("Relecture de vos réponses", bold=True)
    for item in interview.review():
        console.say(f"  {item.number}. {item.question.summary} : {item.value}")
    console.say("Tapez le numéro d'une réponse pour la modifier, ou Entrée pour voir la recommandation "
                "(< = question précédente).", dim=True)


def _show_outcome(console: Console, outcome: Outcome) -> None:
    if outcome.kind == "help":
        console.say(f"Aide : {outcome.message}", fg="cyan")
    elif outcome.kind in ("invalid", "notice"):
        console.say(outcome.message or "", fg="yellow")
    elif outcome.kind == "back" and outcome.message:
        console.say(outcome.message)
    if outcome.dropped:
        console.say("Réponses retirées car leur question ne s'applique plus : " + _summaries(outcome.dropped) + ".",
                    fg="yellow")
    if outcome.status is not None:
        console.say(_status_line(outcome.status))
        for excluded in outcome.status.excluded:
            why = " ; ".join(r.text for r in excluded.reasons)
            console.say(f"  ✗ {excluded.short_label} écartée : {why}", fg="red")
        if outcome.status.settled:
            console.say("  Les questions restantes ne peuvent plus changer la forme recommandée : tapez « fin » "
                        "pour passer à la relecture, ou continuez pour affiner les points de vigilance.", fg="cyan")


def _status_line(status: Status) -> str:
    """« → En lice (6 sur 7) : GME, GES… · en tête : GME », plus the forms back in play."""
    names = ", ".join(f.short_label for f in status.in_play) or "aucune forme"
    line = f"  → En lice ({len(status.in_play)} sur {status.total}) : {names}"
    if status.leader is not None:
        line += f" · en tête : {status.leader.short_label}"
    if status.restored:
        line += " · de nouveau en lice : " + ", ".join(f.short_label for f in status.restored)
    return line


def _summaries(questions: list[Question]) -> str:
    return " ; ".join(q.summary for q in questions)


def _interrupted(interview: Interview, saver: Saver, state: State, end_of_input: bool) -> NoReturn:
    """Save what was answered, say how to resume, exit 130 (no traceback)."""
    click.echo(err=True)
    click.echo("Fin de l'entrée : questionnaire interrompu." if end_of_input else "Questionnaire interrompu.",
               err=True)
    path = saver.save_somewhere(interview)
    n = len(interview.answers)
    if path is None:
        click.echo("Aucune réponse donnée : rien à enregistrer.", err=True)
    else:
        click.echo(f"{plural(n, 'réponse')} {'enregistrée' if n < 2 else 'enregistrées'} dans {path}.", err=True)
        data_dir = f" --data-dir {shlex.quote(str(state.data_dir))}" if state.data_dir else ""
        quoted = shlex.quote(str(path))
        click.echo(f"Pour reprendre : advisor{data_dir} ask --answers {quoted} --save {quoted}", err=True)
    raise click.exceptions.Exit(EXIT_INTERRUPTED)


def _write_memo(path: Path, interview: Interview, rec: Any, saver: Saver, console: Console) -> None:
    """Write the memo of the verdict shown; if that fails (e.g. no PDF support), keep the answers."""
    try:
        write_atomic(path, memos.render(interview.kb, rec, memos.memo_format(path), description=saver.description))
    except AdvisorError:
        if saver.path is None:
            kept = saver.save_somewhere(interview)
            if kept is not None:
                click.echo(f"Vos réponses sont enregistrées dans {kept}.", err=True)
        raise
    console.say(f"Note d'orientation écrite dans {path}.")
