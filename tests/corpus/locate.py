"""Finding the GitHub webhooks corpus and its example payloads."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
"""The repository root."""

ENV_VAR = "BC_EVENTS_CORPUS"
CORPUS_NAME = "github-webhooks"
DEFAULT_CORPUS_ROOT = ROOT.parent / "shared" / "corpus"


@dataclass(frozen=True)
class Payload:
    """One example payload of ``payloads/``: the topic it belongs to and its JSON document."""

    file: str
    entity: str
    action: str
    data: Any

    @property
    def stem(self) -> str:
        """A file-name-safe identifier, unique per payload: ``Issues_Opened``."""
        return f"{self.entity}_{self.action}"


@dataclass(frozen=True)
class Corpus:
    """The corpus folder: the full and small topic files and the payloads."""

    folder: Path

    @property
    def full(self) -> Path:
        return self.folder / f"{CORPUS_NAME}.yaml"

    @property
    def small(self) -> Path:
        return self.folder / f"{CORPUS_NAME}-small.yaml"

    @property
    def payload_folder(self) -> Path:
        return self.folder / "payloads"

    def manifest(self) -> dict[str, Any]:
        manifest: dict[str, Any] = json.loads((self.payload_folder / "MANIFEST.json").read_text("utf-8"))
        return manifest

    def payloads(self) -> list[Payload]:
        """Every example payload named in MANIFEST.json, in its order."""
        payloads = []
        for entry in self.manifest()["payloads"]:
            entity, action = entry["topic"].split(".")
            data = json.loads((self.payload_folder / entry["file"]).read_text("utf-8"))
            payloads.append(Payload(entry["file"], entity, action, data))
        return payloads


def corpus_candidates(environ: dict[str, str] | None = None) -> list[Path]:
    """Where the corpus folder may be, first match wins.

    ``$BC_EVENTS_CORPUS`` may name the folder holding ``github-webhooks/`` (like
    ``shared/corpus``) or ``github-webhooks/`` itself.
    """
    environ = dict(os.environ) if environ is None else environ
    override = environ.get(ENV_VAR)
    if override:
        base = Path(override).expanduser()
        return [base / CORPUS_NAME, base]
    return [DEFAULT_CORPUS_ROOT / CORPUS_NAME]


def find_corpus(environ: dict[str, str] | None = None) -> Corpus | str:
    """The corpus, or the reason it cannot be used (a message fit for ``pytest.skip``)."""
    candidates = corpus_candidates(environ)
    for folder in candidates:
        corpus = Corpus(folder)
        if corpus.full.is_file():
            missing = [p for p in (corpus.small, corpus.payload_folder / "MANIFEST.json") if not p.exists()]
            if missing:
                names = ", ".join(map(str, missing))
                return f"GitHub webhooks corpus at {folder} is incomplete: missing {names}"
            return corpus
    where = " or ".join(str(folder) for folder in candidates)
    return (
        f"GitHub webhooks corpus not found at {where} "
        f"(set {ENV_VAR} to the folder holding {CORPUS_NAME}/ to run these tests)"
    )
