"""Versioned model files: a local directory, or `gs://bucket/prefix` in prod (google-cloud-storage).

Layout under the root::

    propensity/<version>/model.skops     the fitted estimator, written by skops (no bare pickle)
    propensity/<version>/manifest.json   version, created_at, engine, features, training window,
                                         row counts, metrics, code version, sha256 of model.skops
    propensity/champion.json             version, promoted_at, reason, previous_version

Loading checks the file's sha256 against its manifest and lets skops build only its default-trusted types and
:data:`TRUSTED_TYPES` (the few more the candidates use): a tampered or foreign file is
refused with a clear error, never executed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
import skops.io

from journey_assets.propensity.features import prepare

MODEL_NAME = "propensity"
MODEL_FILE = "model.skops"
MANIFEST_FILE = "manifest.json"
CHAMPION_FILE = "champion.json"

# What skops may construct beyond its own defaults (scikit-learn estimators, numpy arrays and ufuncs):
# exactly the extra types the candidates are made of (propensity/candidates.py). Anything else is refused;
# tests/propensity/test_store.py holds this list to the candidates so a new estimator fails a test
# rather than a nightly load.
TRUSTED_TYPES: tuple[str, ...] = (
    "numpy.dtype",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
)


class ModelStoreError(RuntimeError):
    """A model can't be loaded: unknown version, checksum mismatch, or a type outside TRUSTED_TYPES."""


@dataclass(frozen=True)
class LoadedModel:
    version: str
    manifest: dict[str, Any]
    estimator: Any

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """P(bought or leased within 30 days) per row of a frame with the feature columns."""
        return self.estimator.predict_proba(prepare(frame))[:, 1]


class _Files(Protocol):
    def read(self, path: str) -> bytes | None: ...
    def write(self, path: str, data: bytes) -> None: ...
    def children(self, path: str) -> list[str]: ...


class _LocalFiles:
    def __init__(self, root: Path):
        self.root = root

    def read(self, path: str) -> bytes | None:
        file = self.root / path
        return file.read_bytes() if file.is_file() else None

    def write(self, path: str, data: bytes) -> None:
        file = self.root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        partial = file.with_name(file.name + ".partial")
        partial.write_bytes(data)
        partial.replace(file)  # a reader never sees half a file

    def children(self, path: str) -> list[str]:
        folder = self.root / path
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


class _GcsFiles:
    def __init__(self, uri: str):
        from google.cloud import storage  # prod only; the local store never needs the client

        bucket, _, prefix = uri.removeprefix("gs://").partition("/")
        self.bucket = storage.Client().bucket(bucket)
        self.prefix = prefix.strip("/")

    def _name(self, path: str) -> str:
        return f"{self.prefix}/{path}" if self.prefix else path

    def read(self, path: str) -> bytes | None:
        blob = self.bucket.blob(self._name(path))
        return blob.download_as_bytes() if blob.exists() else None

    def write(self, path: str, data: bytes) -> None:
        self.bucket.blob(self._name(path)).upload_from_string(data)

    def children(self, path: str) -> list[str]:
        prefix = self._name(path).rstrip("/") + "/"
        blobs = self.bucket.client.list_blobs(self.bucket, prefix=prefix, delimiter="/")
        list(blobs)  # the prefixes are filled in once the pages are read
        return sorted(p[len(prefix) :].rstrip("/") for p in blobs.prefixes)


class ModelStore:
    def __init__(self, root: str | Path):
        root = str(root)
        self.root = root
        self._files: _Files = _GcsFiles(root) if root.startswith("gs://") else _LocalFiles(Path(root))

    def save(self, model: Any, manifest: dict[str, Any]) -> str:
        """Write the model and its manifest as a new version; returns the version."""
        data = skops.io.dumps(model)
        sha256 = hashlib.sha256(data).hexdigest()
        created_at = datetime.now(UTC)
        version = f"{created_at:%Y%m%dT%H%M%S%fZ}-{sha256[:8]}"
        full = {**manifest, "version": version, "created_at": created_at.isoformat(), "sha256": sha256}
        self._files.write(f"{MODEL_NAME}/{version}/{MODEL_FILE}", data)
        self._files.write(f"{MODEL_NAME}/{version}/{MANIFEST_FILE}", _json(full))
        return version

    def versions(self) -> list[str]:
        """Every stored version, oldest first (versions start with their UTC creation time)."""
        return [name for name in self._files.children(MODEL_NAME) if self.manifest(name) is not None]

    def manifest(self, version: str) -> dict[str, Any] | None:
        raw = self._files.read(f"{MODEL_NAME}/{version}/{MANIFEST_FILE}")
        return json.loads(raw) if raw is not None else None

    def load(self, version: str) -> LoadedModel:
        manifest = self.manifest(version)
        data = self._files.read(f"{MODEL_NAME}/{version}/{MODEL_FILE}")
        if manifest is None or data is None:
            raise ModelStoreError(f"no propensity model version {version!r} in {self.root}")
        if hashlib.sha256(data).hexdigest() != manifest.get("sha256"):
            raise ModelStoreError(f"model {version}: {MODEL_FILE} does not match the sha256 in its manifest")
        untrusted = skops.io.get_untrusted_types(data=data)
        refused = sorted(set(untrusted) - set(TRUSTED_TYPES))
        if refused:
            raise ModelStoreError(f"model {version}: refusing to load types outside the trusted list: {refused}")
        return LoadedModel(version, manifest, skops.io.loads(data, trusted=untrusted))

    def champion_record(self) -> dict[str, Any] | None:
        raw = self._files.read(f"{MODEL_NAME}/{CHAMPION_FILE}")
        return json.loads(raw) if raw is not None else None

    def champion(self) -> LoadedModel | None:
        record = self.champion_record()
        return self.load(record["version"]) if record else None

    def promote(self, version: str, reason: str) -> None:
        """Make a stored version the champion; the record keeps why, when, and the one it replaced."""
        self.load(version)  # only a model that loads (checksum, trusted types) can become champion
        previous = self.champion_record()
        record = {
            "version": version,
            "promoted_at": datetime.now(UTC).isoformat(),
            "reason": reason,
            "previous_version": previous["version"] if previous else None,
        }
        self._files.write(f"{MODEL_NAME}/{CHAMPION_FILE}", _json(record))


def _json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, indent=2, sort_keys=True, default=str).encode()
