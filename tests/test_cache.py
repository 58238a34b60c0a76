"""The validated knowledge base kept on disk: reused while nothing changes, rebuilt otherwise, never a failure."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import advisor
from advisor import Advisor, load_knowledge_base
from advisor.knowledge import cache, loader

from .conftest import TODAY, TOY_ROOT


@pytest.fixture
def toy_root(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    for folder in ("rules", "sheets"):
        shutil.copytree(TOY_ROOT / folder, root / folder)
    return root


@pytest.fixture
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(folder))
    monkeypatch.delenv("ADVISOR_NO_CACHE", raising=False)
    return folder


def _no_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        pytest.fail("the knowledge base was read from its YAML files")
    monkeypatch.setattr(loader, "_read", refuse)


def test_a_checked_knowledge_base_is_stored_then_reused(toy_root: Path, cache_folder: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_knowledge_base(toy_root)
    assert len(list(cache_folder.glob("kb-*.pickle"))) == 1
    _no_yaml(monkeypatch)
    again = load_knowledge_base(toy_root)
    assert again.rules == first.rules and again.questions == first.questions
    fresh, cached = Advisor(first).dated(TODAY), Advisor(again).dated(TODAY)
    for name in first.example_names():
        assert again.example(name) == first.example(name)
        raw = first.example(name).answers
        assert cached.advise(raw, explain=True) == fresh.advise(raw, explain=True)


def test_the_packaged_knowledge_base_gives_the_same_results_from_the_cache(
        cache_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = Path(advisor.__file__).resolve().parent.parent
    fresh = Advisor(load_knowledge_base(root)).dated(TODAY)
    _no_yaml(monkeypatch)
    cached = Advisor(load_knowledge_base(root)).dated(TODAY)
    for name in fresh.kb.example_names():
        raw = fresh.kb.example(name).answers
        assert cached.advise(raw, explain=True).model_dump_json() == fresh.advise(raw, explain=True).model_dump_json()


def test_a_changed_rule_file_is_read_again(toy_root: Path, cache_folder: Path) -> None:
    load_knowledge_base(toy_root)
    questions = toy_root / "rules" / "questions.yaml"
    text = questions.read_text(encoding="utf-8")
    question = load_knowledge_base(toy_root).questions
    first_id = next(iter(question))
    old_text = question[first_id].text
    questions.write_text(text.replace(old_text, old_text + " (modifiée)", 1), encoding="utf-8")
    assert load_knowledge_base(toy_root).questions[first_id].text.endswith("(modifiée)")


def test_another_version_of_the_advisor_does_not_reuse_the_cache(toy_root: Path, cache_folder: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    before = cache.cache_key(toy_root)
    monkeypatch.setattr(advisor, "__version__", "99.0")
    assert cache.cache_key(toy_root) != before


def test_a_damaged_cache_file_is_replaced(toy_root: Path, cache_folder: Path) -> None:
    load_knowledge_base(toy_root)
    (stored,) = cache_folder.glob("kb-*.pickle")
    stored.write_bytes(stored.read_bytes()[:80])
    assert load_knowledge_base(toy_root).questions
    assert stored.stat().st_size > 1000


def test_a_cache_file_others_may_write_is_not_read(toy_root: Path, cache_folder: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    load_knowledge_base(toy_root)
    (stored,) = cache_folder.glob("kb-*.pickle")
    stored.chmod(0o666)
    calls: list[Path] = []
    real = loader._read
    monkeypatch.setattr(loader, "_read", lambda root, check: calls.append(root) or real(root, check))
    load_knowledge_base(toy_root)
    assert calls == [toy_root]


def test_no_cache_folder_is_needed(toy_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(blocker / "cache"))
    assert load_knowledge_base(toy_root).questions
    assert load_knowledge_base(toy_root).questions


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_cache_folder_is_not_an_error(toy_root: Path, cache_folder: Path) -> None:
    cache_folder.mkdir(mode=0o500)
    try:
        assert load_knowledge_base(toy_root).questions
        assert list(cache_folder.iterdir()) == []
    finally:
        cache_folder.chmod(0o700)


def test_the_cache_can_be_turned_off(toy_root: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVISOR_NO_CACHE", "1")
    load_knowledge_base(toy_root)
    assert not cache_folder.exists()


def test_the_cache_folder_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ADVISOR_CACHE_DIR", raising=False)
    monkeypatch.delenv("ADVISOR_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(cache.sys, "platform", "linux")
    assert cache.cache_dir() == tmp_path / "cooperation-advisor"


def test_an_unchecked_load_neither_reads_nor_writes_the_cache(toy_root: Path, cache_folder: Path) -> None:
    load_knowledge_base(toy_root, check=False)
    assert not cache_folder.exists()


def test_a_file_changed_while_the_knowledge_base_is_read_is_not_stored_under_the_old_key(
        toy_root: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The key is taken before the files are read: a file saved in between must not leave its new
    content stored under the old content's key (it would be served until the file changed again)."""
    knowledge = toy_root / "rules" / "knowledge.yaml"
    original = knowledge.read_text(encoding="utf-8")
    real = loader._read

    def read_then_edit(root: Path, check: bool):  # type: ignore[no-untyped-def]
        kb = real(root, check)
        knowledge.write_text(original + "\n# edited while the knowledge base was read\n", encoding="utf-8")
        return kb

    monkeypatch.setattr(loader, "_read", read_then_edit)
    load_knowledge_base(toy_root)
    assert list(cache_folder.glob("kb-*.pickle")) == []
    monkeypatch.setattr(loader, "_read", real)
    load_knowledge_base(toy_root)  # nothing changes now: stored
    assert len(list(cache_folder.glob("kb-*.pickle"))) == 1


