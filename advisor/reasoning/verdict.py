"""Fired rules → scores, variant, confidence, exclusions, dated alerts → a ``Recommendation``.

The engine only says which rules fired. Everything that depends on *all* the firings — scores,
exclusions, the chosen variant, confidence and its caps, ties, the "nothing fits" fallback — is
computed here, because durable-rules cannot retract a queued activation (engine-notes §7). Dated
alerts (``Horizon``) and audiences are conditions on the answers and the consultation date,
evaluated in Python like relevance. No form or rule is named in this module: weights, thresholds,
dates and texts come from the knowledge base.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..knowledge.meta import Scoring
from ..knowledge.models import AS_OF, Confidence, Form, Horizon, Rule
from ..wording import delay_text, long_date
from .answers import Answers, iter_unknown
from .conditions import predicate
from .result import (
    Alert,
    DiscouragedForm,
    ExcludedForm,
    KnowledgeBaseInfo,
    OtherForm,
    RankedForm,
    Reason,
    Recommendation,
    Robustness,
    SheetRef,
    Tie,
)

if TYPE_CHECKING:
    from ..knowledge.base import KnowledgeBase

LEVELS: tuple[Confidence, ...] = ("faible", "moyenne", "forte")


def situation(answers: Answers, as_of: dt.date) -> dict[str, Any]:
    """The answers with the consultation date, as every condition reads them (``AS_OF`` = a day number)."""
    return {**answers, AS_OF: as_of.toordinal()}


class Verdict:
    """Scores and ranks the forms of a knowledge base from the rules that fired."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._form_order = list(kb.forms)
        self._position = {form_id: n for n, form_id in enumerate(kb.forms)}
        self._horizons = [(form_id, h, predicate(h.when) if h.when else None)
                          for form_id, horizons in kb.horizons.items() for h in horizons]
        self._audiences = [(a.id, predicate(a.when)) for a in kb.meta.audiences]
        self._no_fit = [(case, predicate(case.when) if case.when else None) for case in kb.meta.no_fit]
        # For ``scores``: each rule's form, effect, signed weight and place in its form's file.
        self._rule_facts = {r.id: (kb.rule_form[r.id], r.effect, _score([r]), r.weight or 0, n, r.variant)
                            for n, r in enumerate(kb.rules)}
        self._form_of = dict(kb.rule_form)
        # The rules that move a score (supports, weakens), with their form and signed weight.
        self._points_of = {r.id: (kb.rule_form[r.id], _score([r])) for r in kb.rules if _score([r])}
        self._scoring = frozenset(self._points_of)
        self._min_score = kb.meta.scoring.min_score
        self._default_variant = {form_id: form.default_variant for form_id, form in kb.forms.items()}
        self._supporting = frozenset(r.id for r in kb.rules if r.effect == "supports")
        self._excluding = frozenset(r.id for r in kb.rules if r.effect == "excludes")
        self._selecting = frozenset(r.id for r in kb.rules if r.effect == "selects_variant")

    def outcome(self, fired: Iterable[str]) -> tuple[str | None, str | None]:
        """(recommended form, its variant) from what fired on settled answers; ``(None, None)`` if nothing fits.

        The first of ``scores``, computed from the scores alone and the winner's selectors (the what-if
        searches call it thousands of times).
        """
        fired = fired if isinstance(fired, (set, frozenset)) else set(fired)
        form_of, points_of = self._form_of, self._points_of
        score: dict[str, int] = {}
        for rid in fired & self._scoring:
            form_id, points = points_of[rid]
            score[form_id] = score.get(form_id, 0) + points
        excluding = fired & self._excluding
        excluded = {form_of[rid] for rid in excluding} if excluding else ()
        best_points, best_position, winner = 0, 0, None
        position = self._position
        for form_id in {form_of[rid] for rid in fired & self._supporting}:
            points = score.get(form_id, 0)
            if points <= 0 or form_id in excluded:
                continue
            # the highest score, then the first form in the files
            if winner is None or points > best_points or (points == best_points and position[form_id] < best_position):
                best_points, best_position, winner = points, position[form_id], form_id
        if winner is None or best_points < self._min_score:
            return None, None
        selectors = [self._rule_facts[rid] for rid in fired & self._selecting if form_of[rid] == winner]
        if not selectors:
            return winner, self._default_variant[winner]
        return winner, min(selectors, key=lambda f: (-f[3], f[4]))[5]  # the strongest, then the first in the files

    def scores(self, fired: set[str]) -> list[tuple[int, str, str | None]]:
        """(score, form, variant) of every form in play, best first (ties in the forms' order)."""
        # The same as scoring each form's own fired rules (``_score``, ``_variant``), read from fired rules only.
        by_form: dict[str, list[tuple[str, str, int, int, int, str | None]]] = {}
        for rid in fired:
            facts = self._rule_facts[rid]
            by_form.setdefault(facts[0], []).append(facts)
        found = []
        for form_id, own in by_form.items():
            if any(f[1] == "excludes" for f in own) or not any(f[1] == "supports" for f in own):
                continue
            score = sum(f[2] for f in own)
            if score > 0:
                selectors = [f for f in own if f[1] == "selects_variant"]
                # Strongest selector first; between equal weights, the first in the file.
                best = min(selectors, key=lambda f: (-f[3], f[4])) if selectors else None
                found.append((score, form_id, best[5] if best else self.kb.forms[form_id].default_variant))
        return sorted(found, key=lambda r: (-r[0], self._form_order.index(r[1])))

    def recommendation(self, answers: Answers, fired: set[str], dropped: list[str], robustness: Robustness,
                       questions: list[str], as_of: dt.date) -> Recommendation:
        """The ranked, explained recommendation for settled answers and the rules that fired on them.

        Args:
            answers: the settled answers (those whose question applies).
            fired: ids of the rules that hold on them (and on the date).
            dropped: ids of the questions whose answers were dropped as no longer applying.
            robustness: whether a « je ne sais pas » could change the recommended form.
            questions: ids of the questions that apply, in order.
            as_of: the consultation date.
        """
        facts = situation(answers, as_of)
        audience = next((aid for aid, holds in self._audiences if holds(facts)), None)
        rules = [r for r in self.kb.rules if r.id in fired]
        unknown = list(iter_unknown(answers))
        ranked, excluded, discouraged, others = [], [], [], []
        for form in self.kb.forms.values():
            own = [r for r in rules if self.kb.rule_form[r.id] == form.id]
            blockers = [r for r in own if r.effect == "excludes"]
            if blockers:
                excluded.append(ExcludedForm(
                    form=form.id, label=form.label, short_label=form.short_label,
                    reasons=[_reason(r, audience) for r in blockers], sheet=self._sheet(form)))
            elif any(r.effect == "supports" for r in own) and _score(own) > 0:
                ranked.append(self._rank(form, own, unknown, audience))
            elif any(r.effect == "supports" for r in own):  # asked for, but the reasons against outweigh
                discouraged.append(DiscouragedForm(
                    form=form.id, label=form.label, short_label=form.short_label, score=_score(own),
                    reasons=_sorted_reasons(own, "supports", audience),
                    against=_sorted_reasons(own, "weakens", audience), sheet=self._sheet(form)))
            else:
                others.append(OtherForm(form=form.id, label=form.label, short_label=form.short_label,
                                        sheet=self._sheet(form)))
        ranked.sort(key=lambda f: (-f.score, self._form_order.index(f.form)))
        alerts = self._alerts(facts, as_of, {f.form for f in ranked} | {f.form for f in discouraged})
        ranked = self._confidence(ranked, robustness, alerts, rules)
        scoring = self.kb.meta.scoring
        no_fit = not ranked or ranked[0].score < scoring.min_score
        fallback = next(case for case, holds in self._no_fit if holds is None or holds(facts))
        if no_fit:
            next_steps = list(fallback.next_steps)
        else:
            best = self.kb.forms[ranked[0].form]
            steps = best.next_steps_for.get(audience, best.next_steps) if audience else best.next_steps
            next_steps = _unique(steps + [s for r in rules if self.kb.rule_form[r.id] == best.id
                                          and r.effect != "excludes" for s in r.next_steps])
        tied = [f for f in ranked if f.score == ranked[0].score] if ranked and not no_fit else []
        meta = self.kb.meta
        stale = (as_of - meta.facts_checked_on).days > meta.stale_after_days
        stale_message = meta.stale_message.format(checked_on=long_date(meta.facts_checked_on)) if stale else None
        return Recommendation(
            as_of=as_of, audience=audience,
            recommendations=ranked, excluded=excluded, discouraged=discouraged, other_forms=others,
            tie=(Tie(forms=[f.form for f in tied], labels=[f.label for f in tied])
                 if len(tied) > 1 else None),
            alerts=alerts, warnings=[w for f in ranked for w in f.warnings],
            next_steps=next_steps, first_steps=list(meta.first_steps),
            no_clear_fit=no_fit, no_fit_message=fallback.message if no_fit else None,
            robustness=robustness,
            answers=dict(answers), questions=questions, ignored_answers=dropped, unknown_answers=unknown,
            knowledge_base=KnowledgeBaseInfo(
                title=meta.title, version=meta.version, facts_checked_on=meta.facts_checked_on,
                facts_as_of=meta.facts_as_of, stale=stale,
                stale_message=stale_message),
        )

    def _confidence(self, ranked: list[RankedForm], robustness: Robustness, alerts: list[Alert],
                    rules: list[Rule]) -> list[RankedForm]:
        """Confidence of each ranked form, with the caps its rules and dated alerts set."""
        scoring = self.kb.meta.scoring
        result = []
        for position, form in enumerate(ranked):
            level = LEVELS.index(form.confidence)
            if position == 0:
                # For the top form, unknown answers cost a level only if one of them could put another
                # form first or is a condition of the form (robustness); a close second costs another.
                level = _level(form.score, scoring)
                if len(ranked) >= 2 and form.score - ranked[1].score < scoring.close_margin:
                    level -= 1
                if not robustness.robust:
                    level -= 1
            caps = [r.cap for r in rules if r.cap and self.kb.rule_form[r.id] == form.form]
            caps += [self._horizon_cap(a) for a in alerts if a.form == form.form]
            level = min([max(0, level)] + [LEVELS.index(c) for c in caps if c])
            result.append(form.model_copy(update={"confidence": LEVELS[level]}))
        return result

    def _horizon_cap(self, alert: Alert) -> Confidence | None:
        horizon = self.kb.horizon(alert.horizon)
        return horizon.cap_after if alert.past else horizon.cap_before

    def _alerts(self, facts: dict[str, Any], as_of: dt.date, forms: set[str]) -> list[Alert]:
        """The dated alerts that apply: global ones and those of the forms in play or asked for."""
        alerts = []
        for form_id, horizon, holds in self._horizons:
            if form_id is not None and form_id not in forms:
                continue
            if holds is not None and not holds(facts):
                continue
            days = (horizon.date - as_of).days
            past = days <= 0
            if not past and days > horizon.notice_days:
                continue
            alerts.append(_alert(form_id, horizon, past, days))
        return sorted(alerts, key=lambda a: (not a.past and a.days > 0, abs(a.days)))

    def _rank(self, form: Form, own: list[Rule], unknown: list[str], audience: str | None) -> RankedForm:
        score = _score(own)
        selectors = _selectors(own)
        variant_id = _variant(form, own)
        variant = form.variant(variant_id) if variant_id else None
        warnings = [r for r in own if r.effect == "warns" and r.variant in (None, variant_id)]
        touched = set().union(*(r.when.questions() for r in self.kb.rules_of(form.id)))
        unknown_here = [q for q in unknown if q in touched]
        level = _level(score, self.kb.meta.scoring) - (1 if unknown_here else 0)
        return RankedForm(
            form=form.id, label=form.label, short_label=form.short_label, family=form.family,
            variant=variant.id if variant else None, variant_label=variant.label if variant else None,
            variant_reason=_reason(selectors[0], audience) if selectors else None,
            score=score, confidence=LEVELS[max(0, level)],
            reasons=_sorted_reasons(own, "supports", audience), against=_sorted_reasons(own, "weakens", audience),
            warnings=[_reason(r, audience) for r in warnings], unknown_questions=unknown_here,
            sheet=self._sheet(form),
        )

    def _sheet(self, form: Form) -> SheetRef:
        sheet = self.kb.sheets.get(form.sheet)
        title = sheet.title if sheet else form.label
        return SheetRef(id=form.sheet, title=title, path=f"sheets/{form.sheet}.md")


