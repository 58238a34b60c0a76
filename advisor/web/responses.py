"""Responses of the site: pages from the project's Jinja environment, French errors (HTML or JSON).

Every page template lives in ``advisor/templates/web/`` and extends ``web/base.html.j2``; the
environment is ``outputs.render.environment()`` (autoescaped: every user string is escaped).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from ..knowledge.base import KnowledgeBase
from ..outputs.render import environment
from ..reasoning.advisor import Advisor

log = logging.getLogger("advisor.web")

STATUS_TEXT = {
    400: "La requête est mal formée.",
    404: "Cette page n'existe pas.",
    405: "Cette adresse ne s'emploie pas avec la méthode {method}.",
    413: "La requête est trop volumineuse.",
    415: "Type de contenu non pris en charge.",
    422: "Les données envoyées ne conviennent pas.",
    500: "Erreur interne du conseiller.",
    503: "Service momentanément indisponible.",
}
TITLES = {400: "Requête incorrecte", 404: "Page introuvable", 405: "Méthode non permise",
          413: "Requête trop volumineuse", 415: "Type de contenu non pris en charge", 422: "Données incorrectes",
          500: "Erreur interne", 503: "Service indisponible"}


def package_version() -> str:
    try:
        return version("cooperation-advisor")
    except PackageNotFoundError:  # run from a checkout that was not installed
        return "dev"


@dataclass(frozen=True)
class StaticPage:
    """A page of the sheets site, rendered once, and the hashes of its inline styles (for its CSP)."""

    html: str
    styles: tuple[str, ...]


@dataclass
class Site:
    """What every request shares: the advisor, the server's settings, and pages rendered once."""

    advisor: Advisor
    as_of: dt.date | None = None
    frame_ancestors: list[str] = field(default_factory=list)
    sheets: dict[str, StaticPage] = field(default_factory=dict)
    version: str = field(default_factory=package_version)

    @property
    def kb(self) -> KnowledgeBase:
        return self.advisor.kb

    def today(self) -> dt.date:
        """The server's consultation date: fixed by ``--date`` (or ADVISOR_DATE), else today."""
        return self.as_of or dt.date.today()


class WebError(HTTPException):
    """An error to show the person, already in French (``detail``), with an optional field and extras."""

    def __init__(self, status: int, detail: str, **extra: Any) -> None:
        super().__init__(status, detail)
        self.extra = extra


def site_of(request: Request) -> Site:
    site: Site = request.app.state.site
    return site


def base_path(request: Request) -> str:
    """Where the site is mounted (``--root-path``), without a final slash: prefix of every link."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def page(request: Request, template: str, http_status: int = 200, headers: dict[str, str] | None = None,
         **context: Any) -> HTMLResponse:
    """A page of the site: ``templates/web/<template>`` with the shared context."""
    site = site_of(request)
    text = environment().get_template(f"web/{template}").render(
        base=base_path(request), kb=site.kb, meta=site.kb.meta, version=site.version, **context)
    return HTMLResponse(text, http_status, headers)


def is_api(request: Request) -> bool:
    """Whether the request is for the JSON API (errors in JSON) rather than a page."""
    path = request.url.path
    base = base_path(request)
    return (path[len(base):] if base and path.startswith(base) else path).startswith("/api/")


def error_message(request: Request, exc: HTTPException) -> str:
    if isinstance(exc, WebError) or exc.status_code == 413:
        return str(exc.detail)
    return STATUS_TEXT.get(exc.status_code, "Erreur.").format(method=request.method)


async def http_error(request: Request, exc: Exception) -> Response:
    """Every HTTP error, in French: a JSON body under ``/api/``, a page elsewhere."""
    assert isinstance(exc, HTTPException)
    message = error_message(request, exc)
    headers = dict(exc.headers or {})
    if is_api(request):
        body = {"status": exc.status_code, "message": message, **getattr(exc, "extra", {})}
        return JSONResponse(body, exc.status_code, headers)
    return page(request, "error.html.j2", exc.status_code, headers, title=TITLES.get(exc.status_code, "Erreur"),
                message=message, status=exc.status_code)


async def internal_error(request: Request, exc: Exception) -> Response:
    """A bug: logged with its traceback on the server, a French sentence for the person (never a traceback)."""
    log.error("erreur interne sur %s %s", request.method, request.url.path, exc_info=exc)
    message = ("Erreur interne du conseiller : la demande n'a pas abouti. Réessayez ; si l'erreur revient, "
               "signalez-la à l'équipe du conseiller.")
    if is_api(request):
        return JSONResponse({"status": 500, "message": message}, 500)
    try:
        return page(request, "error.html.j2", 500, title="Erreur interne", message=message, status=500)
    except Exception:  # noqa: BLE001 - the error page itself failed: plain text, still French
        return Response(message, 500, media_type="text/plain; charset=utf-8")
