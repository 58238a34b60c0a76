"""Reading the data root's YAML (and answers' JSON) files into validated models, with French errors.

The data root itself is found in ``paths.py``, which imports no YAML parser.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import ValidationError

from ..errors import KnowledgeBaseError, excerpt
from .records import Record

M = TypeVar("M", bound=Record)


# libyaml's safe loader when PyYAML was built with it (several times faster); same safety.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_DATA_FILE_BYTES = 1_000_000  # a rule or answers file; the largest real one is about 20 kB
MAX_NESTING = 32  # levels of lists and mappings; real files use at most 10
MAX_YAML_NODES = 50_000  # values in one file once aliases are expanded; real files hold at most 1,000
MAX_NUMBER_DIGITS = 30  # characters of a whole number; beyond, Python refuses to print it (4,300 digits)
_INT_TAG = "tag:yaml.org,2002:int"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class DataSyntaxError(ValueError):
    """YAML or JSON text that cannot be read safely.

    Attributes:
        problem: what is wrong, in French (``None`` for a plain syntax error of the parser).
        line: the 1-based line at fault, when known.
        detail: the parser's own (English) description of a syntax error, if any.
        column: the 1-based column of a JSON syntax error, when known.
    """

    def __init__(self, problem: str | None, line: int | None = None, detail: str | None = None,
                 column: int | None = None) -> None:
        self.problem = problem
        self.line = line
        self.detail = detail
        self.column = column
        super().__init__(problem or detail or "syntaxe invalide")


def safe_load(text: str, *, aliases: bool = True) -> Any:
    """Parse YAML with a safe loader only (no Python objects can be built from the text), checked first.

    Before any value is built, the document is checked: no key twice in one mapping (YAML would
    silently keep the last), at most ``MAX_NESTING`` levels, at most ``MAX_YAML_NODES`` values once
    aliases are expanded (a 400-byte « billion laughs » would otherwise take gigabytes), no whole
    number longer than ``MAX_NUMBER_DIGITS``; and with ``aliases=False`` (files people write by hand
    or that come from other tools: answers), no alias at all. The check walks libyaml's node graph,
    so the C loader keeps its speed.

    Raises:
        DataSyntaxError: invalid syntax, or one of the checks above fails (French ``problem``, ``line``).
    """
    try:
        loader = SafeLoader(text)
    except yaml.YAMLError as err:  # the pure-Python reader checks characters at once
        raise _syntax(err) from None
    except UnicodeEncodeError:  # libyaml reads UTF-8: half an emoji (a lone surrogate) cannot be given to it
        raise DataSyntaxError("texte illisible (caractère incomplet, par exemple un emoji coupé)") from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_nodes(node, aliases)
        return loader.construct_document(node)
    except yaml.YAMLError as err:
        raise _syntax(err) from None
    except RecursionError:
        raise DataSyntaxError(f"imbrication trop profonde (plus de {MAX_NESTING} niveaux)") from None
    except ValueError as err:  # a value the constructor cannot build (a date out of range…)
        if isinstance(err, DataSyntaxError):
            raise
        raise DataSyntaxError("valeur illisible (date ou nombre hors des limites)") from None
    finally:
        loader.dispose()


def _syntax(err: yaml.YAMLError) -> DataSyntaxError:
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None)
    return DataSyntaxError(None, mark.line + 1 if mark is not None else None, problem or "syntaxe invalide")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_nodes(root: yaml.Node, aliases: bool) -> None:
    """Check a composed document as ``safe_load`` says, visiting each node once (iteratively).

    Most files have no alias: one quick pass checks keys, nesting and numbers. Only when a node is
    reached twice (an alias) does a second pass count the values the aliases would expand to.
    """
    seen: set[int] = set()
    shared = False
    stack: list[tuple[yaml.Node, int, int]] = [(root, 1, 1)]  # node, level, line where it is used
    while stack:
        node, depth, used_at = stack.pop()
        if id(node) in seen:  # a node met twice is an alias: report where it is used, not its anchor
            shared = _alias(used_at, aliases)
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            _check_scalar(node)
            continue
        if depth > MAX_NESTING:
            raise DataSyntaxError(f"imbrication trop profonde (plus de {MAX_NESTING} niveaux)",
                                  node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            _check_keys(node)
            pairs = [(part, key.start_mark.line + 1) for key, value in node.value for part in (key, value)]
        else:
            pairs = [(item, node.start_mark.line + 1) for item in node.value]
        for child, line in reversed(pairs):  # reversed: the stack then visits the file in order
            if isinstance(child, yaml.ScalarNode) and id(child) not in seen:
                seen.add(id(child))
                _check_scalar(child)
            else:
                stack.append((child, depth + 1, line))
    if shared:
        _check_expansion(root)


def _alias(line: int, aliases: bool) -> bool:
    if not aliases:
        raise DataSyntaxError("les alias YAML (« * » renvoyant à une ancre « & ») ne sont pas acceptés dans ce "
                              "fichier : écrivez chaque valeur en entier", line)
    return True


def _check_scalar(node: yaml.ScalarNode) -> None:
    if node.tag == _INT_TAG and len(node.value) > MAX_NUMBER_DIGITS:
        raise DataSyntaxError(f"nombre hors des limites (écrit avec {len(node.value)} caractères, "
                              f"{MAX_NUMBER_DIGITS} au plus)",
                              node.start_mark.line + 1)


def _check_expansion(root: yaml.Node) -> None:
    """Refuse aliases that would expand beyond ``MAX_YAML_NODES`` values or ``MAX_NESTING`` levels,
    or that contain themselves, without expanding anything (each node's size is computed once)."""
    done: dict[int, tuple[int, int]] = {}  # node → (values once expanded, levels)
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        key = id(node)
        if leaving:
            open_nodes.discard(key)
            kids = [done[id(kid)] for kid in _children(node)]
            size = 1 + sum(k[0] for k in kids)
            levels = (0 if isinstance(node, yaml.ScalarNode) else 1) + max((k[1] for k in kids), default=0)
            line = node.start_mark.line + 1
            if size > MAX_YAML_NODES:  # the figure in the message below is MAX_YAML_NODES
                raise DataSyntaxError("trop de valeurs une fois les alias (*) développés (plus de 50 000) : "
                                      "écrivez les valeurs sans alias", line)
            if levels > MAX_NESTING:
                raise DataSyntaxError(f"imbrication trop profonde une fois les alias (*) développés (plus de "
                                      f"{MAX_NESTING} niveaux)", line)
            done[key] = (size, levels)
        elif key in open_nodes:
            raise DataSyntaxError("alias qui se contient lui-même", node.start_mark.line + 1)
        elif key not in done:
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((kid, False) for kid in _children(node))


def _check_keys(node: yaml.MappingNode) -> None:
    seen: dict[tuple[str, str], int] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE_TAG:
            continue
        line = key.start_mark.line + 1
        if (key.tag, key.value) in seen:
            shown = key.value if len(key.value) <= 60 else key.value[:57] + "…"
            first = seen[key.tag, key.value]
            where = f"déjà ligne {first}" if first != line else "deux fois sur cette ligne"
            raise DataSyntaxError(f"clé « {shown} » en double ({where}) : gardez-en une seule", line)
        seen[key.tag, key.value] = line


def load_json(text: str) -> Any:
    """Parse JSON with the same checks as ``safe_load``: no key twice, bounded nesting and numbers.

    Raises:
        DataSyntaxError: invalid syntax (``line`` and the parser's ``detail``), or a check fails.
    """
    try:
        data = _DECODER.decode(text)
    except json.JSONDecodeError as err:
        raise DataSyntaxError(None, err.lineno, err.msg, err.colno) from None
    except RecursionError:
        raise DataSyntaxError(f"imbrication trop profonde (plus de {MAX_NESTING} niveaux)") from None
    if text.count("[") + text.count("{") > MAX_NESTING and nesting(data) > MAX_NESTING:
        raise DataSyntaxError(f"imbrication trop profonde (plus de {MAX_NESTING} niveaux)")
    return data


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        key = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        shown = key if len(key) <= 60 else key[:57] + "…"
        raise DataSyntaxError(f"clé « {shown} » en double : gardez-en une seule")
    return result


def _json_int(digits: str) -> int:
    if len(digits) > MAX_NUMBER_DIGITS:
        raise DataSyntaxError(f"nombre hors des limites ({len(digits)} chiffres, {MAX_NUMBER_DIGITS} au plus)")
    return int(digits)


_DECODER = json.JSONDecoder(object_pairs_hook=_json_object, parse_int=_json_int)


def nesting(value: Any) -> int:
    """Levels of lists and mappings in a value (iterative: safe on any depth)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_NESTING:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def read_yaml(path: Path) -> Any:
    """Read one YAML file of the knowledge base (``safe_load`` only, checked, at most ``MAX_DATA_FILE_BYTES``)."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_DATA_FILE_BYTES + 1)
    except FileNotFoundError:
        raise KnowledgeBaseError(path, "fichier introuvable") from None
    except OSError as err:
        raise KnowledgeBaseError(path, f"lecture impossible ({err.strerror})") from None
    if len(raw) > MAX_DATA_FILE_BYTES:
        raise KnowledgeBaseError(path, "fichier trop volumineux (1 Mo au plus)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise KnowledgeBaseError(path, "le fichier n'est pas encodé en UTF-8") from None
    try:
        return safe_load(text)
    except DataSyntaxError as err:
        where = f" ligne {err.line}" if err.line else ""
        raise KnowledgeBaseError(path, f"YAML invalide{where} : {err.problem or err.detail}") from None


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


_UNKNOWN_FIELD = "champ inconnu (vérifiez l'orthographe ; voir rules/README.md)"
_MESSAGES = {
    "missing": "champ obligatoire manquant",
    "extra_forbidden": _UNKNOWN_FIELD,
    "unexpected_keyword_argument": _UNKNOWN_FIELD,
    "string_type": "un texte est attendu",
    "int_type": "un nombre entier est attendu",
    "bool_type": "true ou false est attendu",
    "list_type": "une liste est attendue",
    "dict_type": "un ensemble « clé : valeur » est attendu",
    "model_type": "un ensemble « clé : valeur » est attendu",
    "dataclass_type": "un ensemble « clé : valeur » est attendu",
    "model_attributes_type": "un ensemble « clé : valeur » est attendu",
    "date_type": "une date AAAA-MM-JJ est attendue",
    "date_from_datetime_parsing": "une date AAAA-MM-JJ est attendue",
    "date_parsing": "une date AAAA-MM-JJ est attendue",
    "string_too_short": "le texte ne doit pas être vide",
    "too_short": "la liste ne doit pas être vide",
    "string_too_long": "texte trop long",
}


def _alternatives(expected: str) -> str:
    """pydantic's « 'a', 'b' or 'c' » in French: « a, b ou c »."""
    values: list[str] = re.findall(r"'((?:[^'\\]|\\.)*)'", expected)
    if not values:
        return expected
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " ou " + values[-1]


def _french(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    shown = kind != "missing" and not isinstance(error.get("input"), dict)
    got = f" (reçu : {excerpt(error['input'])})" if shown else ""
    if kind == "literal_error":
        return f"valeur non autorisée{got} ; valeurs possibles : {_alternatives(str(ctx.get('expected', '')))}"
    if kind == "string_pattern_mismatch":
        return f"identifiant ou adresse mal formé{got} ; attendu : minuscules, chiffres et « _ » (ou une URL https://)"
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = ctx.get("ge", ctx.get("le"))
        word = "au moins" if kind == "greater_than_equal" else "au plus"
        return f"la valeur doit valoir {word} {bound}{got}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in _MESSAGES:
        return _MESSAGES[kind] + (got if _MESSAGES[kind] != _UNKNOWN_FIELD else "")
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"type de valeur inattendu{got}"
    return f"valeur invalide{got}"
