"""Renditions for the eval: each folder ingested into its own fresh index (through the public
``Assistant`` API), and the renditions of the seed material built by ``evals/renditions.py``
in a source checkout."""

from __future__ import annotations

import importlib.util
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from se_assistant.assistant import Assistant
from se_assistant.errors import SeAssistantError
from se_assistant.evaluation.runner import Rendition, repo_root

if TYPE_CHECKING:
    from se_assistant.settings import Settings

RENDITIONS_SCRIPT = Path("evals") / "renditions.py"


class RenditionError(SeAssistantError):
    """A folder to evaluate is missing or yields nothing, or renditions cannot be built."""


def rendition_names(folders: Sequence[Path]) -> list[str]:
    """Column names: each folder's name, made unique with -2, -3 … ('corpus', 'pdf')."""
    names: list[str] = []
    for folder in folders:
        base = folder.resolve().name or "root"
        name, n = base, 1
        while name in names:
            n += 1
            name = f"{base}-{n}"
        names.append(name)
    return names


def check_folders(folders: Sequence[Path]) -> None:
    """Fail in one line, before any work, on a --corpus that is not a folder."""
    for folder in folders:
        if not folder.is_dir():
            raise RenditionError(f"--corpus {folder}: not a folder; pass a folder of documents")


@contextmanager
def ingested(folders: Sequence[Path], settings: Settings, progress: bool = False,
             workdir: Path | None = None) -> Iterator[list[Rendition]]:
    """Each folder ingested into a fresh index of its own (embedded Chroma) in a temporary
    folder (inside ``workdir`` when given), removed on exit."""
    check_folders(folders)
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="se-assistant-eval-", dir=workdir))
    try:
        renditions = []
        for name, folder in zip(rendition_names(folders), folders, strict=True):
            local = settings.with_overrides(data_dir=root / name, corpus_dir=folder.resolve())
            if local.chroma_host:  # each rendition needs an index of its own
                local = local.model_copy(update={"chroma_host": None})
            assistant = Assistant(local)
            report = assistant.ingest(progress=progress)
            if not report.chunks:
                reasons = "; ".join(f"{p}: {r}" for p, r in report.failed[:3]) or "no documents"
                raise RenditionError(f"--corpus {folder}: nothing could be ingested ({reasons}); "
                                     "pass a folder with .md, .txt, .pdf, .pptx, .docx or .html")
            renditions.append(Rendition(name, assistant, folder, report.to_dict()))
        yield renditions
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _renditions_module():
    script = repo_root() / RENDITIONS_SCRIPT
    if not script.is_file():
        raise RenditionError(f"--renditions needs {RENDITIONS_SCRIPT} from a source checkout "
                             f"(not found at {script}); pass --corpus DIR for each rendition")
    name = "se_assistant_eval_renditions"
    spec = importlib.util.spec_from_file_location(name, script)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while it is executed
    try:
        spec.loader.exec_module(module)
    except Exception:
        del sys.modules[name]
        raise
    if not hasattr(module, "build_renditions"):
        raise RenditionError(f"{script} has no build_renditions(seed, out); update the checkout")
    return module


def default_seed(module=None) -> Path:
    """The seed the renditions script bundles (its ``BUNDLED_SEED``), else the first .txt file
    in ``../shared/seed/`` next to the checkout."""
    bundled = getattr(module, "BUNDLED_SEED", None)
    if bundled is not None and Path(bundled).is_file():
        return Path(bundled)
    return repo_root().parent / "shared" / "seed"


def _seed_file(seed: Path) -> Path:
    if seed.is_dir():
        texts = sorted(seed.glob("*.txt"))
        if not texts:
            raise RenditionError(f"--seed {seed}: no .txt file in it; pass --seed FILE")
        return texts[0]
    if not seed.is_file():
        raise RenditionError(f"--seed {seed}: not found; pass --seed FILE (the seed text)")
    return seed


def build_renditions(seed: Path | None, out: Path) -> list[Path]:
    """The folders of the seed's renditions (txt, pptx, pdf, docx, html) built into ``out`` by
    the checkout's ``evals/renditions.py``."""
    module = _renditions_module()
    seed_file = _seed_file(seed if seed is not None else default_seed(module))
    try:
        built = module.build_renditions(seed_file, out)
    except ValueError as exc:  # the script's own one-line errors (unknown seed or format)
        raise RenditionError(f"{RENDITIONS_SCRIPT}: {exc}") from None
    folders: list[Path] = []
    for path in built.values():
        folder = Path(path) if Path(path).is_dir() else Path(path).parent
        if folder not in folders:
            folders.append(folder)
    if not folders:
        raise RenditionError(f"{RENDITIONS_SCRIPT} built no rendition from {seed_file}")
    return folders
