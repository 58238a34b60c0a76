"""Floor 3 — a finished ``Recommendation`` (and the knowledge base, for labels) → words and files.

Renderers lay out; they never advise again and never import the engine. May import
``advisor.errors``, ``advisor.knowledge``, ``advisor.wording``, ``advisor.files`` and the result
types of ``advisor.reasoning``.
"""
