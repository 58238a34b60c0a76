"""Property-based and fault tests: any valid input gives a recommendation, any invalid one a clear error.

- valid answer sets (built from ``kb.questions``) give a ``Recommendation``, deterministically and
  whatever the key order or the way values are written (labels, capitals, NFD accents, "oui");
- invalid answer sets give ``AnswerError`` and never another exception;
- malformed answers files give a one-line French message and exit code 2;
- a broken knowledge base gives a message naming the file and the rule;
- example names and sheet ids cannot escape their folders; no eval/exec/unsafe YAML in the code.
"""

from __future__ import annotations

import re
import shutil
import string
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor import (
    Advisor,
    AnswerError,
    KnowledgeBase,
    KnowledgeBaseError,
    KnowledgeBaseProblems,
    Recommendation,
    UnknownItemError,
    load_knowledge_base,
)
from advisor.files import MAX_FILE_BYTES
from advisor.knowledge.models import UNKNOWN, Question
from advisor.reasoning.answers import NO_WORDS, UNKNOWN_WORDS, YES_WORDS, fold
from advisor.wording import MAX_TEXT
from tests.conftest import ROOT, TOY_ROOT
from tests.strategies import answer_sets

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def dump(rec: Recommendation) -> dict[str, Any]:
    return rec.model_dump(mode="json")


# --- valid answers -----------------------------------------------------------------------------

def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def spelled_choice(question: Question, choice_id: str, joinable: bool = False) -> st.SearchStrategy[str]:
    """Ways a person or a spreadsheet may write a choice: id or label, any case, NFD accents, spaces."""
    label = question.choice(choice_id).label  # type: ignore[union-attr]
    forms = [choice_id, choice_id.upper()]
    if not joinable or not any(sep in label for sep in ",|"):
        forms += [label, label.upper(), nfd(label), nfd(label.upper()), f"  {label} "]
    return st.sampled_from(forms)


def spelled(question: Question, value: Any) -> st.SearchStrategy[Any]:
    """A raw value that must normalise to ``value`` (a normalised answer)."""
    if value == UNKNOWN:
        return st.sampled_from(["unknown", "Je ne sais pas", "JE NE SAIS PAS", " nsp ", "UNKNOWN"])
    match question.type:
        case "single":
            return spelled_choice(question, value)
        case "multiple":
            as_list = st.tuples(*(spelled_choice(question, c) for c in value)).map(list)
            as_text = st.tuples(*(spelled_choice(question, c, joinable=True) for c in value)).flatmap(
                lambda parts: st.sampled_from(["|".join(parts), ",".join(parts), " | ".join(parts)]))
            return st.one_of(as_list, as_text) if value else st.just(value)
        case "boolean":
            words = sorted(YES_WORDS if value else NO_WORDS)
            return st.sampled_from([value, *words, *(w.upper() for w in words), *(w.title() for w in words)])
        case "number":
            return st.sampled_from([value, str(value), float(value), f" {value} ", f"{value},0"])
        case _:
            return st.sampled_from([value, nfd(value), f" {value}  "])


@st.composite
def spelled_sets(draw: st.DrawFn, kb: KnowledgeBase) -> tuple[dict[str, Any], dict[str, Any]]:
    """(normalised answers, the same answers written as a person might, keys in a random order)."""
    canonical = draw(answer_sets(kb))
    items = [(draw(st.sampled_from([qid, qid.upper()])), draw(spelled(kb.questions[qid], value)))
             for qid, value in canonical.items()]
    return canonical, dict(draw(st.permutations(items)))


@FUZZ
@given(data=st.data())
def test_any_valid_answer_set_gives_a_recommendation_deterministically(advisor: Advisor, data: st.DataObject) -> None:
    answers = data.draw(answer_sets(advisor.kb))
    first = advisor.advise(answers)
    assert isinstance(first, Recommendation)
    assert dump(advisor.advise(answers)) == dump(first)
    reordered = dict(reversed(list(answers.items())))
    assert dump(advisor.advise(reordered)) == dump(first)
    ranked = [f.form for f in first.recommendations]
    assert len(set(ranked)) == len(ranked)
    assert set(ranked) | {f.form for f in first.excluded} | {f.form for f in first.discouraged} \
        | {f.form for f in first.other_forms} == set(advisor.kb.forms)


