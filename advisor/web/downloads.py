"""Files a person takes away from the site: the answers (YAML), the memo (HTML, PDF), the comparison (CSV).

Each is made on request from the state the page posts, sent as an attachment, and never written on
the server. The answers file is ``advisor.files.dump_answers`` — the same as ``advisor ask --save``,
so it resumes in the terminal as on the site.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ..errors import PdfUnavailableError
from ..files import dump_answers
from ..outputs import compare, memo
from .flow import Step
from .pages import interview_step, read_form, read_state, text_field
from .responses import WebError, site_of
from .state import FIELD

CSV_BOM = "\ufeff"  # spreadsheets in French read UTF-8 CSV correctly only with it


def _answers(request: Request, step: Step) -> tuple[bytes, str]:
    text = dump_answers(site_of(request).kb, step.interview.answers_to_save(), step.state.description)
    return text.encode("utf-8"), "application/yaml; charset=utf-8"


def _memo(fmt: memo.MemoFormat) -> Callable[[Request, Step], tuple[bytes, str]]:
    def make(request: Request, step: Step) -> tuple[bytes, str]:
        site = site_of(request)
        rec = step.interview.recommendation()
        try:
            rendered = memo.render(site.kb, rec, fmt, description=step.state.description, today=site.today())
        except PdfUnavailableError as err:
            raise WebError(503, f"La note en PDF ne peut pas être produite sur ce serveur ({err}) Téléchargez la "
                                "note en HTML : ouverte dans un navigateur, elle s'imprime en PDF.") from None
        if isinstance(rendered, str):
            return rendered.encode("utf-8"), "text/html; charset=utf-8"
        return rendered, "application/pdf"
    return make


def _comparison(request: Request, step: Step) -> tuple[bytes, str]:
    rec = step.interview.recommendation(explain=False)
    table = compare.to_csv(compare.compare(site_of(request).kb, rec))
    return (CSV_BOM + table).encode("utf-8"), "text/csv; charset=utf-8"


# Route name → (file name offered, maker). Names are fixed here: no file name comes from a request.
DOWNLOADS: dict[str, tuple[str, Callable[[Request, Step], tuple[bytes, str]]]] = {
    "reponses.yaml": ("reponses-conseiller.yaml", _answers),
    "note.html": ("note-orientation.html", _memo("html")),
    "note.pdf": ("note-orientation.pdf", _memo("pdf")),
    "comparaison.csv": ("comparaison-des-formes.csv", _comparison),
}


async def download(request: Request) -> Response:
    """POST /telecharger/<fichier>: one of ``DOWNLOADS``, made from the posted state."""
    name = request.path_params["name"]
    if name not in DOWNLOADS:
        raise WebError(404, "Ce fichier n'existe pas : téléchargez vos réponses, la note (HTML ou PDF) ou la "
                            "comparaison depuis la page du résultat.")
    filename, make = DOWNLOADS[name]
    form = await read_form(request)
    state = read_state(text_field(form, FIELD))

    def build() -> tuple[bytes, str]:
        return make(request, interview_step(request, state, "afficher"))

    body, media = await run_in_threadpool(build)
    return Response(body, media_type=media, headers={
        "content-disposition": f'attachment; filename="{filename}"', "cache-control": "no-store"})
