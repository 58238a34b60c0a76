"""Finding the data root and reading its YAML files into validated models, with French errors.

Data root resolution: an explicit folder > the ``ADVISOR_DATA_DIR`` environment variable > the
copy packaged in the wheel (``advisor/_data``) > the source checkout (the folder above the package).
A data root holds ``rules/`` and ``sheets/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import KnowledgeBaseError
from .paths import PACKAGE_DIR, default_root  # noqa: F401 - the data root is found in paths.py

M = TypeVar("M", bound=BaseModel)


# libyaml's safe loader when PyYAML was built with it (several times faster); same safety.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """Parse YAML with a safe loader only (no Python objects can be built from the text)."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - SafeLoader / CSafeLoader only


def read_yaml(path: Path) -> Any:
    """Read one YAML file of the knowledge base (``safe_load`` only)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KnowledgeBaseError(path, "fichier introuvable") from None
    except UnicodeDecodeError:
        raise KnowledgeBaseError(path, "le fichier n'est pas encodé en UTF-8") from None
    try:
        return safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" ligne {mark.line + 1}, colonne {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or "syntaxe invalide"
        raise KnowledgeBaseError(path, f"YAML invalide{where} : {problem}") from None


def validate(model: type[M], data: Any, path: Path, item: str | None = None) -> M:
    """Validate data against a model; a failure names the file, the item and what was expected."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        loc = list(first["loc"])
        raise KnowledgeBaseError(path, f"{_where(loc)}{_french(first)}", _item_at(data, loc) or item) from None


def _item_at(data: Any, loc: list[Any]) -> str | None:
    """The id of the innermost listed object (rule, question, choice) on the error path."""
    found = None
    node = data
    for key in loc:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            found = node["id"]
    return found


def _where(loc: list[Any]) -> str:
    path = ".".join(str(k) for k in loc if not isinstance(k, int) and not str(k).startswith("function-"))
    return f"champ « {path} » : " if path else ""


_MESSAGES = {
    "missing": "champ obligatoire manquant",
    "extra_forbidden": "champ inconnu (vérifiez l'orthographe ; voir rules/README.md)",
    "string_type": "un texte est attendu",
    "int_type": "un nombre entier est attendu",
    "bool_type": "true ou false est attendu",
    "list_type": "une liste est attendue",
    "dict_type": "un ensemble « clé : valeur » est attendu",
    "model_type": "un ensemble « clé : valeur » est attendu",
    "model_attributes_type": "un ensemble « clé : valeur » est attendu",
    "date_type": "une date AAAA-MM-JJ est attendue",
    "date_from_datetime_parsing": "une date AAAA-MM-JJ est attendue",
    "date_parsing": "une date AAAA-MM-JJ est attendue",
    "string_too_short": "le texte ne doit pas être vide",
    "too_short": "la liste ne doit pas être vide",
    "string_too_long": "texte trop long",
}


def _french(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    shown = kind != "missing" and not isinstance(error.get("input"), dict)
    got = f" (reçu : {error['input']!r})" if shown else ""
    if kind == "literal_error":
        return f"valeur non autorisée{got} ; valeurs possibles : {ctx.get('expected', '')}"
    if kind == "string_pattern_mismatch":
        return f"identifiant ou adresse mal formé{got} ; attendu : minuscules, chiffres et « _ » (ou une URL https://)"
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = ctx.get("ge", ctx.get("le"))
        word = "au moins" if kind == "greater_than_equal" else "au plus"
        return f"la valeur doit valoir {word} {bound}{got}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in _MESSAGES:
        return _MESSAGES[kind] + (got if kind != "extra_forbidden" else "")
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"type de valeur inattendu{got}"
    return f"valeur invalide{got}"
