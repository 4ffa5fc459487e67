"""bc-events-compat on the GitHub webhooks corpus: the full corpus against a mutated copy.

    .venv/bin/python benchmarks/compat_bench.py [--corpus PATH] [--repeat N]

The mutated copy has every one of the 224 topics changed once by a breaking
change (``tests/compat/schema_mutations.py``), so no topic is skipped as
unchanged.  Measured separately, in this process, best of ``--repeat`` runs:

- load: ``load_topic_definitions`` of the corpus file (YAML parsing and checks);
- compare: ``compare(corpus, mutated)`` in full mode, both directions of every
  topic, given the two loaded definitions (what the target of issue 12 is about);
- command: ``bc-events-compat OLD.yaml NEW.yaml`` as a process, end to end
  (interpreter start, loading both files, schema validation, comparison, output).

Also the same for the corpus against itself and against a meaning-preserving
rewrite (keys reordered, definitions renamed, ``$ref`` s inlined).  Output ends
with a markdown table.  The corpus is found as ``tests/corpus/locate.py`` does.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from compat.schema_mutations import REWRITES, mutate  # noqa: E402
from corpus.locate import Corpus, find_corpus  # noqa: E402

from bc_events.compat import compare  # noqa: E402
from bc_events.topics import TopicDefinitions, load_topic_definitions  # noqa: E402

COMPAT = str(Path(sys.executable).parent / "bc-events-compat")


def best(repeat: int, action: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return min(times), result


def document(corpus: TopicDefinitions, schemas: list[dict[str, Any]]) -> dict[str, Any]:
    topics = [
        {"Category": t.category, "Entity": t.entity, "Action": t.action, "Schema": schema}
        for t, schema in zip(corpus.topics, schemas, strict=True)
    ]
    return {"DefaultCategory": corpus.default_category, "Topics": topics}


def rewritten(schema: dict[str, Any]) -> dict[str, Any]:
    for step in REWRITES.values():
        schema = step(schema)
    return schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="folder holding github-webhooks/ (default: as the tests find it)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.corpus:
        os.environ["BC_EVENTS_CORPUS"] = args.corpus
    found = find_corpus()
    if not isinstance(found, Corpus):
        sys.exit(found)
    load_time, corpus = best(args.repeat, lambda: load_topic_definitions(str(found.full)))
    copies = {
        "itself": [dict(t.schema) for t in corpus.topics],
        "mutated (224 breaking changes)": [mutate(t.name, dict(t.schema)).schema for t in corpus.topics],
        "rewritten (same meaning)": [rewritten(dict(t.schema)) for t in corpus.topics],
    }
    print(f"# bc-events-compat on {found.full.name} ({len(corpus.topics)} topics)")
    machine = f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs"
    print(f"{machine}; best of {args.repeat}")
    print()
    print("| corpus against | load (s) | compare (s) | findings | topics reported | command (s) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as work:
        for label, schemas in copies.items():
            other = load_topic_definitions(document(corpus, schemas))
            seconds, findings = best(args.repeat, lambda other=other: compare(corpus, other))
            path = Path(work) / "new.yaml"
            path.write_text(yaml.safe_dump(document(corpus, schemas), sort_keys=False), encoding="utf-8")
            command = [COMPAT, str(found.full), str(path)]
            runs = max(1, args.repeat // 2)
            end_to_end, _ = best(runs, lambda c=command: subprocess.run(c, capture_output=True))
            topics = len({f.topic for f in findings})
            cells = [label, f"{load_time:.2f}", f"{seconds:.2f}", len(findings), topics, f"{end_to_end:.2f}"]
            print("| " + " | ".join(map(str, cells)) + " |")


if __name__ == "__main__":
    main()
