"""``advisor ask``: the screens — a question, the review, what an answer changed — in French.

Said once, not after every answer (issue 12): the « En lice » line only when it changes, and the
notice that the remaining questions can no longer change the verdict only when it becomes true,
saying exactly what they can still change.
"""

from __future__ import annotations

from ..interview.entry import numbered_choices
from ..interview.session import Interview, Outcome, Status
from ..knowledge.models import Question
from ..wording import plural
from .ask_io import Dialogue


class View:
    """The screens of one interview, and what was last shown (to say things once)."""

    def __init__(self, dialogue: Dialogue, interview: Interview) -> None:
        self.say = dialogue.say
        self.interview = interview
        self.last_status = status_line(interview.status())

    def question(self, question: Question) -> None:
        interview = self.interview
        progress = interview.progress()
        if progress.again:
            where = "déjà répondue : Entrée garde la réponse"
        elif progress.remaining == 0:
            where = "sans doute la dernière"
        else:
            where = f"environ {progress.remaining} {'restante' if progress.remaining == 1 else 'restantes'}"
        if progress.opened and not progress.again:
            where += (f" (votre réponse précédente en a ouvert {progress.opened})" if progress.opened > 1
                      else " (votre réponse précédente en a ouvert une)")
        self.say()
        self.say(f"Question {progress.number} — {where}", dim=True)
        self.say(question.text, bold=True)
        for number, label in numbered_choices(question):
            self.say(f"  {number}. {label}")
        if question.type in ("single", "multiple", "boolean") and question.allow_unknown:
            self.say("  0. Je ne sais pas")
        current = interview.answers.get(question.id)
        if question.type == "multiple" and isinstance(current, list):
            numbers = [str(n) for n, c in enumerate(question.choices, start=1) if c.id in current]
            self.say(f"  Sélection actuelle : {','.join(numbers)}")
        self.say(f"  ({interview.prompt_hint(question)})", dim=True)

    def review(self) -> None:
        self.say()
        self.say("Relecture de vos réponses", bold=True)
        for item in self.interview.review():
            self.say(f"  {item.number}. {item.question.summary} : {item.value}")
        self.say("Tapez le numéro d'une réponse pour la modifier, ou Entrée pour voir la recommandation "
                 "(< = question précédente).", dim=True)

    def confirm(self, outcome: Outcome) -> None:
        self.say(outcome.message or "", fg="yellow")
        if outcome.question is not None:
            self.say(f"  ({self.interview.prompt_hint(outcome.question)})", dim=True)

    def outcome(self, outcome: Outcome) -> None:
        if outcome.kind == "help":
            self.say(f"Aide : {outcome.message}", fg="cyan")
        elif outcome.kind in ("invalid", "notice", "to_review", "cancelled"):
            self.say(outcome.message or "", fg="yellow")
        elif outcome.kind == "back" and outcome.message:
            self.say(outcome.message)
        elif outcome.kind == "confirm":
            self.confirm(outcome)
            return
        if outcome.dropped:
            self.say("Réponses retirées car leur question ne s'applique plus : " + summaries(outcome.dropped)
                     + ". Elles reviendront si vous rétablissez la réponse d'avant.", fg="yellow")
        if outcome.restored:
            self.say("Réponses rétablies, car leur question s'applique de nouveau : " + summaries(outcome.restored)
                     + ".", fg="green")
        if outcome.status is not None:
            self.status(outcome.status)

    def status(self, status: Status) -> None:
        line = status_line(status)
        if line != self.last_status or status.restored:
            self.say(line + ("" if not status.restored else " · de nouveau en lice : "
                             + ", ".join(f.short_label for f in status.restored)))
            self.last_status = line
        for excluded in status.excluded:
            why = " ; ".join(r.text for r in excluded.reasons)
            self.say(f"  ✗ {excluded.short_label} écartée : {why}", fg="red")
        if status.newly_settled:
            self.say("  " + settled_notice(status), fg="cyan")


def status_line(status: Status) -> str:
    """« → En lice (6 sur 7) : GME, GES… · en tête : GME »."""
    names = ", ".join(f.short_label for f in status.in_play) or "aucune forme"
    line = f"  → En lice ({len(status.in_play)} sur {status.total}) : {names}"
    if status.leader is not None:
        line += f" · en tête : {status.leader.short_label}"
    return line


def settled_notice(status: Status) -> str:
    """What the remaining questions can no longer change, and what they still can (form, variant, warnings)."""
    leader = status.leader
    form = f"la forme recommandée ({leader.short_label})" if leader is not None else \
        "la conclusion (aucune forme ne se dégage)"
    fixed = [form] + (["sa variante"] if leader is not None and leader.variants else [])
    warnings = status.still_open is not None and status.still_open.warnings
    if warnings:
        head = "Les questions restantes ne peuvent plus changer " + " ni ".join(fixed)
        head += " ; elles peuvent encore ajouter ou retirer des points de vigilance."
    else:
        head = "Les questions restantes ne peuvent plus rien changer : ni " + ", ni ".join(fixed + [
            "les points de vigilance"]) + "."
    return head + " Tapez « fin » pour passer à la relecture, ou continuez."


def summaries(questions: list[Question]) -> str:
    return " ; ".join(q.summary for q in questions)


def resumed(interview: Interview, path: object) -> str:
    n = len(interview.answers)
    return f"Reprise de {path} : {plural(n, 'réponse')} déjà {'donnée' if n < 2 else 'données'}."
