"""The generated dbt project, built for real with dbt-core and dbt-duckdb over data the generated writer landed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from codegen.emitters.dbt import DbtEmitter
from tests.warehouse.fixtures import contract
from tests.warehouse.test_generated_writers import records, shipments_module

# dbt lives in its own environment (its pins clash with the compiler's tools); `make test` says where.
DBT = Path(os.environ.get("DBT_EXECUTABLE") or Path(sys.executable).parent / "dbt")


def write_project(root: Path, adapter: str = "duckdb") -> dict[str, str]:
    emitter = DbtEmitter()
    files = {
        f.path: f.content.decode() for f in emitter.generate([contract()], emitter.parse_options({"adapter": adapter}))
    }
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return files


def test_models_yaml_carries_contract() -> None:
    emitter = DbtEmitter()
    out = {f.path: f.content.decode() for f in emitter.generate([contract()], emitter.parse_options({}))}
    models = out["dbt/models/staging/shipments/_stg_shipments__shipments__models.yml"]
    assert "enforced: true" in models
    assert 'data_type: "DECIMAL(10, 2)"' in models
    assert '- "unique"' in models and "accepted_values" in models and "\"O''NEIL\"" in models  # escaped for dbt
    assert 'owner: "logistics"' in models and 'freshness: "PT1H"' in models
    pg = {
        f.path: f.content.decode()
        for f in emitter.generate([contract()], emitter.parse_options({"adapter": "postgres"}))
    }
    assert 'data_type: "NUMERIC(10, 2)"' in pg["dbt/models/staging/shipments/_stg_shipments__shipments__models.yml"]


def test_unknown_adapter_rejected() -> None:
    with pytest.raises(Exception, match="unknown adapter"):
        DbtEmitter().parse_options({"adapter": "oracle"})


@pytest.mark.slow
def test_dbt_build_green_over_written_data(tmp_path: Path) -> None:
    write_project(tmp_path)
    db = tmp_path / "warehouse.duckdb"
    generated = shipments_module(tmp_path / "gen", "gen_dbt")  # the generated typed writer lands the data
    con = duckdb.connect(str(db))
    result = generated.shipments_table_writer(con).write(records(sys.modules["gen_dbt.shipments"], 2000))
    assert (result.written, result.rejected) == (2000, [])
    con.close()
    (tmp_path / "dbt" / "profiles.yml").write_text(
        f'contracts:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: "{db}"\n      threads: 1\n'
    )
    proc = subprocess.run(
        [str(DBT), "build", "--project-dir", str(tmp_path / "dbt"), "--profiles-dir", str(tmp_path / "dbt")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "PASS=" in proc.stdout and "ERROR=0" in proc.stdout
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM main.stg_shipments__shipments").fetchone() == (2000,)
