"""The install matrix: the README's install command on Python 3.11, 3.12 and 3.13, and the wheel's data.

- ``test_wheel_finds_its_data_from_another_folder`` (fast enough for every run): a non-editable
  wheel carries ``rules/`` and ``sheets/`` and the advisor finds them from any working directory.
- ``test_readme_install_command`` (slow, opt-in with ``ADVISOR_INSTALL_MATRIX=1``): for each
  pyenv or PATH interpreter of 3.11, 3.12 and 3.13, a fresh venv, the README's install command
  (which compiles durable-rules), then ``import durable.engine`` and a recommendation from /tmp.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

VERSIONS = ("3.11", "3.12", "3.13")
# The flag makes durable-rules 2.0.28 (the last PyPI release) import on 3.13, and is harmless
# before (engine-notes.md §6); --no-cache-dir keeps pip from reusing a wheel built without it.
DEFAULT_COMMAND = ('CPPFLAGS="-DPyEval_CallObject=PyObject_CallObject" python -m pip install --no-cache-dir -q '
                   '-e ".[pdf]"')


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("ADVISOR_DATA_DIR", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return {**env, "NO_COLOR": "1", **extra}


def find_interpreter(version: str) -> Path | None:
    """The newest pyenv build of a version, else ``pythonX.Y`` on PATH."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    builds = sorted((p for p in pyenv.glob(f"{version}.*") if re.fullmatch(rf"{re.escape(version)}\.\d+", p.name)),
                    key=lambda p: int(p.name.rsplit(".", 1)[1])) if pyenv.is_dir() else []
    for build in reversed(builds):
        if (build / "bin" / "python").exists():
            return build / "bin" / "python"
    found = shutil.which(f"python{version}")
    return Path(found) if found else None


def readme_install_command() -> str:
    """The pip line of the README's install instructions (the one with the 3.13 flag), if written there."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```[a-z]*\n(.*?)```", readme, flags=re.S)
    for block in blocks:
        for line in block.splitlines():
            if "CPPFLAGS=" in line and re.search(r"pip install\b.*\s(-e\s+)?[\"']?\.(\[[\w,]+\])?[\"']?(\s|$)", line):
                return re.sub(r"\s*&&\s*\S*advisor\b.*$", "", line.strip())  # install only: not « advisor serve »
    return DEFAULT_COMMAND


def venv_command(command: str) -> str:
    """The README command run inside the venv: ``.venv/bin/pip`` or ``python -m pip`` become the venv's."""
    command = re.sub(r"python3? -m venv \S+\s*&&\s*", "", command)
    command = re.sub(r"\S*\.venv/bin/", "", command)
    return command


# --- the wheel ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)],
                           capture_output=True, text=True, env=clean_env(), timeout=300, check=False)
    if build.returncode != 0:
        pytest.fail("pip wheel a échoué :\n" + build.stderr[-2000:])
    return next(out.glob("*.whl"))


def test_the_wheel_holds_the_knowledge_base(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("rules", "sheets"):
        expected = {f"advisor/_data/{p.relative_to(ROOT).as_posix()}" for p in (ROOT / folder).rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts}
        assert expected <= names, sorted(expected - names)[:5]
    assert "advisor/py.typed" in names
    assert not any(n.startswith("tests/") for n in names)


def test_wheel_finds_its_data_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "ailleurs"
    elsewhere.mkdir()
    env = clean_env(PYTHONPATH=str(site))  # dependencies (durable-rules…) come from this interpreter
    probe = subprocess.run(
        [sys.executable, "-c",
         "import advisor, advisor.knowledge.paths as l; print(advisor.__file__); print(l.default_root())"],
        cwd=elsewhere, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert probe.returncode == 0, probe.stderr
    module, root = probe.stdout.splitlines()
    assert Path(module).is_relative_to(site), module
    assert Path(root) == site / "advisor" / "_data"
    example = sorted(p.stem for p in (ROOT / "rules" / "examples").glob("*.yaml"))[0]
    run = subprocess.run([sys.executable, "-m", "advisor", "recommend", "--example", example],
                         cwd=elsewhere, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() and run.stderr == ""
    sheet = subprocess.run([sys.executable, "-m", "advisor", "sheets", "list"],
                           cwd=elsewhere, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert sheet.returncode == 0 and len(sheet.stdout.splitlines()) == len(list((ROOT / "sheets").glob("*.md")))
    assert sorted(p.name for p in elsewhere.iterdir()) == []


# --- the matrix --------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("ADVISOR_INSTALL_MATRIX") != "1",
                    reason="long (compile durable-rules) : lancer avec ADVISOR_INSTALL_MATRIX=1")
@pytest.mark.parametrize("version", VERSIONS)
def test_readme_install_command(version: str, tmp_path: Path) -> None:
    python = find_interpreter(version)
    if python is None:
        pytest.skip(f"Python {version} absent de cette machine")
    repo = tmp_path / "depot"
    shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", ".hypothesis",
                                                               ".pytest_cache", "*.egg-info", "build", "dist"))
    venv = tmp_path / "venv"
    subprocess.run([str(python), "-m", "venv", str(venv)], check=True, timeout=120)
    env = clean_env(PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", VIRTUAL_ENV=str(venv))
    command = venv_command(readme_install_command())
    install = subprocess.run(["bash", "-c", command], cwd=repo, capture_output=True, text=True, env=env,
                             timeout=600, check=False)
    assert install.returncode == 0, f"{command}\n{install.stderr[-3000:]}"
    engine = subprocess.run([str(venv / "bin" / "python"), "-c", "import durable.engine"],
                            cwd=tmp_path, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert engine.returncode == 0, engine.stderr
    example = sorted(p.stem for p in (ROOT / "rules" / "examples").glob("*.yaml"))[0]
    run = subprocess.run([str(venv / "bin" / "advisor"), "recommend", "--example", example],
                         cwd=tmp_path, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert run.returncode == 0 and run.stdout.strip(), run.stderr


def test_a_failed_engine_import_is_a_french_message_with_the_fix(monkeypatch: pytest.MonkeyPatch, invoke) -> None:  # type: ignore[no-untyped-def]
    from advisor import EngineUnavailableError, load_knowledge_base
    from advisor.reasoning.engine import Engine
    from tests.conftest import TOY_ROOT

    monkeypatch.setitem(sys.modules, "durable", None)
    monkeypatch.setitem(sys.modules, "durable.engine", None)
    with pytest.raises(EngineUnavailableError) as err:
        Engine(load_knowledge_base(TOY_ROOT))
    assert "CPPFLAGS" in str(err.value) and "pip install" in str(err.value)
    result = invoke("--data-dir", str(TOY_ROOT), "recommend", "--example", "commute")
    assert result.exit_code == 1
    assert result.stderr.startswith("Erreur : le moteur de règles durable-rules ne peut pas être chargé")
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
