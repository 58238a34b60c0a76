"""The resource sheets and the rule book, served as the static site ``advisor sheets export`` writes, and
the site's own style sheet and script.

Pages are rendered once, when the app starts (``outputs.site.site_pages``), and looked up by name:
no file is read and no path is built from a request. Their inline ``<style>`` is allowed by its hash
in the page's Content-Security-Policy, so the policy still forbids any other inline style or script.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ..knowledge.base import KnowledgeBase
from ..outputs.render import environment
from ..outputs.site import site_pages
from .guard import content_security_policy
from .responses import StaticPage, WebError, base_path, site_of

STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.DOTALL)
ASSETS = {"site.css": ("web/site.css.j2", "text/css; charset=utf-8"),
          "enhance.js": ("web/enhance.js.j2", "text/javascript; charset=utf-8")}


def style_hashes(html: str) -> tuple[str, ...]:
    """The base64 SHA-256 of each inline ``<style>`` block, as CSP writes them."""
    return tuple(base64.b64encode(hashlib.sha256(block.encode("utf-8")).digest()).decode("ascii")
                 for block in STYLE_BLOCK.findall(html))


def sheet_pages(kb: KnowledgeBase) -> dict[str, StaticPage]:
    """Every page of the sheets site by its path under ``/fiches/``."""
    return {name: StaticPage(html, style_hashes(html)) for name, html in site_pages(kb).items()}


async def sheet(request: Request) -> Response:
    """GET /fiches/<page>: a sheet, the index, or a page of the rule book (``regles/``)."""
    site = site_of(request)
    name = request.path_params.get("name", "") or "index.html"
    if name.endswith("/"):
        name += "index.html"
    found = site.sheets.get(name)
    if found is None:
        if name + "/index.html" in site.sheets:
            return RedirectResponse(f"{base_path(request)}/fiches/{name}/", 308)
        raise WebError(404, "Cette fiche n'existe pas. La liste des fiches est à l'adresse /fiches/.")
    policy = content_security_policy(site.frame_ancestors, found.styles)
    return HTMLResponse(found.html, headers={"content-security-policy": policy,
                                             "cache-control": "public, max-age=3600"})


async def sheets_root(request: Request) -> Response:
    """GET /fiches: the index lives at /fiches/ (its links are relative)."""
    return RedirectResponse(f"{base_path(request)}/fiches/", 308)


@cache
def asset_text(name: str) -> str:
    template, _ = ASSETS[name]
    return environment().get_template(template).render()


async def asset(request: Request) -> Response:
    """GET /static/<name>: the style sheet and the progressive-enhancement script."""
    name = request.path_params["name"]
    if name not in ASSETS:
        raise WebError(404, "Ce fichier n'existe pas.")
    return Response(asset_text(name), media_type=ASSETS[name][1], headers={"cache-control": "public, max-age=3600"})
