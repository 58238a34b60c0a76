"""The durable-rules bridge: compile the knowledge base into rulesets (one per form) and run consultations.

Guards against the traps measured in engine-notes.md (numbers refer to its checklist):

- one private ``Host`` per knowledge base, never the global one, with the background
  dispatcher disabled (2);
- exactly one fact per consultation and part, asserted with ``assert_fact`` (never a batch) (1);
- results come from a trace written by the actions, not from ``get_facts`` (4);
- action errors are recorded and raised, and the session's ``exception`` is checked (3);
- no ``$not`` and no ``any`` in compiled rules: fallbacks and ranking are computed in Python (5, 6);
- every pattern carries a ``kind`` equality, so it can never match the session state (12);
- a fresh ``uuid4`` session per consultation, deleted in ``finally`` (10, 14), and a sink rule in
  each part so that every fact is handled (deleting the session of an unhandled fact crashes the
  engine); the session of a failed assertion is never deleted (that crashes it too): its host is
  set aside and a new one serves the next consultation;
- each part (ruleset) bounded in size, since durable-rules fails past its own limits (``parts.py``);
- the definition given to the engine is a copy (15);
- a lock around each consultation (the C extension holds the GIL anyway), reset in a forked
  child together with the engine state: a fork while another thread consults would otherwise leave
  the child waiting forever on a lock nobody will release.
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import EngineError, EngineLimitError, EngineUnavailableError
from .build_proof import prove_build
from .conditions import compile_condition
from .encoding import FACT_KIND, encode
from .parts import part_label, partition

if TYPE_CHECKING:
    from ..knowledge.base import KnowledgeBase

# A catch-all rule that fires last for every situation, so that no fact is ever "not handled":
# deleting the session of an unhandled fact crashes durable-rules after a few thousand calls
# (segmentation fault, measured), and an unhandled fact in a batch defers actions (engine-notes §2).
SINK = "sink"
SINK_PRI = 65535
MAX_SET_ASIDE = 20  # hosts set aside after refusals before the engine refuses every consultation

# What durable-rules' error codes mean for a rule author (src/rules/rules.h of durable-rules 2.0.28).
LIMITS = {
    106: "trop de règles ou de branches de conditions dans un même ensemble",
    107: "trop de tests d'existence dans un même ensemble",
    108: "plus de 256 règles commencent par le même test",
    113: "une condition contient trop de tests",
    303: "une même situation fait suivre plus de 64 tests à la fois au moteur",
    502: "expression trop longue",
    503: "expression trop longue",
}

_INSTALL_HELP = (
    "le moteur de règles durable-rules ne peut pas être chargé ({error}). Il se compile à l'installation : "
    "installez un compilateur C et les en-têtes Python (Debian/Ubuntu : sudo apt-get install build-essential "
    "python3-dev), puis réinstallez avec « pip install --force-reinstall --no-cache-dir durable-rules ». "
    "Sous Python 3.13 : CPPFLAGS=\"-DPyEval_CallObject=PyObject_CallObject\" pip install --no-cache-dir "
    "--force-reinstall durable-rules."
)


def _import_engine() -> Any:
    try:
        import durable.engine  # type: ignore[import-untyped]
    except ImportError as err:  # the C extension failed to build or to load
        raise EngineUnavailableError(_INSTALL_HELP.format(error=err)) from None
    return durable.engine


def error_code(err: BaseException) -> int | None:
    """The durable-rules error code in an engine exception (« … error code: 303 »), if any."""
    found = re.search(r"error code: (\d+)", str(err))
    return int(found.group(1)) if found else None


def limit_text(code: int | None) -> str:
    """The limit behind a durable-rules error code, in French."""
    return LIMITS.get(code or 0, "limite interne du moteur") + (f" (erreur {code} de durable-rules)" if code else "")


def compile_ruleset(kb: KnowledgeBase, forms: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """Compile rules (of ``forms`` only, when given) into durable-rules ruleset definitions (pure data),
    one per part (``parts.partition``).

    Each rule becomes ``{"all": [{"m": {"$and": [{"kind": "situation"}, <condition>]}}], "run": <rule id>}``,
    and a last "sink" rule of each part matches every situation.
    """
    types = {qid: q.type for qid, q in kb.questions.items()}
    rules = {rule.id: rule for rule in kb.rules}
    definitions = {}
    for part, ids in partition(kb, forms).items():
        definition = {}
        for rid in ids:
            expression = {"$and": [{"kind": FACT_KIND}, compile_condition(rules[rid].when, types)]}
            definition[rid] = {"all": [{"m": expression}], "pri": 0, "run": rid}
        definition[SINK] = {"all": [{"m": {"$and": [{"kind": FACT_KIND}]}}], "pri": SINK_PRI, "run": SINK}
        definitions[part] = definition
    return definitions


class Engine:
    """Runs consultations of one knowledge base on durable-rules: ``consult(answers)`` returns the
    ids of the rules that fired.

    Args:
        kb: the knowledge base.
        on_part: called with each part's name before it is built.
        forms: only the rules of these forms (to find which form of a part the engine refuses).
        prove: build the rules in a child process first, once per machine, so that rules durable-rules
            cannot build raise instead of hanging the process (``build_proof.py``; the command line does);
            a function: also called once if that takes more than two seconds (to tell the person).

    Raises:
        EngineUnavailableError: durable-rules cannot be imported.
        EngineLimitError: durable-rules refuses a part (named, with the limit it hits), or (``prove``) cannot
            build one in time.
    """

    def __init__(self, kb: KnowledgeBase, on_part: Callable[[str], None] | None = None,
                 forms: Iterable[str] | None = None, prove: bool | Callable[[], None] = False) -> None:
        engine = _import_engine()
        self._choices = {qid: [c.id for c in q.choices] for qid, q in kb.questions.items() if q.type == "multiple"}
        self._traces: dict[str, list[str]] = {}
        self._errors: dict[str, list[str]] = {}
        self._interrupted: set[str] = set()
        self._lock = threading.Lock()
        self._broken: str | None = None
        self.definition = compile_ruleset(kb, forms)
        self.parts = {part: frozenset(definition) - {SINK} for part, definition in self.definition.items()}
        self._part_of = {rid: part for part, ids in self.parts.items() for rid in ids}
        self._host_class = _host_class(engine)
        if prove:
            prove_build(self.definition, self._new_host, waiting=prove if callable(prove) else None)
        self._host = self._new_host(on_part)
        self._renew = False  # build a new host before the next consultation (after a fork or a refusal)
        self._set_aside: list[Any] = []
        _ENGINES.add(self)

    def _new_host(self, on_part: Callable[[str], None] | None = None) -> Any:
        host = self._host_class(self._action)
        for part, definition in self.definition.items():  # one by one, so that a refusal names its part
            if on_part is not None:
                on_part(part)  # ``capacity`` reports it first: a crash or a hang while building still names it
            try:
                # A copy (through JSON: ten times faster than deepcopy): durable-rules deletes the
                # "run" keys of what it is given.
                host.set_rulesets({part: json.loads(json.dumps(definition))})
            except Exception as err:  # noqa: BLE001 - durable raises bare exceptions with an error code
                raise EngineLimitError(f"le moteur de règles refuse les règles de {part_label(part)} : "
                                       f"{limit_text(error_code(err))}") from err
        return host

    def _after_fork(self) -> None:
        """In a forked child: a fresh lock and no consultation in flight; a new host on first use (the
        parent's host may have been in the middle of a consultation of another thread)."""
        self._lock = threading.Lock()
        self._traces, self._errors, self._interrupted = {}, {}, set()
        self._renew = True

    def _action(self, name: str) -> Callable[[Any], None]:
        if name == SINK:
            return lambda c: None

        def record(c: Any) -> None:
            sid = c.s.sid
            try:
                self._record(sid, name)
            except KeyboardInterrupt:  # durable-rules would swallow it: re-raised by consult()
                self._interrupted.add(sid)
            except Exception as err:  # surfaced by consult(), never swallowed
                self._errors.setdefault(sid, []).append(f"{name}: {err}")
        return record

    def _record(self, sid: str, name: str) -> None:
        self._traces[sid].append(name)

    def consult(self, answers: Mapping[str, Any], rules: Iterable[str] | None = None) -> set[str]:
        """Assert the situation fact for these normalised answers and return what fired.

        Args:
            answers: normalised answers (and the consultation date, ``AS_OF``).
            rules: consult only the parts holding these rules (every rule of those parts comes back);
                every part when omitted.

        Raises:
            EngineError: an action failed, or the engine reported an error.
        """
        parts = list(self.parts) if rules is None else list(dict.fromkeys(self._part_of[rid] for rid in rules))
        try:
            fact = encode(answers, self._choices)
        except Exception as err:  # noqa: BLE001 - a value validation let through: never a raw error
            raise EngineError(f"erreur interne du moteur de règles : réponses non encodables ({err})") from err
        sid = uuid.uuid4().hex
        fact["sid"] = sid
        with self._lock:
            if self._broken is not None:
                raise EngineError(self._broken)
            if self._renew:
                self._host, self._renew = self._new_host(), False
            self._traces[sid] = []
            opened: list[str] = []
            failed = True
            try:
                for part in parts:
                    self._run(part, fact, sid, opened)
                fired = set(self._traces[sid])
                failed = False
                return fired
            finally:
                self._traces.pop(sid, None)
                self._errors.pop(sid, None)
                self._interrupted.discard(sid)
                self._close(sid, opened, failed)

    def _run(self, part: str, fact: dict[str, Any], sid: str, opened: list[str]) -> None:
        """Assert the fact into one part (its session is then listed in ``opened``, to be deleted)."""
        try:
            self._host.assert_fact(part, dict(fact))  # always handled, thanks to the sink rule
        except Exception as err:  # noqa: BLE001 - durable raises bare exceptions with an error code
            if sid in self._interrupted:
                raise KeyboardInterrupt from None
            code = error_code(err)
            if code is None:  # refused before the engine held it (a fact it cannot encode): no session
                raise EngineError(f"erreur interne du moteur de règles : {err}") from err
            # A limit hit while matching: deleting that session crashes durable-rules (measured). The
            # host is set aside, never touched nor freed again, and the next consultation gets a new
            # one, so that one refused situation does not refuse the others (a batch goes on).
            message = (f"le moteur de règles n'a pas pu examiner {part_label(part)} : "
                       f"{limit_text(code)}. Lancez « advisor rules check ».")
            self._set_aside.append(self._host)
            self._renew = True
            if len(self._set_aside) >= MAX_SET_ASIDE:  # each holds the whole knowledge base: stop there
                self._broken = message
            raise EngineError(message) from err
        opened.append(part)
        if sid in self._interrupted:
            raise KeyboardInterrupt
        try:
            state = self._host.get_state(part, sid)
        except Exception as err:  # noqa: BLE001 - durable raises bare errors
            raise EngineError(f"erreur interne du moteur de règles : {err}") from err
        errors = self._errors.pop(sid, [])
        if state.get("exception"):
            errors.append(str(state["exception"]))
        if errors:
            raise EngineError("erreur interne du moteur de règles : " + "; ".join(errors))

    def _close(self, sid: str, opened: list[str], failed: bool) -> None:
        """Delete a consultation's sessions. When the consultation already failed, a failure here must
        not hide the real error."""
        for part in opened:
            try:
                self._host.delete_state(part, sid)
            except Exception as err:  # noqa: BLE001 - durable raises bare errors
                if not failed:
                    raise EngineError(f"erreur interne du moteur de règles (fin de consultation) : {err}") from err

    def is_open(self, sid: str) -> bool:
        """Whether the engine still holds a session (used by tests to prove sessions are deleted)."""
        for part in self.parts:
            try:
                self._host.get_state(part, sid)
            except Exception:  # noqa: BLE001, S112 - durable raises a bare error 309 for unknown sessions
                continue
            return True
        return False


_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


def _reset_after_fork() -> None:
    for engine in list(_ENGINES):
        engine._after_fork()


os.register_at_fork(after_in_child=_reset_after_fork)


def _host_class(engine: Any) -> type:
    class _Host(engine.Host):  # type: ignore[misc]
        """A private Host: actions resolved by name, no background dispatcher."""

        def __init__(self, actions: Callable[[str], Callable[[Any], None]]) -> None:
            self._actions = actions
            super().__init__()

        def _run(self) -> None:
            # The stock dispatcher thread races with consultations (engine-notes §4): disabled.
            return None

        def get_action(self, action_name: str) -> Callable[[Any], None]:
            return self._actions(action_name)

    return _Host
