"""The interview in the browser: home, one question per page, review, result, resume from a file.

Every page works without JavaScript: plain forms posted to the server, which rebuilds the interview
from the state the page carries (``state.py``), applies one move (``flow.py``) and renders the next
page. Answers travel in POST bodies, not in addresses, so they do not end up in access logs; only
the link a person chooses to copy holds them in its query string.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from ..errors import AnswerError, InputFileError
from ..files import MAX_FILE_BYTES, answers_from_data, parse_data
from ..knowledge.models import UNKNOWN, Question
from ..reasoning.advisor import Advisor
from ..wording import answer_text, plural
from .flow import Step, advisor_for, move
from .guard import BodyTooLarge
from .responses import WebError, page, site_of
from .state import FIELD, PageState, StateError, decode, encode

MAX_FIELDS = 200  # a question has at most a few dozen choices


def read_date(text: str | None) -> dt.date | None:
    """A consultation date typed in a form or a link (« 2027-01-15 »); empty means the server's.

    Raises:
        WebError: not a date, in French (400).
    """
    if not text or not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise WebError(400, f"« {text.strip()[:40]} » n'est pas une date AAAA-MM-JJ (par exemple 2027-01-15).",
                       field="date") from None


def read_state(token: str | None) -> PageState:
    """The state a page or a link carries.

    Raises:
        WebError: unreadable (400), in French.
    """
    try:
        return decode(token)
    except StateError as err:
        raise WebError(400, f"Impossible de reprendre le questionnaire : {err} Recommencez depuis l'accueil, "
                             "ou reprenez votre fichier de réponses.") from None


async def read_form(request: Request, files: int = 0) -> FormData:
    """The posted form, bounded in fields and files.

    Raises:
        WebError: not a form, or too many fields (400).
    """
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise WebError(415, "Cette adresse attend un formulaire de la page, pas un autre type de contenu.")
    try:
        return await request.form(max_files=files, max_fields=MAX_FIELDS, max_part_size=MAX_FILE_BYTES + 1024)
    except BodyTooLarge:
        raise
    except Exception:  # noqa: BLE001 - starlette reports malformed multipart bodies as HTTP 400 in English
        raise WebError(400, "Le formulaire envoyé est mal formé ou trop chargé : rechargez la page et "
                            "réessayez.") from None


def text_field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def dated_advisor(request: Request, state: PageState) -> Advisor:
    site = site_of(request)
    return advisor_for(site.advisor.dated(site.today()), state)


def interview_step(request: Request, state: PageState, action: str, values: Sequence[str] = (),
                   target: str = "") -> Step:
    """One move, off the event loop's thread (the rules engine is synchronous).

    Raises:
        WebError: an answer carried by the page does not fit its question (422).
    """
    try:
        return move(dated_advisor(request, state), state, action, values, target)
    except AnswerError as err:
        raise WebError(422, f"Impossible de reprendre le questionnaire : {err}", question=err.question) from None


# --- routes ------------------------------------------------------------------------------

async def home(request: Request) -> Response:
    kb = site_of(request).kb
    examples = [(name, kb.example(name).description) for name in kb.example_names()]
    return page(request, "home.html.j2", title="Accueil", section="accueil", examples=examples)


async def start(request: Request) -> Response:
    """GET /questionnaire: a new interview, an example, or the state of a copied link (``etat``)."""
    params = request.query_params
    state = read_state(params.get(FIELD))
    as_of = read_date(params.get("date")) or state.as_of
    name = params.get("exemple")
    if name:
        kb = site_of(request).kb
        if name not in kb.example_names():
            raise WebError(404, f"Exemple inconnu : « {name[:60]} ». Exemples : {', '.join(kb.example_names())}.")
        found = kb.example(name)
        state = PageState(answers=dict(found.answers), description=found.description)
    state = state.model_copy(update={"as_of": as_of})
    step = await run_in_threadpool(interview_step, request, state, "afficher")
    return await show(request, step)


async def submit(request: Request) -> Response:
    """POST /questionnaire: one move of the interview (answer, « je ne sais pas », back, review, result)."""
    form = await read_form(request)
    state = read_state(text_field(form, FIELD))
    action, _, target = text_field(form, "action").partition(":")
    values = [v for v in form.getlist("reponse") if isinstance(v, str)]
    step = await run_in_threadpool(interview_step, request, state, action or "continuer", values, target)
    return await show(request, step)


async def result(request: Request) -> Response:
    """GET /resultat: the result of a copied link (the current question if it is not complete)."""
    state = read_state(request.query_params.get(FIELD))
    step = await run_in_threadpool(interview_step, request, state, "resultat")
    return await show(request, step)


async def resume_file(request: Request) -> Response:
    """POST /reprendre: an answers file uploaded (as written by ``advisor ask --save``) → where it stops."""
    form = await read_form(request, files=1)
    upload = form.get("fichier")
    as_of = read_date(text_field(form, "date"))
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise WebError(422, "Choisissez le fichier de réponses à reprendre (YAML ou JSON).", field="fichier")
    label = Path(file_label(upload.filename))  # names the file in messages; never opened
    data = await upload.read(MAX_FILE_BYTES + 1)
    try:
        read = answers_from_data(parse_data(data, label, aliases=False), label, site_of(request).kb)
        answers, description = read.answers, read.description
    except InputFileError as err:
        raise WebError(422, f"Ce fichier ne peut pas être repris. {err}", field="fichier") from None
    state = PageState(answers=answers, description=description, as_of=as_of)
    step = await run_in_threadpool(interview_step, request, state, "afficher")
    given = len(step.interview.answers)
    notice = f"Réponses reprises de « {label.name} » : {plural(given, 'réponse')}."
    if step.interview.ignored:
        notice += (" Réponses laissées de côté car leur question ne s'applique pas : "
                   + " ; ".join(q.summary for q in step.interview.ignored) + ".")
    return await show(request, step, notice)


def file_label(name: str) -> str:
    """The last part of an uploaded file's name, printable and short (a label, not a path)."""
    last = PurePosixPath(name.replace("\\", "/")).name
    cleaned = "".join(ch for ch in last if ch.isprintable())[:80]
    return cleaned or "fichier"


