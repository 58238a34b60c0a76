"""Answers written for an older knowledge base, brought up to date from ``renamed`` and ``removed``.

``rules/knowledge.yaml`` keeps, as data, every question or choice renamed or removed, with the
version since which. An answers file says which version it was written for
(``knowledge_base_version``): the renamings and removals made since are applied to its raw answers,
each with a notice in French for the person, so that a file saved last year is still read (and
``advisor ask --answers`` asks again only what was dropped). A file without a version gets every
change; a file from a newer knowledge base gets a warning.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .meta import Change, KnowledgeMeta

_SEPARATORS = re.compile(r"([|,])")


@dataclass
class Upgraded:
    """Raw answers brought up to date, and what was changed (French sentences, one per change)."""

    answers: dict[Any, Any]
    notices: list[str] = field(default_factory=list)


def version_key(version: str) -> tuple[tuple[int, str], ...]:
    """A version (« 2026.12.1 ») as something that sorts: numbers as numbers, anything else as text."""
    return tuple((int(part), "") if part.isdigit() else (-1, part) for part in re.split(r"[.\-]", version.strip()))


def upgrade(meta: KnowledgeMeta, raw: Mapping[Any, Any], file_version: str | None) -> Upgraded:
    """Apply the renamings and removals made since ``file_version`` (all of them when it is unknown).

    Values are matched the way answers are read (case aside), and only exact old ids are replaced:
    a label that merely contains an old id is left alone.
    """
    result = Upgraded(dict(raw))
    if file_version is not None and version_key(file_version) > version_key(meta.version):
        result.notices.append(
            f"Ce fichier a été écrit pour la version {file_version} de la base de connaissances, plus récente "
            f"que celle du conseiller ({meta.version}) : des réponses peuvent ne pas être reconnues. Mettez le "
            "conseiller à jour.")
        return result
    def newer(since: str) -> bool:
        return file_version is None or version_key(since) > version_key(file_version)

    for change in meta.renamed:
        if newer(change.since):
            _rename(result, change)
    for gone in meta.removed:
        if newer(gone.since):
            _remove(result, gone)
    return result


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


def _key(answers: Mapping[Any, Any], question: str) -> Any:
    return next((k for k in answers if isinstance(k, str) and _fold(k) == question), None)


def _rename(result: Upgraded, change: Change) -> None:
    answers, to = result.answers, str(change.to)
    if change.choice is None:
        old = _key(answers, change.question)
        if old is None or _key(answers, to) is not None:
            return
        answers[to] = answers.pop(old)
        result.notices.append(f"La question « {change.question} » s'appelle désormais « {change.to} » (depuis la "
                              f"version {change.since}) : votre réponse a été reprise sous ce nom.")
        return
    key = _key(answers, change.question)
    if key is None:
        return
    value, touched = _map_choices(answers[key], change.choice, to)
    if touched:
        answers[key] = value
        result.notices.append(f"Réponse « {change.question} » : le choix « {change.choice} » s'appelle désormais "
                              f"« {change.to} » (depuis la version {change.since}) ; il a été lu sous ce nom.")


def _remove(result: Upgraded, gone: Change) -> None:
    answers = result.answers
    key = _key(answers, gone.question)
    if key is None:
        return
    if gone.choice is None:
        del answers[key]
        result.notices.append(f"La question « {gone.question} » n'existe plus depuis la version {gone.since} : "
                              "votre réponse a été ignorée.")
        return
    value, touched = _map_choices(answers[key], gone.choice, None)
    if not touched:
        return
    if value in ("", []):
        del answers[key]
        result.notices.append(f"Réponse « {gone.question} » : le choix « {gone.choice} » n'existe plus depuis la "
                              f"version {gone.since} ; la question sera posée à nouveau.")
    else:
        answers[key] = value
        result.notices.append(f"Réponse « {gone.question} » : le choix « {gone.choice} » n'existe plus depuis la "
                              f"version {gone.since} ; il a été retiré de votre réponse.")


def _map_choices(value: Any, old: str, new: str | None) -> tuple[Any, bool]:
    """Replace (or drop, when ``new`` is ``None``) the choice ``old`` in a raw value: a list, or text
    such as « a|b » or « a, b »."""
    if isinstance(value, list):
        hits = [isinstance(v, str) and _fold(v) == old for v in value]
        if not any(hits):
            return value, False
        return [new if hit else v for v, hit in zip(value, hits, strict=True) if new is not None or not hit], True
    if not isinstance(value, str):
        return value, False
    parts = _SEPARATORS.split(value)
    found = [i for i in range(0, len(parts), 2) if _fold(parts[i]) == old]
    if not found:
        return value, False
    if new is not None:
        for i in found:
            parts[i] = new
        return "".join(parts), True
    kept = [parts[i] for i in range(0, len(parts), 2) if i not in found]
    separator = next((parts[i] for i in range(1, len(parts), 2)), "|")
    return separator.join(kept), True
