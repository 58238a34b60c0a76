"""Reading YAML and JSON safely (issue 12.14, 16.4, 16.10): what YAML would do in silence is refused.

Keys given twice (YAML keeps the last), alias bombs (a few hundred bytes, gigabytes once expanded),
deep nesting, numbers too long for Python to print: refused before any value is built, with the line,
in answers files and in the knowledge base alike; messages quote at most a short excerpt.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from advisor import KnowledgeBaseError, load_knowledge_base
from advisor.errors import EXCERPT_CHARS, excerpt
from advisor.knowledge.reading import (
    MAX_NESTING,
    MAX_YAML_NODES,
    DataSyntaxError,
    SafeLoader,
    _check_nodes,
    load_json,
    safe_load,
)
from tests.conftest import ROOT


def bomb(levels: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("text", "line", "expected"), [
    ("answers:\n  goals: [market]\n  depth: a\n  goals: [food]\n", 4, "clé « goals » en double (déjà ligne 2)"),
    ("answers: {}\nanswers: {}\n", 2, "clé « answers » en double"),
    ("{a: 1, a: 2}\n", 1, "deux fois sur cette ligne"),
    (bomb(9), 5, f"plus de {MAX_YAML_NODES:,}".replace(",", " ")),
    ("a: &x [1, *x]\n", 1, "alias qui se contient lui-même"),
    ("a: " + "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1) + "\n", 1, "imbrication trop profonde"),
    ("a: 1" + "0" * 40 + "\n", 1, "nombre hors des limites"),
    ("a: 0x" + "f" * 5000 + "\n", 1, "nombre hors des limites"),
])
def test_what_yaml_would_accept_in_silence_is_refused_with_its_line(text: str, line: int, expected: str) -> None:
    with pytest.raises(DataSyntaxError) as err:
        safe_load(text)
    assert err.value.line == line and expected in str(err.value.problem)


def test_small_aliases_are_fine_in_rule_files_but_refused_in_answers_files() -> None:
    text = "base: &b [aci, ea]\nother: *b\n"
    assert safe_load(text) == {"base": ["aci", "ea"], "other": ["aci", "ea"]}
    assert safe_load(bomb(4)) is not None  # 10,000 values: below the budget
    with pytest.raises(DataSyntaxError, match="alias") as err:
        safe_load(text, aliases=False)
    assert err.value.line == 2


def test_an_alias_bomb_is_refused_at_once_without_expanding_it() -> None:
    start = time.monotonic()
    with pytest.raises(DataSyntaxError):
        safe_load(bomb(30))  # 10^30 values once expanded
    assert time.monotonic() - start < 1


@pytest.mark.parametrize(("text", "expected"), [
    ('{"goals": ["market"], "goals": ["food"]}', "clé « goals » en double"),
    ('{"a": ' + "1" * 4301 + "}", "nombre hors des limites"),
    ("[" * 5000 + "]" * 5000, "imbrication trop profonde"),
    ("[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1), "imbrication trop profonde"),
])
def test_json_gets_the_same_checks(text: str, expected: str) -> None:
    with pytest.raises(DataSyntaxError, match=expected):
        load_json(text)


@pytest.mark.parametrize(("content", "expected"), [
    (b"answers:\n  depth: common_governance\n  depth: single_project\n", "ligne 3 : clé « depth » en double"),
    (b"description: a\ndescription: b\nanswers: {}\n", "ligne 2 : clé « description » en double"),
    (b'{"answers": {"depth": "x", "depth": "y"}}', "clé « depth » en double"),
])
def test_an_answers_file_with_a_key_twice_is_refused(tmp_path: Path, invoke: Any, content: bytes,
                                                     expected: str) -> None:
    path = tmp_path / ("r.json" if content.startswith(b"{") else "r.yaml")
    path.write_bytes(content)
    result = invoke("recommend", str(path))
    assert result.exit_code == 2 and expected in result.stderr, result.stderr


@pytest.fixture
def data(tmp_path: Path) -> Path:
    for folder in ("rules", "sheets"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def test_a_rule_with_two_weights_fails_rules_check_with_the_line(data: Path, invoke: Any) -> None:
    path = data / "rules" / "forms" / "gme.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(n for n, line in enumerate(lines) if line.strip().startswith("weight:"))
    lines.insert(at + 1, lines[at].replace(lines[at].strip(), "weight: 9"))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=f"ligne {at + 2} : clé « weight » en double"):
        load_knowledge_base(data)
    result = invoke("--data-dir", str(data), "rules", "check")
    assert result.exit_code == 2 and "gme.yaml" in result.stderr and "weight" in result.stderr


def test_a_wrong_value_names_the_allowed_ones_in_french(data: Path) -> None:
    path = data / "rules" / "forms" / "jvs.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("effect: excludes", "effect: forbids", 1),
                    encoding="utf-8")
    with pytest.raises(KnowledgeBaseError) as err:
        load_knowledge_base(data)
    allowed = str(err.value).split("valeurs possibles : ")[1]
    assert allowed.endswith(" ou warns") and "'" not in allowed and " or " not in allowed


def test_a_huge_bad_value_in_a_rule_file_gives_a_short_message(data: Path) -> None:
    path = data / "rules" / "knowledge.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: ", "title: [" + ", ".join(["longue valeur"] * 5000) + "]\nold_title: ", 1),
                    encoding="utf-8")
    with pytest.raises(KnowledgeBaseError) as err:
        load_knowledge_base(data)
    assert len(str(err.value)) < 400


@pytest.mark.parametrize("value", [10 ** 5000, -(16 ** 5000), "x" * 10 ** 6, [[[[[[1]]]]]] * 10 ** 4,
                                   "a\ud800b", {"k" * 1000: "v"}],
                         ids=["big-int", "big-negative", "long-text", "nested", "surrogate", "long-key"])
def test_an_excerpt_of_a_bad_value_is_always_short(value: Any) -> None:
    shown = excerpt(value)
    assert len(shown) <= EXCERPT_CHARS and shown.isprintable()


def test_checking_keeps_the_knowledge_base_fast() -> None:
    """The checks walk libyaml's nodes once: far cheaper than parsing (measured: about a fifth)."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "rules").rglob("*.yaml"))]

    def best(run: Any) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        return min(times)

    def nodes() -> list[Any]:
        found = []
        for text in texts:
            loader = SafeLoader(text)
            found.append(loader.get_single_node())
            loader.dispose()
        return found

    composed = nodes()
    parse = best(lambda: [yaml.load(t, Loader=SafeLoader) for t in texts])  # noqa: S506 - safe loader
    check = best(lambda: [_check_nodes(n, True) for n in composed])
    assert check < parse, (check, parse)