@FUZZ
@given(data=st.data())
def test_labels_capitals_and_nfd_accents_give_the_same_result(advisor: Advisor, data: st.DataObject) -> None:
    canonical, written = data.draw(spelled_sets(advisor.kb))
    assert advisor.validate(written) == advisor.validate(canonical)
    assert dump(advisor.advise(written)) == dump(advisor.advise(canonical))


@FEW
@given(data=st.data())
def test_the_toy_knowledge_base_behaves_the_same_way(toy_advisor: Advisor, data: st.DataObject) -> None:
    canonical, written = data.draw(spelled_sets(toy_advisor.kb))
    result = toy_advisor.advise(written)
    assert dump(result) == dump(toy_advisor.advise(canonical)) == dump(toy_advisor.advise(dict(written)))


# --- invalid answers ---------------------------------------------------------------------------

def accepted_words(question: Question) -> set[str]:
    words = {w for c in question.choices for w in (c.id, fold(c.label))}
    if question.type == "boolean":
        words |= YES_WORDS | NO_WORDS
    if question.allow_unknown:
        words |= UNKNOWN_WORDS
    return words


def not_blank_and_not(words: set[str]) -> st.SearchStrategy[str]:
    return st.text(min_size=1, max_size=30).filter(lambda t: t.strip() != "" and fold(t) not in words)


JUNK = st.one_of(st.dictionaries(st.text(max_size=5), st.integers(), min_size=1),
                 st.lists(st.dictionaries(st.text(max_size=3), st.none(), min_size=1), min_size=1))


def bad_value(question: Question) -> st.SearchStrategy[Any]:
    """Values the question must refuse (never blank: a blank answer means "not answered")."""
    words = accepted_words(question)
    # « je ne sais pas » where it is not allowed is refused — except in free text, where any words
    # are a valid answer (a structure may be called « Ne sais pas »).
    refused = not question.allow_unknown and question.type != "text"
    unknown = [st.sampled_from(["unknown", "Je ne sais pas", "NSP"])] if refused else []
    match question.type:
        case "single":
            ids = [c.id for c in question.choices]
            options = [st.integers(), st.floats(), st.booleans(), not_blank_and_not(words),
                       st.lists(st.sampled_from(ids), min_size=1)]
        case "multiple":
            def has_bad_item(text: str) -> bool:
                items = [i for i in text.replace("|", ",").split(",") if i.strip()]
                return fold(text) not in words and any(fold(i) not in words for i in items)

            good = st.sampled_from([c.id for c in question.choices])
            options = [st.integers(), st.floats(), st.booleans(),
                       st.text(min_size=1, max_size=30).filter(lambda t: t.strip() != "" and has_bad_item(t)),
                       st.tuples(st.lists(good), not_blank_and_not(words)).map(lambda p: [*p[0], p[1]]),
                       st.lists(st.one_of(st.integers(), st.booleans()), min_size=1)]
        case "boolean":
            options = [st.integers(), st.floats(), not_blank_and_not(words), st.lists(st.booleans(), min_size=1)]
        case "number":
            letters = st.text(alphabet=string.ascii_letters + "éèà", min_size=1, max_size=12)
            options = [letters.filter(lambda t: fold(t) not in words), st.booleans(),
                       st.floats(allow_nan=True, allow_infinity=True).filter(_not_whole),
                       st.lists(st.integers(), min_size=1)]
            if question.max is not None:
                options += [st.integers(min_value=question.max + 1), st.integers(min_value=question.max + 1).map(str)]
            if question.min is not None:
                options.append(st.integers(max_value=question.min - 1))
        case _:
            options = [st.integers(), st.booleans(), st.lists(st.text(), min_size=1),
                       st.text(min_size=MAX_TEXT + 1, max_size=MAX_TEXT + 50).filter(
                           lambda t: len(" ".join(t.split())) > MAX_TEXT),
                       st.text(min_size=1, max_size=10).map(lambda t: t + "\x07")]
    return st.one_of(*options, JUNK, *unknown)


