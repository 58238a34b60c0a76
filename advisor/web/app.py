"""The ASGI application: routes, error pages, the guard, and the factory uvicorn's workers call.

``create_app`` builds the app around one ``Advisor`` (loaded and checked before the first request);
``app_from_environment`` is the factory each uvicorn worker calls (``advisor serve --workers N``),
reading the settings ``advisor serve`` puts in the environment.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from ..knowledge.loader import load_knowledge_base
from ..reasoning.advisor import Advisor
from . import api, downloads, openapi, pages, sheets
from .guard import Guard, check_origins
from .responses import Site, http_error, internal_error

ENV_DATA_DIR = "ADVISOR_DATA_DIR"
ENV_DATE = "ADVISOR_DATE"
ENV_FRAME_ANCESTORS = "ADVISOR_FRAME_ANCESTORS"


async def health(request: Request) -> Response:
    """GET /sante: for a reverse proxy or a monitor (and the benchmark's baseline)."""
    return PlainTextResponse("ok")


ROUTES = [
    Route("/", pages.home, methods=["GET"]),
    Route("/questionnaire", pages.start, methods=["GET"]),
    Route("/questionnaire", pages.submit, methods=["POST"]),
    Route("/resultat", pages.result, methods=["GET"]),
    Route("/reprendre", pages.resume_file, methods=["POST"]),
    Route("/telecharger/{name}", downloads.download, methods=["POST"]),
    Route("/fiches", sheets.sheets_root, methods=["GET"]),
    Route("/fiches/{name:path}", sheets.sheet, methods=["GET"]),
    Route("/static/{name}", sheets.asset, methods=["GET"]),
    Route("/api", openapi.guide, methods=["GET"]),
    Route("/api/questions", api.questions, methods=["GET"]),
    Route("/api/next-question", api.next_question, methods=["POST"]),
    Route("/api/advise", api.advise, methods=["POST"]),
    Route("/api/memo", api.memo_file, methods=["POST"]),
    Route("/api/openapi.json", openapi.openapi, methods=["GET"]),
    Route("/api/schemas/{name}.json", openapi.schema, methods=["GET"]),
    Route("/sante", health, methods=["GET"]),
]


def create_app(advisor: Advisor | None = None, *, as_of: dt.date | None = None,
               frame_ancestors: Sequence[str] = ()) -> Starlette:
    """The site and the API over one advisor (the packaged knowledge base when omitted).

    Args:
        advisor: the advisor to serve.
        as_of: a fixed consultation date (``--date``); today, at each request, when omitted.
        frame_ancestors: origins allowed to show the site in a frame (``https://reseau.example.org``).

    Raises:
        ValueError: an origin that is not one (French).
        KnowledgeBaseError, EngineUnavailableError: the advisor cannot be built.
    """
    origins = check_origins(frame_ancestors)
    advisor = advisor if advisor is not None else Advisor()
    site = Site(advisor=advisor, as_of=as_of, frame_ancestors=origins, sheets=sheets.sheet_pages(advisor.kb))
    app = Starlette(routes=ROUTES, middleware=[Middleware(Guard, frame_ancestors=origins)],
                    exception_handlers={HTTPException: http_error, Exception: internal_error})
    app.state.site = site
    return app


def app_from_environment() -> Starlette:
    """The factory of ``advisor serve``: settings from ADVISOR_DATA_DIR, ADVISOR_DATE, ADVISOR_FRAME_ANCESTORS."""
    data_dir = os.environ.get(ENV_DATA_DIR)
    date = os.environ.get(ENV_DATE)
    advisor = Advisor(load_knowledge_base(Path(data_dir) if data_dir else None))
    return create_app(advisor, as_of=dt.date.fromisoformat(date) if date else None,
                      frame_ancestors=os.environ.get(ENV_FRAME_ANCESTORS, "").split())
