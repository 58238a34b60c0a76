"""Measure how many questions an interview needs before its recommendation stops changing.

For each profile (a complete set of answers a structure would give), the interview is simulated
with the advisor's question order: after each answer, the verdict (form and variant) is computed.
The stable point is the number of answers after which the verdict never changes again. The script
compares the file order with the smart order, on the scenario files and on random profiles.

    python bench/interview_length.py [--random 300] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advisor import Advisor, KnowledgeBase, load_knowledge_base  # noqa: E402
from advisor.knowledge.models import UNKNOWN, Question  # noqa: E402
from advisor.scenarios import load_scenarios, scenario_answers  # noqa: E402


def fallback(question: Question) -> Any:
    """The answer a profile gives to a question it says nothing about."""
    if question.allow_unknown:
        return UNKNOWN
    if question.type == "boolean":
        return False
    if question.type == "multiple":
        return [question.choices[0].id]
    if question.type == "single":
        return question.choices[0].id
    if question.type == "number":
        return question.min or 0
    return "Structure"


def simulate(advisor: Advisor, profile: dict[str, Any]) -> tuple[int, int, int]:
    """(questions asked in all, questions needed to reach the final verdict for good,
    questions asked when the interview stops as soon as no remaining question can change it)."""
    answers: dict[str, Any] = {}
    verdicts = []
    early = None
    while (question := advisor.next_question(answers)) is not None:
        answers[question.id] = profile.get(question.id, fallback(question))
        verdicts.append(advisor.outcome(answers))
        if early is None and not advisor.can_still_change(answers):
            early = len(verdicts)
    final = verdicts[-1] if verdicts else (None, None)
    stable = len(verdicts)
    while stable > 0 and verdicts[stable - 1] == final:
        stable -= 1
    return len(verdicts), stable + 1 if verdicts else 0, early if early is not None else len(verdicts)


def random_profile(kb: KnowledgeBase, rng: random.Random) -> dict[str, Any]:
    """A complete, valid answer set drawn at random."""
    profile: dict[str, Any] = {}
    for qid, q in kb.questions.items():
        if q.allow_unknown and rng.random() < 0.1:
            profile[qid] = UNKNOWN
        elif q.type == "single":
            profile[qid] = rng.choice(q.choices).id
        elif q.type == "multiple":
            picked = rng.sample(q.choices, rng.randint(1, min(3, len(q.choices))))
            profile[qid] = [c.id for c in q.choices if c in picked]
        elif q.type == "boolean":
            profile[qid] = rng.random() < 0.5
        elif q.type == "number":
            profile[qid] = rng.randint(q.min or 0, min(q.max or 100_000, 100_000))
        else:
            profile[qid] = "Structure"
    return profile


def measure(kb: KnowledgeBase, profiles: list[dict[str, Any]]) -> dict[str, tuple[float, ...]]:
    """Average (questions asked, questions to a stable verdict, questions with early stop) per order."""
    results = {}
    for order in ("file", "smart"):
        advisor = Advisor(kb, order=order)  # type: ignore[arg-type]
        runs = [simulate(advisor, advisor.validate(p)) for p in profiles]
        results[order] = tuple(statistics.mean(r[i] for r in runs) for i in range(3))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, default=300, help="number of random profiles")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    kb = load_knowledge_base()
    scenarios = [scenario_answers(kb, s) for _, s in load_scenarios(ROOT / "tests" / "scenarios")]
    rng = random.Random(args.seed)  # noqa: S311 - reproducible test profiles, not security
    randoms = [random_profile(kb, rng) for _ in range(args.random)]
    print("| Profils | Ordre | Questions posées | Questions jusqu'à une recommandation stable "
          "| Questions avec arrêt anticipé |")
    print("|---|---|---|---|---|")
    for name, profiles in ((f"{len(scenarios)} scénarios", scenarios), (f"{len(randoms)} profils aléatoires", randoms)):
        for order, (asked, stable, early) in measure(kb, profiles).items():
            label = "ordre du fichier" if order == "file" else "ordre par conversation"
            print(f"| {name} | {label} | {asked:.1f} | {stable:.1f} | {early:.1f} |")


if __name__ == "__main__":
    main()
