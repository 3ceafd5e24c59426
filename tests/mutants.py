"""Planted bugs: each mutant below monkeypatches one known bug into the code, and the tests
named for it must fail. ``make mutants`` (or ``python tests/mutants.py [NAME ...]``) runs
every mutant's tests in a pytest of its own, prints a table bug -> tests that caught it, and
exits 1 if any mutant survives (its tests all pass).

Every patch point is in ``MUTANTS`` and nowhere else: when the code under test is renamed,
this dict is the one place to update. The patches act in the pytest process only; tests
that run the code in a subprocess (CLI, killed ingests) see the real code there.

As a pytest plugin (``python -m pytest -p tests.mutants --mutant NAME tests/...``) it plants
one mutant for that run.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutant:
    """A bug: ``target`` ("module:attribute" or "module:Class.attribute") is replaced by
    ``patch(original)``; ``tests`` are the pytest arguments (files, -k) that must catch it."""

    bug: str
    target: str
    patch: Callable[[Any], Any]
    tests: tuple[str, ...]


_VERB = re.compile(r"\b(is|was|are|were|has|have|can|will|does|do|include|includes)\b")


def _negated(sentence: Callable[..., str]) -> Callable[..., str]:
    """Answer sentences that say the opposite of their passage, the citation unchanged."""

    def negated(*args: Any, **kwargs: Any) -> str:
        text = sentence(*args, **kwargs)
        if _VERB.search(text):
            return _VERB.sub(r"\1 not", text, count=1)
        return "It is not true that " + text[:1].lower() + text[1:]

    return negated


def _first_value_only(normalise: Callable[..., dict]) -> Callable[..., dict]:
    """A filter on several values keeps only the first ({"country": ["France", "Belgium"]})."""

    def first_only(self: Any, filters: Any) -> dict:
        return {k: v[:1] for k, v in normalise(self, filters).items()}

    return first_only


def _unknown_values_dropped(normalise: Callable[..., dict]) -> Callable[..., dict]:
    """A filter value the index does not hold is dropped, so the filter filters nothing."""

    def dropped(self: Any, filters: Any) -> dict:
        from se_assistant.lexical import fold

        kept = {
            k: [v for v in vals if fold(v) in self.filter_values.get(k, {})]
            for k, vals in normalise(self, filters).items()
        }
        return {k: v for k, v in kept.items() if v}

    return dropped


def _single_file_as_whole_folder(resolve_roots: Callable[..., list]) -> Callable[..., list]:
    """A single file ingested on its own is taken for its whole folder, so the folder's other
    files look deleted."""

    def whole(paths: list[Path]) -> list:
        roots = resolve_roots(paths)
        for root in roots:
            root.only = None
        return roots

    return whole


def _shared_focus(turn: Callable[..., Any]) -> Callable[..., Any]:
    """Every conversation's turns share one focus list: what the last answered question in
    any conversation was about is what "it" means in all of them (state shared across users)."""
    shared: list[str] = []

    def make(question: str, answer: Any, focus: list[str]) -> Any:
        shared[:] = focus
        return turn(question, answer, shared)

    return make


def _nothing(_original: Any) -> Callable[..., None]:
    return lambda *args, **kwargs: None


ANSWERS = "tests/test_answers.py"
MUTANTS: dict[str, Mutant] = {
    # ---- the bugs issue 16 names -------------------------------------------------------------
    "negated-sentence": Mutant(
        "every extractive answer sentence says the opposite of its passage",
        "se_assistant.answering.extractive:_sentence", _negated, (ANSWERS,)),
    "closeness-refusal-off": Mutant(
        "the 'no passage is close enough' refusal is switched off",
        "se_assistant.answering.evidence:MIN_SEMANTIC", lambda _: -1.0,
        (ANSWERS, "tests/test_refusals.py")),
    "stale-deletion-off": Mutant(
        "chunks a changed or removed file no longer has are never deleted",
        "se_assistant.ingestion:_delete_stale", _nothing,
        ("tests/test_ingest.py", "-k", "shrinks or deleting or editing")),
    "journal-ignored": Mutant(
        "the ingest after a crash ignores the journal of documents left in flight",
        "se_assistant.index_state:read_journal", lambda _: lambda data_dir: set(),
        ("tests/test_crash_safety.py",)),
    "follow-up-rewrite-dropped": Mutant(
        "follow-up questions are searched as asked, not rewritten with the conversation's case",
        "se_assistant.chat:resolve", lambda _: lambda question, *a, **k: question,
        (ANSWERS, "-k", "follow or topic or conversation")),
    "conversations-share-focus": Mutant(
        "conversations share what they are about, so concurrent follow-ups mix cases",
        "se_assistant.chat:Turn", _shared_focus, ("tests/test_load.py",)),
    # ---- bugs the weak tests of issue 16 missed ----------------------------------------------
    "surplus-chunks-kept": Mutant(
        "a re-embedded document that now has fewer chunks keeps its old surplus chunks",
        "se_assistant.ingestion:_is_written",
        lambda is_written: lambda chunk_id, counts: (
            chunk_id.rpartition(":")[0] in counts or is_written(chunk_id, counts)),
        ("tests/test_ingest.py", "-k", "shrinks or deleting or editing")),
    "refuse-everything": Mutant(
        "every question is refused",
        "se_assistant.answering.evidence:MIN_SEMANTIC", lambda _: 99.0,
        (ANSWERS, "-k", "odd_questions or many_questions")),
    "filter-keeps-first-value": Mutant(
        "a filter on several values keeps only the first",
        "se_assistant.retrieval.catalog:Catalog.normalise_filters", _first_value_only,
        (ANSWERS, "-k", "filters_restrict")),
    "unknown-filter-value-ignored": Mutant(
        "a filter value the index does not hold filters nothing",
        "se_assistant.retrieval.catalog:Catalog.normalise_filters", _unknown_values_dropped,
        ("tests/test_filtered_search.py",)),
    "single-file-ingest-drops-siblings": Mutant(
        "ingesting one file removes the other files of its folder",
        "se_assistant.ingestion:resolve_roots", _single_file_as_whole_folder,
        ("tests/test_ingest.py", "-k", "single_file")),
}


def plant(name: str) -> None:
    """Apply mutant ``name`` in this process."""
    mutant = MUTANTS[name]
    module_name, _, path = mutant.target.partition(":")
    owner: Any = importlib.import_module(module_name)
    *parents, attribute = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    setattr(owner, attribute, mutant.patch(getattr(owner, attribute)))


# ---- the pytest plugin ------------------------------------------------------------------------
def pytest_addoption(parser: Any) -> None:
    parser.addoption("--mutant", choices=sorted(MUTANTS), help="plant this known bug (tests/mutants.py)")


def pytest_configure(config: Any) -> None:
    name = config.getoption("--mutant")
    if name:
        plant(name)


def pytest_report_header(config: Any) -> str | None:
    name = config.getoption("--mutant")
    return f"planted bug {name}: {MUTANTS[name].bug}" if name else None


# ---- the runner -------------------------------------------------------------------------------
def _failed_tests(junit: Path) -> list[str]:
    failed = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            module = case.get("classname", "").rsplit(".", 1)[-1]
            failed.append(f"{module}::{case.get('name')}")
    return failed


def run(name: str) -> tuple[int, list[str], float]:
    """Run mutant ``name``'s tests; return pytest's exit code, the failed tests, seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "junit.xml"
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "tests.mutants", "--mutant", name, "-q",
             "-p", "no:cacheprovider", f"--junitxml={junit}", *MUTANTS[name].tests],
            cwd=REPO, capture_output=True, text=True, env=os.environ.copy(),
        )
        seconds = time.perf_counter() - started
        failed = _failed_tests(junit) if junit.exists() else []
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-2000:])
    return proc.returncode, failed, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"mutants to run (all by default): {', '.join(MUTANTS)}")
    names = parser.parse_args(argv).names or list(MUTANTS)
    unknown = [n for n in names if n not in MUTANTS]
    if unknown:
        parser.error(f"unknown mutant {', '.join(unknown)}; choose from {', '.join(MUTANTS)}")
    survived = []
    print(f"{'planted bug':34} {'result':9} {'s':>5}  tests that caught it")
    for name in names:
        code, failed, seconds = run(name)
        if code == 1 and failed:
            result = "caught"
        else:
            result = "SURVIVED" if code == 0 else f"error {code}"
            survived.append(name)
        print(f"{name:34} {result:9} {seconds:5.0f}  {len(failed)}: " + ", ".join(failed), flush=True)
    if survived:
        print(f"\nnot caught: {', '.join(survived)}")
        return 1
    print(f"\nall {len(names)} planted bugs were caught")
    return 0


if __name__ == "__main__":
    sys.exit(main())
