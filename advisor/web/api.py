"""The HTTP API for other tools (a network's website, an inclusion platform): JSON in, JSON out.

Bodies use the vocabulary of answers files (``answers``, ``description``, ``knowledge_base_version``)
plus ``as_of``, the consultation date. ``/api/advise`` returns the library's ``Recommendation``
as JSON, unchanged. Errors are JSON bodies in French that name the question and what it accepts:
HTTP 400 for a body that is not JSON, 413 over the size limit, 415 without a JSON content type, 422
for a body or an answer that does not fit.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..errors import AnswerError, PdfUnavailableError
from ..interview.session import Interview
from ..knowledge.base import KnowledgeBase
from ..knowledge.models import UNKNOWN, Question
from ..outputs import memo
from ..reasoning.advisor import Advisor
from .responses import WebError, site_of
from .state import MAX_DESCRIPTION

Body = TypeVar("Body", bound=BaseModel)


class AnswersRequest(BaseModel):
    """A situation, as in an answers file, and the date of the consultation."""

    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Any] = Field(description="Identifiant de question → réponse, comme dans un fichier de "
                                                "réponses (schéma : /api/schemas/answers.json).")
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    knowledge_base_version: str | None = Field(default=None, max_length=60,
                                               description="Version de la base pour laquelle les réponses ont "
                                                           "été écrites (information seulement).")
    as_of: dt.date | None = Field(default=None, description="Date de consultation AAAA-MM-JJ : le droit à cette "
                                                            "date (par défaut : aujourd'hui).")


class AdviseRequest(AnswersRequest):
    """``POST /api/advise``."""

    explain: bool = Field(default=True, description="Calculer aussi ce qui changerait la recommandation (changes).")


class MemoRequest(AnswersRequest):
    """``POST /api/memo``."""

    format: Literal["html", "pdf"] = Field(default="html", description="Format de la note d'orientation.")


class NextQuestionRequest(AnswersRequest):
    """``POST /api/next-question``."""


class Progress(BaseModel):
    """Question number and an estimate of the relevant questions after it."""

    number: int
    remaining: int


class NextQuestionResponse(BaseModel):
    """The next question to ask, or none when every relevant question has an answer."""

    complete: bool
    question: Question | None
    progress: Progress | None
    answers: dict[str, Any] = Field(description="Les réponses retenues, normalisées.")
    ignored_answers: list[str] = Field(description="Réponses laissées de côté : leur question ne s'applique pas.")


class QuestionsResponse(BaseModel):
    """Every question of the knowledge base, in file order."""

    knowledge_base_version: str
    questions: list[Question]


class ErrorBody(BaseModel):
    """An error, in French; for an answer, the question and what it accepts."""

    status: int
    message: str
    field: str | None = None
    question: str | None = None
    value: Any = None
    allowed: str | None = None
    allowed_values: list[Any] | None = None


# --- reading bodies ------------------------------------------------------------------------------

async def read_json(request: Request, model: type[Body]) -> Body:
    """The JSON body, checked against ``model``.

    Raises:
        WebError: 415 not JSON, 400 unreadable, 422 not the expected shape (French, naming the field).
    """
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json" and not kind.endswith("+json"):
        raise WebError(415, "Envoyez un corps JSON, avec l'en-tête « Content-Type: application/json ».")
    raw = await request.body()
    if not raw.strip():
        raise WebError(400, 'Le corps de la requête est vide : envoyez un objet JSON, par exemple {"answers": {}}.')
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        raise WebError(400, f"Le corps n'est pas du JSON valide (ligne {err.lineno}, colonne {err.colno}).") from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise WebError(400, "Le corps n'est pas du JSON lisible (encodage, imbrication ou nombre démesurés).") from None
    if not isinstance(data, dict):
        raise WebError(422, 'Le corps doit être un objet JSON, par exemple {"answers": {"goals": ["market"]}}.')
    try:
        return model.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise WebError(422, french_problem(first, where, model), field=where) from None


def french_problem(error: Any, where: str, model: type[BaseModel]) -> str:
    """One pydantic error as a French sentence naming the field."""
    kind = str(error["type"])
    if kind == "missing":
        return f"Champ obligatoire manquant : « {where} »."
    if kind == "extra_forbidden":
        return f"Champ inconnu : « {where} ». Champs possibles : {', '.join(model.model_fields)}."
    if kind.startswith("date"):
        return f"« {where} » : une date AAAA-MM-JJ est attendue (par exemple 2027-01-15)."
    if kind.startswith("dict"):
        return f'« {where} » : un objet JSON est attendu, par exemple {{"goals": ["market"]}}.'
    if kind.startswith("bool"):
        return f"« {where} » : true ou false est attendu."
    if kind == "literal_error":
        return f"« {where} » : valeurs possibles : {error.get('ctx', {}).get('expected', '')}."
    if kind == "string_too_long":
        return f"« {where} » : texte trop long ({error.get('ctx', {}).get('max_length')} caractères au plus)."
    if kind.startswith("string"):
        return f"« {where} » : un texte est attendu."
    return f"« {where} » : valeur non acceptée."


def answer_problem(kb: KnowledgeBase, err: AnswerError) -> WebError:
    """An answer that does not fit: 422, naming the question, the value and the values allowed."""
    question = kb.questions.get(err.question)
    extra: dict[str, Any] = {"field": f"answers.{err.question}", "question": err.question, "allowed": err.allowed}
    short = isinstance(err.value, list) and len(err.value) < 50
    if short or isinstance(err.value, (str, int, float, bool, type(None))):
        extra["value"] = err.value
    if question is None:
        extra["allowed_values"] = list(kb.questions)
    else:
        extra["allowed_values"] = allowed_values(question)
    return WebError(422, f"Réponse refusée : {err}", **extra)


def allowed_values(question: Question) -> list[Any] | None:
    """The values a question accepts, when they can be listed (choices, yes/no)."""
    unknown = [UNKNOWN] if question.allow_unknown else []
    if question.choices:
        return [c.id for c in question.choices] + unknown
    if question.type == "boolean":
        return [True, False, "oui", "non"] + unknown
    return None


# --- routes ----------------------------------------------------------------------------------------

def dated(request: Request, as_of: dt.date | None) -> Advisor:
    site = site_of(request)
    return site.advisor.dated(as_of or site.today())


async def questions(request: Request) -> Response:
    """GET /api/questions."""
    kb = site_of(request).kb
    body = QuestionsResponse(knowledge_base_version=kb.meta.version, questions=list(kb.questions.values()))
    return JSONResponse(body.model_dump(mode="json", by_alias=True, exclude_none=True))


async def advise(request: Request) -> Response:
    """POST /api/advise: the ``Recommendation`` of the answers, as the library returns it."""
    body = await read_json(request, AdviseRequest)
    advisor = dated(request, body.as_of)
    try:
        rec = await run_in_threadpool(advisor.advise, body.answers, body.explain)
    except AnswerError as err:
        raise answer_problem(advisor.kb, err) from None
    return JSONResponse(rec.model_dump(mode="json"))


async def next_question(request: Request) -> Response:
    """POST /api/next-question: the question the interview would ask next (``null`` when complete)."""
    body = await read_json(request, NextQuestionRequest)
    advisor = dated(request, body.as_of)

    def ask() -> NextQuestionResponse:
        interview = Interview(advisor, body.answers)
        question = interview.current()
        progress = interview.progress() if question is not None else None
        return NextQuestionResponse(
            complete=question is None, question=question,
            progress=Progress(number=progress.number, remaining=progress.remaining) if progress else None,
            answers=interview.answers, ignored_answers=[q.id for q in interview.ignored])

    try:
        result = await run_in_threadpool(ask)
    except AnswerError as err:
        raise answer_problem(advisor.kb, err) from None
    data = result.model_dump(mode="json", by_alias=True)
    if result.question is not None:
        data["question"] = result.question.model_dump(mode="json", by_alias=True, exclude_none=True)
    return JSONResponse(data)


async def memo_file(request: Request) -> Response:
    """POST /api/memo: the memo of the answers, in HTML or PDF."""
    body = await read_json(request, MemoRequest)
    advisor = dated(request, body.as_of)
    today = site_of(request).today()

    def render() -> str | bytes:
        rec = advisor.advise(body.answers, explain=True)
        return memo.render(advisor.kb, rec, body.format, description=body.description, today=today)

    try:
        rendered = await run_in_threadpool(render)
    except AnswerError as err:
        raise answer_problem(advisor.kb, err) from None
    except PdfUnavailableError as err:
        raise WebError(503, f"La note en PDF ne peut pas être produite sur ce serveur : {err}") from None
    media = "application/pdf" if body.format == "pdf" else "text/html; charset=utf-8"
    return Response(rendered, media_type=media, headers={
        "content-disposition": f'attachment; filename="note-orientation.{body.format}"', "cache-control": "no-store"})
