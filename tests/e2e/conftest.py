from __future__ import annotations

from pathlib import Path

import pytest

from hearth.llm import bundled


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled model assembled once for the whole run (the server still verifies it on load)."""
    path = tmp_path_factory.mktemp("models")
    bundled.ensure_model_file(path)
    return path
