"""Documentation speed: every docs emitter (HTML catalog, Markdown, AsyncAPI, JSON Schema export) over
N contracts of the benchmark corpus. Target (from the issue): 200 contracts in under 5 s.

The contracts are compiled once (the protobuf half of the corpus, which needs only protoc); the time
is that of the emitters alone, the median of ``runs``. ``--strict`` turns a MISS into exit code 1.
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

from benchmarks import WORK_DIR
from benchmarks.corpus import DEFAULT_SEED, write_corpus
from codegen import frontends, ir
from codegen.diagnostics import Diagnostics
from codegen.emitters.base import Emitter, OutputFile

NAME = "docs"
DESCRIPTION = "docs emitters (HTML, Markdown, AsyncAPI, JSON Schema) over N contracts; target < 5 s for 200"
TARGET_SECONDS = 5.0


@dataclass(frozen=True)
class Options:
    n: int = 200
    runs: int = 3
    seed: int = DEFAULT_SEED
    strict: bool = False


def docs_emitters() -> list[Emitter[Any]]:
    from codegen.emitters.docs_asyncapi import AsyncApiEmitter
    from codegen.emitters.docs_html import DocsHtmlEmitter
    from codegen.emitters.docs_jsonschema import JsonSchemaExportEmitter
    from codegen.emitters.docs_markdown import DocsMarkdownEmitter

    return [DocsHtmlEmitter(), DocsMarkdownEmitter(), AsyncApiEmitter(), JsonSchemaExportEmitter()]


def load_contracts(n: int, seed: int) -> list[ir.Contract]:
    corpus = write_corpus(WORK_DIR / "corpus", n, seed)
    diags = Diagnostics()
    contracts = frontends.load(list(corpus.proto_files), list(corpus.proto_include_paths), diags)
    if diags.has_errors:
        raise SystemExit("the corpus does not compile:\n" + "\n".join(d.format() for d in diags.errors()))
    return contracts


def generate_all(contracts: list[ir.Contract]) -> list[OutputFile]:
    files: list[OutputFile] = []
    for emitter in docs_emitters():
        files.extend(emitter.generate(contracts, emitter.parse_options({})))
    return files


def run(opts: Options) -> int:
    contracts = load_contracts(opts.n, opts.seed)
    timings: list[float] = []
    files: list[OutputFile] = []
    for _ in range(opts.runs):
        start = time.perf_counter()
        files = generate_all(contracts)
        timings.append(time.perf_counter() - start)
    median = statistics.median(timings)
    target = TARGET_SECONDS * opts.n / 200
    verdict = "ok" if median < target else "MISS"
    size = sum(len(f.content) for f in files) / 1e6
    print(f"docs: {len(contracts)} contracts -> {len(files)} files ({size:.1f} MB)", end=" ")
    print(f"in {median:.2f} s (median of {opts.runs}: {' '.join(f'{t:.2f}' for t in timings)})")
    print(f"docs: target < {target:.1f} s: {verdict}")
    return 1 if opts.strict and verdict == "MISS" else 0


if __name__ == "__main__":
    sys.exit(run(Options()))
