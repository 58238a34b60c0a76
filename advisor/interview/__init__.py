"""Floor 3 — one person's questionnaire as a state machine, with no I/O.

May import ``advisor.errors``, ``advisor.knowledge``, ``advisor.wording`` and ``advisor.reasoning``.
"""
