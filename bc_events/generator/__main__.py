"""``python -m bc_events.generator``: the same as ``bc-events-gen``."""

from bc_events.generator.cli import main

main()
