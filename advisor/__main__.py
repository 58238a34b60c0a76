"""Run the advisor CLI with ``python -m advisor``."""

from .cli import main

main(prog_name="advisor")
