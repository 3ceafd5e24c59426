"""The bundled corpus is package data read with importlib.resources: the same files in a
checkout (editable install) and in a built wheel, where no checkout is around."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import CORPUS, REPO

from se_assistant.locations import bundled_corpus_dir, checkout_root
from se_assistant.settings import Settings


def corpus_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_in_a_checkout_the_bundled_corpus_is_the_top_level_corpus_folder():
    assert checkout_root() == REPO
    assert bundled_corpus_dir().resolve() == CORPUS.resolve()
    assert Settings.load().corpus_dir == bundled_corpus_dir()
    assert corpus_files(bundled_corpus_dir()) == corpus_files(CORPUS)


@pytest.mark.slow
def test_a_built_wheel_carries_the_corpus_and_finds_it_without_a_checkout(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path / "dist"), str(REPO)], check=True, timeout=600)
    wheel = next((tmp_path / "dist").glob("se_assistant-*.whl"))
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    assert corpus_files(site / "se_assistant" / "corpus") == corpus_files(CORPUS)
    # the unpacked wheel first on the path, run from elsewhere: no checkout to fall back on
    probe = ("import json, se_assistant.locations as L; print(json.dumps("
             "[str(L.bundled_corpus_dir()), L.checkout_root() is None, L.__file__]))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                         text=True, check=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(site)}).stdout
    corpus, no_checkout, module = json.loads(out)
    assert Path(module).is_relative_to(site) and no_checkout
    assert Path(corpus) == site / "se_assistant" / "corpus"
