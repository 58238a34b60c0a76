"""A real browser plays the site with the keyboard only: Debian's Chromium, driven by Selenium.

Three complete interviews, one per family of forms (a market: GME; an ensemblier: GES; a territory:
PTCE), each with « Question précédente », « Je ne sais pas », an edit on the review screen, the answers
downloaded and resumed from the file, and the memo downloaded. axe-core (bundled with
axe-selenium-python) checks every page type: no serious or critical violation. Pages must not scroll
sideways at 320 px (a phone, or 200 % zoom on a small laptop).

Skipped, with the reason, only on a developer's machine without Chromium; in CI (``CI`` set) a missing
browser fails. Run as root, Chromium needs the flags below and a fresh profile folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from advisor import Advisor
from tests.conftest import need

pytestmark = pytest.mark.browser
need("selenium", "browser")
need("axe_selenium_python", "browser")
webdriver = pytest.importorskip("selenium.webdriver")
from axe_selenium_python import Axe  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
SERIOUS = ("serious", "critical")


def chromium() -> tuple[str, str]:
    """Debian's chromium and chromedriver, or a skip (a failure in CI)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    message = "Chromium absent : installez-le avec « sudo apt-get install chromium chromium-driver »."
    if os.environ.get("CI"):
        pytest.fail(message + " (obligatoire en intégration continue)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def server(web_app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """uvicorn on a free loopback port, stopped at the end of the module."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    instance = uvicorn.Server(uvicorn.Config(web_app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("telechargements")


@pytest.fixture(scope="module")
def browser(downloads: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    binary, driver_path = chromium()
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('profil')}")
    options.add_argument("--window-size=1280,1000")
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


class Keyboard:
    """A person using only the keyboard: Tab to a control, then Space, Enter, arrows or typing."""

    def __init__(self, driver: Any, axe_pages: set[str]) -> None:
        self.driver = driver
        self.axe_pages = axe_pages

    def press(self, *keys: str) -> None:
        ActionChains(self.driver).send_keys(*keys).perform()

    @property
    def focused(self) -> WebElement:
        return self.driver.switch_to.active_element

    def tab_to(self, wanted: Callable[[WebElement], bool], what: str, limit: int = 120) -> WebElement:
        for _ in range(limit):
            self.press(Keys.TAB)
            element = self.focused
            if wanted(element):
                return element
        raise AssertionError(f"la touche Tab n'atteint pas : {what}")

    def button(self, value: str) -> None:
        """Tab to the button of this action (or text) and press Enter; wait for the next page."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        def names(e: WebElement) -> tuple[str | None, ...]:
            return e.get_attribute("value"), e.text, (e.get_attribute("formaction") or "").rsplit("/", 1)[-1]

        self.tab_to(lambda e: e.tag_name == "button" and value in names(e), f"le bouton {value}")
        self.press(Keys.ENTER)
        if value.endswith((".pdf", ".yaml", ".html", ".csv")):
            return  # a download: the page stays
        deadline = time.monotonic() + 20
        while True:
            try:
                old.tag_name  # noqa: B018 - raises once the page is replaced
            except Exception:  # noqa: BLE001 - StaleElementReferenceException
                break
            assert time.monotonic() < deadline, "la page suivante ne vient pas"
            time.sleep(0.02)
        self.check_page()

    def check_page(self) -> None:
        """axe-core on the first page of each type: no serious or critical violation."""
        kind = self.page_type()
        if kind in self.axe_pages:
            return
        self.axe_pages.add(kind)
        audit(self.driver, kind)

    def page_type(self) -> str:
        form = self.driver.find_elements(By.CSS_SELECTOR, "form[data-question]")
        if form:
            fields = self.driver.find_elements(By.CSS_SELECTOR, "[name=reponse]:not([type=hidden])")
            kind = fields[0].get_attribute("type") if fields else "?"
            if fields and fields[0].get_attribute("inputmode") == "numeric":
                kind = "number"
            errors = self.driver.find_elements(By.ID, "erreur")
            return f"question-{kind}" + ("-erreur" if errors else "")
        return self.driver.find_element(By.TAG_NAME, "h1").text

    def answer(self, question: str, value: Any) -> str:
        """Answer the question on the page as the value says; returns the action used."""
        unknown = self.driver.find_elements(By.CSS_SELECTOR, "button[value=nsp]")
        skip = self.driver.find_elements(By.CSS_SELECTOR, "button[value=passer]")
        if value == "unknown" or (value is None and unknown):
            self.button("nsp")
            return "nsp"
        if value is None and skip:
            self.button("passer")
            return "passer"
        fields = self.driver.find_elements(By.CSS_SELECTOR, "[name=reponse]:not([type=hidden])")
        kind = fields[0].get_attribute("type")
        if value is None:
            value = fields[0].get_attribute("value") if kind in ("radio", "checkbox") else "1000"
        if isinstance(value, bool):
            value = "oui" if value else "non"
        if kind == "radio":
            self.tab_to(lambda e: e.get_attribute("name") == "reponse", "les choix")
            for _ in range(len(fields) + 1):
                if self.focused.get_attribute("value") == value:
                    break
                self.press(Keys.ARROW_DOWN)
            assert self.focused.get_attribute("value") == value
            if not self.focused.is_selected():
                self.press(Keys.SPACE)
        elif kind == "checkbox":
            wanted = set(value if isinstance(value, list) else [value])
            self.tab_to(lambda e: e.get_attribute("name") == "reponse", "les cases")
            for index in range(len(fields)):
                box = self.focused
                if box.is_selected() != (box.get_attribute("value") in wanted):
                    self.press(Keys.SPACE)
                if index < len(fields) - 1:
                    self.press(Keys.TAB)
        else:
            self.tab_to(lambda e: e.get_attribute("id") == "reponse", "le champ de réponse")
            ActionChains(self.driver).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).perform()
            self.press(Keys.DELETE)
            self.press(str(value))
        self.button("continuer")
        return "continuer"


def audit(driver: Any, kind: str) -> None:
    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    serious = [v for v in results["violations"] if v.get("impact") in SERIOUS]
    assert not serious, f"{kind} : " + axe.report(serious)


def wait_for_file(folder: Path, suffix: str, timeout: float = 30) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [p for p in folder.glob(f"*{suffix}") if p.stat().st_size > 0]
        if found:
            return max(found, key=lambda p: p.stat().st_mtime)
        time.sleep(0.1)
    raise AssertionError(f"aucun fichier {suffix} téléchargé dans {folder}")


AXE_PAGES: set[str] = set()

CASES = {
    # example → (a question answered « je ne sais pas », and an edit on the review screen: question, new
    # value, a question whose answer the edit drops)
    "gme-brunoy": ("buyer_liability", "buyer_type", "private", "reserved_lot"),
    "afeji": ("shared_liability", "structure_name", "AFEJI Littoral", None),
    "agora-ternois": ("depth", "structure_name", "AGORA du Ternois", None),
}


@pytest.mark.parametrize("example", list(CASES))
def test_a_complete_interview_with_the_keyboard_only(browser, server: str, downloads: Path, advisor: Advisor,  # type: ignore[no-untyped-def]
                                                      example: str) -> None:
    kb = advisor.kb
    unknown, edited, value, dropped = CASES[example]
    answers = {**kb.example(example).answers, unknown: "unknown"}
    keys = Keyboard(browser, AXE_PAGES)
    for old in downloads.iterdir():
        old.unlink()
    browser.get(server + "/")
    keys.check_page()
    keys.tab_to(lambda e: e.text == "Commencer le questionnaire", "le lien « Commencer le questionnaire »")
    keys.press(Keys.ENTER)
    time.sleep(0.2)
    keys.check_page()
    actions: list[str] = []
    went_back = False
    while browser.find_elements(By.CSS_SELECTOR, "form[data-question]"):
        question = browser.find_element(By.CSS_SELECTOR, "form[data-question]").get_attribute("data-question")
        if len(actions) == 3 and not went_back:  # back once, and find the previous question again
            keys.button("retour")
            went_back = True
            shown = browser.find_element(By.CSS_SELECTOR, "form[data-question]").get_attribute("data-question")
            assert shown != question
            continue
        if len(actions) == 1 and "erreur" not in AXE_PAGES and kb.questions[question].type != "text":
            keys.button("continuer")  # nothing chosen: the error is linked to the field
            assert browser.find_element(By.ID, "erreur").is_displayed()
            AXE_PAGES.add("erreur")
        actions.append(keys.answer(question, answers.get(question)))
    assert went_back and "nsp" in actions
    assert browser.find_element(By.TAG_NAME, "h1").text == "Relecture de vos réponses"

    keys.button(f"modifier:{edited}")
    keys.answer(edited, value)
    if dropped:
        assert kb.questions[dropped].summary in browser.find_element(By.CSS_SELECTOR, ".alert-warning").text
    while browser.find_elements(By.CSS_SELECTOR, "form[data-question]"):  # questions the edit made relevant
        question = browser.find_element(By.CSS_SELECTOR, "form[data-question]").get_attribute("data-question")
        keys.answer(question, None)

    keys.button("reponses.yaml")
    saved = wait_for_file(downloads, ".yaml")
    given = yaml.safe_load(saved.read_text(encoding="utf-8"))["answers"]
    assert advisor.validate(given)[edited] == advisor.validate({edited: value})[edited]

    browser.get(server + "/")
    keys.tab_to(lambda e: e.get_attribute("type") == "file", "le champ du fichier")
    keys.focused.send_keys(str(saved))  # what a person types in the file dialog
    keys.button("Reprendre mes réponses")
    assert "Réponses reprises de" in browser.find_element(By.CSS_SELECTOR, ".alert-info").text
    keys.button("resultat")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Votre recommandation"
    expected = advisor.advise(given, explain=False)
    top = expected.top or expected.recommendations[0]
    assert top.label in browser.find_element(By.CSS_SELECTOR, ".ranked li").text

    keys.button("note.pdf")
    memo = wait_for_file(downloads, ".pdf")
    assert memo.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("path", ["/", "/questionnaire", "/questionnaire?exemple=afeji", "/api", "/fiches/",
                                  "/fiches/gme.html", "/fiches/regles/", "/fiches/regles/forme-gme.html",
                                  "/fiches/regles/question-goals.html", "/nulle-part"])
def test_pages_pass_axe_and_fit_320_px(browser, server: str, path: str) -> None:  # type: ignore[no-untyped-def]
    browser.set_window_size(1280, 1000)
    browser.get(server + path)
    audit(browser, path)
    browser.set_window_size(320, 800)
    try:
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= 320, f"{path} : la page défile à l'horizontale à 320 px ({width} px)"
    finally:
        browser.set_window_size(1280, 1000)


def test_the_result_page_passes_axe(browser, server: str, advisor: Advisor) -> None:  # type: ignore[no-untyped-def]
    browser.get(server + "/questionnaire?exemple=gme-brunoy")
    Keyboard(browser, set()).button("resultat")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Votre recommandation"
    audit(browser, "résultat")
    browser.set_window_size(320, 800)
    try:
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 320
    finally:
        browser.set_window_size(1280, 1000)
