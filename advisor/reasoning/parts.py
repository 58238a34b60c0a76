"""How the rules are grouped into durable-rules rulesets (« parts »), and how a part is named in French.

durable-rules has per-ruleset limits that a growing knowledge base reaches although it still loads
(engine-notes §3 and "Capacity": error 303 on 3-12 % of situations at about 9 times today's rules,
errors 106-108 when building at about 40 times). Error 303 comes when one fact keeps more than 64
tests pending at once (measured: 64 rules testing 64 different answers that all hold pass, 65 fail),
so a part holds at most three quarters of that many rules: whole forms, in file order, as many as fit;
a form with more rules is split into parts of its own. ``advisor rules check`` then proves that every
part runs (``capacity.py``), since a rule with alternatives (``any``, ``in``) may count for several.

Fewer parts mean fewer assertions per consultation (each part also fires its catch-all rule), so small
forms share a part rather than having one each.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..knowledge.base import KnowledgeBase

RULES_PER_PART = 48
# What a rule author can do when durable-rules cannot run a part (``advisor rules check``, ``build_proof``).
ADVICE = ("Scindez la forme en plusieurs formes, ou simplifiez ses conditions (moins d'alternatives « any », "
          "« in » ou « contains_any »).")
FORM_JOINER = "+"  # neither is allowed in form ids, so part names never clash
PART_SEPARATOR = "#"


def partition(kb: KnowledgeBase, forms: Iterable[str] | None = None) -> dict[str, list[str]]:
    """Part name → ids of its rules (the forms ``forms`` only, when given), in file order."""
    parts: dict[str, list[str]] = {}
    group: list[str] = []
    ids: list[str] = []

    def close() -> None:
        if group:
            parts[FORM_JOINER.join(group)] = list(ids)
        group.clear()
        ids.clear()

    for form_id in forms if forms is not None else kb.forms:
        own = [rule.id for rule in kb.rules_of(form_id)]
        if len(own) > RULES_PER_PART:
            close()
            for number, start in enumerate(range(0, len(own), RULES_PER_PART), 1):
                parts[f"{form_id}{PART_SEPARATOR}{number}"] = own[start:start + RULES_PER_PART]
            continue
        if len(ids) + len(own) > RULES_PER_PART:
            close()
        group.append(form_id)
        ids.extend(own)
    close()
    return parts


def part_forms(part: str) -> list[str]:
    """The forms whose rules a part holds."""
    return part.split(PART_SEPARATOR)[0].split(FORM_JOINER)


def part_label(part: str) -> str:
    """« la forme « gme » », « la forme « gme » (partie 2) », or « les formes « jvs » et « pat » »."""
    forms, _, number = part.partition(PART_SEPARATOR)
    names = [f"« {form} »" for form in forms.split(FORM_JOINER)]
    if len(names) == 1:
        return f"la forme {names[0]}" + (f" (partie {number})" if number else "")
    return "les formes " + ", ".join(names[:-1]) + " et " + names[-1]
