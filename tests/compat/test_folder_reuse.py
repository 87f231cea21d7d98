"""`breaking DIR --against DIR`: a contract none of whose files differ between the two folders is its own
previous version and is not compiled again. The findings must be exactly those of compiling the whole
previous folder, whatever changed: a library, a file moved, added or deleted, an import added."""

from __future__ import annotations

import random
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest

from codegen import ir
from codegen.compat import Category, check, sources
from codegen.config import Config
from tests.compat import proto_fuzz
from tests.compat.conftest import REPO


def _config(folder: Path) -> Config:
    return Config(inputs=(folder,), output=Path("unused"), proto_paths=(), emit=())


def _shown(previous: list[ir.Contract], current: list[ir.Contract]) -> list[str]:
    return [f"{f.location}: {f.rule} {f.message}" for f in check(previous, current, categories=list(Category))]


def reused_and_full(previous: Path, current: Path) -> tuple[list[str], list[str], int]:
    """Findings with the unchanged contracts reused, findings with the whole previous folder compiled, and
    how many previous contracts were reused (the very objects of the current compile)."""
    now = sources.compile_current(_config(current))
    assert not [d for d in now.diagnostics if d.is_error]
    reused = sources.load_against(str(previous), _config(current), now.contracts)
    full = sources.compile_current(msgspec.structs.replace(_config(current), inputs=(previous,)))
    same = sum(any(p is c for c in now.contracts) for p in reused.contracts)
    return _shown(reused.contracts, now.contracts), _shown(full.contracts, now.contracts), same


def _copy_examples(tmp: Path) -> tuple[Path, Path]:
    for side in ("previous", "current"):
        shutil.copytree(REPO / "contracts", tmp / side)
    return tmp / "previous", tmp / "current"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_nothing_changed_compiles_nothing(tmp_path: Path) -> None:
    previous, current = _copy_examples(tmp_path)
    reused, full, same = reused_and_full(previous, current)
    assert reused == full == []
    assert same == len(sources.compile_current(_config(current)).contracts) > 0


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        # A library two contracts share, and a library one protobuf contract imports.
        ("shared/definitions.schema.json", '"maxLength": 16', '"maxLength": 8'),
        ("orders/common/address.proto", "string city = 2;", "int64 city = 2;"),
        # The main file of one contract: the others stay reused.
        ("orders/orders.proto", "string customer_id = 2", "int64 customer_id = 2"),
    ],
)
def test_a_changed_file_recompiles_what_reads_it(tmp_path: Path, file: str, old: str, new: str) -> None:
    previous, current = _copy_examples(tmp_path)
    _edit(current / file, old, new)
    reused, full, same = reused_and_full(previous, current)
    assert reused == full and full, full
    assert same > 0  # the contracts that read no changed file were not compiled again


def test_files_added_deleted_and_imported(tmp_path: Path) -> None:
    previous, current = _copy_examples(tmp_path)
    plain = 'syntax = "proto3";\npackage acme.extra.v1;\nmessage Extra { string note = 1; }\n'
    (previous / "extra.proto").write_text(plain, encoding="utf-8")  # deleted from current
    (current / "added.proto").write_text(plain.replace("extra", "added"), encoding="utf-8")
    reused, full, _ = reused_and_full(previous, current)
    assert reused == full and any("FILE_NO_DELETE" in f for f in full), full
    # A plain file on both sides whose type a contract starts to use: alone before, inside the contract now.
    shutil.copy(current / "added.proto", previous / "added.proto")
    (previous / "extra.proto").unlink()
    orders = current / "orders/orders.proto"
    _edit(
        orders, 'import "orders/common/address.proto";', 'import "orders/common/address.proto";\nimport "added.proto";'
    )
    _edit(orders, "string email = 16", "acme.added.v1.Extra extra = 17;\n  string email = 16")
    reused, full, _ = reused_and_full(previous, current)
    assert reused == full and full, (reused, full)


@pytest.mark.parametrize("seed", [11, 12])
def test_random_protobuf_changes_find_the_same(tmp_path: Path, seed: int) -> None:
    """The differential run's random packages (moves between files, companions, package changes), half of
    them left unchanged so that reuse has something to reuse."""
    rng = random.Random(seed)
    drawer = proto_fuzz.Drawer(rng)
    for i in range(16):
        base, changed, _ = proto_fuzz.draw_pair(drawer, i)
        if i % 2:
            changed = base
        for side, model in (("previous", base), ("current", changed)):
            for g in model.files():
                target = tmp_path / side / g.path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(proto_fuzz.render(g), encoding="utf-8")
    reused, full, same = reused_and_full(tmp_path / "previous", tmp_path / "current")
    assert reused == full and full
    assert same >= 8


def test_a_git_ref_recompiles_a_changed_json_library(tmp_path: Path, in_dir: Callable[[Path], None]) -> None:
    """Against a git ref too: a JSON Schema library compiled without its $ref targets read as 'any value'."""
    current = _copy_examples(tmp_path)[1]
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=current, check=True)
    subprocess.run([*git, "add", "."], cwd=current, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "v1"], cwd=current, check=True)
    _edit(current / "shared/definitions.schema.json", '"maxLength": 16', '"maxLength": 8')
    in_dir(current)
    now = sources.compile_current(_config(Path(".")))
    at_ref = sources.load_against("HEAD", _config(Path(".")), now.contracts)
    shown = [f.rule for f in check(at_ref.contracts, now.contracts, categories=list(Category))]
    assert shown == ["CONSTRAINT_TIGHTENED"], shown
