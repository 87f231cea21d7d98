"""Generated packages: built reproducibly, installed into a fresh environment with nothing but pip,
importable, typed, and free of every compiler dependency."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from click.testing import CliRunner

from codegen.cli import main
from codegen.emitters.package import pep440_version

pytestmark = pytest.mark.xdist_group("packages")

COMPILER_ONLY = {"jinja2", "click", "black", "grpcio-tools", "grpcio", "datamodel-code-generator", "ruff"}


def build(root: Path, out: Path, dist: Path) -> list[Path]:
    result = CliRunner().invoke(
        main,
        [
            "package",
            str(root / "contracts"),
            "-I",
            str(root / "contracts"),
            "-o",
            str(out),
            "--build",
            "--dist",
            str(dist),
        ],
    )
    assert result.exit_code == 0, result.output
    return sorted(dist.iterdir())


def digests(paths: list[Path]) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = Path(__file__).resolve().parents[2]
    base = tmp_path_factory.mktemp("packages")
    dists = build(root, base / "pkgs", base / "dist")
    runtime_dist = base / "runtime-dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(runtime_dist),
            str(root / "runtime"),
        ],
        check=True,
        capture_output=True,
    )
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    wheels = [str(p) for p in dists if p.suffix == ".whl"] + [str(p) for p in runtime_dist.glob("*.whl")]
    subprocess.run([str(py), "-m", "pip", "install", "-q", *wheels], check=True, capture_output=True)
    return {"root": root, "base": base, "dist": base / "dist", "python": py}


def test_every_contract_becomes_an_sdist_and_a_wheel(built: dict[str, Path]) -> None:
    names = sorted(p.name for p in built["dist"].iterdir())
    assert any(n.startswith("orders_contract-1.2.0") and n.endswith(".whl") for n in names), names
    assert any(n.startswith("orders_contract-1.2.0") and n.endswith(".tar.gz") for n in names), names
    wheels = [n for n in names if n.endswith(".whl")]
    assert len(wheels) == len(names) // 2


def test_builds_are_byte_identical(built: dict[str, Path]) -> None:
    again = build(built["root"], built["base"] / "pkgs2", built["base"] / "dist2")
    assert digests(again) == digests(sorted(built["dist"].iterdir()))


def test_installed_package_exposes_version_schema_and_records(built: dict[str, Path]) -> None:
    code = (
        "import json, orders_contract as p\n"
        "print(json.dumps({'version': p.__version__, 'name': p.CONTRACT_NAME,"
        " 'schema': p.schema(), 'files': list(p.SCHEMA_FILES), 'has_record': hasattr(p, 'OrderPlaced'),"
        " 'table': p.ORDERS_TABLE.table, 'has_writer': callable(p.orders_table_writer)}))"
    )
    out = subprocess.run([str(built["python"]), "-c", code], check=True, capture_output=True, text=True)
    info = json.loads(out.stdout)
    assert info["version"] == "1.2.0" and info["name"] == "orders"
    assert 'syntax = "proto3";' in info["schema"]
    assert "orders.proto" in " ".join(info["files"])
    assert info["has_record"]
    # the warehouse module imports without any database driver installed (they are extras)
    assert info["table"] == "sales.orders" and info["has_writer"]


def test_environment_holds_no_compiler_dependency(built: dict[str, Path]) -> None:
    out = subprocess.run(
        [str(built["python"]), "-m", "pip", "list", "--format", "json"], check=True, capture_output=True, text=True
    )
    installed = {d["name"].lower() for d in json.loads(out.stdout)}
    assert "contract-runtime" in installed and "msgspec" in installed
    assert not (installed & COMPILER_ONLY), installed & COMPILER_ONLY


def test_consumer_type_checks_against_installed_package(built: dict[str, Path], tmp_path: Path) -> None:
    consumer = tmp_path / "consumer.py"
    consumer.write_text(
        "import orders_contract\n\n"
        "def order_ids(orders: list[orders_contract.OrderPlaced]) -> list[str]:\n"
        "    return [str(o.order_id) for o in orders]\n\n"
        "VERSION: str = orders_contract.__version__\n"
    )
    bad = tmp_path / "bad_consumer.py"
    bad.write_text("import orders_contract\n\ndef f(o: orders_contract.OrderPlaced) -> int:\n    return o.order_id\n")
    cmd = [sys.executable, "-m", "mypy", "--strict", "--python-executable", str(built["python"]), "--no-incremental"]
    ok = subprocess.run([*cmd, str(consumer)], capture_output=True, text=True, cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    ko = subprocess.run([*cmd, str(bad)], capture_output=True, text=True, cwd=tmp_path)
    assert ko.returncode == 1 and 'Incompatible return value type (got "UUID", expected "int")' in ko.stdout


@pytest.mark.parametrize(
    ("semver", "pep440"),
    [("1.2.0", "1.2.0"), ("2.0.0-rc.1", "2.0.0rc1"), ("2.0.0-beta.3", "2.0.0b3"), ("1.0.0-snapshot", "1.0.0.dev0")],
)
def test_semantic_versions_map_to_pep440(semver: str, pep440: str) -> None:
    assert pep440_version(semver) == pep440


ROUND_TRIP = """
import datetime, decimal, sys, uuid
import orders_contract as p
from contract_runtime.ports import StartFrom

url = "sqlite:///" + sys.argv[1]
order = p.OrderPlaced(
    order_id=uuid.uuid4(),
    customer_email="jane@example.com",
    order_date=datetime.date(2024, 5, 1),
    items=[p.OrderPlacedLineItem(sku="SKU-1", quantity=2, unit_price=decimal.Decimal("9.99"))],
    total_amount=decimal.Decimal("19.98"),
    currency="EUR",
)
with p.OrderPlacedProducer(url=url) as producer:
    producer.publish(order)
with p.OrderPlacedReader("billing", url=url, start=StartFrom.BEGINNING) as reader:
    delivery = reader.next(timeout=10)
    assert delivery is not None and delivery.record == order, delivery
    delivery.ack()
print("round trip ok", delivery.headers.get("contract-version"))
"""


def test_installed_package_publishes_and_reads_through_the_embedded_port(
    built: dict[str, Path], tmp_path: Path
) -> None:
    script = tmp_path / "round_trip.py"
    script.write_text(ROUND_TRIP)
    done = subprocess.run(
        [str(built["python"]), str(script), str(tmp_path / "ports.db")], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "round trip ok 1.2.0"
