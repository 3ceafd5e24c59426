"""The import contracts of pyproject.toml (`lint-imports`, run by `make test`) hold on the
tree, and break when the UI reaches an internal module or answering imports ingestion."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` on the project laid out at ``root``, reading its pyproject.toml."""
    if not LINT_IMPORTS.exists():
        pytest.fail("lint-imports is missing: pip install -e '.[dev]' (import-linter)")
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True,
        timeout=300,
    )


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """The package, evals/ and pyproject.toml copied to a temporary root."""
    ignore = shutil.ignore_patterns("__pycache__", "reports")
    for folder in ("src", "evals"):
        shutil.copytree(REPO / folder, tmp_path / folder, ignore=ignore, symlinks=True)
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_hold_on_the_tree():
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_ui_importing_an_internal_module_breaks_the_public_api_contract(project_copy):
    (project_copy / "src" / "se_assistant" / "ui" / "sneaky.py").write_text(
        "from se_assistant.retrieval import HybridRetriever\n", "utf-8"
    )
    result = lint_imports(project_copy)
    assert result.returncode == 1
    assert "use only the public API" in result.stdout and "BROKEN" in result.stdout
    assert "se_assistant.ui.sneaky -> se_assistant.retrieval" in result.stdout


def test_the_ui_importing_the_top_level_package_and_its_own_modules_keeps_the_contract(
    project_copy,
):
    (project_copy / "src" / "se_assistant" / "ui" / "polite.py").write_text(
        "from se_assistant import Assistant, Settings\nfrom se_assistant.ui import render\n",
        "utf-8",
    )
    result = lint_imports(project_copy)
    assert result.returncode == 0, result.stdout + result.stderr


def test_answering_importing_ingestion_breaks_its_contract(project_copy):
    answering = project_copy / "src" / "se_assistant" / "answering"
    (answering / "sneaky.py").write_text("import se_assistant.ingestion\n", "utf-8")
    result = lint_imports(project_copy)
    assert result.returncode == 1
    assert "Retrieval and answering never import ingestion BROKEN" in result.stdout
    assert "se_assistant.answering.sneaky -> se_assistant.ingestion" in result.stdout
