"""The Hatch build hook regenerates from contracts at build time, and a contract error fails the build."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

PYPROJECT = """\
[build-system]
requires = ["hatchling", "contract-codegen"]
build-backend = "hatchling.build"

[project]
name = "shop-contracts"
version = "0.1.0"

[tool.hatch.build.targets.wheel]
packages = ["src/shop_contracts"]

[tool.hatch.build.hooks.contract-codegen]
inputs = ["contracts"]
output = "src/shop_contracts"
package = "shop_contracts"
"""

PROTO = """\
syntax = "proto3";
package shop.v1;
import "contract/v1/options.proto";
option (contract.v1.contract) = { name: "refunds" version: "1.0.0" owner { team: "shop" } };
// A refund was granted.
message RefundGranted {
  // The refund's id.
  string refund_id = 1;
  // Amount in cents.
  int64 amount_cents = 2;
}
"""


def build_wheel(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(project / "dist"), str(project)],
        capture_output=True,
        text=True,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "refunds.proto").write_text(PROTO)
    return tmp_path


def test_wheel_contains_freshly_generated_records(project: Path) -> None:
    done = build_wheel(project)
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = (project / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        module = zf.read("shop_contracts/refunds.py").decode()
    assert {"shop_contracts/__init__.py", "shop_contracts/py.typed"} <= names
    assert module.startswith("# @generated") and "class RefundGranted(msgspec.Struct" in module


def test_contract_error_fails_the_build(project: Path) -> None:
    (project / "contracts" / "refunds.proto").write_text(
        PROTO.replace("int64 amount_cents = 2;", "int64 amount_cents = 2")
    )
    done = build_wheel(project)
    assert done.returncode != 0
    assert "contracts/refunds.proto" in done.stdout + done.stderr and "E020" in done.stdout + done.stderr
