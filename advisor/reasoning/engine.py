"""The durable-rules bridge: compile the knowledge base into a ruleset and run consultations.

Guards against the traps measured in engine-notes.md (numbers refer to its checklist):

- one private ``Host`` per knowledge base, never the global one, with the background
  dispatcher disabled (2);
- exactly one fact per consultation, asserted with ``assert_fact`` (never a batch) (1);
- results come from a trace written by the actions, not from ``get_facts`` (4);
- action errors are recorded and raised, and the session's ``exception`` is checked (3);
- no ``$not`` and no ``any`` in compiled rules: fallbacks and ranking are computed in Python (5, 6);
- every pattern carries a ``kind`` equality, so it can never match the session state (12);
- a fresh ``uuid4`` session per consultation, deleted in ``finally`` (10, 14), and a sink rule so
  that every fact is handled (deleting the session of an unhandled fact crashes the engine);
- the definition given to the engine is a deep copy (15);
- a lock around each consultation (the C extension holds the GIL anyway), reset in a forked
  child together with the engine state: a fork while another thread consults would otherwise leave
  the child waiting forever on a lock nobody will release.
"""

from __future__ import annotations

import copy
import os
import threading
import uuid
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import EngineError, EngineUnavailableError
from .conditions import compile_condition
from .encoding import FACT_KIND, encode

if TYPE_CHECKING:
    from ..knowledge.base import KnowledgeBase

RULESET = "advisor"
# A catch-all rule that fires last for every situation, so that no fact is ever "not handled":
# deleting the session of an unhandled fact crashes durable-rules after a few thousand calls
# (segmentation fault, measured), and an unhandled fact in a batch defers actions (engine-notes §2).
SINK = "sink"
SINK_PRI = 65535

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


def compile_ruleset(kb: KnowledgeBase) -> dict[str, Any]:
    """Compile the rules into a durable-rules ruleset definition (pure data; relevance is evaluated in Python).

    Each rule becomes ``{"all": [{"m": {"$and": [{"kind": "situation"}, <condition>]}}], "run": <rule id>}``,
    and a last "sink" rule matches every situation.
    """
    types = {qid: q.type for qid, q in kb.questions.items()}
    definition = {}
    for rule in kb.rules:
        expression = {"$and": [{"kind": FACT_KIND}, compile_condition(rule.when, types)]}
        definition[rule.id] = {"all": [{"m": expression}], "pri": 0, "run": rule.id}
    definition[SINK] = {"all": [{"m": {"$and": [{"kind": FACT_KIND}]}}], "pri": SINK_PRI, "run": SINK}
    return {RULESET: definition}


class Engine:
    """Runs consultations of one knowledge base on durable-rules: ``consult(answers)`` returns the
    ids of the rules that fired."""

    def __init__(self, kb: KnowledgeBase) -> None:
        engine = _import_engine()
        self._choices = {qid: [c.id for c in q.choices] for qid, q in kb.questions.items() if q.type == "multiple"}
        self._traces: dict[str, list[str]] = {}
        self._errors: dict[str, list[str]] = {}
        self._interrupted: set[str] = set()
        self._lock = threading.Lock()
        self.definition = compile_ruleset(kb)
        self._host_class = _host_class(engine)
        self._host = self._new_host()
        self._forked = False
        _ENGINES.add(self)

    def _new_host(self) -> Any:
        host = self._host_class(self._action)
        # A deep copy: durable-rules deletes the "run" keys of what it is given.
        host.set_rulesets(copy.deepcopy(self.definition))
        return host

    def _after_fork(self) -> None:
        """In a forked child: a fresh lock and no consultation in flight; a new host on first use (the
        parent's host may have been in the middle of a consultation of another thread)."""
        self._lock = threading.Lock()
        self._traces, self._errors, self._interrupted = {}, {}, set()
        self._forked = True

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

    def consult(self, answers: Mapping[str, Any]) -> set[str]:
        """Assert the situation fact for these normalised answers and return what fired.

        Raises:
            EngineError: an action failed, or the engine reported an error.
        """
        try:
            fact = encode(answers, self._choices)
        except Exception as err:  # noqa: BLE001 - a value validation let through: never a raw error
            raise EngineError(f"erreur interne du moteur de règles : réponses non encodables ({err})") from err
        sid = uuid.uuid4().hex
        fact["sid"] = sid
        with self._lock:
            if self._forked:
                self._host, self._forked = self._new_host(), False
            self._traces[sid] = []
            failed = True
            try:
                self._host.assert_fact(RULESET, fact)  # always handled, thanks to the sink rule
                if sid in self._interrupted:
                    raise KeyboardInterrupt
                state = self._host.get_state(RULESET, sid)
                errors = self._errors.pop(sid, [])
                if state.get("exception"):
                    errors.append(str(state["exception"]))
                if errors:
                    raise EngineError("erreur interne du moteur de règles : " + "; ".join(errors))
                fired = set(self._traces[sid])
                failed = False
                return fired
            except EngineError:
                raise
            except Exception as err:
                raise EngineError(f"erreur interne du moteur de règles : {err}") from err
            finally:
                self._traces.pop(sid, None)
                self._errors.pop(sid, None)
                self._interrupted.discard(sid)
                self._close(sid, failed)

    def _close(self, sid: str, failed: bool) -> None:
        """Delete a consultation's session. When the consultation already failed, a failure here is
        expected (the session may never have been created: error 309) and must not hide the real error."""
        try:
            self._host.delete_state(RULESET, sid)
        except Exception as err:  # noqa: BLE001 - durable raises bare errors
            if not failed:
                raise EngineError(f"erreur interne du moteur de règles (fin de consultation) : {err}") from err

    def is_open(self, sid: str) -> bool:
        """Whether the engine still holds a session (used by tests to prove sessions are deleted)."""
        try:
            self._host.get_state(RULESET, sid)
        except Exception:  # noqa: BLE001 - durable raises a bare error 309 for unknown sessions
            return False
        return True


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
