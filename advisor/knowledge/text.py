"""What text the advisor accepts from people and files: readable characters, bounded lengths.

Whatever a person types or a tool exports ends up in files the advisor writes (answers files,
memos, batch results), and must be read back by the same loader. So text is checked where it
comes in, never repaired later:

- no control characters (ESC, DEL, C1 codes: they can redraw a terminal from a memo), except
  ordinary line breaks and tabs where a text may span lines;
- no lone surrogates (half an emoji cut by a JavaScript export: it cannot be written as UTF-8);
- no non-characters (U+FFFE, U+FFFF, U+FDD0…): YAML refuses them, so a saved file would be unreadable.
"""

from __future__ import annotations

import re
import unicodedata

MAX_DESCRIPTION = 2_000  # characters of a description (a memo's introduction; a PDF of 20,000 takes 24 s)

# Unicode's 66 non-characters: U+FDD0..U+FDEF and the last two code points of each of the 17 planes.
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}"
                                            for p in range(17))
# Control characters (C0 and C1, DEL) and lone surrogates; the second keeps line breaks and tabs.
_UNREADABLE = re.compile(f"[\x00-\x1f\x7f-\x9f\ud800-\udfff{_NONCHARACTERS}]")
_UNREADABLE_IN_LINES = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff{_NONCHARACTERS}]")


def is_noncharacter(char: str) -> bool:
    """Whether a character is one of Unicode's 66 permanent non-characters."""
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def unreadable(text: str, *, multiline: bool = False) -> str | None:
    """Why a text cannot be accepted as it is, in French, or ``None`` when it is fine.

    Args:
        text: the text to check.
        multiline: line breaks and tabs are allowed (a description), else they are refused too.
    """
    found = (_UNREADABLE_IN_LINES if multiline else _UNREADABLE).search(text)
    if found is None:
        return None
    char = found.group()
    if unicodedata.category(char) == "Cs":
        return "texte illisible (caractère incomplet, par exemple un emoji coupé)"
    if is_noncharacter(char):
        return f"caractère non valide (U+{ord(char):04X})"
    return f"caractère de contrôle interdit (U+{ord(char):04X})"


def readable(text: str) -> str:
    """A text with every unreadable character replaced by « � » (line breaks and tabs kept), for echoing
    bad input back safely."""
    return _UNREADABLE_IN_LINES.sub("\ufffd", text)


def tidy_lines(text: str) -> str:
    """A text with Windows and old Mac line ends (CR LF, CR) turned into plain line breaks, trimmed."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def description_problem(text: object) -> str | None:
    """Why a description cannot be accepted, in French, or ``None`` when it is fine."""
    if not isinstance(text, str):
        return "la description doit être un texte"
    if len(text) > MAX_DESCRIPTION:
        return f"description trop longue ({len(text)} caractères, {MAX_DESCRIPTION} au plus) : résumez-la"
    why = unreadable(text, multiline=True)
    return f"description : {why}" if why else None


def match_key(text: str) -> str:
    """A label as compared with what people type: no accents, no case, one kind of apostrophe, single spaces.

    « Établissement et service d'aide par le travail », « ETABLISSEMENT ET SERVICE D’AIDE PAR LE
    TRAVAIL » and « etablissement  et service d'aide par le travail » give the same key.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.replace("\u2019", "'").replace("\u2018", "'").casefold().split())
