"""Reading the site's pages as a browser without JavaScript would: forms, fields, buttons, messages.

Shared by the HTTP tests and the load benchmark (``bench/web_load.py``): ``Page.parse`` reads a page,
``answer_for`` picks what a person with given answers would submit on a question page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any


@dataclass
class Form:
    """A form: where it posts, its fields (name → values) and its buttons (name, value, formaction, text)."""

    action: str
    method: str
    question: str | None
    fields: list[dict[str, str]] = field(default_factory=list)
    buttons: list[dict[str, str]] = field(default_factory=list)

    def hidden(self, name: str) -> str:
        return next(f["value"] for f in self.fields if f.get("name") == name and f.get("type") == "hidden")

    def button(self, value: str) -> dict[str, str] | None:
        return next((b for b in self.buttons if b.get("value") == value), None)

    def options(self) -> list[str]:
        return [f["value"] for f in self.fields
                if f.get("name") == "reponse" and f.get("type") in ("radio", "checkbox")]

    def kind(self) -> str:
        types = {f.get("type") for f in self.fields if f.get("name") == "reponse"}
        return (types - {"hidden"}).pop() if types else ""


@dataclass
class Page:
    """What a test reads on a page."""

    title: str = ""
    h1: str = ""
    forms: list[Form] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    text: str = ""

    @classmethod
    def parse(cls, html: str) -> Page:
        reader = _Reader()
        reader.feed(html)
        return reader.page

    def form_with(self, button: str) -> Form:
        return next(f for f in self.forms if f.button(button) is not None)

    @property
    def question(self) -> Form | None:
        return next((f for f in self.forms if f.question), None)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.form: Form | None = None
        self.stack: list[str] = []
        self.capture: list[str] | None = None
        self.button: dict[str, str] | None = None
        self.alert_depth: int | None = None
        self.alert: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "checked" in dict(attrs):
            a["checked"] = "checked"
        if tag == "form":
            self.form = Form(a.get("action", ""), a.get("method", "get"), a.get("data-question"))
            self.page.forms.append(self.form)
        elif tag == "input" and self.form is not None:
            self.form.fields.append(a)
        elif tag == "button" and self.form is not None:
            self.button = {**a, "text": ""}
            self.form.buttons.append(self.button)
        elif tag == "a" and "href" in a:
            self.page.links.append(a["href"])
        elif tag in ("title", "h1"):
            self.capture = []
        if tag == "div" and "alert" in a.get("class", "") and self.alert_depth is None:
            self.alert_depth = len(self.stack)
            self.alert = []
        if tag not in ("input", "meta", "link", "br", "img"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "button":
            self.button = None
        elif tag in ("title", "h1") and self.capture is not None:
            setattr(self.page, tag, " ".join("".join(self.capture).split()))
            self.capture = None
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
            if self.alert_depth is not None and len(self.stack) == self.alert_depth:
                self.page.alerts.append(" ".join("".join(self.alert).split()))
                self.alert_depth = None

    def handle_data(self, data: str) -> None:
        self.page.text += data
        if self.capture is not None:
            self.capture.append(data)
        if self.button is not None:
            self.button["text"] += data
        if self.alert_depth is not None:
            self.alert.append(data)


def answer_for(form: Form, answers: dict[str, Any]) -> tuple[str, list[str]]:
    """(action, values) a person with these answers submits on a question page; « je ne sais pas »,
    passing, or the first choice for a question they have no answer for."""
    qid = form.question or ""
    kind = form.kind()
    if qid in answers:
        value = answers[qid]
        if value == "unknown":
            return "nsp", []
        if value is None or value == "":
            return "passer", []
        if isinstance(value, bool):
            return "continuer", ["oui" if value else "non"]
        if isinstance(value, list):
            return "continuer", [str(v) for v in value]
        return "continuer", [str(value)]
    if form.button("nsp"):
        return "nsp", []
    if form.button("passer"):
        return "passer", []
    if kind in ("radio", "checkbox"):
        return "continuer", form.options()[:1]
    numeric = any(f.get("inputmode") == "numeric" for f in form.fields if f.get("name") == "reponse")
    return "continuer", ["1000" if numeric else "Essai"]


def step(client: Any, form: Form, action: str, values: list[str] | None = None, base: str = "") -> Any:
    """Post one move of the interview page ``form``; returns the HTTP response."""
    return client.post(f"{base}/questionnaire", data={"etat": form.hidden("etat"), "action": action,
                                                      "reponse": values or []})


def play(client: Any, answers: dict[str, Any], base: str = "", start: str = "/questionnaire",
         limit: int = 60) -> tuple[Page, list[str]]:
    """Answer every question a person with ``answers`` is asked, up to the review screen.

    Returns the review page and the question ids in the order they were asked.
    """
    response = client.get(base + start)
    page = Page.parse(response.text)
    asked: list[str] = []
    while page.question is not None and len(asked) < limit:
        form = page.question
        asked.append(form.question or "")
        action, values = answer_for(form, answers)
        response = step(client, form, action, values, base)
        assert response.status_code == 200, (form.question, action, values, response.text[:2000])
        page = Page.parse(response.text)
    return page, asked


def result(client: Any, review: Page, base: str = "") -> Page:
    """From the review screen, the result page."""
    response = step(client, review.form_with("resultat"), "resultat", base=base)
    assert response.status_code == 200
    return Page.parse(response.text)
