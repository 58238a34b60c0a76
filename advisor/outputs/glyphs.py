"""Which characters no installed font can draw, asked of fontconfig (the font library WeasyPrint uses).

Pango falls back from font to font for each character, so a name with an emoji or Chinese prints
well as soon as *some* installed font has the glyph; when none has it, the PDF silently shows an empty
box. This module finds those characters before printing, so that the command line can say so.
It loads fontconfig through cffi (a WeasyPrint dependency) only when asked, and answers « nothing
missing » whenever fontconfig cannot be read: a warning must never break a memo.
"""

from __future__ import annotations

import importlib
import threading
import unicodedata
from functools import cache
from typing import Any

_CDEF = """
    typedef struct _FcConfig FcConfig;
    typedef struct _FcPattern FcPattern;
    typedef struct _FcCharSet FcCharSet;
    typedef struct _FcFontSet { int nfont; int sfont; FcPattern **fonts; } FcFontSet;
    FcConfig *FcInitLoadConfigAndFonts(void);
    FcFontSet *FcConfigGetFonts(FcConfig *config, int set);
    int FcPatternGetCharSet(const FcPattern *p, const char *object, int n, FcCharSet **c);
    int FcCharSetHasChar(const FcCharSet *fcs, unsigned int ucs4);
"""
_LIBRARIES = ("fontconfig", "libfontconfig.so.1", "libfontconfig-1", "libfontconfig.1.dylib", "libfontconfig-1.dll")
_FC_SET_SYSTEM = 0
_FC_RESULT_MATCH = 0
_lock = threading.Lock()


def missing_glyphs(text: str) -> str:
    """The distinct characters of ``text``, in order, that no installed font has (empty if unknown)."""
    fonts = _charsets()
    if fonts is None:
        return ""
    ffi, lib, charsets = fonts
    missing = []
    for char in dict.fromkeys(text):
        if _needs_glyph(char):
            with _lock:
                drawn = any(lib.FcCharSetHasChar(charset, ord(char)) for charset in charsets)
            if not drawn:
                missing.append(char)
    return "".join(missing)


def _needs_glyph(char: str) -> bool:
    """Spaces, controls, joiners and variation selectors are shaped, not drawn from a font's own glyph."""
    category = unicodedata.category(char)
    return not (char.isascii() or category[0] == "Z" or category in ("Cc", "Cf", "Mn"))


@cache
def _charsets() -> tuple[Any, Any, list[Any]] | None:
    """fontconfig and the character set of every installed font, loaded once per process."""
    try:
        ffi = importlib.import_module("cffi").FFI()
    except ImportError:
        return None
    ffi.cdef(_CDEF)
    lib = None
    for name in _LIBRARIES:
        try:
            lib = ffi.dlopen(name)
            break
        except OSError:
            continue
    if lib is None:
        return None
    config = lib.FcInitLoadConfigAndFonts()  # kept for the life of the process: the charsets belong to it
    fonts = lib.FcConfigGetFonts(config, _FC_SET_SYSTEM) if config != ffi.NULL else ffi.NULL
    if fonts == ffi.NULL:
        return None
    charsets = []
    for i in range(fonts.nfont):
        charset = ffi.new("FcCharSet **")
        if lib.FcPatternGetCharSet(fonts.fonts[i], b"charset", 0, charset) == _FC_RESULT_MATCH:
            charsets.append(charset[0])
    return ffi, lib, charsets
