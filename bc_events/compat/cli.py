"""``bc-events-compat``: the command line.

Exit codes: 0 compatible in the mode asked (acknowledged breaks included), 1
breaking (or, without ``--allow-undecided``, not provably compatible), 2 bad
input or usage (one ``file:line: topic X: problem`` line, never a traceback).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys

import click

from bc_events import __version__
from bc_events.compat import ack, report
from bc_events.compat.compare import MODES, Finding, compare
from bc_events.errors import TopicDefinitionError
from bc_events.topics import TopicDefinitions, load_topic_definitions
from bc_events.validation import PayloadValidator

_PROG = "bc-events-compat"


class _BadInput(Exception):
    """A problem with the input that ends the run with exit code 2."""


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--against", metavar="REV", help="Compare each FILE with its version at git revision REV.")
@click.option("--mode", type=click.Choice(sorted(MODES)), default="full", show_default=True)
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--allow-undecided", is_flag=True, help="Do not count what cannot be proven compatible as breaking."
)
@click.option(
    "--ack",
    "ack_file",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Breaking changes shipped on purpose (default: NEW's name with .compat-ack.yaml, if it exists).",
)
@click.version_option(__version__, "-V", "--version", prog_name=_PROG)
def main(
    files: tuple[str, ...],
    against: str | None,
    mode: str,
    output_format: str,
    allow_undecided: bool,
    ack_file: str | None,
) -> None:
    """Check that NEW topic definitions are compatible with OLD ones.

    \b
      bc-events-compat OLD.yaml NEW.yaml [--mode backward|forward|full]
      bc-events-compat --against REV topics.yaml ...     OLD is `git show REV:topics.yaml`

    backward: every payload valid under OLD is valid under NEW (old publishers keep working);
    forward: every payload valid under NEW is valid under OLD (old consumers accept new events);
    full: both.

    Each breaking finding says how to go forward: the compatible change, the
    mode in which it is no break, or acknowledging it in the acknowledgement
    file (entries with Topic, Path and Reason) to ship it on purpose.
    """
    if against is None and len(files) != 2:
        raise click.UsageError("give OLD.yaml and NEW.yaml, or --against REV and the topic file(s)")
    try:
        pairs: list[tuple[TopicDefinitions | None, str]] = (
            [_against(against, path) for path in files] if against else [(_load(files[0]), files[1])]
        )
        verdict = _judge(pairs, mode, ack_file)
    except (TopicDefinitionError, _BadInput, ack.AckError) as error:
        click.echo(f"{_PROG}: {error}", err=True)
        sys.exit(2)
    except RecursionError:  # exit 1 would read as "breaking"
        click.echo(
            f"{_PROG}: the schemas nest too deeply to compare; flatten them with definitions and $ref",
            err=True,
        )
        sys.exit(2)
    for warning in report.stale(verdict, _PROG):
        click.echo(warning, err=True)
    if output_format == "json":
        click.echo(report.as_json(verdict))
    else:
        click.echo("\n".join(report.text(verdict, mode)))
    sys.exit(1 if verdict.breaking(allow_undecided) else 0)


def _judge(
    pairs: list[tuple[TopicDefinitions | None, str]], mode: str, ack_file: str | None
) -> report.Verdict:
    """Compare each pair and sort the findings by the acknowledgement file(s)."""
    verdict = report.Verdict()
    files: dict[str, list[ack.Acknowledgement]] = {}
    used: dict[str, set[int]] = {}
    for old, new_path in pairs:
        new = _load(new_path)  # checked even when there is nothing to compare it with
        findings: list[Finding] = compare(old, new, mode) if old is not None else []
        path = ack_file or ack.beside(new_path)
        if path not in files:
            files[path], used[path] = ack.load(path, required=path == ack_file), set()
        used[path] |= verdict.add(findings, files[path], path)
    verdict.stale = [
        a for path, entries in files.items() for i, a in enumerate(entries) if i not in used[path]
    ]
    return verdict


def _load(source: str | io.StringIO) -> TopicDefinitions:
    definitions = load_topic_definitions(source)
    for topic in definitions.topics:
        PayloadValidator(topic, definitions.source)  # an invalid JSON Schema is bad input
    return definitions


def _against(revision: str, path: str) -> tuple[TopicDefinitions | None, str]:
    """OLD from git (None if the file is new at REV), and the path of NEW."""
    directory = os.path.dirname(os.path.abspath(path))
    _git(directory, "rev-parse", "--is-inside-work-tree", problem="not a git repository")
    try:
        _git(directory, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", problem="")
    except _BadInput:
        if revision == "HEAD" and _unborn(directory):
            return None, path  # the first commit: there is nothing to be compatible with yet
        raise _BadInput(f"unknown revision {revision!r}") from None
    name = os.path.basename(path)
    try:
        text = _git(directory, "show", f"{revision}:./{name}", problem="")
    except _BadInput:
        return None, path  # not in REV: a new file, all of whose topics are additions
    stream = io.StringIO(text)
    stream.name = f"{revision}:{path}"
    return _load(stream), path


def _unborn(directory: str) -> bool:
    """Whether HEAD names a branch that has no commit yet (a new repository)."""
    try:
        _git(directory, "symbolic-ref", "--quiet", "HEAD", problem="")
    except _BadInput:
        return False
    return True


def _git(directory: str, *args: str, problem: str) -> str:
    try:
        result = subprocess.run(
            ["git", *args], cwd=directory, capture_output=True, text=True, check=False, timeout=60
        )
    except OSError as error:
        raise _BadInput(f"cannot run git: {error.strerror}") from None
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()
        raise _BadInput(f"{problem}: {detail[-1]}" if detail and problem else problem or "git failed")
    return result.stdout
