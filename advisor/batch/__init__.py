"""Floor 3 — many structures in, one result row out each (``run.batch_to_file``).

May import ``advisor.errors``, ``advisor.files``, ``advisor.knowledge``, ``advisor.wording`` and
``advisor.reasoning``.
"""
