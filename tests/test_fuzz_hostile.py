"""Property-based hostile input (issue 16): random text from every Unicode plane (control characters
and lone surrogates included), huge numbers and deep nesting, fed to the library, the answers-file
round trip, batch rows and the memo renderers.

Nothing but ``AdvisorError`` ever escapes, and every file the advisor writes is read back by its own
loader as it was written.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from advisor import Advisor, AdvisorError, AnswerError, Recommendation, render_memo
from advisor.batch.run import batch_to_file
from advisor.files import dump_answers, read_answers
from advisor.knowledge.reading import DataSyntaxError, safe_load
from advisor.knowledge.text import description_problem, tidy_lines
from tests.strategies import answer_sets

FEW = settings(max_examples=60, deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# Every code point, surrogates and control characters included.
ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
ANY_TEXT = st.text(ANY_CHAR, max_size=40)
HOSTILE_TEXT = st.one_of(ANY_TEXT, st.sampled_from(["X \ud83c", "\udc80", "\x1b]0;t\x07", "a\x7fb", "\ufffe",
                                                    "25.000", "25,000", "8,5", "1e309", "---", "1.", "=1+2"]))


def deep(levels: int) -> Any:
    value: Any = "aci"
    for _ in range(levels):
        value = [value]
    return value


HUGE = st.one_of(st.integers(), st.integers(min_value=10 ** 40, max_value=10 ** 4000),
                 st.floats(allow_nan=True, allow_infinity=True))
NESTED = st.recursive(st.one_of(st.none(), st.booleans(), HUGE, HOSTILE_TEXT),
                      lambda inner: st.one_of(st.lists(inner, max_size=4),
                                              st.dictionaries(ANY_TEXT, inner, max_size=3)),
                      max_leaves=12)
VALUES = NESTED | st.integers(0, 3000).map(deep)
JSON_VALUES = NESTED | st.integers(0, 900).map(deep)  # what json.dumps can still write


@FEW
@given(data=st.data())
def test_advise_lets_nothing_but_advisor_errors_escape(advisor: Advisor, data: st.DataObject) -> None:
    keys = st.one_of(st.sampled_from(list(advisor.kb.questions)), ANY_TEXT)
    raw = data.draw(st.dictionaries(keys, VALUES, max_size=4))
    try:
        result = advisor.advise(raw)
    except AdvisorError as err:
        message = str(err)
        assert "\n" not in message and len(message) < 1200  # at most the list of the questions
        message.encode("utf-8")  # printable anywhere: unreadable characters are escaped
    else:
        assert isinstance(result, Recommendation)
        json.dumps(result.model_dump(mode="json"), ensure_ascii=False).encode("utf-8")


@FEW
@given(data=st.data())
def test_a_saved_answers_file_reads_back_as_it_was_written(advisor: Advisor, tmp_path_factory: Any,
                                                           data: st.DataObject) -> None:
    answers = data.draw(answer_sets(advisor.kb))
    for qid in (q.id for q in advisor.kb.questions.values() if q.type == "text"):
        raw = data.draw(HOSTILE_TEXT)
        try:
            answers[qid] = advisor.validate({qid: raw}).get(qid, "")
        except AnswerError:
            answers.pop(qid, None)  # refused on input: never reaches a file
    description = data.draw(st.one_of(st.none(), st.text(ANY_CHAR, max_size=60)))
    assume(description is None or description_problem(description) is None)
    path = tmp_path_factory.mktemp("round") / "reponses.yaml"
    path.write_text(dump_answers(advisor.kb, answers, description), encoding="utf-8")
    read = read_answers(path, advisor.kb)
    assert read.notices == () and read.description == (tidy_lines(description) if description else None)
    assert advisor.validate(read.answers) == advisor.validate(answers)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_batch_rows_of_anything_give_one_readable_result_row_each(toy_advisor: Advisor, tmp_path_factory: Any,
                                                                  data: st.DataObject) -> None:
    lines = data.draw(st.lists(st.one_of(
        st.dictionaries(st.sampled_from(["distance_km", "weather", "extras", "id", "luggage"]), JSON_VALUES,
                        max_size=4)
        .map(lambda d: json.dumps(d)),
        ANY_TEXT.map(lambda t: t.replace("\n", " ").replace("\r", " "))), min_size=1, max_size=6))
    lines = [line for line in lines if line.strip()] or ["{}"]
    folder = tmp_path_factory.mktemp("batch")
    source = folder / "in.jsonl"
    source.write_bytes("".join(line + "\n" for line in lines).encode("utf-8", errors="surrogatepass"))
    for name in ("out.jsonl", "out.csv"):
        rows = list(batch_to_file(toy_advisor, source, folder / name, force=True))
        assert [r.line for r in rows] == list(range(1, len(lines) + 1))
        text = (folder / name).read_text(encoding="utf-8")
        written = ([json.loads(line) for line in text.splitlines()] if name.endswith(".jsonl")
                   else list(csv.DictReader(text.splitlines(keepends=True))))
        assert len(written) == len(lines)


@FEW
@given(data=st.data())
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_memos_never_carry_control_characters(advisor: Advisor, fmt: str, data: st.DataObject) -> None:
    description = data.draw(st.one_of(st.none(), HOSTILE_TEXT))
    name = data.draw(HOSTILE_TEXT)
    try:
        text = render_memo(advisor, {"structure_name": name, "structure_types": ["aci"]}, fmt,
                           description=description)
    except AnswerError:
        return
    assert isinstance(text, str)
    assert not any(c < " " and c not in "\n\t" or "\x7f" <= c <= "\x9f" for c in text)
    assert "\ufffe" not in text and "\uffff" not in text
    text.encode("utf-8")


@FEW
@given(text=st.text(ANY_CHAR, max_size=80))
def test_the_answers_loader_never_fails_otherwise_than_in_french(text: str) -> None:
    try:
        safe_load(text, aliases=False)
    except DataSyntaxError:
        pass


def test_a_deep_or_huge_answers_file_is_refused_in_french(tmp_path: Path, invoke: Any) -> None:
    for name, content in {"deep.yaml": "answers:\n  goals: " + "[" * 900 + "]" * 900 + "\n",
                          "big.json": '{"answers": {"territory_population": ' + "9" * 5000 + "}}"}.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
        result = invoke("recommend", str(tmp_path / name))
        assert result.exit_code == 2 and result.stderr.startswith("Erreur : ") and "interne" not in result.stderr
