"""Shared fixtures: the packaged knowledge base, the toy one, a CLI runner, and --update-golden."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

from advisor import Advisor, KnowledgeBase, load_knowledge_base
from advisor.cli import cli

# In CI, property-based tests explore the same examples on every run, so that a landing never
# depends on luck; run them locally (without CI set) to explore new random examples.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
TOY_ROOT = Path(__file__).resolve().parent / "fixtures" / "toy"
# Law has dates: every test consults as of a fixed day (and tests of horizons pass their own), so the
# suite gives the same result next year. The CLI reads it from ADVISOR_DATE (its --date default).
TODAY = dt.date(2026, 12, 1)
os.environ["ADVISOR_DATE"] = TODAY.isoformat()
# Knowledge bases validated by the tests are cached in a folder of their own, never the user's.
os.environ["ADVISOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="advisor-cache-")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="Rewrite the golden files in tests/golden/ instead of comparing with them.")


@pytest.fixture(scope="session", autouse=True)
def checkout_left_clean() -> Iterator[None]:
    """No test leaves a file in the checkout (an interview saved in the current folder, say)."""
    before = set(ROOT.iterdir())
    yield
    left = sorted(p.name for p in set(ROOT.iterdir()) - before if not p.name.startswith("."))
    assert not left, f"files left in the checkout by the tests: {left}"


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether golden files should be rewritten."""
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The real knowledge base of this repository."""
    return load_knowledge_base(ROOT)


@pytest.fixture(scope="session")
def advisor(kb: KnowledgeBase) -> Advisor:
    """An advisor over the real knowledge base, on the durable-rules engine, consulting as of ``TODAY``."""
    return Advisor(kb).dated(TODAY)


@pytest.fixture(scope="session")
def toy_kb() -> KnowledgeBase:
    """A tiny knowledge base about commuting, unrelated to cooperation."""
    return load_knowledge_base(TOY_ROOT)


@pytest.fixture(scope="session")
def toy_advisor(toy_kb: KnowledgeBase) -> Advisor:
    """An advisor over the toy knowledge base, consulting as of ``TODAY``."""
    return Advisor(toy_kb).dated(TODAY)


@pytest.fixture
def runner() -> CliRunner:
    """A click test runner (stdout and stderr kept apart)."""
    return CliRunner()


@pytest.fixture
def invoke(runner: CliRunner):  # type: ignore[no-untyped-def]
    """Run the ``advisor`` CLI with arguments (and optional input) and return the result."""
    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(cli, list(args), input=input, env=env, catch_exceptions=False)
    return run


def need(module: str, extra: str) -> None:
    """Skip when an optional extra is missing on a developer's machine; in CI (``CI`` set) it must be there."""
    if not os.environ.get("CI"):
        pytest.importorskip(module, reason=f"l'extra « {extra} » n'est pas installé : pip install -e '.[{extra}]'")


@pytest.fixture(scope="session")
def web_app(advisor: Advisor):  # type: ignore[no-untyped-def]
    """The site and API over the real knowledge base, consulting as of ``TODAY``."""
    need("starlette", "web")
    from advisor.web.app import create_app

    return create_app(advisor, as_of=TODAY)


@pytest.fixture
def client(web_app):  # type: ignore[no-untyped-def]
    """An HTTP client of the app (server errors are raised in the test)."""
    from starlette.testclient import TestClient

    return TestClient(web_app)
