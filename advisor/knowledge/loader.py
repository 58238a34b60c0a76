"""Loading a data root's knowledge base: from the cache when nothing changed, else read and validated.

The YAML files are read with ``reading.py``; the cross-reference checks are ``KnowledgeBase.problems``.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

from ..errors import KnowledgeBaseError, KnowledgeBaseProblems
from . import cache
from .base import KnowledgeBase
from .meta import KnowledgeMeta
from .models import Form, FormFile, Horizon, Id, Question, QuestionsFile, Rule
from .paths import default_root
from .records import record, spec
from .sheets import load_sheets


@record
class _Index(KnowledgeMeta):
    forms: list[Id] = spec(min_length=1)


def load_knowledge_base(root: Path | str | None = None, check: bool = True) -> KnowledgeBase:
    """Load and validate the knowledge base of a data root (the packaged one by default).

    A knowledge base that passed its checks is kept in the user's cache folder and read from there
    while its files and the advisor stay the same (``cache.py``).

    Args:
        root: a folder holding ``rules/`` and ``sheets/``; ``None`` for the packaged data.
        check: also run the cross-reference checks and raise if any fails.

    Raises:
        KnowledgeBaseError: a file is missing or invalid (names the file and the item).
        KnowledgeBaseProblems: cross-reference problems (with ``check=True``).
    """
    base = Path(root) if root is not None else default_root()
    if not check:
        return _read(base, check)
    key = cache.cache_key(base)
    kb = cache.load(base, key) if key is not None else None
    if not isinstance(kb, KnowledgeBase) or kb.root != base:
        kb = _read(base, check)
        kb.read_examples()
        # Stored only if no file changed while it was read: else its key would name other files.
        if key is not None and cache.cache_key(base) == key:
            cache.save(base, key, kb)
    return kb


def _read(base: Path, check: bool) -> KnowledgeBase:
    """Read and validate the YAML files of a data root."""
    from .reading import read_yaml, validate

    rules_dir = base / "rules"
    if not rules_dir.is_dir():
        raise KnowledgeBaseError(rules_dir, "dossier des règles introuvable")
    index_path = rules_dir / "knowledge.yaml"
    index = validate(_Index, read_yaml(index_path), index_path)
    meta = KnowledgeMeta(**{item.name: getattr(index, item.name) for item in fields(KnowledgeMeta)})
    sources: dict[str, Path] = {}

    q_path = rules_dir / "questions.yaml"
    questions: dict[str, Question] = {}
    for question in validate(QuestionsFile, read_yaml(q_path), q_path).questions:
        _add_unique(questions, question.id, question, q_path, "question")
        sources[question.id] = q_path

    forms: dict[str, Form] = {}
    horizons: dict[str | None, list[Horizon]] = {None: list(meta.horizons)}
    rules: list[Rule] = []
    rule_form: dict[str, str] = {}
    listed = set(index.forms)
    for extra in sorted((rules_dir / "forms").glob("*.yaml")):
        if extra.stem not in listed:
            raise KnowledgeBaseError(extra, "fichier de forme absent de la liste « forms » de knowledge.yaml")
    for form_id in index.forms:
        path = rules_dir / "forms" / f"{form_id}.yaml"
        parsed = validate(FormFile, read_yaml(path), path, form_id)
        if parsed.form.id != form_id:
            raise KnowledgeBaseError(path, f"l'identifiant de la forme doit être « {form_id} » (nom du fichier)",
                                     parsed.form.id)
        _add_unique(forms, form_id, parsed.form, path, "forme")
        sources[form_id] = path
        horizons[form_id] = list(parsed.horizons)
        for horizon in parsed.horizons:
            sources[horizon.id] = path
        for rule in parsed.rules:
            if rule.id in rule_form:
                raise KnowledgeBaseError(path, f"identifiant de règle en double (déjà dans {sources[rule.id]})",
                                         rule.id)
            rules.append(rule)
            rule_form[rule.id] = form_id
            sources[rule.id] = path

    sheets = load_sheets(base / "sheets", meta.sheet_format)
    kb = KnowledgeBase(base, meta, questions, forms, rules, rule_form, sheets, sources, horizons)
    if check:
        problems = kb.problems()
        if problems:
            raise problems[0] if len(problems) == 1 else KnowledgeBaseProblems(problems)
    return kb


def _add_unique(index: dict[str, Any], key: str, value: Any, path: Path, kind: str) -> None:
    if key in index:
        raise KnowledgeBaseError(path, f"identifiant de {kind} en double", key)
    index[key] = value
