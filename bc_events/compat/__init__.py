"""``bc-events-compat``: is a changed topic file compatible with the one deployed?

Schemas are compared by meaning, not text (see ``bc_events.compat.schema``);
``compare`` gives the findings for two ``TopicDefinitions`` in a mode
(``backward``, ``forward`` or ``full``).  Needs only the runtime's
dependencies; the command line (``bc_events.compat.cli``) needs click, from the
generator extra.
"""

from __future__ import annotations

from bc_events.compat.compare import MODES, Finding, compare

__all__ = ["MODES", "Finding", "compare"]
