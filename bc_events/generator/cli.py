"""``bc-events-gen``: the command line.

Exit codes: 0 done (or ``--check``: up to date), 1 ``--check`` found the output
stale or missing, 2 bad input or usage (one ``file:line: topic X: problem``
line, never a traceback).
"""

from __future__ import annotations

import difflib
import os
import sys
import tempfile

import click

from bc_events import __version__
from bc_events.errors import TopicDefinitionError
from bc_events.generator import Options, generate

_DIFF_LINES = 40


def _identifier(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not (value.isascii() and value.isidentifier()) or value.startswith("_"):
        raise click.BadParameter(f"{value!r} is not a public Python identifier")
    return value


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("topics", type=click.Path(dir_okay=False))
@click.option("-o", "--output", default="-", show_default=True, help="File to write; '-' prints to stdout.")
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 with a diff if OUTPUT is stale or missing."
)
@click.option(
    "--client-class",
    default="EventClient",
    show_default=True,
    callback=_identifier,
    help="Name of the generated client class.",
)
@click.option(
    "--session-class",
    default="EventSession",
    show_default=True,
    callback=_identifier,
    help="Name of the generated session class.",
)
@click.version_option(__version__, "-V", "--version", prog_name="bc-events-gen")
def main(topics: str, output: str, check: bool, client_class: str, session_class: str) -> None:
    """Generate a typed Python module from the topic definitions in TOPICS (YAML).

    \b
      bc-events-gen topics.yaml -o events_gen.py          write (atomically)
      bc-events-gen topics.yaml                           print to stdout
      bc-events-gen topics.yaml -o events_gen.py --check  exit 1 if stale
    """
    if client_class == session_class:
        raise click.UsageError("--client-class and --session-class must differ")
    if check and output == "-":
        raise click.UsageError("--check needs -o FILE to compare with")
    try:
        text = generate(topics, Options(client_class=client_class, session_class=session_class))
    except TopicDefinitionError as error:
        click.echo(f"bc-events-gen: {error}", err=True)
        sys.exit(2)
    if check:
        sys.exit(_check(output, text))
    if output == "-":
        click.echo(text, nl=False)
    else:
        _write_atomically(output, text)


def _check(path: str, text: str) -> int:
    try:
        with open(path, encoding="utf-8", newline="") as stream:
            current = stream.read()
    except FileNotFoundError:
        click.echo(f"bc-events-gen: {path} is missing; run without --check to create it", err=True)
        return 1
    if current == text:
        return 0
    diff = list(
        difflib.unified_diff(current.splitlines(True), text.splitlines(True), path, f"{path} (expected)", n=1)
    )
    click.echo("".join(diff[:_DIFF_LINES]), nl=False)
    if len(diff) > _DIFF_LINES:
        click.echo(f"... ({len(diff) - _DIFF_LINES} more diff lines)")
    click.echo(f"bc-events-gen: {path} is stale; run without --check to regenerate it", err=True)
    return 1


def _write_atomically(path: str, text: str) -> None:
    """Write beside ``path`` then rename over it: readers see the old file or the new one, never half."""
    directory = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(prefix=".bc-events-gen-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        mode = os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o666 & ~_umask()
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
