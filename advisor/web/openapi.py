"""The API described for machines: an OpenAPI 3.1 document and standalone JSON Schemas.

Schemas come from the pydantic models (the ``Recommendation`` of the library, the request and
response bodies of ``api.py``) and, for the answers, from the questions of the knowledge base, so
they cannot drift from what the server does.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import JsonSchemaMode
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..knowledge.base import KnowledgeBase
from ..reasoning.result import Recommendation
from ..wording import MAX_TEXT
from . import api
from .responses import WebError, base_path, page, site_of

DIALECT = "https://json-schema.org/draft/2020-12/schema"
REQUESTS: dict[str, type] = {"advise-request": api.AdviseRequest, "memo-request": api.MemoRequest,
                                        "next-question-request": api.NextQuestionRequest}
RESPONSES: dict[str, type] = {"recommendation": Recommendation, "questions": api.QuestionsResponse,
                                         "next-question-response": api.NextQuestionResponse, "error": api.ErrorBody}


def answers_schema(kb: KnowledgeBase) -> dict[str, Any]:
    """The answers object: one property per question, with the values it accepts in their canonical form.

    The server also accepts choice labels and « oui »/« non », without regard to case, as files do.
    """
    properties: dict[str, Any] = {}
    for question in kb.questions.values():
        ids = [c.id for c in question.choices]
        match question.type:
            case "single":
                base: dict[str, Any] = {"type": "string", "enum": ids}
            case "multiple":
                base = {"type": "array", "items": {"type": "string", "enum": ids}, "uniqueItems": True}
            case "boolean":
                base = {"type": "boolean"}
            case "number":
                base = {"type": "integer"}
                if question.min is not None:
                    base["minimum"] = question.min
                if question.max is not None:
                    base["maximum"] = question.max
            case _:
                base = {"type": "string", "maxLength": MAX_TEXT}
        options = [base, {"type": "null"}] + ([{"const": "unknown"}] if question.allow_unknown else [])
        properties[question.id] = {"title": question.summary, "description": question.text, "anyOf": options}
    return {"$schema": DIALECT, "title": "Réponses au questionnaire", "type": "object", "properties": properties,
            "additionalProperties": False,
            "description": "Identifiant de question → réponse. « unknown » : je ne sais pas (quand la question le "
                           f"permet) ; null : pas de réponse. Base de connaissances {kb.meta.version}."}


def _components(kb: KnowledgeBase) -> dict[str, Any]:
    # Responses include the library's records (plain dataclasses), hence adapters rather than models.
    models: list[tuple[type, JsonSchemaMode, TypeAdapter[Any]]] = [
        (m, "validation", TypeAdapter(m)) for m in REQUESTS.values()]
    models += [(m, "serialization", TypeAdapter(m)) for m in RESPONSES.values()]
    _, top = TypeAdapter.json_schemas(models, ref_template="#/components/schemas/{model}")
    components: dict[str, Any] = top["$defs"]
    for model in REQUESTS.values():
        components[model.__name__]["properties"]["answers"] = {"$ref": "#/components/schemas/Answers"}
    answers = answers_schema(kb)
    answers.pop("$schema")
    components["Answers"] = answers
    return components


def standalone(kb: KnowledgeBase, name: str) -> dict[str, Any]:
    """One schema with the definitions it refers to, for a validator (``/api/schemas/<name>.json``).

    Raises:
        KeyError: an unknown name.
    """
    if name == "answers":
        return answers_schema(kb)
    model = {**REQUESTS, **RESPONSES}[name]
    components = copy.deepcopy(_components(kb))
    schema = components.pop(model.__name__)
    needed: set[str] = set()
    todo = _refs(schema)
    while todo:  # every definition reachable from the schema
        key = todo.pop()
        if key not in needed:
            needed.add(key)
            todo |= _refs(components[key])
    result: dict[str, Any] = _rewrite_refs({"$schema": DIALECT, **schema,
                                            "$defs": {k: components[k] for k in sorted(needed)}})
    return result


def _refs(node: Any) -> set[str]:
    """The component names a schema refers to."""
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[1]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: (v.replace("#/components/schemas/", "#/$defs/") if k == "$ref" and isinstance(v, str)
                    else _rewrite_refs(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in node]
    return node


def _json_body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _reply(schema: str, text: str) -> dict[str, Any]:
    reference = {"$ref": f"#/components/schemas/{schema}"}
    return {"description": text, "content": {"application/json": {"schema": reference}}}


ERRORS = {status: _reply("ErrorBody", text) for status, text in (
    ("400", "Corps illisible (pas du JSON)."), ("413", "Corps trop volumineux."),
    ("415", "Corps qui n'est pas déclaré en JSON."),
    ("422", "Corps ou réponse qui ne convient pas : le message nomme la question et les valeurs permises."))}


def openapi_document(kb: KnowledgeBase, server: str) -> dict[str, Any]:
    """The OpenAPI 3.1 description of the API."""
    memo_types = {"text/html": {"schema": {"type": "string"}},
                  "application/pdf": {"schema": {"type": "string", "contentMediaType": "application/pdf"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Conseiller en coopération — API", "version": kb.meta.version,
                 "description": "Recommandations de formes de coopération pour les SIAE et les entreprises adaptées. "
                                "Les réponses s'écrivent comme dans un fichier de réponses ; les messages d'erreur "
                                "sont en français."},
        "servers": [{"url": server or "/"}],
        "paths": {
            "/api/questions": {"get": {"summary": "Les questions et leurs choix", "operationId": "questions",
                                       "responses": {"200": _reply("QuestionsResponse", "Les questions.")}}},
            "/api/next-question": {"post": {
                "summary": "La prochaine question à poser", "operationId": "nextQuestion",
                "requestBody": _json_body("NextQuestionRequest"),
                "responses": {"200": _reply("NextQuestionResponse", "La question suivante, ou complete."), **ERRORS}}},
            "/api/advise": {"post": {
                "summary": "La recommandation pour des réponses", "operationId": "advise",
                "requestBody": _json_body("AdviseRequest"),
                "responses": {"200": _reply("Recommendation", "La recommandation, comme advise() la rend."),
                              **ERRORS}}},
            "/api/memo": {"post": {
                "summary": "La note d'orientation (HTML ou PDF)", "operationId": "memo",
                "requestBody": _json_body("MemoRequest"),
                "responses": {"200": {"description": "La note.", "content": memo_types},
                              "503": _reply("ErrorBody", "PDF impossible sur ce serveur (WeasyPrint absent)."),
                              **ERRORS}}},
        },
        "components": {"schemas": _components(kb)},
    }


async def openapi(request: Request) -> Response:
    """GET /api/openapi.json."""
    return JSONResponse(openapi_document(site_of(request).kb, base_path(request)))


async def schema(request: Request) -> Response:
    """GET /api/schemas/<name>.json."""
    name = request.path_params["name"]
    try:
        found = standalone(site_of(request).kb, name)
    except KeyError:
        names = ", ".join(["answers", *REQUESTS, *RESPONSES])
        raise WebError(404, f"Schéma inconnu : « {name[:40]} ». Schémas : {names}.") from None
    return JSONResponse(found, media_type="application/schema+json")


async def guide(request: Request) -> Response:
    """GET /api: the API explained to people (French), with examples."""
    names = ["answers", *REQUESTS, *RESPONSES]
    return page(request, "api.html.j2", title="API", section="api", schemas=names,
                server=str(request.base_url).rstrip("/"))