# --- rendering a step ------------------------------------------------------------------------

async def show(request: Request, step: Step, notice: str | None = None) -> Response:
    """The page of a step: the question, the review or the result."""
    token = encode(step.state)
    link = f"{request.base_url}{'resultat' if step.kind == 'result' else 'questionnaire'}?{FIELD}={token}"
    interview = step.interview
    outcome = step.outcome
    common: dict[str, Any] = {
        "token": token, "link": link, "notice": notice or (outcome.message if outcome else None),
        "dropped": outcome.dropped if outcome else [], "section": "questionnaire", "as_of": step.state.as_of,
    }
    if step.kind == "result":
        rec = await run_in_threadpool(interview.recommendation)
        return page(request, "result.html.j2", title="Votre recommandation", rec=rec,
                    description=step.state.description, **common)
    if step.kind == "review":
        return page(request, "review.html.j2", title="Relecture de vos réponses", items=interview.review(),
                    **common)
    question = interview.current()
    assert question is not None
    status = await run_in_threadpool(interview.status)
    progress = interview.progress()
    value = interview.answers.get(question.id)
    return page(request, "question.html.j2", 422 if step.error else 200,
                title=f"Question {progress.number} : {question.text}", question=question, progress=progress,
                error=step.error, checked=step.given or form_values(question, value),
                current=answer_text(question, value) if question.id in interview.answers else None,
                status=status, changed=outcome.status if outcome else None,
                can_back=bool(interview.history or interview.answers or interview.skipped), **common)


def form_values(question: Question, value: Any) -> list[str]:
    """An answer as the values of its form field (to check the boxes of an answer already given)."""
    if value is None or value == UNKNOWN:
        return []
    if isinstance(value, bool):
        return ["oui" if value else "non"]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]