def _not_whole(number: float) -> bool:
    return number != number or number in (float("inf"), float("-inf")) or number != int(number)


def bad_entry(kb: KnowledgeBase) -> st.SearchStrategy[tuple[Any, Any]]:
    """One (key, value) pair no answer set may contain."""
    unknown_key = st.one_of(st.text(max_size=20).filter(lambda k: fold(k) not in kb.questions),
                            st.integers(), st.none())
    per_question = [st.tuples(st.just(qid), bad_value(q)) for qid, q in kb.questions.items()]
    return st.one_of(st.tuples(unknown_key, st.integers()), *per_question)


@FUZZ
@given(data=st.data())
def test_any_invalid_answer_set_gives_an_answer_error_and_nothing_else(advisor: Advisor,
                                                                        data: st.DataObject) -> None:
    answers = data.draw(answer_sets(advisor.kb))
    key, value = data.draw(bad_entry(advisor.kb))
    answers = {k: v for k, v in answers.items() if k != key}
    items = list(answers.items())
    items.insert(data.draw(st.integers(0, len(items))), (key, value))
    with pytest.raises(AnswerError) as err:
        advisor.advise(dict(items))
    message = str(err.value)
    assert "\n" not in message and message.startswith("réponse « ")
    assert err.value.allowed


@FEW
@given(data=st.data())
def test_invalid_answers_to_the_toy_knowledge_base_too(toy_advisor: Advisor, data: st.DataObject) -> None:
    key, value = data.draw(bad_entry(toy_advisor.kb))
    with pytest.raises(AnswerError):
        toy_advisor.validate({key: value})


@pytest.mark.parametrize("raw", [[], ["a"], "goals", 3, None, b"x"])
def test_answers_of_the_wrong_shape_are_refused(advisor: Advisor, raw: Any) -> None:
    with pytest.raises(AnswerError, match="forme inattendue"):
        advisor.advise(raw)


def test_the_same_question_twice_in_different_case_is_refused(advisor: Advisor) -> None:
    qid, question = next((k, q) for k, q in advisor.kb.questions.items() if q.type == "boolean")
    with pytest.raises(AnswerError, match="en double"):
        advisor.advise({qid: True, qid.upper(): False})


# --- malformed answers files -------------------------------------------------------------------

