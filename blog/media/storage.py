"""Where media bytes live. Views and upload logic speak only to ``Storage``, so an S3-compatible
backend is one new class and one setting, not a change to the views."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app


class Storage(Protocol):
    def save(self, key: str, data: bytes) -> None: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def local_path(self, key: str) -> Path | None:
        """A file path when the backend is local (served with send_file); None for remote backends."""
        ...


class LocalStorage:
    """Files under one folder (``MEDIA_ROOT``, default ``instance/media``), written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if "/" in key or "\\" in key or key.startswith(".") or not key:
            raise ValueError(f"bad media key {key!r}")
        return self.root / key

    def save(self, key: str, data: bytes) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, self._path(key))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.is_file() else None


def init_app(app: Flask) -> None:
    root = Path(app.config.get("MEDIA_ROOT") or Path(app.instance_path) / "media")
    app.extensions["sargasso.media_storage"] = LocalStorage(root)


def get_storage() -> Storage:
    return current_app.extensions["sargasso.media_storage"]  # type: ignore[no-any-return]
