"""The site through an HTTP client: every page, the interview moves, files in and out, every error path."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from advisor import Advisor
from tests.conftest import TODAY, need
from tests.webplay import Page, answer_for, play, result, step

EXAMPLES = ["afeji", "agora-ternois", "gme-brunoy", "parcours-gagnants", "zest"]


def review_items(html: str) -> list[tuple[str, str]]:
    return re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", html)


def test_home_page_is_french_and_offers_to_start_resume_and_read(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="fr">' in response.text
    page = Page.parse(response.text)
    assert page.h1 == "Choisir comment coopérer"
    assert {"/questionnaire", "/fiches/", "/fiches/regles/", "/api"} <= set(page.links)
    upload = next(f for f in page.forms if f.action == "/reprendre")
    assert any(f.get("type") == "file" and f.get("name") == "fichier" for f in upload.fields)


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_plays_to_the_same_result_as_the_library(client, advisor: Advisor, name: str) -> None:  # type: ignore[no-untyped-def]
    answers = advisor.kb.example(name).answers
    review, asked = play(client, answers)
    assert review.h1 == "Relecture de vos réponses"
    assert len(asked) == len(set(asked))
    page = result(client, review)
    assert page.h1 == "Votre recommandation"
    rec = advisor.advise(answers, explain=True)
    top = rec.top or rec.recommendations[0]
    assert top.label in page.text
    assert f"/fiches/{top.sheet.id}.html" in page.links


def test_a_question_page_shows_progress_help_choices_and_the_forms_in_play(client, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    page = Page.parse(client.get("/questionnaire").text)
    form = page.question
    assert form is not None and form.question == advisor.next_question({}).id  # type: ignore[union-attr]
    assert re.search(r"Question 1 — environ \d+ restantes", page.text)
    assert "Où en est la recommandation" in page.text and "Formes encore possibles : 7 sur 7" in page.text
    assert advisor.kb.questions[form.question].help.split()[0] in page.text  # type: ignore[index]
    assert form.button("retour") is None  # nothing to go back to yet


def test_going_back_shows_the_answer_given_and_keeps_it(client, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    page = Page.parse(client.get("/questionnaire").text)
    first = page.question
    page = Page.parse(step(client, first, "continuer", ["Atelier du Littoral"]).text)
    second = page.question
    page = Page.parse(step(client, second, *answer_for(second, {})).text)
    back = Page.parse(step(client, page.question, "retour").text)
    assert back.question.question == second.question  # type: ignore[union-attr]
    again = Page.parse(step(client, back.question, "retour").text)
    assert again.question.question == first.question  # type: ignore[union-attr]
    assert "Réponse actuelle : Atelier du Littoral." in again.text
    field = next(f for f in again.question.fields if f.get("name") == "reponse")  # type: ignore[union-attr]
    assert field["value"] == "Atelier du Littoral"
    forward = Page.parse(step(client, again.question, "continuer", ["Atelier du Littoral"]).text)
    assert forward.question.question == second.question  # type: ignore[union-attr]


def test_je_ne_sais_pas_is_offered_only_where_allowed_and_recorded(client, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    review, asked = play(client, {"goals": ["market"], "depth": "unknown", "structure_types": ["ei"]})
    depth = advisor.kb.questions["depth"].summary
    assert "depth" in asked and re.search(rf"{re.escape(depth)}\s*je ne sais pas", review.text)
    page = Page.parse(client.get("/questionnaire").text)
    while page.question is not None:
        question = advisor.kb.questions[page.question.question]  # type: ignore[index]
        assert (page.question.button("nsp") is not None) == question.allow_unknown
        page = Page.parse(step(client, page.question, *answer_for(page.question, {})).text)


def test_a_missing_choice_is_a_french_message_linked_to_the_field(client) -> None:  # type: ignore[no-untyped-def]
    page = Page.parse(client.get("/questionnaire").text)
    page = Page.parse(step(client, page.question, "passer").text)  # the structure's name is optional
    while page.question is not None and page.question.kind() == "text":
        page = Page.parse(step(client, page.question, "passer").text)
    response = step(client, page.question, "continuer", [])
    assert response.status_code == 422
    error = Page.parse(response.text)
    assert error.title.startswith("Erreur : ")
    assert error.alerts and error.alerts[0].startswith("Votre réponse n'a pas été enregistrée")
    assert 'href="#choix-1"' in response.text and 'id="erreur"' in response.text
    assert re.search(r'<fieldset class="question" aria-describedby="aide erreur"', response.text)


def test_a_number_that_is_not_one_says_what_to_type(client, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    answers = {"goals": ["long_term_unemployment"], "structure_types": ["aci"]}
    page = Page.parse(client.get("/questionnaire").text)
    while page.question is not None and advisor.kb.questions[page.question.question].type != "number":  # type: ignore[index]
        page = Page.parse(step(client, page.question, *answer_for(page.question, answers)).text)
    assert page.question is not None, "a TZCLD interview asks the territory's population"
    response = step(client, page.question, "continuer", ["beaucoup"])
    assert response.status_code == 422 and "Tapez un nombre entier" in response.text
    assert 'aria-invalid="true"' in response.text and 'value="beaucoup"' in response.text


def test_a_review_edit_says_which_dependent_answers_are_dropped(client, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    answers = {"goals": ["market"], "tender_identified": True, "buyer_type": "public", "structure_types": ["ei"]}
    review, asked = play(client, answers)
    assert "tender_identified" in asked
    form = review.form_with("modifier:goals")
    response = client.post("/questionnaire", data={"etat": form.hidden("etat"), "action": "modifier:goals"})
    page = Page.parse(response.text)
    assert page.question.question == "goals"  # type: ignore[union-attr]
    assert "Réponse actuelle :" in page.text
    response = step(client, page.question, "continuer", ["food"])
    after = Page.parse(response.text)
    assert "Réponses retirées" in after.text
    assert advisor.kb.questions["tender_identified"].summary in after.text


def test_the_result_lists_every_part_of_the_recommendation(client, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    answers = advisor.kb.example("gme-brunoy").answers
    page = result(client, play(client, answers)[0])
    for heading in ("Solidité de la recommandation", "Ce qui changerait la recommandation", "Formes écartées",
                    "Prochaines étapes", "Emporter le résultat"):
        assert heading in page.text, heading
    rec = advisor.advise(answers, explain=True)
    for reason in rec.recommendations[0].reasons:
        assert reason.text in page.text
    assert any(link.startswith("https://") for link in page.links)  # references
    assert "/fiches/regles/forme-gme.html" in page.links
    assert f"Conseil établi selon le droit au {TODAY:%d/%m/%Y}" in page.text


def test_a_dated_consultation_follows_the_date_of_the_link(client, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    answers = {"goals": ["long_term_unemployment"], "structure_types": ["aci"]}
    review, _ = play(client, answers, start="/questionnaire?date=2027-02-01")
    page = result(client, review)
    assert "Conseil établi selon le droit au 01/02/2027" in page.text
    response = client.get("/questionnaire?date=demain")
    assert response.status_code == 400 and "n&#39;est pas une date AAAA-MM-JJ" in response.text


def test_user_text_is_escaped_everywhere(client) -> None:  # type: ignore[no-untyped-def]
    name = '<script>alert("x")</script>'
    review, _ = play(client, {"structure_name": name, "goals": ["market"]})
    assert name in review.text  # read back as text by the parser: it was escaped in the HTML
    form = review.form_with("resultat")
    for response in (step(client, form, "resultat"), step(client, form, "relecture"),
                     client.post("/telecharger/note.html", data={"etat": form.hidden("etat")})):
        assert "<script>alert" not in response.text and "&lt;script&gt;alert" in response.text


# --- state carried by the pages --------------------------------------------------------------------

def test_the_copied_link_reopens_the_same_result(client, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    answers = advisor.kb.example("afeji").answers
    page = result(client, play(client, answers)[0])
    html = step(client, page.form_with("relecture"), "resultat").text
    link = re.search(r'id="lien" readonly value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    assert link.startswith("http://testserver/resultat?etat=")
    again = Page.parse(client.get(link.removeprefix("http://testserver")).text)
    assert again.h1 == "Votre recommandation" and "recommandée" in again.text


@pytest.mark.parametrize(("etat", "status", "words"), [
    ("%%%", 400, "illisibles"),
    ("W10", 400, "forme attendue"),  # "[]"
    ("eyJhbnN3ZXJzIjp7ImdvYWxzIjoibWFyY2jDqSJ9fQ", 422, "goals"),  # {"answers":{"goals":"marché"}}
    ("eyJ6eiI6MX0", 400, "zz"),  # {"zz":1}
    ("A" * 30_000, 400, "trop longues"),
])
def test_a_damaged_state_is_refused_in_french(client, etat: str, status: int, words: str) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/questionnaire", data={"etat": etat, "action": "continuer"})
    assert response.status_code == status
    assert words in response.text and "Impossible de reprendre le questionnaire" in response.text
    assert client.get("/resultat", params={"etat": etat}).status_code == status


def test_resume_from_a_downloaded_answers_file(client, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    answers = advisor.kb.example("zest").answers
    review, _ = play(client, answers)
    download = client.post("/telecharger/reponses.yaml", data={"etat": review.form_with("resultat").hidden("etat")})
    assert download.status_code == 200
    assert download.headers["content-disposition"] == 'attachment; filename="reponses-conseiller.yaml"'
    saved = yaml.safe_load(download.text)
    assert advisor.validate(saved["answers"]) == advisor.advise(answers).answers
    assert download.text.startswith("# Réponses au questionnaire du conseiller en coopération.")
    resumed = client.post("/reprendre", files={"fichier": ("mes-réponses.yaml", download.content, "application/yaml")})
    assert resumed.status_code == 200
    page = Page.parse(resumed.text)
    assert page.h1 == "Relecture de vos réponses"
    assert "Réponses reprises de « mes-réponses.yaml »" in page.text
    assert review_items(resumed.text) == review_items(step(client, review.form_with("resultat"), "relecture").text)


@pytest.mark.parametrize(("content", "words"), [
    (b"", "le fichier est vide"),
    (b"answers: [1, 2", "syntaxe YAML/JSON invalide"),
    (b"\xff\xfe\x00a", "UTF-8"),
    (b"- a\n- b\n", "pas une liste"),
    (b"answers:\n  goals: [marche]\n", "goals"),
    (b"answers:\n  couleur: bleu\n", "question inconnue"),
])
def test_a_bad_answers_file_is_refused_in_french(client, content: bytes, words: str) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/reprendre", files={"fichier": ("reponses.yaml", content, "application/yaml")})
    assert response.status_code == 422, response.text[:500]
    assert words.replace("'", "&#39;") in response.text or words in response.text


def test_resume_without_a_file_or_with_a_huge_one(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/reprendre", files={"autre": ("x.txt", b"x", "text/plain")})
    assert response.status_code == 422 and "Choisissez le fichier de réponses" in response.text
    big = b"answers: {}\n" + b"#" * 1_200_000
    response = client.post("/reprendre", files={"fichier": ("reponses.yaml", big, "application/yaml")})
    assert response.status_code == 413 and "trop volumineuse" in response.text


# --- downloads ---------------------------------------------------------------------------------------

def _review_state(client, advisor: Advisor, example: str = "afeji") -> str:  # type: ignore[no-untyped-def]
    review, _ = play(client, advisor.kb.example(example).answers)
    return review.form_with("resultat").hidden("etat")


def test_the_memo_downloads_in_html_and_the_comparison_in_csv(client, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    etat = _review_state(client, advisor)
    memo = client.post("/telecharger/note.html", data={"etat": etat})
    assert memo.status_code == 200 and memo.headers["content-type"].startswith("text/html")
    assert "attachment" in memo.headers["content-disposition"] and "<h1>Note d'orientation" in memo.text
    assert "AFEJI Hauts-de-France" in memo.text
    table = client.post("/telecharger/comparaison.csv", data={"etat": etat})
    assert table.status_code == 200 and table.content.startswith("\ufeffCritère".encode())
    assert client.post("/telecharger/inconnu.txt", data={"etat": etat}).status_code == 404


def test_the_memo_downloads_in_pdf(client, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("weasyprint", reason="WeasyPrint (extra pdf) n'est pas installé")
    response = client.post("/telecharger/note.pdf", data={"etat": _review_state(client, advisor)})
    if response.status_code == 503:
        pytest.skip("WeasyPrint ne peut pas tourner ici : " + Page.parse(response.text).alerts[0])
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_nothing_is_written_on_the_server(client, advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import advisor.files as files

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the site wrote a file")

    monkeypatch.setattr(files, "write_atomic", refuse)
    monkeypatch.setattr(files.AtomicFile, "__init__", refuse)
    etat = _review_state(client, advisor)
    for name in ("reponses.yaml", "note.html", "comparaison.csv"):
        assert client.post(f"/telecharger/{name}", data={"etat": etat}).status_code == 200


# --- sheets, headers, errors -------------------------------------------------------------------------

def test_every_sheet_and_rule_book_page_is_served_with_its_style_allowed_by_hash(client, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    from advisor.outputs.site import site_pages

    for name in site_pages(advisor.kb):
        response = client.get(f"/fiches/{name}")
        assert response.status_code == 200, name
        policy = response.headers["content-security-policy"]
        assert "'sha256-" in policy and "unsafe-inline" not in policy and "script-src 'self'" in policy
    assert client.get("/fiches").status_code == 200  # redirected to /fiches/
    assert client.get("/fiches/regles").url.path == "/fiches/regles/"
    missing = client.get("/fiches/../../etc/passwd")
    assert missing.status_code == 404


@pytest.mark.parametrize("path", ["/", "/questionnaire", "/api", "/fiches/", "/static/site.css", "/nulle-part",
                                  "/api/questions"])
def test_security_headers_on_every_response(client, path: str) -> None:  # type: ignore[no-untyped-def]
    headers = client.get(path).headers
    policy = headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe" not in policy and "frame-ancestors 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"


def test_framing_is_allowed_only_for_the_origins_given(advisor: Advisor) -> None:
    need("starlette", "web")
    from starlette.testclient import TestClient

    from advisor.web.app import create_app

    client = TestClient(create_app(advisor, as_of=TODAY, frame_ancestors=["https://reseau.example.org"]))
    headers = client.get("/").headers
    assert "frame-ancestors https://reseau.example.org" in headers["content-security-policy"]
    assert "x-frame-options" not in headers
    with pytest.raises(ValueError, match="n'est pas une origine"):
        create_app(advisor, frame_ancestors=["https://reseau.example.org/page; script-src *"])


def test_french_404_and_405(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/nulle-part")
    assert response.status_code == 404 and "Cette page n&#39;existe pas." in response.text
    response = client.put("/questionnaire")
    assert response.status_code == 405 and "méthode PUT" in response.text


@pytest.mark.parametrize(("headers", "body", "status"), [
    ({"content-type": "application/json"}, b"{}", 415),
    ({"content-type": "multipart/form-data; boundary=x"}, b"--x\r\nnot a part", 400),
    ({"content-type": "application/x-www-form-urlencoded"}, b"etat=" + b"A" * 300_000, 413),
])
def test_malformed_or_oversized_forms_are_french_4xx(client, headers: dict[str, str], body: bytes,  # type: ignore[no-untyped-def]
                                                     status: int) -> None:
    response = client.post("/questionnaire", content=body, headers=headers)
    assert response.status_code == status
    assert Page.parse(response.text).alerts


def test_a_chunked_body_over_the_limit_is_stopped(client) -> None:  # type: ignore[no-untyped-def]
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"A" * 10_000

    response = client.post("/questionnaire", content=chunks(),
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413 and "trop volumineuse" in response.text


def test_an_unexpected_error_is_a_french_page_without_traceback(advisor: Advisor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    need("starlette", "web")
    from starlette.testclient import TestClient

    from advisor.web import pages
    from advisor.web.app import create_app

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(pages, "move", broken)
    response = TestClient(create_app(advisor, as_of=TODAY), raise_server_exceptions=False).get("/questionnaire")
    assert response.status_code == 500
    assert "Erreur interne du conseiller" in response.text and "Traceback" not in response.text


def test_the_site_works_under_a_sub_path(web_app, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    from starlette.testclient import TestClient

    client = TestClient(web_app, root_path="/conseiller")
    home = Page.parse(client.get("/").text)
    assert "/conseiller/questionnaire" in home.links and "/conseiller/fiches/" in home.links
    review, _ = play(client, advisor.kb.example("afeji").answers)
    assert review.form_with("resultat").action == "/conseiller/questionnaire"


# --- valid HTML ----------------------------------------------------------------------------------------

def every_page_type(client, advisor: Advisor) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """One page of each kind: home, each question type, an error, review, result, sheets, rules, API, 404."""
    pages = {url: client.get(url).text for url in ("/", "/api", "/nulle-part", "/fiches/", "/fiches/gme.html",
                                                   "/fiches/regles/", "/fiches/regles/forme-gme.html",
                                                   "/fiches/regles/question-goals.html")}
    for answers in (advisor.kb.example("gme-brunoy").answers, {"goals": ["long_term_unemployment"]}):
        page = Page.parse(client.get("/questionnaire").text)
        while page.question is not None:
            question = advisor.kb.questions[page.question.question]  # type: ignore[index]
            response = step(client, page.question, *answer_for(page.question, answers))
            pages.setdefault(f"question {question.type}", response.text)
            page = Page.parse(response.text)
        pages["review"] = response.text
        pages["result"] = step(client, page.form_with("resultat"), "resultat").text
    page = Page.parse(client.get("/questionnaire").text)
    while page.question is not None and page.question.kind() == "text":
        page = Page.parse(step(client, page.question, "passer").text)
    pages["question error"] = step(client, page.question, "continuer", []).text
    assert 'id="erreur"' in pages["question error"]
    return pages


def test_every_page_type_is_valid_html_with_its_references_resolved(client, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    html5lib = pytest.importorskip("html5lib", reason="html5lib (extra test) n'est pas installé")
    pages = every_page_type(client, advisor)
    kinds = {"question single", "question multiple", "question boolean", "question number", "question text"}
    assert kinds <= set(pages)
    for name, html in pages.items():
        html5lib.HTMLParser(strict=True).parse(html)  # raises on the first parse error
        assert '<html lang="fr">' in html, name
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), f"{name}: identifiants en double"
        for target in re.findall(r'<label for="([^"]+)"', html):
            assert target in ids, f"{name}: étiquette sans champ {target}"
        for described in re.findall(r'aria-(?:describedby|labelledby)="([^"]+)"', html):
            assert set(described.split()) <= set(ids), f"{name}: {described}"
        external = re.search(r'<(?:link|script|img)[^>]+(?:src|href)="(?:https?:)?//', html)
        assert not external, f"{name}: ressource externe"


def test_fin_goes_to_the_review_once_the_verdict_can_no_longer_change(client, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    answers = advisor.kb.example("afeji").answers
    page = Page.parse(client.get("/questionnaire").text)
    while page.question is not None and page.question.button("fin") is None:
        page = Page.parse(step(client, page.question, *answer_for(page.question, answers)).text)
    assert page.question is not None, "the afeji interview settles before its last question"
    assert "ne peuvent plus changer la forme recommandée" in page.text
    review = Page.parse(step(client, page.question, "fin").text)
    assert review.h1 == "Relecture de vos réponses"
    assert "Questions restantes passées" in review.text
