"""Benchmarks of se-assistant, measured side by side, written as JSON + Markdown + a PNG plot.

    python evals/bench.py --quick                 # seconds: bundled corpus, one run each (CI)
    python evals/bench.py                         # bundled + generated 1,000 and 10,000 chunks
    python evals/bench.py --with-100k             # ... and 100,000 chunks (about 20 minutes more)
    python evals/bench.py --sizes 1000 --runs 5 --out /tmp/bench
    se-assistant bench --quick                    # the same script through the CLI

What is measured (medians of ``--runs`` runs unless said otherwise):

* warm question latency of ``Assistant.ask`` (median, p95) after warm-up, over a list of
  distinct questions across all five cases, and on the bundled corpus the plain llama-index
  baseline (``VectorStoreIndex.from_documents`` with default splitting,
  ``as_retriever(similarity_top_k=3).retrieve``) with the same embedding model object,
  interleaved question by question in the same process;
* cold start: wall time of ``se-assistant ask "how was Pfefferwerk funded?"`` as a fresh
  process on an ingested index, and the import time of ``se_assistant``;
* ingestion: chunks per second of a first ingest and wall time of a no-change re-ingest, each
  a fresh ``se-assistant ingest`` process, on the bundled corpus and on generated corpora;
* peak memory (max RSS of the measured process, from ``os.wait4``) of every process.

Start-up and ingestion are whole fresh processes; warm latency runs in one worker process
per corpus. ``SE_ASSISTANT_*`` variables are ignored so the defaults are what is measured.

The parts live in ``evals/benchmark/``: ``corpus`` (the generator), ``workload`` (what is
asked), ``processes`` (timing a fresh process), ``worker`` (warm latency in-process),
``measure`` (the phases of one corpus), ``targets``, ``report`` (Markdown, PNG) and ``cli``.
The benchmark runs from a checkout; it is not part of the installed package.
"""

from __future__ import annotations

import sys

from benchmark.cli import main  # evals/ is this script's folder, first on sys.path

if __name__ == "__main__":
    sys.exit(main())
