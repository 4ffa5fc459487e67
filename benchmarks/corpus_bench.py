"""bc-events-gen vs datamodel-code-generator on the GitHub webhooks corpus, plus scaling.

    .venv/bin/pip install -e '.[generator,dev,bench]'
    .venv/bin/python benchmarks/corpus_bench.py [--corpus PATH] [--work-dir DIR]

One run prints, side by side on the full corpus (``github-webhooks.yaml``):
generation wall time and peak memory of each tool's own processes (the total
PSS of its process tree, worker processes included, and the largest single
process's max RSS: see ``measure.py``), lines of generated code, and
``mypy --strict`` wall time and error count on each output.
datamodel-codegen gets the same schemas, one JSON file per topic schema, in one
directory.  Then generation time of bc-events-gen for synthetic topic files of
100, 1,000 and 5,000 topics (``synthetic_topics.py``).  Output ends with
markdown tables ready for the README and the targets of issue 4.

The corpus is found at ``$BC_EVENTS_CORPUS`` (the folder holding
``github-webhooks/``, or that folder itself) or at ``../shared/corpus``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import Run, run
from synthetic_topics import dump, make_topics

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SCALING_SIZES = (100, 1_000, 5_000)
DATAMODEL_CODEGEN_OPTIONS = ("--input-file-type", "jsonschema", "--output-model-type", "typing.TypedDict")
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def find_corpus() -> Path:
    override = os.environ.get("BC_EVENTS_CORPUS")
    bases = [Path(override)] if override else [ROOT.parent / "shared" / "corpus"]
    for base in bases:
        for folder in (base / "github-webhooks", base):
            if (folder / "github-webhooks.yaml").is_file():
                return folder / "github-webhooks.yaml"
    raise SystemExit(f"corpus not found under {bases[0]}; set BC_EVENTS_CORPUS or pass --corpus")


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def write_schema_files(corpus: Path, folder: Path) -> int:
    """One JSON file per topic schema, ``<entity>_<action>.json``, as datamodel-codegen takes them."""
    folder.mkdir(parents=True)
    with corpus.open(encoding="utf-8") as stream:
        document = yaml.load(stream, Loader=_Loader)
    for topic in document["Topics"]:
        path = folder / f"{snake(topic['Entity'])}_{snake(topic['Action'])}.json"
        path.write_text(json.dumps(topic["Schema"], indent=2), encoding="utf-8")
    return len(document["Topics"])


def python_files(path: Path) -> list[Path]:
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


def python_lines(path: Path) -> int:
    return sum(len(file.read_text(encoding="utf-8").splitlines()) for file in python_files(path))


def python_megabytes(path: Path) -> float:
    return sum(file.stat().st_size for file in python_files(path)) / 2**20


def mypy(target: Path, cache: Path) -> tuple[Run, int]:
    """``mypy --strict`` on a file or package folder: the run and its error count."""
    result = run(
        BIN / "mypy", "--strict", "--cache-dir", cache, "--no-color-output", target.name, cwd=target.parent
    )
    if result.returncode not in (0, 1):
        raise SystemExit(f"mypy crashed on {target}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return result, sum(1 for line in result.stdout.splitlines() if ": error:" in line)


@dataclass(frozen=True)
class ToolResult:
    generation: Run
    lines: int
    megabytes: float
    mypy: Run
    mypy_errors: int


def bench_bc_events_gen(corpus: Path, work: Path) -> ToolResult:
    output = work / "bc_events_gen" / "github_events.py"
    output.parent.mkdir()
    generation = run(BIN / "bc-events-gen", corpus, "-o", output).check()
    checked, errors = mypy(output, work / "mypy-cache-bc")
    return ToolResult(generation, python_lines(output), python_megabytes(output), checked, errors)


def bench_datamodel_codegen(schemas: Path, work: Path) -> ToolResult:
    output = work / "datamodel_codegen" / "github_events"
    output.parent.mkdir()
    generation = run(
        BIN / "datamodel-codegen", "--input", schemas, "--output", output, *DATAMODEL_CODEGEN_OPTIONS
    ).check()
    checked, errors = mypy(output, work / "mypy-cache-dmc")
    return ToolResult(generation, python_lines(output), python_megabytes(output), checked, errors)


@dataclass(frozen=True)
class Scale:
    topics: int
    yaml_mb: float
    run: Run


def bench_scaling(work: Path) -> list[Scale]:
    results = []
    for count in SCALING_SIZES:
        topics = work / f"synthetic-{count}.yaml"
        topics.write_text(dump(make_topics(count)), encoding="utf-8")
        generation = run(BIN / "bc-events-gen", topics, "-o", work / f"synthetic_{count}.py").check()
        results.append(Scale(count, topics.stat().st_size / 2**20, generation))
    return results


# --- report -----------------------------------------------------------------------------


def comparison_table(ours: ToolResult, theirs: ToolResult, corpus: Path, topics: int) -> str:
    def ratio(mine: float, other: float, better: str, worse: str) -> str:
        if mine == other:
            return "same"
        if mine == 0 or other == 0:
            return better if mine < other else worse
        factor = other / mine if mine < other else mine / other
        return f"{factor:.1f}x {better if mine < other else worse}"

    rows = [
        (
            "generation wall time",
            f"{ours.generation.seconds:.1f} s",
            f"{theirs.generation.seconds:.1f} s",
            ratio(ours.generation.seconds, theirs.generation.seconds, "faster", "slower"),
        ),
        (
            "peak memory, all processes (PSS)",
            f"{ours.generation.peak_tree_mb:.0f} MB",
            f"{theirs.generation.peak_tree_mb:.0f} MB",
            ratio(ours.generation.peak_tree_mb, theirs.generation.peak_tree_mb, "less", "more"),
        ),
        (
            "peak memory, largest process (max RSS)",
            f"{ours.generation.max_rss_mb:.0f} MB",
            f"{theirs.generation.max_rss_mb:.0f} MB",
            ratio(ours.generation.max_rss_mb, theirs.generation.max_rss_mb, "less", "more"),
        ),
        (
            "lines of generated code",
            f"{ours.lines:,}",
            f"{theirs.lines:,}",
            ratio(ours.lines, theirs.lines, "fewer", "more"),
        ),
        (
            "size of generated code",
            f"{ours.megabytes:.1f} MB",
            f"{theirs.megabytes:.1f} MB",
            "(bc-events-gen embeds the topic definitions, one line per topic, for run-time validation)",
        ),
        (
            "`mypy --strict` wall time",
            f"{ours.mypy.seconds:.1f} s",
            f"{theirs.mypy.seconds:.1f} s",
            ratio(ours.mypy.seconds, theirs.mypy.seconds, "faster", "slower"),
        ),
        ("`mypy --strict` errors", f"{ours.mypy_errors:,}", f"{theirs.mypy_errors:,}", ""),
    ]
    header = (
        f"| {corpus.name} ({topics} topics, {corpus.stat().st_size / 1e6:.1f} MB YAML) | bc-events-gen "
        "| datamodel-codegen 0.89 (TypedDict) | bc-events-gen vs it |"
    )
    return "\n".join([header, "|---|---:|---:|---|", *("| " + " | ".join(row) + " |" for row in rows)])


def scaling_table(scales: list[Scale]) -> str:
    lines = [
        "| synthetic topics | YAML | generation wall time | per topic | peak memory (all processes) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for scale in scales:
        lines.append(
            f"| {scale.topics:,} | {scale.yaml_mb:.1f} MB | {scale.run.seconds:.2f} s "
            f"| {scale.run.seconds / scale.topics * 1000:.2f} ms | {scale.run.peak_tree_mb:.0f} MB |"
        )
    return "\n".join(lines)


def targets(ours: ToolResult, theirs: ToolResult, scales: list[Scale]) -> list[tuple[bool, str]]:
    by_size = {scale.topics: scale.run.seconds for scale in scales}
    speedup = theirs.generation.seconds / ours.generation.seconds
    growth = by_size[5_000] / by_size[1_000]
    return [
        (speedup >= 5, f"generation at least 5x faster than datamodel-codegen: {speedup:.1f}x"),
        (
            ours.generation.peak_tree_mb < theirs.generation.peak_tree_mb,
            f"peak memory (all processes) below datamodel-codegen's: {ours.generation.peak_tree_mb:.0f} MB "
            f"vs {theirs.generation.peak_tree_mb:.0f} MB",
        ),
        (
            ours.lines * 4 <= theirs.lines,
            f"output at most a quarter of datamodel-codegen's lines: {ours.lines / theirs.lines:.1%}",
        ),
        (ours.mypy_errors == 0, f"zero mypy --strict errors: {ours.mypy_errors}"),
        (growth <= 6, f"5,000 topics within 6x the time of 1,000: {growth:.2f}x"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", type=Path, help="github-webhooks.yaml (default: found as the tests find it)"
    )
    parser.add_argument(
        "--work-dir", type=Path, help="keep inputs and outputs here (default: a temporary folder)"
    )
    options = parser.parse_args(argv)
    corpus = options.corpus or find_corpus()
    if not (BIN / "datamodel-codegen").exists():
        raise SystemExit("datamodel-codegen is not installed: pip install -e '.[generator,dev,bench]'")
    with tempfile.TemporaryDirectory(prefix="corpus-bench-") as temporary:
        work = options.work_dir or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        version = run(BIN / "datamodel-codegen", "--version").check().stdout.strip()
        print(f"# corpus benchmark: {corpus} ({corpus.stat().st_size / 2**20:.1f} MB)")
        print(f"# machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
        print(f"# {version}: {' '.join(DATAMODEL_CODEGEN_OPTIONS)}, one JSON file per topic")
        print("bc-events-gen ...", flush=True)
        ours = bench_bc_events_gen(corpus, work)
        print("datamodel-codegen ...", flush=True)
        topics = write_schema_files(corpus, work / "schemas")
        theirs = bench_datamodel_codegen(work / "schemas", work)
        print("scaling ...", flush=True)
        scales = bench_scaling(work)
        print()
        print(comparison_table(ours, theirs, corpus, topics))
        print()
        print(scaling_table(scales))
        growth = scales[-1].run.seconds / scales[-2].run.seconds
        print(f"\n5,000 / 1,000 topics: {growth:.2f}x the time for 5x the topics\n")
        results = targets(ours, theirs, scales)
        for met, text in results:
            print(f"- [{'x' if met else ' '}] {text}")
        return 0 if all(met for met, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