def test_an_unreadable_file_beside_the_rules_does_not_stop_the_advisor(toy_root: Path, cache_folder: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    stray = toy_root / "rules" / "NOTES.md"
    stray.write_text("notes", encoding="utf-8")
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == stray:  # as for a file without read permission (a test run as root can read anything)
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert load_knowledge_base(toy_root).questions
    assert list(cache_folder.glob("kb-*.pickle")) == []  # no key without every file: no cache


def test_a_large_stray_file_is_keyed_by_size_and_date_not_read(toy_root: Path, cache_folder: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    big = toy_root / "sheets" / "archive.bin"
    with big.open("wb") as out:
        out.truncate(cache.HASHED_BYTES + 1)  # sparse: nothing is written
    key = cache.cache_key(toy_root)
    read_sizes: list[int] = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: read_sizes.append(self.stat().st_size) or real(self))
    assert cache.cache_key(toy_root) == key
    assert max(read_sizes) <= cache.HASHED_BYTES
    big.write_bytes(b"\0" * 10)
    assert cache.cache_key(toy_root) != key


def test_a_pipe_in_place_of_the_cache_file_is_not_opened(toy_root: Path, cache_folder: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    load_knowledge_base(toy_root)
    (stored,) = cache_folder.glob("kb-*.pickle")
    stored.unlink()
    os.mkfifo(stored, 0o600)
    assert load_knowledge_base(toy_root).questions  # would block forever if the pipe were opened


@pytest.mark.parametrize("value", ["non", "no", "false", "0", "OFF", ""])
def test_a_no_cache_variable_that_says_no_keeps_the_cache(value: str, monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("ADVISOR_NO_CACHE", value)
    assert cache.cache_dir() == tmp_path


def test_a_cache_folder_others_may_write_is_not_written(toy_root: Path, cache_folder: Path) -> None:
    cache_folder.mkdir()
    cache_folder.chmod(0o777)
    load_knowledge_base(toy_root)
    assert list(cache_folder.iterdir()) == []


def test_one_folder_given_two_ways_is_stored_once_for_each(toy_root: Path, cache_folder: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(toy_root.parent)
    relative = Path(toy_root.name)
    load_knowledge_base(relative)
    load_knowledge_base(toy_root)
    assert len(list(cache_folder.glob("kb-*.pickle"))) == 2
    _no_yaml(monkeypatch)  # neither spelling rewrites the other's copy
    assert load_knowledge_base(relative).root == relative
    assert load_knowledge_base(toy_root).root == toy_root


def test_copies_nobody_read_for_months_are_removed(toy_root: Path, cache_folder: Path) -> None:
    load_knowledge_base(toy_root)
    (stored,) = cache_folder.glob("kb-*.pickle")
    cache_folder.joinpath("kb-gone.pickle").write_bytes(b"a data folder since removed")
    cache_folder.joinpath("kb-recent.pickle").write_bytes(b"another data folder")
    cache_folder.joinpath(".kb-killed.tmp").write_bytes(b"a write killed halfway")
    old = stored.stat().st_mtime - (cache.MAX_AGE_DAYS + 1) * 86400  # the file system's clock, not the test's
    os.utime(cache_folder / "kb-gone.pickle", (old, old))
    os.utime(cache_folder / ".kb-killed.tmp", (old, old))
    os.utime(stored, (old, old))
    load_knowledge_base(toy_root)  # read: touched, so kept
    assert stored.stat().st_mtime > old
    load_knowledge_base(toy_root / "rules" / "..")  # written: the old copies are removed
    assert not cache_folder.joinpath("kb-gone.pickle").exists() and not cache_folder.joinpath(".kb-killed.tmp").exists()
    assert cache_folder.joinpath("kb-recent.pickle").exists() and stored.exists()


def test_a_note_of_success_serves_from_a_read_only_cache_and_is_kept_private(cache_folder: Path) -> None:
    cache.remember("build-test")
    note = cache_folder / "build-test.ok"
    note.chmod(0o666)
    assert not cache.remembered("build-test")  # others could have written it
    cache.remember("build-test")  # written again: nobody else may write it
    assert note.stat().st_mode & 0o777 == 0o600
    note.chmod(0o400)
    cache_folder.chmod(0o500)
    try:
        assert cache.remembered("build-test")
    finally:
        cache_folder.chmod(0o700)
    assert not cache.remembered("build-other")
