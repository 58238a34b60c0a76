"""HTML → PDF with WeasyPrint, imported only when a PDF is asked for (slow to import; needs Pango and fonts).

Printing never reaches the network: an image or a style sheet named by a sheet (``![](https://…)``)
is skipped, not fetched (``local_only``), so that making a memo neither leaks who reads it nor
waits on a slow server. Only ``data:`` URLs and the files packaged with the advisor are read.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import PdfUnavailableError

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PDF_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-dejavu-extra"


def html_to_pdf(html: str) -> bytes:
    """Print an HTML memo to PDF with WeasyPrint.

    Raises:
        PdfUnavailableError: WeasyPrint, Pango or fonts are missing (says what to install).
    """
    weasyprint = _load_weasyprint()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pdf: bytes = weasyprint.HTML(string=html, url_fetcher=local_only(weasyprint)).write_pdf()
    return pdf


def allowed(url: str) -> bool:
    """Whether printing may read this URL: ``data:``, or a file packaged with the advisor."""
    if url.startswith("data:"):
        return True
    if url.startswith("file://"):
        target = Path(unquote(urlsplit(url).path)).resolve()
        return target.is_relative_to(PACKAGE_DIR)
    return False


def local_only(weasyprint: Any) -> Any:
    """A WeasyPrint URL fetcher that refuses every URL ``allowed`` does not accept (WeasyPrint then
    skips the resource, as it does a missing image)."""
    if hasattr(weasyprint, "URLFetcher"):  # WeasyPrint 68 and later: a fetcher object
        class LocalFetcher(weasyprint.URLFetcher):  # type: ignore[misc]
            def fetch(self, url: str, headers: Any = None) -> Any:
                if not allowed(url):
                    raise ValueError(f"ressource externe non chargée : {url[:80]}")
                return super().fetch(url, headers)

        return LocalFetcher()

    def fetch(url: str, *args: Any, **kwargs: Any) -> Any:  # earlier versions: a function
        if not allowed(url):
            raise ValueError(f"ressource externe non chargée : {url[:80]}")
        return weasyprint.default_url_fetcher(url, *args, **kwargs)

    return fetch


def _load_weasyprint() -> Any:
    # WeasyPrint prints a banner on stdout and warns when a library is missing: the library
    # never prints, so both are captured and replaced by one French message.
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            weasyprint = importlib.import_module("weasyprint")
    except ImportError:
        raise PdfUnavailableError(_missing(
            "WeasyPrint n'est pas installé", "WeasyPrint avec « pip install 'cooperation-advisor[pdf]' » et, "
            f"sous Debian ou Ubuntu, ses bibliothèques avec « apt-get install {PDF_PACKAGES} »")) from None
    except OSError:
        raise PdfUnavailableError(_missing(
            "les bibliothèques Pango ou HarfBuzz dont WeasyPrint a besoin sont introuvables",
            f"les bibliothèques manquantes (sous Debian ou Ubuntu : « apt-get install {PDF_PACKAGES} »)")) from None
    logging.getLogger("weasyprint").addHandler(logging.NullHandler())
    if _font_count() == 0:
        raise PdfUnavailableError(_missing(
            "aucune police de caractères n'est installée",
            "des polices (sous Debian ou Ubuntu : « apt-get install fonts-dejavu-core fonts-dejavu-extra »)"))
    return weasyprint


def _font_count() -> int | None:
    """How many fonts fontconfig sees (``None`` when this WeasyPrint version hides it)."""
    try:
        text_ffi = importlib.import_module("weasyprint.text.ffi")
        ffi, fontconfig = text_ffi.ffi, text_ffi.fontconfig
    except (ImportError, AttributeError):
        return None
    config = fontconfig.FcInitLoadConfigAndFonts()
    try:
        fonts = fontconfig.FcConfigGetFonts(config, fontconfig.FcSetSystem)
        return 0 if fonts == ffi.NULL else int(fonts.nfont)
    finally:
        fontconfig.FcConfigDestroy(config)


def undrawable_message(characters: str) -> str:
    """What to tell when typed characters have no glyph in any installed font (see ``glyphs.py``)."""
    one = len(characters) == 1
    shown = "le montre comme un carré vide" if one else "les montre comme des carrés vides"
    return (f"aucune police installée ne sait dessiner {'ce caractère' if one else 'ces caractères'} de votre "
            f"saisie : « {' '.join(characters)} ». Le PDF {shown}. "
            f"Installez une police qui {'le' if one else 'les'} contient (sous Debian ou Ubuntu : "
            "fonts-noto-color-emoji pour les émojis, fonts-wqy-microhei pour le chinois, le japonais et le coréen), "
            "ou écrivez la note en HTML (-o note.html) et imprimez-la depuis un navigateur.")


def _missing(what: str, install: str) -> str:
    return (f"impossible de produire un PDF : {what}. Installez {install}. Ou bien écrivez la note en HTML "
            "(-o note.html) et imprimez-la depuis un navigateur (Imprimer, puis Enregistrer au format PDF) : "
            "c'est le même document.")
