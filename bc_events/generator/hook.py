"""``python -m bc_events.generator.hook ARGS``: the ``bc-events-gen`` pre-commit hook.

It runs ``bc-events-gen ARGS`` and then insists that the generated module is
tracked by git.  pre-commit stops a commit only when a hook fails or modifies a
tracked file; a module the hook has just created is neither, so without this
check the first commit with the hook would pass and leave it untracked.

Exit codes: those of ``bc-events-gen``; 1 also when the module is not tracked.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence

_PROG = "bc-events-gen"


def main(argv: Sequence[str] | None = None) -> int:
    """Generate as ``bc-events-gen`` would, then check that ``-o FILE`` is tracked by git."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    output = output_of(arguments)
    existed = output is not None and os.path.exists(output)
    status = _generate(arguments)
    if status != 0 or output is None or output == "-" or "--check" in arguments:
        return status
    return _tracked(output, created=not existed)


def output_of(arguments: Sequence[str]) -> str | None:
    """The value of ``-o``/``--output`` in ``bc-events-gen`` arguments (the last one wins, as in click)."""
    output = None
    for index, argument in enumerate(arguments):
        if argument in ("-o", "--output") and index + 1 < len(arguments):
            output = arguments[index + 1]
        elif argument.startswith("--output="):
            output = argument.partition("=")[2]
        elif argument.startswith("-o") and not argument.startswith("--") and len(argument) > 2:
            output = argument[2:]
    return output


def _generate(arguments: list[str]) -> int:
    from bc_events.generator.cli import main as generator

    try:
        generator.main(args=arguments, prog_name=_PROG)
    except SystemExit as exit_:
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


def _tracked(output: str, created: bool) -> int:
    try:
        result = subprocess.run(
            ["git", "ls-files", "--error-unmatch", "--", output],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            env={**os.environ, "LC_ALL": "C"},  # git's messages in English, as read below
        )
    except OSError as error:
        print(
            f"{_PROG}: cannot run git to see whether {output} is tracked: {error.strerror}", file=sys.stderr
        )
        return 1
    if result.returncode == 0:
        return 0
    if "did not match any file" not in result.stderr:  # not a repository, or git itself failed
        detail = (result.stderr.strip().splitlines() or ["git failed"])[-1]
        print(f"{_PROG}: cannot see whether git tracks {output}: {detail}", file=sys.stderr)
        return 1
    what = "created" if created else "wrote"
    print(
        f"{_PROG}: {what} {output}, which git does not track: `git add {output}` and commit it "
        "with the topics",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
