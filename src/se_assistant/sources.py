"""Which files an ingest looks at: the roots given, walked safely (no symlink loops, no
hidden files), each file named by its path relative to its root."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from se_assistant.errors import SeAssistantError


@dataclass
class Root:
    """An ingested root: a folder (every file below it belongs to it) or a single file."""

    path: Path  # resolved folder; for a single file, its parent folder
    only: str | None = None  # relative path when a single file was given
    files: list[str] = field(default_factory=list)  # relative paths, sorted
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (relative path, reason)
    name: str | None = None  # a stable name for the root, used instead of its path

    @property
    def key(self) -> str:
        """What identifies the root across runs: its name, else its absolute path."""
        return self.name or str(self.path)


def resolve_roots(paths: list[Path]) -> list[Root]:
    """Turn user-given paths into roots, raising a one-line error for a path that is missing."""
    roots: list[Root] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            if path.is_symlink():
                raise SeAssistantError(
                    f"{raw} is a broken symlink or a symlink loop; fix the link or give its target"
                )
            raise SeAssistantError(f"path not found: {raw}; give an existing file or folder to ingest")
        resolved = path.resolve()
        if resolved.is_dir():
            root = Root(path=resolved)
            _walk(root)
        else:
            root = Root(path=resolved.parent, only=resolved.name, files=[resolved.name])
        roots.append(root)
    return roots


def _walk(root: Root) -> None:
    seen_dirs: set[tuple[int, int]] = set()
    files: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root.path, followlinks=True):
        current = Path(dirpath)
        try:
            stat = current.stat()
        except OSError:
            dirnames[:] = []
            continue
        ident = (stat.st_dev, stat.st_ino)
        if ident in seen_dirs:  # a symlink loop or a second link to a folder seen already
            rel = current.relative_to(root.path).as_posix()
            root.skipped.append((rel, "symlink loop or repeated folder; skipped (remove the link)"))
            dirnames[:] = []
            continue
        seen_dirs.add(ident)
        kept = []
        for name in sorted(d for d in dirnames if not d.startswith((".", "_"))):
            sub = current / name
            target = _resolve(sub) if sub.is_symlink() else sub
            if target is None or not _inside(target, root.path):
                rel = sub.relative_to(root.path).as_posix()
                root.skipped.append((rel, _LOOP if target is None else _OUTSIDE))
            else:
                kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            if name.startswith((".", "~")):
                continue
            full = current / name
            rel = full.relative_to(root.path).as_posix()
            if full.is_symlink():
                target = _resolve(full)
                if target is None or not _inside(target, root.path):
                    root.skipped.append((rel, _LOOP if target is None else _OUTSIDE))
                    continue
                if not target.exists():
                    root.skipped.append((rel, "broken symlink; skipped (fix or remove the link)"))
                    continue
            files.append(rel)
    root.files = files


_LOOP = "symlink loop; skipped (remove the link)"
_OUTSIDE = "link points outside the ingested folder; skipped (ingest its target on its own)"


def _resolve(path: Path) -> Path | None:
    """Where a link leads; None for a symlink loop."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        return None


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False
