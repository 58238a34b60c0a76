"""The HTTP API: the library's Recommendation for the packaged examples, its JSON Schemas, French errors."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor import Advisor
from tests.conftest import TODAY, need

need("jsonschema", "test")
jsonschema = pytest.importorskip("jsonschema")

EXAMPLES = ["afeji", "agora-ternois", "gme-brunoy", "parcours-gagnants", "zest"]
POSTS = ["/api/advise", "/api/next-question", "/api/memo"]


def schema(client, name: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/schemas/{name}.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def validate(client, name: str, data: Any) -> None:  # type: ignore[no-untyped-def]
    found = schema(client, name)
    jsonschema.Draft202012Validator.check_schema(found)
    jsonschema.Draft202012Validator(found).validate(data)


@pytest.mark.parametrize("name", EXAMPLES)
def test_advise_answers_the_libraries_recommendation_for_each_example(client, advisor: Advisor, name: str) -> None:  # type: ignore[no-untyped-def]
    example = advisor.kb.example(name)
    body = {"answers": example.answers, "description": example.description}
    validate(client, "advise-request", body)
    validate(client, "answers", example.answers)
    response = client.post("/api/advise", json=body)
    assert response.status_code == 200
    assert response.json() == advisor.advise(example.answers, explain=True).model_dump(mode="json")
    validate(client, "recommendation", response.json())


def test_advise_follows_as_of_and_explain(client, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    answers = {"goals": ["long_term_unemployment"], "structure_types": ["aci"]}
    later = client.post("/api/advise", json={"answers": answers, "as_of": "2027-02-01", "explain": False}).json()
    import datetime as dt

    assert later == advisor.advise(answers, as_of=dt.date(2027, 2, 1)).model_dump(mode="json")
    assert later["as_of"] == "2027-02-01" and later["changes"] is None
    assert client.post("/api/advise", json={"answers": answers}).json()["as_of"] == TODAY.isoformat()


def test_questions_lists_every_question(client, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    data = client.get("/api/questions").json()
    assert [q["id"] for q in data["questions"]] == list(advisor.kb.questions)
    assert data["knowledge_base_version"] == advisor.kb.meta.version
    validate(client, "questions", data)


def test_next_question_walks_an_interview_to_completion(client, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    target = advisor.kb.example("gme-brunoy").answers
    answers: dict[str, Any] = {}
    for _ in range(40):
        data = client.post("/api/next-question", json={"answers": answers}).json()
        validate(client, "next-question-response", data)
        if data["complete"]:
            break
        question = data["question"]
        assert data["progress"]["number"] >= 1
        answers[question["id"]] = target.get(question["id"], "unknown" if question.get("allow_unknown") else None)
    assert data["complete"] and data["question"] is None
    assert advisor.advise(answers).top.form == "gme"  # type: ignore[union-attr]


def test_memo_in_html_and_pdf(client, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    answers = advisor.kb.example("afeji").answers
    html = client.post("/api/memo", json={"answers": answers, "format": "html"})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "<h1>Note d'orientation" in html.text
    pytest.importorskip("weasyprint", reason="WeasyPrint (extra pdf) n'est pas installé")
    pdf = client.post("/api/memo", json={"answers": answers, "format": "pdf"})
    assert pdf.status_code in (200, 503)
    if pdf.status_code == 200:
        assert pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"


def test_openapi_describes_every_route_and_its_references_resolve(client) -> None:  # type: ignore[no-untyped-def]
    doc = client.get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) == {"/api/questions", "/api/next-question", "/api/advise", "/api/memo"}
    components = doc["components"]["schemas"]
    refs: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.add(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    assert refs and all(ref.removeprefix("#/components/schemas/") in components for ref in refs)
    for name in ("Recommendation", "AdviseRequest", "Answers", "ErrorBody"):
        jsonschema.Draft202012Validator.check_schema({**components[name], "$defs": components})


# --- errors ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "field", "words"), [
    ({"answers": {"goals": ["marché"]}}, "answers.goals", "choix inconnu"),
    ({"answers": {"couleur": "bleu"}}, "answers.couleur", "question inconnue"),
    ({"answers": {"structure_types": "unknown"}}, "answers.structure_types", "je ne sais pas"),
    ({"answers": {"territory_population": "beaucoup"}}, "answers.territory_population", "nombre entier"),
])
def test_a_bad_answer_is_422_naming_the_question_and_the_values_allowed(client, advisor: Advisor, body: dict[str, Any],  # type: ignore[no-untyped-def]
                                                                      field: str, words: str) -> None:
    for path in POSTS:
        response = client.post(path, json=body)
        assert response.status_code == 422, path
        data = response.json()
        validate(client, "error", data)
        assert data["field"] == field and words in data["message"]
        question = field.split(".")[1]
        if question in advisor.kb.questions:
            assert data["question"] == question and data["allowed"]
            kb_question = advisor.kb.questions[question]
            if kb_question.choices:
                assert data["allowed_values"][:len(kb_question.choices)] == [c.id for c in kb_question.choices]
        else:
            assert "goals" in data["allowed_values"]


@pytest.mark.parametrize(("body", "headers", "status", "words"), [
    (b"{", {"content-type": "application/json"}, 400, "pas du JSON valide (ligne 1, colonne 2)"),
    (b"", {"content-type": "application/json"}, 400, "vide"),
    (b"answers=1", {"content-type": "application/x-www-form-urlencoded"}, 415, "Content-Type: application/json"),
    (b"[1, 2]", {"content-type": "application/json"}, 422, "objet JSON"),
    (b"{}", {"content-type": "application/json"}, 422, "Champ obligatoire manquant : « answers »"),
    (b'{"answers": {}, "couleur": 1}', {"content-type": "application/json"}, 422, "Champ inconnu : « couleur »"),
    (b'{"answers": [], "as_of": "2027"}', {"content-type": "application/json"}, 422, "answers"),
    (b'{"answers": {}, "as_of": "demain"}', {"content-type": "application/json"}, 422, "date AAAA-MM-JJ"),
    (b'{"answers": {}, "format": "docx"}', {"content-type": "application/json"}, 422, "format"),
    (b"[" * 100_000, {"content-type": "application/json"}, 400, "JSON"),
    (b'{"answers": {"territory_population": ' + b"9" * 5000 + b"}}", {"content-type": "application/json"}, 400,
     "JSON"),
    (b'{"answers": {}, "description": "' + b"x" * 300_000 + b'"}', {"content-type": "application/json"}, 413,
     "trop volumineuse"),
])
def test_malformed_bodies_are_french_4xx_json(client, body: bytes, headers: dict[str, str], status: int,  # type: ignore[no-untyped-def]
                                             words: str) -> None:
    path = "/api/memo" if b"format" in body else "/api/advise"
    response = client.post(path, content=body, headers=headers)
    assert response.status_code == status
    data = response.json()
    assert data["status"] == status and words in data["message"], data


def test_wrong_method_and_unknown_routes_are_french_json(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/advise")
    assert response.status_code == 405 and "méthode GET" in response.json()["message"]
    response = client.get("/api/inconnu")
    assert response.status_code == 404 and response.json()["message"] == "Cette page n'existe pas."
    response = client.get("/api/schemas/inconnu.json")
    assert response.status_code == 404 and "Schéma inconnu" in response.json()["message"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from([*POSTS, "/questionnaire", "/reprendre", "/telecharger/note.html"]),
       body=st.one_of(st.binary(max_size=300), st.recursive(
           st.none() | st.booleans() | st.integers() | st.text(max_size=20),
           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
           max_leaves=12).map(lambda v: __import__("json").dumps({"answers": v}).encode())),
       kind=st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain",
                             "multipart/form-data; boundary=b"]))
def test_no_body_ever_makes_a_server_error(web_app, path: str, body: bytes, kind: str) -> None:  # type: ignore[no-untyped-def]
    from starlette.testclient import TestClient

    client = TestClient(web_app, raise_server_exceptions=False)
    response = client.post(path, content=body, headers={"content-type": kind})
    assert response.status_code < 500 or response.status_code == 503, (path, body[:80], response.text[:300])
