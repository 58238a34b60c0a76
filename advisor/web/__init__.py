"""Floor 4 — the web face (``advisor serve``): the site and the HTTP API, thin Starlette adapters.

The pages drive the interview state machine (``advisor.interview``) and lay results out with the
project's Jinja environment (``advisor.outputs``); the API calls the ``Advisor`` (``advisor.reasoning``).
Nothing about a person is kept on the server: the interview travels with each page (``state.py``).
May import every lower floor; only the command line above it imports it (``advisor.cli.serve_cmd``).
Starlette, uvicorn and python-multipart come with the ``web`` extra: only ``advisor serve`` and the
tests import this floor.
"""
