"""Floor 2 — reasoning: raw answers → a ranked, explained ``Recommendation``.

No files, no printing. May import ``advisor.errors``, ``advisor.knowledge`` and ``advisor.wording``.
"""