BAD_FILES: dict[str, tuple[str, bytes]] = {
    "vide": ("vide.yaml", b""),
    "espaces seulement": ("blanc.yaml", b"  \n\n"),
    "binaire": ("binaire.yaml", bytes(range(256)) * 4),
    "octets nuls en UTF-8": ("nul.yaml", b"answers:\n  a: \x00\x00\n"),
    "YAML invalide": ("invalide.yaml", b"answers:\n  goals: [market\n  depth: : :\n"),
    "JSON invalide": ("invalide.json", b'{"answers": {"goals": ["market",}}'),
    "une liste": ("liste.yaml", b"- goals\n- market\n"),
    "un texte": ("texte.yaml", b"bonjour\n"),
    "answers est une liste": ("liste2.yaml", b"answers:\n  - market\n"),
    "clé inconnue": ("cle.yaml", b"answerz:\n  goals: [market]\n"),
    "Latin-1": ("latin1.yaml", "description: réponses\nanswers: {}\n".encode("latin-1")),
    "UTF-16": ("utf16.yaml", "answers: {}\n".encode("utf-16")),
    "trop gros": ("gros.yaml", b"answers:\n" + b"# " + b"x" * (MAX_FILE_BYTES + 10) + b"\n"),
    "réponse invalide": ("reponse.yaml", b"answers:\n  pas_une_question: 1\n"),
    "alias YAML en bombe": ("bombe.yaml", b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
                                          b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nanswers: {}\n"),
    "balise Python": ("python.yaml", b"answers: !!python/object/apply:os.system ['echo pwned']\n"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_malformed_answers_file_gives_one_french_line_and_exit_2(tmp_path: Path, invoke: Any, case: str) -> None:
    name, content = BAD_FILES[case]
    path = tmp_path / name
    path.write_bytes(content)
    result = invoke("recommend", str(path))
    assert result.exit_code == 2, (case, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Erreur : "), lines
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert "pwned" not in result.stdout + result.stderr


@pytest.mark.parametrize("target", ["absent.yaml", "."])
def test_a_missing_file_or_a_folder_is_a_user_mistake(tmp_path: Path, invoke: Any, target: str) -> None:
    result = invoke("recommend", str(tmp_path / target))
    assert result.exit_code == 2 and "Erreur : " in result.stderr and "Traceback" not in result.stderr


# --- broken knowledge base ---------------------------------------------------------------------

@pytest.fixture
def broken_root(tmp_path: Path, kb: KnowledgeBase) -> tuple[Path, Path, dict[str, Any]]:
    """A copy of the knowledge base, with the path and the parsed content of its first form file."""
    for folder in ("rules", "sheets"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    form_id = next(iter(kb.forms))
    path = tmp_path / "rules" / "forms" / f"{form_id}.yaml"
    return tmp_path, path, yaml.safe_load(path.read_text(encoding="utf-8"))


def save(path: Path, data: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def first_question_test(node: dict[str, Any]) -> dict[str, Any]:
    """The first ``{question: …}`` test of a condition."""
    if "question" in node:
        return node
    children = node.get("all") or node.get("any") or [node["not"]]
    return first_question_test(children[0])


def _syntax_error(path: Path, data: dict[str, Any]) -> str | None:
    path.write_text(path.read_text(encoding="utf-8") + "\n  - id: [non fermé\n    effect: : :\n", encoding="utf-8")
    return None


def _unknown_question(path: Path, data: dict[str, Any]) -> str:
    rule = data["rules"][0]
    first_question_test(rule["when"])["question"] = "question_inexistante"
    save(path, data)
    return str(rule["id"])


def _unknown_sheet(path: Path, data: dict[str, Any]) -> str:
    data["form"]["sheet"] = "fiche_inexistante"
    save(path, data)
    return str(data["form"]["id"])


def _duplicate_rule(path: Path, data: dict[str, Any]) -> str:
    data["rules"].append(dict(data["rules"][0]))
    save(path, data)
    return str(data["rules"][0]["id"])


def _unknown_key(path: Path, data: dict[str, Any]) -> str:
    data["rules"][0]["couleur"] = "bleu"
    save(path, data)
    return str(data["rules"][0]["id"])


def _unknown_variant(path: Path, data: dict[str, Any]) -> str:
    rule = data["rules"][0]
    rule.update({"effect": "selects_variant", "variant": "variante_inexistante"})
    save(path, data)
    return str(rule["id"])


BREAKAGES = {
    "erreur de syntaxe YAML": _syntax_error,
    "règle sur une question inconnue": _unknown_question,
    "fiche inexistante": _unknown_sheet,
    "identifiant de règle en double": _duplicate_rule,
    "clé inconnue": _unknown_key,
    "variante inexistante": _unknown_variant,
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_a_broken_knowledge_base_names_the_file_and_the_rule(broken_root: Any, invoke: Any, breakage: str) -> None:
    root, path, data = broken_root
    item = BREAKAGES[breakage](path, data)
    with pytest.raises((KnowledgeBaseError, KnowledgeBaseProblems)) as err:
        load_knowledge_base(root)
    message = str(err.value)
    assert path.name in message, message
    if item is None:
        assert "ligne" in message
    else:
        assert f"« {item} »" in message, message
    result = invoke("--data-dir", str(root), "rules", "check")
    assert result.exit_code == 2
    assert path.name in result.stderr and (item is None or item in result.stderr)
    assert "Traceback" not in result.stderr


def test_a_rule_on_an_unknown_choice_names_the_file_and_the_rule(broken_root: Any) -> None:
    root, path, data = broken_root
    for rule in data["rules"]:
        test = first_question_test(rule["when"])
        if "contains" in test:
            test["contains"] = "choix_inexistant"
            break
    else:
        pytest.skip("no rule tests a multiple choice")
    save(path, data)
    with pytest.raises((KnowledgeBaseError, KnowledgeBaseProblems)) as err:
        load_knowledge_base(root)
    assert path.name in str(err.value) and f"« {rule['id']} »" in str(err.value)
    assert "choix_inexistant" in str(err.value)


# --- security ----------------------------------------------------------------------------------

ESCAPES = ["../knowledge", "../../README", "/etc/passwd", "..", ".", "", "a/../afeji", "..\\..\\x", "%2e%2e%2f",
           "afeji\x00", "AFEJI/.", "~/x"]


@pytest.mark.parametrize("name", ESCAPES)
def test_example_names_and_sheet_ids_cannot_escape_their_folders(kb: KnowledgeBase, name: str) -> None:
    with pytest.raises(UnknownItemError):
        kb.example(name)
    with pytest.raises(UnknownItemError):
        kb.get_sheet(name)


def test_a_file_next_to_the_examples_folder_is_not_reachable(tmp_path: Path, invoke: Any) -> None:
    for folder in ("rules", "sheets"):
        shutil.copytree(TOY_ROOT / folder, tmp_path / folder)
    (tmp_path / "rules" / "secret.yaml").write_text("description: secret\nanswers: {}\n", encoding="utf-8")
    (tmp_path / "secret.md").write_text("# Secret\n", encoding="utf-8")
    kb = load_knowledge_base(tmp_path)
    for name in ("../secret", str(tmp_path / "rules" / "secret")):
        with pytest.raises(UnknownItemError):
            kb.example(name)
    with pytest.raises(UnknownItemError):
        kb.get_sheet("../secret")
    result = invoke("--data-dir", str(tmp_path), "recommend", "--example", "../secret")
    assert result.exit_code == 2 and "exemple inconnu" in result.stderr
    result = invoke("--data-dir", str(tmp_path), "sheets", "show", "../secret")
    assert result.exit_code == 2 and "Secret" not in result.stdout


SOURCE = sorted((ROOT / "advisor").rglob("*.py"))
UNSAFE = [
    (re.compile(r"(?<![\w.])(eval|exec)\s*\("), "eval/exec"),
    (re.compile(r"\b__import__\s*\("), "__import__"),
    (re.compile(r"\byaml\.(unsafe_load|full_load|load_all|unsafe_load_all)\s*\("), "YAML non sûr"),
    (re.compile(r"\byaml\.load\s*\((?![^)]*Loader\s*=\s*(yaml\.)?C?SafeLoader)"), "yaml.load sans SafeLoader"),
    (re.compile(r"Loader\s*=\s*(yaml\.)?(Full|Unsafe)?Loader\b"), "chargeur YAML non sûr"),
    (re.compile(r"\bpickle\.loads?\s*\("), "pickle"),
    (re.compile(r"\bos\.system\s*\(|shell\s*=\s*True"), "shell"),
]


# The knowledge-base cache alone unpickles, its own files only, behind an owner and key check (test_cache.py).
PICKLE_ALLOWED = {ROOT / "advisor" / "knowledge" / "cache.py"}


@pytest.mark.parametrize("path", SOURCE, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_eval_exec_or_unsafe_yaml_in_the_code(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = [f"{what}: ligne {text[:m.start()].count(chr(10)) + 1}" for pattern, what in UNSAFE
             for m in pattern.finditer(text) if not (what == "pickle" and path in PICKLE_ALLOWED)]
    assert not found, found


def test_html_templates_are_autoescaped() -> None:
    from advisor.outputs.render import environment

    env = environment()
    autoescape = env.autoescape
    for name in (n for n in env.list_templates() if n.endswith(".html.j2")):
        assert autoescape is True or autoescape(name), name  # type: ignore[operator]
