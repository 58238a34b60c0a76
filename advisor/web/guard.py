"""Safe by default: a size limit on every request body and security headers on every response.

An ASGI middleware placed inside Starlette's error handling, so that a body over the limit becomes
an ``HTTPException(413)`` where the handler reads it (the French error pages and JSON bodies are the
app's), whether the client announced its length or streamed it in chunks.

Headers: a Content-Security-Policy with no inline script (pages may set their own, stricter one,
e.g. with the hashes of their inline styles), ``frame-ancestors`` limited to the origins given
(``'none'`` by default, with ``X-Frame-Options: DENY``), ``X-Content-Type-Options: nosniff``,
``Referrer-Policy: no-referrer`` (a page's address may hold answers: it never leaks to a linked
site), and ``Cache-Control: no-cache, private`` unless the response says otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:\d{1,5})?$|^'self'$", re.IGNORECASE)
MAX_BODY_BYTES = 256 * 1024  # a form or a JSON body; the largest real one is a few kilobytes
MAX_UPLOAD_BYTES = 1_100_000  # an answers file (advisor.files.MAX_FILE_BYTES) and its multipart envelope
UPLOAD_PATHS = ("/reprendre",)


def check_origins(origins: Sequence[str]) -> list[str]:
    """The origins allowed to frame the site, checked (``https://reseau.example.org``).

    Raises:
        ValueError: an origin that is not scheme://host[:port], in French.
    """
    for origin in origins:
        if not ORIGIN.match(origin):
            raise ValueError(f"« {origin} » n'est pas une origine : écrivez-la sous la forme "
                             "https://www.exemple.org (sans chemin ni barre finale).")
    return list(origins)


def content_security_policy(frame_ancestors: Sequence[str] = (), styles: Sequence[str] = ()) -> str:
    """The policy of a page: scripts and styles from the site only (or the given style hashes)."""
    style = " ".join(["'self'", *(f"'sha256-{h}'" for h in styles)])
    frames = " ".join(frame_ancestors) if frame_ancestors else "'none'"
    return ("default-src 'none'; script-src 'self'; style-src " + style + "; img-src 'self' data:; "
            "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors " + frames)


class BodyTooLarge(HTTPException):
    """The request body is over the limit of its route."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"La requête est trop volumineuse ({limit // 1024} Kio au plus).")
        self.limit = limit


class Guard:
    """The middleware: size limits on request bodies, security headers on responses."""

    def __init__(self, app: ASGIApp, frame_ancestors: Sequence[str] = ()) -> None:
        self.app = app
        self.frame_ancestors = list(frame_ancestors)
        self.headers = [
            (b"content-security-policy", content_security_policy(self.frame_ancestors).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
        ]
        if not self.frame_ancestors:
            self.headers.append((b"x-frame-options", b"DENY"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        root = scope.get("root_path", "")
        route = path[len(root):] if root and path.startswith(root) else path
        limit = MAX_UPLOAD_BYTES if route in UPLOAD_PATHS else MAX_BODY_BYTES
        declared = _content_length(scope)
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            if declared is not None and declared > limit:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in self.headers if n not in names]
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-cache, private"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, limited, guarded)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
