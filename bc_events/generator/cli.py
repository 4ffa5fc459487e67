"""``bc-events-gen``: the command line.

Exit codes: 0 done (or ``--check``: up to date), 1 ``--check`` found the output
stale or missing, 2 bad input or usage (one ``file:line: topic X: problem``
line per problem, never a traceback).  A failed run leaves the output untouched.
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass

import click

from bc_events import __version__
from bc_events.errors import TopicDefinitionError
from bc_events.generator.cache import Cache, cache_directory
from bc_events.generator.naming import ClassOptionError, class_name_problem
from bc_events.generator.output import OutputError, read_existing, writable_target, write_atomically
from bc_events.generator.staleness import diff, line_endings_only, summary


def _class_name(ctx: click.Context, param: click.Parameter, value: str) -> str:
    problem = class_name_problem(value)
    if problem is not None:
        raise click.BadParameter(problem)
    return value


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("topics")
@click.option("-o", "--output", default="-", show_default=True, help="File to write; '-' prints to stdout.")
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 with a diff if OUTPUT is stale or missing."
)
@click.option(
    "--strict", is_flag=True, help="Treat warnings (types wider than the schema, dropped values) as errors."
)
@click.option(
    "--client-class",
    default="EventClient",
    show_default=True,
    callback=_class_name,
    help="Name of the generated client class.",
)
@click.option(
    "--session-class",
    default="EventSession",
    show_default=True,
    callback=_class_name,
    help="Name of the generated session class.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Neither read nor write the cache (~/.cache/bc-events; $BC_EVENTS_CACHE_DIR moves it).",
)
@click.version_option(__version__, "-V", "--version", prog_name="bc-events-gen")
def main(
    topics: str, output: str, check: bool, strict: bool, client_class: str, session_class: str, no_cache: bool
) -> None:
    """Generate a typed Python module from the topic definitions in TOPICS (YAML; '-' reads stdin).

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
        target = None if check or output == "-" else writable_target(output, _input_file(topics))
        run = _Run(topics, client_class, session_class, strict, _cache(no_cache))
        if output != "-" and run.output_is_current(output):
            sys.exit(0)  # what this input generates is already there, byte for byte: nothing to do
        text = run.generate()
        if check:
            sys.exit(_check(output, text))
        if target is None:
            _print(text)
        else:
            write_atomically(output, target, text)
    except ClassOptionError as error:
        raise click.BadParameter(error.problem, param_hint=f"'{error.option}'") from None
    except (TopicDefinitionError, OutputError) as error:
        click.echo(f"bc-events-gen: {error}", err=True)
        sys.exit(2)


def _print(text: str) -> None:
    try:
        click.echo(text, nl=False)
        sys.stdout.flush()
    except OSError as error:
        # Later flushes (at exit) must not fail again on the same broken stream.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise OutputError(f"<stdout>: cannot write: {error.strerror}") from None


def _input_file(topics: str) -> str | None:
    return None if topics == "-" else topics


def _cache(disabled: bool) -> Cache | None:
    if disabled:
        return None
    return Cache(cache_directory(), lambda message: click.echo(message, err=True), __version__)


@dataclass
class _Run:
    """One generation: the input, the options, and the cache that may already know the answer."""

    topics: str
    client_class: str
    session_class: str
    strict: bool
    cache: Cache | None

    def _key(self) -> str | None:
        """The cache key of this input and these options (``None``: stdin, no cache, or unreadable)."""
        if self.cache is None or self.topics == "-":
            return None
        try:
            with open(self.topics, "rb") as stream:
                data = stream.read()
        except OSError:
            return None  # generating reports it, with the usual message
        name = os.path.basename(self.topics)
        flags = f"{self.client_class}\0{self.session_class}\0{self.strict}"
        return self.cache.key("module", name, flags, hashlib.sha256(data).hexdigest())

    def output_is_current(self, output: str) -> bool:
        """Is ``output`` byte-identical to what an earlier run recorded for this very input?

        Then the warnings that run printed are printed again and nothing else is done:
        neither the topics nor black nor Jinja2 are loaded.
        """
        key = self._key()
        recorded = None if key is None or self.cache is None else self.cache.recorded_module(key)
        if recorded is None:
            return False
        current = read_existing(output)
        if current is None or hashlib.sha256(current.encode()).hexdigest() != recorded[0]:
            return False
        for warning in recorded[1]:
            click.echo(warning, err=True)
        return True

    def generate(self) -> str:
        """The module (warnings printed as they are found), recorded in the cache."""
        from bc_events.generator.layout import format_piece
        from bc_events.generator.pipeline import Options, generate

        options = Options(client_class=self.client_class, session_class=self.session_class)
        source, text = (self.topics, None) if self.topics != "-" else ("<stdin>", _read_stdin())
        formatter = format_piece if self.cache is None else self.cache.formatter(format_piece)
        warnings: list[str] = []
        before = self._key()

        def warn(message: str) -> None:
            warnings.append(message)
            click.echo(message, err=True)

        try:
            module = generate(source, options, warn, text=text, strict=self.strict, formatter=formatter)
        except RecursionError:
            raise TopicDefinitionError(
                "the schemas nest too deeply for bc-events-gen; flatten them with definitions and $ref",
                source=source,
            ) from None
        # Recorded only if the file did not change while it was read (the key hashes it again).
        if before is not None and self.cache is not None and self._key() == before:
            self.cache.record_module(before, module, warnings)
        return module


def _read_stdin() -> str:
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TopicDefinitionError(f"not UTF-8 text: {error.reason}", source="<stdin>") from None


def _check(path: str, text: str) -> int:
    current = read_existing(path)
    if current is None:
        click.echo(f"bc-events-gen: {path} is missing; run without --check to create it", err=True)
        return 1
    if current == text:
        return 0
    if line_endings_only(current, text):
        click.echo(
            f"bc-events-gen: {path} is stale: line endings differ (CRLF vs LF), the content is up to date; "
            "check it out with LF endings (in .gitattributes: 'events_gen.py text eol=lf') or regenerate it",
            err=True,
        )
        return 1
    click.echo(f"{path} differs from what bc-events-gen generates:")
    for line in summary(current, text):
        click.echo(f"  {line}")
    click.echo("".join(diff(path, current, text)), nl=False)
    click.echo(f"bc-events-gen: {path} is stale; run without --check to regenerate it", err=True)
    return 1
