"""Configuration: ``[tool.contract-codegen]`` in pyproject.toml, or a ``contract-codegen.toml`` file.

Command-line values override configured ones; inputs given on the command line replace the
configured inputs. Unknown keys are errors (E050), as are unknown emitter names and emitter options.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec

from codegen.diagnostics import ContractError, Diagnostic, Location, display_path

CONFIG_FILE = "contract-codegen.toml"
LOCK_FILE = "contracts.lock.json"
DEFAULT_EMIT = ("python", "python-ports", "ir-json")


class BreakingSpec(msgspec.Struct, forbid_unknown_fields=True, rename="kebab"):
    """[tool.contract-codegen.breaking]: what the breaking-change detector does not report."""

    except_: list[str] = msgspec.field(default_factory=list, name="except")  # rule IDs or categories
    ignore: list[str] = []  # files or folders
    ignore_only: dict[str, list[str]] = {}  # rule ID or category -> files or folders
    retired: list[str] = []  # contract names deleted on purpose: their absence is no CONTRACT_NO_DELETE


class ConfigSpec(msgspec.Struct, forbid_unknown_fields=True, rename="kebab"):
    inputs: list[str] = []
    output: str = "generated"
    proto_paths: list[str] = []
    emit: list[str] = msgspec.field(default_factory=lambda: list(DEFAULT_EMIT))
    # emitter name -> that emitter's own options (each emitter checks its own strictly)
    emitters: dict[str, dict[str, object]] = {}
    # what the compiler last compiled, for the version check; "" turns the check off
    lock: str = LOCK_FILE
    breaking: BreakingSpec = msgspec.field(default_factory=BreakingSpec)


class Config(msgspec.Struct, frozen=True):
    inputs: tuple[Path, ...]
    output: Path
    proto_paths: tuple[Path, ...]
    emit: tuple[str, ...]
    emitter_options: dict[str, dict[str, object]] = msgspec.field(default_factory=dict)
    source: str | None = None  # the file the configuration came from
    lock: Path | None = None  # contracts.lock.json; None: none configured
    gate: bool = True  # the version check against the lock (False: --no-lock; the docs' changelog still reads it)
    # [breaking]: rule IDs or categories never reported; paths not reported; rule -> paths not reported
    breaking_except: tuple[str, ...] = ()
    breaking_ignore: tuple[Path, ...] = ()
    breaking_ignore_only: dict[str, tuple[Path, ...]] = msgspec.field(default_factory=dict)
    breaking_retired: tuple[str, ...] = ()
    # True when the command line named the inputs: a subset, so a contract missing from them is not deleted
    inputs_given: bool = False
    emit_given: bool = False  # --emit on the command line: an unknown name is blamed there, not on the file


def find_config(start: Path) -> tuple[Path, dict[str, object]] | None:
    """The explicit contract-codegen.toml wins over pyproject.toml; only the working directory is searched
    so that a run never picks up a parent project's settings by surprise."""
    own = start / CONFIG_FILE
    if own.is_file():
        data = _read_toml(own)
        section = data.get("tool", {}).get("contract-codegen", data)
        return own, section
    pyproject = start / "pyproject.toml"
    if pyproject.is_file():
        data = _read_toml(pyproject)
        section = data.get("tool", {}).get("contract-codegen")
        if section is not None:
            return pyproject, section
    return None


def _config_error(path: str, message: str) -> ContractError:
    return ContractError([Diagnostic(Location(path), "E050", message)])


_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)$")


def _read_toml(path: Path) -> dict[str, Any]:
    """A TOML file, or E050 at the line and column the parser names (it says them only in its message)."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _config_error(display_path(path), f"cannot read configuration: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        at = _TOML_AT.search(str(exc))
        where = Location(display_path(path), int(at[1]), int(at[2])) if at else Location(display_path(path))
        message = f"cannot read configuration: {_TOML_AT.sub('', str(exc)).strip()}"
        raise ContractError([Diagnostic(where, "E050", message)]) from None


def load_config(
    config_file: Path | None,
    inputs: Sequence[str],
    output: str | None,
    proto_paths: Sequence[str],
    emit: Sequence[str],
    lock: bool = True,
) -> Config:
    cwd = Path.cwd()
    found: tuple[Path, dict[str, object]] | None
    if config_file is not None:
        data = _read_toml(config_file)
        found = (config_file, data.get("tool", {}).get("contract-codegen", data))
    else:
        found = find_config(cwd)
    base = cwd
    spec = ConfigSpec()
    source = None
    if found is not None:
        path, section = found
        source = display_path(path)
        base = path.parent
        try:
            spec = msgspec.convert(section, ConfigSpec)
        except msgspec.ValidationError as exc:
            raise _config_error(source, f"invalid [tool.contract-codegen] configuration: {exc}") from None

    def rel(p: str) -> Path:
        return (base / p) if not Path(p).is_absolute() else Path(p)

    cfg_inputs = tuple(Path(p) for p in inputs) if inputs else tuple(rel(p) for p in spec.inputs)
    if not cfg_inputs:
        cfg_inputs = (base / "contracts",)
    return Config(
        inputs=cfg_inputs,
        output=Path(output) if output else rel(spec.output),
        proto_paths=tuple(Path(p) for p in proto_paths) if proto_paths else tuple(rel(p) for p in spec.proto_paths),
        emit=tuple(emit) if emit else tuple(spec.emit),
        emitter_options=spec.emitters,
        source=source,
        lock=rel(spec.lock) if spec.lock else None,
        gate=lock and bool(spec.lock),
        breaking_except=tuple(spec.breaking.except_),
        breaking_ignore=tuple(rel(p) for p in spec.breaking.ignore),
        breaking_ignore_only={k: tuple(rel(p) for p in v) for k, v in spec.breaking.ignore_only.items()},
        breaking_retired=tuple(spec.breaking.retired),
        inputs_given=bool(inputs),
        emit_given=bool(emit),
    )
