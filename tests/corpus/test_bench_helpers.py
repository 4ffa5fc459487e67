"""The benchmark's synthetic topic files are valid, deterministic, and generate clean modules."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from bc_events import load_topic_definitions
from bc_events.naming import action_first_name, entity_first_name
from bc_events.validation import PayloadValidator

from .conftest import generate
from .locate import ROOT


def load_benchmark_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def synthetic() -> ModuleType:
    return load_benchmark_module("synthetic_topics")


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="needs Linux /proc")
def test_peak_memory_counts_worker_processes() -> None:
    """Parent and worker each hold ~120 MB at once: the tree's peak sees both, max RSS one."""
    hold = "x = bytearray(120_000_000); import time; time.sleep(0.6)"
    parent = (
        f"import subprocess, sys; w = subprocess.Popen([sys.executable, '-c', {hold!r}]); {hold}; w.wait()"
    )
    # Measured from a fresh interpreter, as the benchmarks run: Linux carries a process's
    # peak RSS across fork and exec, so a child of this big pytest process would report pytest's.
    measuring = (
        "import sys; sys.path.insert(0, sys.argv[1]); import measure; "
        "r = measure.run(sys.executable, '-c', sys.argv[2]).check(); print(r.max_rss_mb, r.peak_tree_mb)"
    )
    result = subprocess.run(
        [sys.executable, "-c", measuring, str(ROOT / "benchmarks"), parent],
        capture_output=True,
        text=True,
        check=True,
    )
    max_rss_mb, peak_tree_mb = map(float, result.stdout.split())
    assert 110 < max_rss_mb < 200
    assert peak_tree_mb > 220


def test_synthetic_topics_are_valid_definitions_with_unique_names(
    synthetic: ModuleType, tmp_path: Path
) -> None:
    path = tmp_path / "topics.yaml"
    path.write_text(synthetic.dump(synthetic.make_topics(300)), "utf-8")
    definitions = load_topic_definitions(path)
    assert len(definitions.topics) == 300
    names = [
        name(t.entity, t.action)
        for t in definitions.topics
        for name in (action_first_name, entity_first_name)
    ]
    assert len(names) == len(set(names))
    for topic in definitions.topics:
        PayloadValidator(topic)  # a valid JSON Schema
    assert "&id" not in path.read_text("utf-8"), "no YAML aliases: every topic carries its own copies"
    assert synthetic.dump(synthetic.make_topics(300)) == path.read_text("utf-8"), "deterministic"


def test_synthetic_topics_generate_a_strict_clean_module(synthetic: ModuleType, tmp_path: Path) -> None:
    topics = tmp_path / "topics.yaml"
    topics.write_text(synthetic.dump(synthetic.make_topics(40)), "utf-8")
    module = generate(topics, tmp_path / "synthetic_events.py")
    assert module.stderr == ""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", module.path.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_gen_speed_bench_strips_exactly_the_embedded_definitions(tmp_path: Path) -> None:
    bench = load_benchmark_module("gen_speed_bench")
    module = ROOT / "generated_example" / "events_gen.py"
    bare = tmp_path / "bare" / "events_gen.py"
    bench.strip_definitions(module, bare)
    text, stripped = module.read_text(encoding="utf-8"), bare.read_text(encoding="utf-8")
    assert '_TOPIC_DEFINITIONS = bc_events.TopicDefinitions.from_json("{}")\n' in stripped
    assert "Schema" not in stripped
    # Everything else is the module's own text: the type checkers compare like with like.
    assert text.startswith(stripped[: stripped.index("_TOPIC_DEFINITIONS")])
    assert text.endswith(stripped[stripped.index("__all__") :])
    compile(stripped, str(bare), "exec")


def test_gen_speed_bench_edits_one_description_differently_each_run(tmp_path: Path) -> None:
    bench = load_benchmark_module("gen_speed_bench")
    source = ROOT / "generated_example" / "topics.yaml"
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    bench.edit_topic(source, first, 0)
    bench.edit_topic(source, second, 1)
    original = source.read_text(encoding="utf-8").splitlines()
    for edited in (first, second):
        changed = [
            pair
            for pair in zip(original, edited.read_text(encoding="utf-8").splitlines(), strict=True)
            if pair[0] != pair[1]
        ]
        assert len(changed) == 1
        assert "Description: Edited" in changed[0][1]
    assert first.read_text(encoding="utf-8") != second.read_text(encoding="utf-8")
    load_topic_definitions(str(first))
