"""The package emitter: one pip-installable distribution per contract, versioned with the contract.

Each package holds the contract's generated Python modules (the same emitters `generate` runs, with
the package's own import name), its schema files as package data, a README from the contract's
documentation, and a PEP 621 pyproject.toml built by hatchling. Its only dependency is the lean
runtime; transports and warehouses are extras.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

import msgspec

from codegen import ir, naming
from codegen.emitters.base import Emitter, OutputFile
from codegen.metadata import versioned_table_name
from codegen.templating import render_template

# Python emitters whose output belongs in a package, in the order they run.
PYTHON_EMITTERS = ("python", "python-ports", "python-warehouse")
RUNTIME_REQUIREMENT = "contract-runtime>=0.1,<1"


def compatible_pin(version: str) -> str:
    """The range of versions compatible with ``version``: its major; below 1.0.0 its minor, where a minor
    bump may break (as the version check reads 0.x)."""
    major, minor = (int(p) for p in version.split(".")[:2])
    return f">={major},<{major + 1}" if major else f">=0.{minor},<0.{minor + 1}"


RUNTIME_EXTRAS = ("nats", "kafka", "duckdb", "postgres", "iceberg", "protobuf")


class PackageOptions(msgspec.Struct, forbid_unknown_fields=True, frozen=True, rename="kebab"):
    prefix: str = ""  # prepended to every distribution name, e.g. "acme-"
    suffix: str = "-contract"
    runtime: str = RUNTIME_REQUIREMENT


def dist_name(contract: ir.Contract, options: PackageOptions) -> str:
    """'orders' -> 'orders-contract' (PEP 503 normalised)."""
    return re.sub(r"[-_.]+", "-", f"{options.prefix}{contract.name}{options.suffix}").lower()


def runtime_requirement(contract: ir.Contract, options: PackageOptions) -> str:
    """Protobuf contracts travel as protobuf binary, so their packages need the runtime's protobuf extra."""
    if contract.source.language is ir.SchemaLanguage.PROTOBUF and "[" not in options.runtime:
        return options.runtime.replace("contract-runtime", "contract-runtime[protobuf]", 1)
    return options.runtime


def import_name(contract: ir.Contract, options: PackageOptions) -> str:
    return naming.module_name(dist_name(contract, options))


_PRE = re.compile(r"^(?P<base>\d+\.\d+\.\d+)(?:-(?P<tag>alpha|a|beta|b|rc)\.?(?P<n>\d+)?)?(?:\+.*)?$")


def pep440_version(version: str) -> str:
    """Semantic version -> PEP 440: '2.1.0-rc.1' -> '2.1.0rc1'. Other pre-release tags become dev releases."""
    m = _PRE.match(version)
    if m is None:
        base = version.split("-", 1)[0].split("+", 1)[0]
        return f"{base}.dev0"
    tag = {"alpha": "a", "a": "a", "beta": "b", "b": "b", "rc": "rc"}.get(m["tag"] or "")
    return m["base"] + (f"{tag}{m['n'] or 0}" if tag else "")


def _source_files(contract: ir.Contract) -> list[tuple[str, Path]]:
    """The contract's schema files, named relative to their common folder so imports still resolve."""
    paths = [Path(p) for p in (contract.source.files or (contract.source.path,))]
    common = Path(os.path.commonpath([p.parent for p in paths]))
    return [(p.relative_to(common).as_posix(), p) for p in paths]


class PackageEmitter(Emitter[PackageOptions]):
    name = "package"
    description = "a pip-installable distribution per contract (pyproject, modules, schema files)"
    options_type = PackageOptions

    def generate(self, contracts: Sequence[ir.Contract], options: PackageOptions) -> list[OutputFile]:
        from codegen.emitters import registry

        emitters = registry()
        files: list[OutputFile] = []
        for contract in contracts:
            dist, pkg = dist_name(contract, options), import_name(contract, options)
            root = PurePosixPath("packages") / dist
            modules: list[str] = []
            for name in PYTHON_EMITTERS:
                if name not in emitters:
                    continue
                emitter = emitters[name]
                for f in emitter.generate([contract], emitter.parse_options({"package": pkg})):
                    rel = PurePosixPath(f.path).relative_to(PurePosixPath("python") / pkg)
                    if rel.name in ("__init__.py", "py.typed"):
                        continue  # the package's own versions below
                    files.append(OutputFile(str(root / "src" / pkg / rel), f.content))
                    if rel.suffix == ".py":
                        modules.append(rel.stem)
            schemas = _source_files(contract)
            for rel_name, path in schemas:
                files.append(OutputFile(str(root / "src" / pkg / "schema" / rel_name), path.read_bytes()))
            view = {
                "contract": contract,
                "dist": dist,
                "pkg": pkg,
                "version": pep440_version(contract.version),
                "modules": sorted(modules),
                "main_schema": schemas[0][0] if schemas else "",
                "schema_files": [s[0] for s in schemas],
                "runtime": runtime_requirement(contract, options),
                "pin": compatible_pin(contract.version),
                "port_targets": [
                    (p.name, f"stream {p.subject}")
                    if isinstance(p, ir.StreamPort)
                    else (p.name, f"table {versioned_table_name(p.table, contract.major)}")
                    for p in contract.ports
                ],
                "extras": RUNTIME_EXTRAS,
                "summary": (contract.description or contract.title or contract.name).strip().splitlines()[0]
                if (contract.description or contract.title)
                else f"Data contract {contract.name}",
            }
            files.append(OutputFile(str(root / "pyproject.toml"), render_template("package/pyproject.toml.j2", view)))
            files.append(OutputFile(str(root / "README.md"), render_template("package/README.md.j2", view)))
            files.append(
                OutputFile(str(root / "src" / pkg / "__init__.py"), render_template("package/init.py.j2", view))
            )
            files.append(OutputFile(str(root / "src" / pkg / "py.typed"), b""))
        return files
