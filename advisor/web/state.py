"""What a page carries instead of a server session: the interview at rest, as one opaque field.

Nothing about a person is stored on the server. Each page holds the whole interview (answers, the
order they were given in, where the person stands, the consultation date) in a hidden field
``etat``, and the link a person may copy holds it in its query string. It is JSON in base64url:
compact, safe in a URL, and readable by anyone who decodes it — it is the person's own data, so it
is not signed. Every request decodes it, checks its shape here, and rebuilds the interview, which
validates every answer as an answers file would be.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..interview.snapshot import Snapshot
from ..wording import MAX_TEXT

FIELD = "etat"
MAX_STATE_CHARS = 24_000  # a full interview is about 1,500; a URL stays below the 32 KiB browsers take
MAX_DESCRIPTION = 1_000


class StateError(ValueError):
    """The carried state cannot be read (a cut link, a page edited by hand): a French sentence."""


class PageState(BaseModel):
    """The interview at rest plus what the site adds: the consultation date and the file's description."""

    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Any] = Field(default_factory=dict)
    history: list[str] = Field(default_factory=list, max_length=200)
    back: int = Field(default=0, ge=0, le=200)
    editing: str | None = Field(default=None, max_length=60)
    finished_early: bool = False
    as_of: dt.date | None = None
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)

    def snapshot(self) -> Snapshot:
        """The interview part, for ``interview.snapshot.resume``."""
        return Snapshot(answers=dict(self.answers), history=list(self.history), back=self.back,
                        editing=self.editing, finished_early=self.finished_early)

    def moved(self, snap: Snapshot) -> PageState:
        """The same page state with the interview at a new place."""
        return self.model_copy(update={"answers": snap.answers, "history": snap.history, "back": snap.back,
                                       "editing": snap.editing, "finished_early": snap.finished_early})


def encode(state: PageState) -> str:
    """The state as one URL-safe token."""
    data = state.model_dump(mode="json", exclude_defaults=True)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def decode(token: str | None) -> PageState:
    """Read a token back; an absent or empty token is a new interview.

    Raises:
        StateError: a token cut, edited or too long, in French.
    """
    if not token:
        return PageState()
    if len(token) > MAX_STATE_CHARS:
        raise StateError("les réponses transmises par la page sont trop longues.")
    try:
        raw = base64.urlsafe_b64decode(token.strip() + "=" * (-len(token.strip()) % 4))
        data = json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError, RecursionError):
        raise StateError("les réponses transmises par la page sont illisibles (lien coupé ou modifié ?).") from None
    if not isinstance(data, dict):
        raise StateError("les réponses transmises par la page n'ont pas la forme attendue.")
    try:
        state = PageState.model_validate(data)
    except ValidationError as err:
        where = ".".join(str(p) for p in err.errors()[0]["loc"]) or "?"
        raise StateError(f"les réponses transmises par la page n'ont pas la forme attendue (« {where} »).") from None
    for qid, value in state.answers.items():
        if isinstance(value, str) and len(value) > MAX_TEXT * 2:
            raise StateError(f"la réponse « {qid[:60]} » transmise par la page est trop longue.")
    return state
