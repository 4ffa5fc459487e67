"""What ``bc-events-compat`` prints: findings, their way forward, acknowledgements, the summary.

Each breaking finding is followed by what the user can do about it: the change
that makes it compatible (``Phrase.fix``, from ``wording``), the mode in which
it is not a break, and acknowledging it (``ack``) to ship it on purpose.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bc_events.compat.ack import Acknowledgement, template
from bc_events.compat.compare import Finding
from bc_events.compat.wording import BACKWARD

_FIXES = {
    "topic removed": "keep the topic while publishers still send it",
}
"""Fixes of the findings ``compare`` words itself (the others carry theirs, see ``wording.Phrase``)."""


@dataclass
class Verdict:
    """Findings split into those that count, those acknowledged, and acknowledgements matching nothing."""

    findings: list[Finding] = field(default_factory=list)
    homes: list[str] = field(default_factory=list)
    """The acknowledgement file of each finding in ``findings``, where it would be acknowledged."""
    acknowledged: list[tuple[Finding, Acknowledgement]] = field(default_factory=list)
    stale: list[Acknowledgement] = field(default_factory=list)

    def add(
        self, findings: Iterable[Finding], acknowledgements: Sequence[Acknowledgement], home: str
    ) -> set[int]:
        """Sort ``findings`` by ``acknowledgements`` (read from ``home``); the indexes of those used."""
        used: set[int] = set()
        for finding in findings:
            index = next((i for i, a in enumerate(acknowledgements) if a.matches(finding)), None)
            if index is None:
                self.findings.append(finding)
                self.homes.append(home)
            else:
                used.add(index)
                self.acknowledged.append((finding, acknowledgements[index]))
        return used

    def breaking(self, allow_undecided: bool) -> list[Finding]:
        """The findings that fail the run."""
        return [f for f in self.findings if not allow_undecided or f.undecided is None]


def fix_of(finding: Finding) -> str:
    """How to make the change of ``finding`` compatible."""
    fix = getattr(finding.change, "fix", None)
    if isinstance(fix, str):
        return fix
    if finding.change in _FIXES:
        return _FIXES[finding.change]
    if finding.breaks == BACKWARD:
        return "accept again what OLD accepted while publishers still send it"
    return "publish only what OLD accepts until the consumers are updated"


def way_forward(finding: Finding) -> str:
    """The fix, the mode in which this is no break, and acknowledging it: one line."""
    ways = [fix_of(finding)]
    if finding.undecided:
        ways.append("or --allow-undecided")
    elif finding.breaks == BACKWARD:
        ways.append("or --mode forward (protects consumers only)")
    else:
        ways.append("or --mode backward (protects publishers only)")
    ways.append("or acknowledge it")
    return "; ".join(ways)


def text(verdict: Verdict, mode: str) -> list[str]:
    """The lines of the text report (stdout)."""
    lines: list[str] = []
    for finding in verdict.findings:
        lines += [str(finding), f"  way forward: {way_forward(finding)}"]
    for finding, acknowledgement in verdict.acknowledged:
        lines.append(f"{finding} [acknowledged: {acknowledgement.reason}]")
    lines.append(summary(verdict, mode))
    for home in dict.fromkeys(verdict.homes):
        findings = [f for f, h in zip(verdict.findings, verdict.homes, strict=True) if h == home]
        lines.append(
            f"to ship a break on purpose, add it under 'Acknowledged:' in {home} with its Reason "
            "(README: 'Shipping a breaking change'):"
        )
        lines += ["  " + line for line in template(findings).splitlines()]
    return lines


def as_json(verdict: Verdict) -> str:
    """The ``--format json`` report: every finding, with its fix and acknowledgement (or null)."""
    entries = [{**f.as_json(), "fix": fix_of(f), "acknowledged": None} for f in verdict.findings]
    entries += [{**f.as_json(), "fix": fix_of(f), "acknowledged": a.reason} for f, a in verdict.acknowledged]
    return json.dumps(entries, indent=2)


def stale(verdict: Verdict, program: str) -> list[str]:
    """Warnings (stderr) for the acknowledgements that matched no finding."""
    return [
        f"{program}: {a}: warning: acknowledgement matches no finding (stale: the change is at the "
        "revision compared with, or was undone); remove it"
        for a in verdict.stale
    ]


def summary(verdict: Verdict, mode: str) -> str:
    """One line: how many findings of which kind, in how many topics, and how many were acknowledged."""
    findings = verdict.findings
    acknowledged = f"; {len(verdict.acknowledged)} acknowledged" if verdict.acknowledged else ""
    if not findings:
        return f"compatible ({mode}){acknowledged}"
    topics = len({f.topic for f in findings})
    by_direction = Counter(f.breaks for f in findings)
    undecided = sum(1 for f in findings if f.undecided)
    parts = [f"{count} break {direction}" for direction, count in sorted(by_direction.items())]
    if undecided:
        parts.append(f"{undecided} cannot be proven compatible")
    noun = "topic" if topics == 1 else "topics"
    return f"{len(findings)} finding(s) in {topics} {noun}: {', '.join(parts)} ({mode}){acknowledged}"
