"""``advisor serve``: the site (questionnaire, sheets, rule book) and the HTTP API, served by uvicorn.

Starlette, uvicorn and python-multipart come with the ``web`` extra; without them the command says
in French what to install. With several workers, each uvicorn process builds the app from the
environment this command sets (``advisor.web.app.app_from_environment``).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import socket

import click

from . import EXIT_USER, State, cli, pass_state
from .options import date_option

WEB_MODULES = (("starlette",), ("uvicorn",), ("python_multipart", "multipart"))
INSTALL_WEB = ("le site demande des bibliothèques qui ne sont pas installées ({missing}). Installez-les avec "
               "« pip install -e '.[web]' » depuis le dossier du projet (ou « pip install "
               "'cooperation-advisor[web]' »), puis relancez « advisor serve ».")


def missing_web_modules() -> list[str]:
    """The ``web`` extra's modules that cannot be imported here."""
    return [names[0].replace("_", "-") for names in WEB_MODULES
            if not any(importlib.util.find_spec(name) is not None for name in names)]


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Adresse d'écoute : 127.0.0.1, cet ordinateur seulement ; 0.0.0.0, toutes ses adresses "
                   "(derrière un proxy inverse).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port d'écoute.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Nombre de processus qui répondent (un par cœur, derrière un proxy inverse).")
@click.option("--root-path", default="", metavar="CHEMIN",
              help="Sous-chemin où le proxy inverse publie le site, par exemple /conseiller.")
@click.option("--frame-ancestors", default="", metavar="ORIGINES",
              help="Sites autorisés à afficher le conseiller dans un cadre (iframe), séparés par des espaces : "
                   "https://www.reseau.org (par défaut : aucun).")
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True, metavar="ADRESSES",
              help="Adresses des proxys inverses dont les en-têtes X-Forwarded-* sont crus (séparées par des "
                   "virgules).")
@click.option("--access-log", is_flag=True,
              help="Journaliser chaque requête (méthode et chemin ; les réponses, envoyées dans le corps des "
                   "requêtes, n'y figurent pas). Par défaut : aucun journal.")
@date_option
@pass_state
def serve(state: State, host: str, port: int, workers: int, root_path: str, frame_ancestors: str,
          forwarded_allow_ips: str, access_log: bool, as_of: dt.date | None) -> None:
    """Lance le site du conseiller : questionnaire, fiches ressources, livre des règles et API.

    Ouvrez ensuite l'adresse affichée dans un navigateur. Aucune réponse n'est gardée sur
    le serveur : elles voyagent avec les pages. Ctrl-C arrête le site.

    \b
    Exemples :
      advisor serve
      advisor serve --port 8080
      advisor serve --host 0.0.0.0 --workers 4 --root-path /conseiller
    """
    missing = missing_web_modules()
    if missing:
        click.echo("Erreur : " + INSTALL_WEB.format(missing=", ".join(missing)), err=True)
        raise click.exceptions.Exit(EXIT_USER)
    import uvicorn

    from ..web.app import ENV_DATA_DIR, ENV_DATE, ENV_FRAME_ANCESTORS, app_from_environment, create_app
    from ..web.guard import check_origins

    try:
        origins = check_origins(frame_ancestors.split())
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--frame-ancestors") from None
    if root_path and (not root_path.startswith("/") or "//" in root_path):
        raise click.BadParameter("écrivez un chemin qui commence par /, par exemple /conseiller.",
                                 param_hint="--root-path")
    root_path = root_path.rstrip("/")
    _check_port(host, port)
    advisor = state.advisor  # the knowledge base is loaded and checked before anything is served
    env = {ENV_DATA_DIR: str(state.data_dir or ""), ENV_DATE: as_of.isoformat() if as_of else "",
           ENV_FRAME_ANCESTORS: " ".join(origins)}
    os.environ.update({k: v for k, v in env.items() if v})
    for key in (k for k, v in env.items() if not v):
        os.environ.pop(key, None)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - only to print an address
    shown = f"[{shown}]" if ":" in shown else shown
    click.echo(f"Conseiller en coopération : ouvrez http://{shown}:{port}{root_path}/ dans un navigateur.")
    click.echo("Ctrl-C arrête le site." + ("" if host.startswith("127.") or host in ("localhost", "::1") else
               " Attention : le site est accessible depuis d'autres ordinateurs ; placez-le derrière un proxy "
               "inverse en HTTPS."))
    settings = {"host": host, "port": port, "root_path": root_path, "proxy_headers": True,
                "forwarded_allow_ips": forwarded_allow_ips, "access_log": access_log, "server_header": False,
                "log_level": "info" if access_log else "warning"}
    if workers == 1:
        uvicorn.run(create_app(advisor, as_of=as_of, frame_ancestors=origins), **settings)  # type: ignore[arg-type]
    else:
        tcp_sockets_for_workers()
        uvicorn.run(f"{app_from_environment.__module__}:{app_from_environment.__name__}", factory=True,
                    workers=workers, **settings)  # type: ignore[arg-type]


def tcp_sockets_for_workers() -> None:
    """Make uvicorn's worker mode bind a socket that says it is TCP.

    With ``--workers``, uvicorn binds the listening socket itself without naming its protocol; asyncio
    then does not recognise the connections as TCP and leaves Nagle's algorithm on: a response written
    in two parts waits for the client's delayed acknowledgement, about 40 ms per request (measured with
    ``bench/run.py --only web``: 44 ms for ``GET /sante`` instead of 0.5 ms). Rebuilding the socket from
    its descriptor lets Python read its protocol, and asyncio turns Nagle off on every connection.
    """
    import uvicorn.config

    bind = uvicorn.config.Config.bind_socket
    if getattr(bind, "tcp_checked", False):
        return

    def bind_socket(self: uvicorn.config.Config) -> socket.socket:
        sock = bind(self)
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
            return socket.socket(fileno=sock.detach())
        return sock

    bind_socket.tcp_checked = True  # type: ignore[attr-defined]
    uvicorn.config.Config.bind_socket = bind_socket  # type: ignore[method-assign]


def _check_port(host: str, port: int) -> None:
    """Say in French that the port is taken (uvicorn would say it in English, after loading everything)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as err:
            other = port + 1 if port < 65535 else 8000
            raise click.UsageError(f"impossible d'écouter sur {host}:{port} ({err.strerror}) : ce port est peut-être "
                                   f"déjà utilisé ; choisissez-en un autre avec --port {other}.") from None
