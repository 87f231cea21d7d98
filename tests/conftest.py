from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def update_goldens() -> bool:
    """Golden files are rewritten instead of compared when UPDATE_GOLDENS=1 (`make goldens`)."""
    return os.environ.get("UPDATE_GOLDENS") == "1"


@pytest.fixture
def root() -> Path:
    return ROOT