def _alert(form_id: str | None, horizon: Horizon, past: bool, days: int) -> Alert:
    text = (horizon.after if past else horizon.before).format(date=long_date(horizon.date), delay=delay_text(days))
    return Alert(horizon=horizon.id, form=form_id, date=horizon.date, past=past, days=days,
                 text=text, references=list(horizon.references))


def _reason(rule: Rule, audience: str | None) -> Reason:
    return Reason(rule=rule.id, text=rule.text_for(audience), weight=rule.weight,
                  references=list(rule.references))


def _sorted_reasons(own: list[Rule], effect: str, audience: str | None) -> list[Reason]:
    chosen = sorted((r for r in own if r.effect == effect), key=lambda r: -(r.weight or 0))
    return [_reason(r, audience) for r in chosen]


def _score(own: list[Rule]) -> int:
    signs = {"supports": 1, "weakens": -1}
    return sum((r.weight or 0) * signs[r.effect] for r in own if r.effect in signs)


def _selectors(own: list[Rule]) -> list[Rule]:
    """Variant-selecting rules that fired, strongest first (file order breaks ties)."""
    return sorted((r for r in own if r.effect == "selects_variant"), key=lambda r: -(r.weight or 0))


def _variant(form: Form, own: list[Rule]) -> str | None:
    selectors = _selectors(own)
    return selectors[0].variant if selectors else form.default_variant


def _level(score: int, scoring: Scoring) -> int:
    """Index in LEVELS for a score."""
    return 2 if score >= scoring.strong_score else 1 if score >= scoring.medium_score else 0


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
