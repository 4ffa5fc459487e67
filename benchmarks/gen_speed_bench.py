"""bc-events-gen's speed where users feel it, side by side with the pipeline of another checkout.

    .venv/bin/pip install -e '.[generator,dev,bench]'
    .venv/bin/python benchmarks/gen_speed_bench.py [--baseline /work/main] [--runs 5] [--no-dcg]

Every figure is whole processes, several runs (min and median): a 5-topic file cold
(``--no-cache``), ``--check`` on it with nothing changed (warm cache), the GitHub
webhooks corpus cold without a cache and with one topic edited on a warm cache,
``import bc_events`` (``-X importtime``), and ``mypy --strict`` / ``pyright`` on the
corpus module with and without its embedded topic definitions.  The baseline is
another checkout (``--baseline``, run with its own ``.venv``: today's pipeline when it
is main); datamodel-codegen gets the corpus once, as in ``corpus_bench.py``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus_bench import DATAMODEL_CODEGEN_OPTIONS, find_corpus, write_schema_files
from measure import run

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EXAMPLE = ROOT / "generated_example" / "topics.yaml"


def timed(
    runs: int, command: Callable[[int], list[str | Path]], before: Callable[[int], None] | None = None
) -> list[Timing]:
    """Wall and CPU seconds of ``runs`` runs of ``command(index)`` (``before(index)`` runs untimed first)."""
    seconds = []
    for index in range(runs):
        if before is not None:
            before(index)
        result = run(*command(index)).check()
        seconds.append(Timing(result.seconds, result.cpu_seconds))
    return seconds


def import_ms(python: Path, runs: int, cwd: Path) -> list[float]:
    """Milliseconds ``import bc_events`` takes, by ``-X importtime`` (cumulative, the package's own line)."""
    figures = []
    for _ in range(runs):
        result = run(python, "-X", "importtime", "-c", "import bc_events", cwd=cwd).check()
        line = [line for line in result.stderr.splitlines() if line.rstrip().endswith("| bc_events")][-1]
        figures.append(int(line.split("|")[1]) / 1000)
    return figures


def import_cpu_ms(python: Path, runs: int, cwd: Path) -> list[float]:
    """CPU milliseconds ``import bc_events`` adds to ``python -c pass`` (pairs of runs, back to back)."""
    figures = []
    for _ in range(runs):
        bare = run(python, "-c", "pass", cwd=cwd).check().cpu_seconds
        loaded = run(python, "-c", "import bc_events", cwd=cwd).check().cpu_seconds
        figures.append((loaded - bare) * 1000)
    return figures


def strip_definitions(module: Path, target: Path) -> None:
    """The module with no embedded definitions (an empty set): what the type checkers' cost is compared to."""
    text = module.read_text(encoding="utf-8")
    start = text.index("if TYPE_CHECKING:\n    _TOPIC_DEFINITIONS")
    end = text.index("\n    )\n", start) + len("\n    )\n")
    target.parent.mkdir(parents=True, exist_ok=True)
    empty = '_TOPIC_DEFINITIONS = bc_events.TopicDefinitions.from_json("{}")\n'
    target.write_text(text[:start] + empty + text[end:], encoding="utf-8")


def checker_seconds(module: Path, runs: int) -> dict[str, list[Timing]]:
    """mypy --strict (no cache) and pyright wall seconds on ``module`` alone."""
    folder = module.parent
    return {
        "mypy": timed(
            runs,
            lambda _: [
                BIN / "mypy",
                "--strict",
                "--no-incremental",
                "--cache-dir",
                os.devnull,
                folder / module.name,
            ],
        ),
        "pyright": timed(
            runs, lambda _: [BIN / "pyright", "--pythonpath", BIN / "python", folder / module.name]
        ),
    }


def edit_topic(source: Path, target: Path, index: int) -> None:
    """``source`` with one topic's description changed (differently each run: no recorded module matches)."""
    text = source.read_text(encoding="utf-8")
    marker = "Description: "
    at = text.index(marker) + len(marker)
    target.write_text(text[:at] + f"Edited {index}. " + text[at:], encoding="utf-8")


class _Rows(list[tuple[str, str, str, str]]):
    """The table's rows, each also printed as soon as it is measured (a later failure loses none)."""

    def append(self, row: tuple[str, str, str, str]) -> None:
        print("  " + " | ".join(row), flush=True)
        super().append(row)


@dataclass(frozen=True)
class Timing:
    """One whole-process run: wall seconds, and CPU seconds (steadier on a busy machine)."""

    wall: float
    cpu: float


def median_cpu(timings: list[Timing]) -> float:
    return statistics.median(timing.cpu for timing in timings)


def cell(timings: list[Timing]) -> str:
    """``min / median`` of the wall times, and of the CPU times in brackets."""
    wall, cpu = [timing.wall for timing in timings], [timing.cpu for timing in timings]
    return (
        f"{min(wall):.2f} / {statistics.median(wall):.2f} s "
        f"(CPU {min(cpu):.2f} / {statistics.median(cpu):.2f} s)"
    )


def cell_ms(figures: list[float]) -> str:
    return f"{min(figures):.0f} / {statistics.median(figures):.0f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, default=ROOT.parent / "main")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-dcg", action="store_true", help="skip datamodel-codegen (about a minute)")
    args = parser.parse_args(argv)
    corpus = find_corpus()
    now_gen: list[str | Path] = [BIN / "python", "-m", "bc_events.generator"]
    old_python = args.baseline / ".venv" / "bin" / "python"
    old_gen: list[str | Path] = [old_python, "-m", "bc_events.generator"]
    runs, few = args.runs, max(3, args.runs // 2)
    with tempfile.TemporaryDirectory(prefix="gen-speed-") as scratch:
        work = Path(scratch)
        os.environ["BC_EVENTS_CACHE_DIR"] = str(work / "cache")
        os.chdir(work)  # neither checkout's package is importable from the working directory
        rows = _Rows()
        out = work / "events_gen.py"
        print("5-topic file ...", flush=True)
        rows.append(
            (
                "5-topic file, whole process, cold (no cache)",
                cell(timed(runs, lambda _: [*old_gen, EXAMPLE, "-o", out])),
                cell(timed(runs, lambda _: [*now_gen, EXAMPLE, "-o", out, "--no-cache"])),
                "<= 0.25 s",
            )
        )
        old_out = work / "old_events_gen.py"
        run(*old_gen, EXAMPLE, "-o", old_out).check()  # each pipeline checks its own output
        run(*now_gen, EXAMPLE, "-o", out).check()  # warms the cache
        rows.append(
            (
                "`--check`, 5-topic file, unchanged",
                cell(timed(runs, lambda _: [*old_gen, EXAMPLE, "-o", old_out, "--check"])),
                cell(timed(runs, lambda _: [*now_gen, EXAMPLE, "-o", out, "--check"])),
                "<= 0.15 s",
            )
        )
        print("corpus ...", flush=True)
        big = work / "corpus_gen.py"
        old_cold = timed(few, lambda _: [*old_gen, corpus, "-o", big])
        now_cold = timed(few, lambda _: [*now_gen, corpus, "-o", big, "--no-cache"])
        rows.append(("224-topic corpus, cold, no cache", cell(old_cold), cell(now_cold), "<= 1.5 s"))
        run(*now_gen, corpus, "-o", big).check()  # warms the cache
        edited = work / "edited.yaml"
        rows.append(
            (
                "corpus, one topic edited, warm cache",
                "same as cold",
                cell(
                    timed(
                        few,
                        lambda _: [*now_gen, edited, "-o", big],
                        lambda index: edit_topic(corpus, edited, index),
                    )
                ),
                "<= 0.3 s",
            )
        )
        rows.append(
            (
                "`import bc_events` (-X importtime)",
                cell_ms(import_ms(old_python, runs, work)),
                cell_ms(import_ms(BIN / "python", runs, work)),
                "<= 60 ms",
            )
        )
        rows.append(
            (
                "`import bc_events`, CPU added to `python -c pass`",
                cell_ms(import_cpu_ms(old_python, runs, work)),
                cell_ms(import_cpu_ms(BIN / "python", runs, work)),
                "<= 60 ms",
            )
        )
        dcg = "-"
        if not args.no_dcg and (BIN / "datamodel-codegen").exists():
            print("datamodel-codegen ...", flush=True)
            write_schema_files(corpus, work / "schemas")
            result = run(
                BIN / "datamodel-codegen",
                "--input",
                work / "schemas",
                "--output",
                work / "dcg",
                *DATAMODEL_CODEGEN_OPTIONS,
            ).check()
            fastest = min(timing.wall for timing in now_cold)
            dcg = (
                f"{result.seconds:.1f} s wall, {result.cpu_seconds:.1f} s CPU "
                f"({result.seconds / fastest:.0f}x the fastest cold corpus run here)"
            )
        print("type checkers ...", flush=True)
        run(*now_gen, corpus, "-o", big).check()
        full, bare = work / "full" / "events_gen.py", work / "bare" / "events_gen.py"
        full.parent.mkdir()
        full.write_bytes(big.read_bytes())
        strip_definitions(big, bare)
        with_defs, without = checker_seconds(full, few), checker_seconds(bare, few)
        for checker in ("mypy", "pyright"):
            extra = median_cpu(with_defs[checker]) / median_cpu(without[checker]) - 1
            rows.append(
                (
                    f"{checker} on the corpus module: with / without embedded definitions",
                    "",
                    f"{cell(with_defs[checker])} vs {cell(without[checker])} ({extra:+.0%} CPU)",
                    "<= +5 %",
                )
            )
    print(f"\ndatamodel-codegen on the corpus: {dcg}\n")
    print("| figure | baseline (min / median) | this tree (min / median) | target |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
