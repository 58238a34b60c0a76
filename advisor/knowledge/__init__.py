"""Floor 1 — the knowledge base: ``rules/`` and ``sheets/`` read, validated and indexed.

Knows nothing of answers, verdicts or outputs. May import only ``advisor.errors``.
"""
