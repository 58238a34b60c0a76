"""``advisor serve``: starts the site (one process or several), and says in French what is wrong."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, TODAY, need

need("uvicorn", "web")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read().decode("utf-8")


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_starts_the_site_on_loopback_and_stops_on_a_signal(workers: int) -> None:
    port = free_port()
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("ADVISOR_DATE", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "advisor", "--data-dir", str(ROOT), "serve", "--port", str(port), "--workers",
         str(workers), "--date", TODAY.isoformat(), "--root-path", "/conseiller"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.communicate()[1]
            try:
                status, body = get(port, "/questionnaire?exemple=afeji")
                break
            except OSError:
                assert time.monotonic() < deadline, "le site ne répond pas"
                time.sleep(0.2)
        assert status == 200 and 'href="/conseiller/fiches/' in body
        assert get(port, "/sante") == (200, "ok")
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    assert f"ouvrez http://127.0.0.1:{port}/conseiller/ dans un navigateur" in out
    assert "Traceback" not in err


def test_without_the_web_extra_serve_says_what_to_install(invoke, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from advisor.cli import serve_cmd

    monkeypatch.setattr(serve_cmd.importlib.util, "find_spec", lambda name: None)
    result = invoke("serve")
    assert result.exit_code == 2
    assert "pip install -e '.[web]'" in result.stderr and "starlette, uvicorn, python-multipart" in result.stderr


@pytest.mark.parametrize(("args", "words"), [
    (["--frame-ancestors", "https://reseau.org/page"], "n'est pas une origine"),
    (["--root-path", "conseiller"], "commence par /"),
    (["--port", "0"], "n'est pas dans l'intervalle"),
])
def test_bad_options_are_french_usage_errors(invoke, args: list[str], words: str) -> None:  # type: ignore[no-untyped-def]
    result = invoke("serve", *args)
    assert result.exit_code == 2 and words in result.stderr


def test_a_port_in_use_is_a_french_message(invoke) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = invoke("serve", "--port", str(port))
    assert result.exit_code == 2 and "ce port est peut-être déjà utilisé" in result.stderr


def test_worker_sockets_are_tcp_so_nagle_is_turned_off() -> None:
    import uvicorn

    from advisor.cli.serve_cmd import tcp_sockets_for_workers

    tcp_sockets_for_workers()
    tcp_sockets_for_workers()  # idempotent
    sock = uvicorn.Config("advisor.web.app:app_from_environment", host="127.0.0.1", port=free_port()).bind_socket()
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
