"""The interview state machine (no CLI): typing convention, going back, status, review, resume."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor import Advisor, KnowledgeBase
from advisor.errors import EntryError
from advisor.files import dump_answers
from advisor.interview.entry import describe, hint, parse_entry
from advisor.interview.outcomes import OutcomeKind
from advisor.interview.session import Interview
from advisor.knowledge.models import UNKNOWN, Question
from advisor.reasoning.evaluator import ReferenceEvaluator


@pytest.fixture(scope="module")
def toy(toy_advisor: Advisor) -> Advisor:
    """The toy advisor (commuting), on the durable-rules engine."""
    return toy_advisor


def typed(question: Question, value: Any) -> str:
    """What a person types to give ``value`` (the convention shown in the prompt)."""
    if value is None:
        return ""
    if value == UNKNOWN:
        return "nsp" if question.type == "number" else "0"
    ids = [c.id for c in question.choices]
    match question.type:
        case "single":
            return str(ids.index(value) + 1)
        case "multiple":
            return ",".join(str(ids.index(v) + 1) for v in value)
        case "boolean":
            return "o" if value else "n"
    return str(value)


def typed_until_settled(advisor: Advisor, answers: Mapping[str, Any]) -> tuple[Interview, list[str]]:
    """Type ``answers`` (« je ne sais pas » for the others) until the interview says the verdict is settled."""
    profile = advisor.validate(answers)
    interview = Interview(advisor)
    lines: list[str] = []
    while (question := interview.current()) is not None:
        lines.append(typed(question, profile.get(question.id, UNKNOWN if question.allow_unknown else None)))
        outcome = interview.answer(lines[-1])
        if outcome.status is not None and outcome.status.settled:
            break
    return interview, lines


def answer_all(interview: Interview, values: Mapping[str, Any]) -> list[str]:
    """Answer every question asked, in whatever order the advisor chooses; returns the asked ids."""
    asked = []
    while (question := interview.current()) is not None:
        asked.append(question.id)
        value = values.get(question.id, UNKNOWN if question.allow_unknown else None)
        outcome = interview.answer(typed(question, value))
        assert outcome.kind in ("answered", "skipped", "kept"), (question.id, outcome)
    return asked


def answer_until(interview: Interview, values: Mapping[str, Any], stop: str) -> None:
    """Answer questions until ``stop`` is the current question."""
    while (question := interview.current()) is not None and question.id != stop:
        interview.answer(typed(question, values.get(question.id, UNKNOWN if question.allow_unknown else None)))
    assert question is not None and question.id == stop


# --- typing convention ---------------------------------------------------------------------

def test_choices_are_typed_by_number_id_or_label(toy_kb: KnowledgeBase) -> None:
    weather, extras = toy_kb.questions["weather"], toy_kb.questions["extras"]
    assert parse_entry(weather, "2") == "rainy"
    assert parse_entry(weather, " Pluvieux ") == "rainy"
    assert parse_entry(weather, "sunny") == "sunny"
    assert parse_entry(extras, "1,3") == ["exercise", "quiet"]
    assert parse_entry(extras, "3 ; 1") == ["exercise", "quiet"]
    assert parse_entry(extras, "1-3") == ["exercise", "reading", "quiet"]
    assert parse_entry(extras, "reading, Être au calme") == ["reading", "quiet"]


@pytest.mark.parametrize(("qid", "text", "message"), [
    ("weather", "3", "Le numéro 3 n'existe pas : tapez un numéro de 1 à 2."),
    ("weather", "1,2", "Un seul choix possible : tapez un numéro de 1 à 2."),
    ("weather", "neige", "Choix non reconnu : tapez un numéro de 1 à 2."),
    ("weather", "0", "« Je ne sais pas » n'est pas possible pour cette question."),
    ("extras", "1,7", "Le numéro 7 n'existe pas : tapez un ou plusieurs numéros de 1 à 3."),
    ("extras", "0,1", "0 (« je ne sais pas ») ne se combine pas avec d'autres choix."),
    ("extras", ",", "Choisissez au moins un numéro : tapez un ou plusieurs numéros de 1 à 3."),
    ("luggage", "peut-être", "Répondez par 1 (oui) ou 2 (non) ; o et n conviennent aussi."),
    ("luggage", "3", "Le numéro 3 n'existe pas : tapez un numéro de 1 à 2."),
    ("distance_km", "loin", "Tapez un nombre entier, en chiffres (par exemple 12)."),
    ("distance_km", "5000", "Le nombre doit être compris entre 0 et 1\u202f000."),
    ("distance_km", "2,5", "Un nombre entier est attendu, sans virgule : tapez par exemple 12."),
    ("distance_km", "9" * 5000, "Le nombre doit être compris entre 0 et 1\u202f000."),
    ("weather", "²", "Choix non reconnu : tapez un numéro de 1 à 2."),
    ("weather", "9" * 5000, "Le numéro 999999999… n'existe pas : tapez un numéro de 1 à 2."),
    ("extras", "1-99999999", "Le numéro 4 n'existe pas : tapez un ou plusieurs numéros de 1 à 3."),
    ("extras", "2-" + "9" * 5000, "Le numéro 4 n'existe pas : tapez un ou plusieurs numéros de 1 à 3."),
    ("extras", "-1", "Il doit rester au moins un choix : tapez un ou plusieurs numéros de 1 à 3. (« ? » pour l'aide)."),
], ids=lambda v: v[:20] if isinstance(v, str) else v)
def test_invalid_entries_get_a_short_french_message(toy_kb: KnowledgeBase, qid: str, text: str,
                                                     message: str) -> None:
    with pytest.raises(EntryError) as err:
        parse_entry(toy_kb.questions[qid], text)
    assert str(err.value) == message


def test_yes_no_numbers_and_unknown(toy_kb: KnowledgeBase, kb: KnowledgeBase) -> None:
    luggage, distance = toy_kb.questions["luggage"], toy_kb.questions["distance_km"]
    assert [parse_entry(luggage, t) for t in ("o", "OUI", "n", "non", "1", "2")] == [True, True, False, False,
                                                                                   True, False]
    assert parse_entry(distance, "1 000") == 1000
    assert parse_entry(distance, "0") == 0  # on a number question 0 is a number…
    assert parse_entry(distance, "nsp") == UNKNOWN  # …and « je ne sais pas » is nsp
    assert parse_entry(distance, "Je ne sais pas") == UNKNOWN
    allows_unknown = next(q for q in kb.questions.values() if q.type == "boolean" and q.allow_unknown)
    assert parse_entry(allows_unknown, "0") == UNKNOWN


@pytest.mark.parametrize("typed", ["8000", "8000 habitants", "8 000", "8\u202f000", "8.000", " 8000 Habitants "])
def test_a_count_is_typed_the_french_way(kb: KnowledgeBase, typed: str) -> None:
    population = next(q for q in kb.questions.values() if q.type == "number" and q.unit)
    assert parse_entry(population, typed) == 8000


@pytest.mark.parametrize("typed", ["8,5", "8.5", "8,000"])
def test_a_count_refuses_decimals_with_a_message(kb: KnowledgeBase, typed: str) -> None:
    population = next(q for q in kb.questions.values() if q.type == "number" and q.unit)
    with pytest.raises(EntryError, match="Un nombre entier est attendu, sans virgule"):
        parse_entry(population, typed)


@pytest.mark.parametrize("typed", ["0", "nsp", "NSP", "Ne sait pas", "je sais pas", "Je ne sais pas.", "j'sais pas"])
def test_every_way_of_saying_je_ne_sais_pas(kb: KnowledgeBase, typed: str) -> None:
    closed = next(q for q in kb.questions.values() if q.type == "boolean" and q.allow_unknown)
    assert parse_entry(closed, typed) == UNKNOWN
    number = next(q for q in kb.questions.values() if q.type == "number" and q.allow_unknown)
    assert parse_entry(number, typed) == (0 if typed == "0" else UNKNOWN)  # on a number question, 0 is a number


def test_choices_beginning_with_oui_take_oui_when_it_is_unambiguous(kb: KnowledgeBase) -> None:
    question = next(q for q in kb.questions.values() if q.type == "single"
                    and sum(c.label.startswith("Oui") for c in q.choices) > 1
                    and sum(c.label.startswith("Non") for c in q.choices) == 1)
    no = next(c.id for c in question.choices if c.label.startswith("Non"))
    assert parse_entry(question, "non") == no and parse_entry(question, "n") == no
    numbers = " ou ".join(str(n) for n, c in enumerate(question.choices, 1) if c.label.startswith("Oui"))
    with pytest.raises(EntryError) as err:
        parse_entry(question, "oui")
    assert str(err.value) == f"Plusieurs choix commencent par « Oui » : tapez {numbers}."


def test_a_selection_is_changed_with_plus_and_minus(toy_kb: KnowledgeBase) -> None:
    extras = toy_kb.questions["extras"]
    assert parse_entry(extras, "+2", ["exercise"]) == ["exercise", "reading"]
    assert parse_entry(extras, "-1", ["exercise", "reading"]) == ["reading"]
    assert parse_entry(extras, "+3 -1", ["exercise"]) == ["quiet"]
    assert parse_entry(extras, "+2,3", None) == ["reading", "quiet"]
    assert parse_entry(extras, "2", ["exercise"]) == ["reading"]  # the full list replaces the selection


@pytest.mark.parametrize("text", ["Nom\uffff", "Nom\x7fX", "A\x1b[2J", "\udce9cole", "Nom\u0085"])
def test_control_and_non_characters_are_refused_at_input(toy: Advisor, text: str) -> None:
    interview = Interview(toy)
    outcome = interview.answer(text)
    assert outcome.kind == "invalid" and "retapez votre réponse sans lui" in (outcome.message or "")
    assert interview.answers == {}


def test_the_hint_spells_out_the_convention(toy_kb: KnowledgeBase, kb: KnowledgeBase) -> None:
    assert hint(toy_kb.questions["distance_km"]) == \
        "un nombre entier entre 0 et 1\u202f000 · nsp = je ne sais pas · ? = aide · < = retour"
    assert hint(toy_kb.questions["extras"], "Lire") == \
        "un ou plusieurs numéros de 1 à 3 (ex. 1,3) · Entrée = garder « Lire » · ? = aide · < = retour"
    assert hint(toy_kb.questions["luggage"]).startswith("1 = oui (ou o) · 2 = non (ou n) · ? = aide")
    assert hint(toy_kb.questions["extras"], "Lire", ["reading"]).startswith(
        "+N ajoute un choix · -N en retire un · ou tapez la liste complète")
    optional = next(q for q in kb.questions.values() if q.optional)
    assert "Entrée = passer" in hint(optional)


def test_answers_are_described_with_labels(toy_kb: KnowledgeBase) -> None:
    q = toy_kb.questions
    assert describe(q["extras"], ["reading", "quiet"]) == "Lire ; Être au calme"
    assert describe(q["weather"], "sunny") == "Ensoleillé"
    assert describe(q["luggage"], False) == "non"
    assert describe(q["distance_km"], UNKNOWN) == "je ne sais pas"
    assert describe(q["distance_km"], 12000) == "12\u202f000"


# --- the interview -------------------------------------------------------------------------

def test_a_full_interview_gives_the_same_verdict_as_advise(toy: Advisor) -> None:
    interview = Interview(toy)
    asked = answer_all(interview, {"distance_km": 3, "weather": "sunny", "extras": ["exercise"]})
    assert sorted(asked) == ["distance_km", "extras", "weather"]  # luggage does not apply to 3 km
    assert interview.complete and interview.current() is None
    assert interview.recommendation() == toy.advise({"distance_km": 3, "weather": "sunny", "extras": ["exercise"]},
                                                    explain=True)
    assert interview.recommendation().top is not None


def test_the_next_question_is_chosen_by_the_advisor_only(toy_kb: KnowledgeBase) -> None:
    class Backwards(Advisor):
        def next_question(self, answers: Mapping[str, Any]) -> Question | None:
            pending = [q for q in self.relevant_questions(answers) if q.id not in answers]
            return pending[-1] if pending else None

    interview = Interview(Backwards(toy_kb, ReferenceEvaluator(toy_kb)))  # any consultant will do
    asked = answer_all(interview, {"distance_km": 3, "weather": "sunny", "extras": ["exercise"]})
    assert asked == ["extras", "weather", "distance_km"]


def test_help_and_mistakes_keep_the_same_question(toy: Advisor) -> None:
    interview = Interview(toy)
    question = interview.current()
    assert question is not None
    help_outcome = interview.answer("?")
    assert (help_outcome.kind, help_outcome.message) == ("help", question.help)
    for text in ("n'importe quoi", "99999", "1,2,x", ""):
        outcome = interview.answer(text)
        assert outcome.kind == "invalid" and outcome.message
        assert interview.current() == question
    assert interview.answers == {}


def test_progress_counts_questions_and_estimates_what_is_left(toy: Advisor) -> None:
    interview = Interview(toy)
    first = interview.progress()
    assert first.number == 1 and first.remaining == len(toy.relevant_questions({})) - 1
    answer_until(interview, {"distance_km": 20}, "distance_km")
    numbers = []
    while (question := interview.current()) is not None:
        progress = interview.progress()
        numbers.append(progress.number)
        assert progress.number + progress.remaining == len(toy.relevant_questions(interview.answers)) or \
            question.id == "distance_km"
        interview.answer(typed(question, {"distance_km": 20, "weather": "rainy", "luggage": False,
                                          "extras": ["reading"]}[question.id]))
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    assert len(interview.answers) == 4  # 20 km made the luggage question relevant


def test_going_back_keeps_the_answer_as_default_and_replays_forward(toy: Advisor) -> None:
    interview = Interview(toy)
    first = interview.current()
    assert first is not None
    interview.answer(typed(first, {"distance_km": 20, "weather": "sunny", "extras": ["reading"]}[first.id]))
    second = interview.current()
    assert second is not None and second != first
    back = interview.answer("<")
    assert back.kind == "back" and interview.current() == first
    assert interview.progress().number == 1
    assert interview.default(first) is not None and "Entrée = garder" in interview.prompt_hint(first)
    assert first.id in interview.answers  # nothing is lost by going back
    assert interview.answer("").kind == "kept"
    assert interview.current() == second
    assert interview.answer("<").kind == "back"
    assert interview.answer("<").kind == "notice"  # no question before the first one
    assert interview.current() == first


def test_changing_an_answer_on_the_way_back_drops_what_no_longer_applies(toy: Advisor) -> None:
    interview = Interview(toy)
    answer_until(interview, {"weather": "sunny", "extras": ["reading"]}, "distance_km")
    interview.answer("20")
    answer_until(interview, {"weather": "sunny", "extras": ["reading"]}, "luggage")
    excluding = interview.answer("o")
    assert excluding.status is not None
    assert [(e.form, [r.text for r in e.reasons]) for e in excluding.status.excluded] == \
        [("bike", ["Les bagages sont trop lourds."])]
    assert "bike" not in [f.id for f in excluding.status.in_play]
    while interview.current() != toy.kb.questions["distance_km"]:
        assert interview.answer("<").kind == "back"
    confirm = interview.answer("3")
    assert confirm.kind == "confirm" and [q.id for q in confirm.dropped] == ["luggage"]
    assert "Bagages lourds" in (confirm.message or "") and interview.answers["luggage"] is True  # not yet
    outcome = interview.answer("o")
    assert [q.id for q in outcome.dropped] == ["luggage"]
    assert outcome.status is not None and [f.id for f in outcome.status.restored] == ["bike"]
    assert "luggage" not in interview.answers and "luggage" not in interview.history


def test_a_change_that_is_not_confirmed_keeps_everything(toy: Advisor) -> None:
    interview = Interview(toy)
    answer_all(interview, {"distance_km": 20, "weather": "rainy", "luggage": True, "extras": ["reading"]})
    before = dict(interview.answers)
    interview.answer("1")  # review: change the distance…
    assert interview.answer("4").kind == "confirm"
    assert interview.answer("peut-être").kind == "invalid"
    cancelled = interview.answer("n")
    assert cancelled.kind == "cancelled" and interview.answers == before and interview.current() is None


def test_answers_removed_by_a_change_come_back_when_it_is_undone(toy: Advisor) -> None:
    interview = Interview(toy)
    answer_all(interview, {"distance_km": 20, "weather": "rainy", "luggage": True, "extras": ["reading"]})
    interview.answer("1")
    interview.answer("4")
    removed = interview.answer("1")  # « oui »
    assert [q.id for q in removed.dropped] == ["luggage"] and "luggage" not in interview.answers
    interview.answer("1")  # change the distance again…
    undone = interview.answer("20")  # …back to what it was
    assert [q.id for q in undone.restored] == ["luggage"] and undone.dropped == []
    assert interview.answers["luggage"] is True and interview.current() is None  # not asked again


def test_review_lists_every_answer_and_changes_one(toy: Advisor) -> None:
    interview = Interview(toy)
    answer_all(interview, {"distance_km": 20, "weather": "rainy", "luggage": True, "extras": ["reading"]})
    items = interview.review()
    assert [i.question.id for i in items] == list(toy.kb.questions)  # question order, not asking order
    assert [i.value for i in items] == ["20", "Pluvieux", "oui", "Lire"]
    assert interview.answer("?").kind == "help"
    assert interview.answer("9").kind == "invalid"
    change = interview.answer("1")
    assert change.kind == "change" and interview.current() == toy.kb.questions["distance_km"]
    assert interview.answer("<").kind == "back" and interview.current() is None  # change cancelled
    interview.answer("1")
    assert interview.answer("4").kind == "confirm"
    outcome = interview.answer("oui")
    assert [q.summary for q in outcome.dropped] == ["Bagages lourds"]
    assert interview.current() is None
    assert [i.value for i in interview.review()] == ["4", "Pluvieux", "Lire"]
    assert interview.answer("").kind == "finish"
    assert interview.recommendation(explain=False) == toy.advise({"distance_km": 4, "weather": "rainy",
                                                                  "extras": ["reading"]})


def test_a_change_can_open_new_questions_which_are_asked_before_the_review(toy: Advisor) -> None:
    interview = Interview(toy)
    answer_all(interview, {"distance_km": 3, "weather": "sunny", "extras": ["quiet"]})
    number = next(i.number for i in interview.review() if i.question.id == "distance_km")
    interview.answer(str(number))
    interview.answer("30")
    assert interview.current() == toy.kb.questions["luggage"]
    assert interview.answer("<").kind == "back" and interview.current() == toy.kb.questions["distance_km"]
    interview.answer("")
    interview.answer("n")
    assert interview.current() is None and interview.answers["luggage"] is False


def test_enter_keeps_an_answer_and_retyping_it_changes_nothing(toy: Advisor) -> None:
    interview = Interview(toy, {"distance_km": 3, "weather": "sunny", "extras": ["quiet"]})
    interview.answer("2")  # review: change the weather…
    assert interview.answer("1").kind == "kept"  # …to the same value
    interview.answer("2")
    assert interview.answer("").kind == "kept"
    assert interview.answers["weather"] == "sunny"


# --- skipping, pre-filling and saving ------------------------------------------------------

def test_optional_questions_are_skipped_with_enter_and_not_asked_again(advisor: Advisor) -> None:
    optional = [q for q in advisor.kb.questions.values() if q.optional and q.relevant_if is None]
    interview = Interview(advisor)
    skipped = 0
    while (question := interview.current()) is not None and any(q.id not in interview.skipped for q in optional):
        if question.optional:
            outcome = interview.answer("")
            assert outcome.kind == "skipped" and outcome.changed
            skipped += 1
        else:
            interview.answer(typed(question, [question.choices[0].id] if question.type == "multiple" else UNKNOWN))
    assert skipped == len(optional)
    assert question is not None and not question.optional
    saved = interview.answers_to_save()
    assert all(saved[q.id] == "" for q in optional)
    resumed = Interview(advisor, saved)  # a blank answer in a file means "skipped", not "ask again"
    assert resumed.current() == question and resumed.answers == interview.answers


def test_pre_filled_answers_are_not_asked_and_irrelevant_ones_are_reported(toy: Advisor) -> None:
    interview = Interview(toy, {"distance_km": "3", "luggage": "oui"})
    assert interview.answers == {"distance_km": 3}
    assert [q.id for q in interview.ignored] == ["luggage"]
    asked = answer_all(interview, {"weather": "sunny", "extras": ["exercise"]})
    assert sorted(asked) == ["extras", "weather"]
    assert interview.back().kind == "back"
    assert interview.history[-1] == interview.current().id  # type: ignore[union-attr]


def test_going_back_before_pre_filled_answers_points_to_the_review(toy: Advisor) -> None:
    interview = Interview(toy, {"distance_km": 3})
    outcome = interview.answer("<")
    assert outcome.kind == "notice" and "relecture" in (outcome.message or "")


def test_saved_answers_give_the_same_verdict(advisor: Advisor, kb: KnowledgeBase) -> None:
    import yaml

    example = kb.example(kb.example_names()[0]).answers
    interview = Interview(advisor)
    answer_all(interview, advisor.validate(example))
    text = dump_answers(kb, interview.answers_to_save())
    assert advisor.advise(yaml.safe_load(text)["answers"], explain=True) == interview.recommendation()


def test_the_status_lists_every_form_in_play(advisor: Advisor) -> None:
    interview = Interview(advisor)
    status = interview.status()
    assert [f.id for f in status.in_play] == list(advisor.kb.forms) and status.total == len(advisor.kb.forms)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.one_of(st.text(max_size=12), st.sampled_from(["<", "?", "", "0", "1", "2", "1,3", "o",
                                                                      "n", "12", "nsp", "+2", "-1", "fin", "3"])),
                     max_size=25))
def test_whatever_is_typed_the_interview_never_breaks(toy: Advisor, lines: list[str]) -> None:
    interview = Interview(toy)
    for line in lines:
        outcome = interview.answer(line)
        assert outcome.kind in get_args(OutcomeKind)
        assert toy.validate(interview.answers) == interview.answers
        assert set(interview.history) <= set(interview.answers) | interview.skipped
        if outcome.kind == "finish":
            break
    assert interview.recommendation(explain=False) == toy.advise(interview.answers)


def test_fin_ends_the_interview_once_nothing_can_change(advisor: Advisor, kb: KnowledgeBase) -> None:
    """Typing « fin » skips the questions that could no longer change the recommended form."""
    profile = advisor.validate(kb.example("gme-brunoy").answers)
    interview = Interview(advisor)
    refused = interview.answer("fin")
    assert refused.kind == "invalid" and "répondez-y d'abord" in (refused.message or "")
    settled = None
    while (question := interview.current()) is not None:
        value = profile.get(question.id, UNKNOWN if question.allow_unknown else None)
        outcome = interview.answer(typed(question, value))
        if outcome.status is not None and outcome.status.settled:
            settled = outcome
            break
    assert settled is not None, "the verdict should settle before the last question"
    before = advisor.outcome(interview.answers)
    finish = interview.answer("fin")
    assert finish.kind == "to_review" and interview.current() is None
    assert advisor.outcome(interview.answers) == before
    full = advisor.advise(profile)
    assert (full.recommendations[0].form, full.recommendations[0].variant) == before
