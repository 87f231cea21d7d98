"""The command line: generate, check, lint, emitters.

Exit codes: 0 success; 1 `check` found stale output; 2 a contract or configuration error (nothing
written). Diagnostics go to stderr as ``path:line:col: CODE message``, sorted and de-duplicated.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

import click
from msgspec.structs import replace

import codegen
from codegen import ir
from codegen.cli_breaking import breaking
from codegen.config import Config, load_config
from codegen.diagnostics import ContractError, Diagnostic, Diagnostics, counted, display_path

EXIT_STALE = 1
EXIT_CONTRACT_ERROR = 2
EXIT_BUILD_FAILED = 3


def _print_diagnostics(diags: Sequence[Diagnostic]) -> None:
    for d in sorted(set(diags)):
        click.echo(d.format(), err=True)


def _fail(diags: Sequence[Diagnostic]) -> NoReturn:
    _print_diagnostics(diags)
    errors = sum(1 for d in set(diags) if d.is_error)
    click.echo(f"{counted(errors, 'error')}; nothing written", err=True)
    sys.exit(EXIT_CONTRACT_ERROR)


def _progress(quiet: bool) -> Callable[[str], None] | None:
    """Phase messages on an interactive terminal only: CI logs and pipes stay clean."""
    if quiet or not sys.stderr.isatty():
        return None
    start = time.perf_counter()

    def show(message: str) -> None:
        click.echo(f"\r\033[K[{time.perf_counter() - start:5.2f}s] {message}...", err=True, nl=False)

    return show


def _end_progress(progress: Callable[[str], None] | None) -> None:
    if progress is not None:
        click.echo("\r\033[K", err=True, nl=False)


_common = [  # after INPUTS and -o (see common_options)
    click.option(
        "-I",
        "--proto-path",
        "proto_paths",
        multiple=True,
        type=click.Path(path_type=str),
        help="Import root for .proto files, as for protoc and buf (repeatable). Default: each input folder.",
    ),
    click.option(
        "--emit",
        multiple=True,
        help="Emitter to run (repeatable) [default: configured list, else python and ir-json]. "
        "See `contract-codegen emitters`.",
    ),
    click.option(
        "--config",
        "config_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Configuration file [default: contract-codegen.toml or [tool.contract-codegen] in pyproject.toml].",
    ),
    click.option(
        "--no-lock",
        is_flag=True,
        help="Skip the version check against contracts.lock.json and leave the lock as it is.",
    ),
]


def common_options(fn: Callable[..., None], output_default: str = "generated") -> Callable[..., None]:
    decorators = [
        click.argument("inputs", nargs=-1, type=click.Path(path_type=str)),
        click.option(
            "-o", "--output", type=click.Path(path_type=str), help=f"Output folder [default: {output_default}]."
        ),
        *_common,
    ]
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return fn


def package_options(fn: Callable[..., None]) -> Callable[..., None]:
    """The common options, where the output folder defaults elsewhere."""
    return common_options(fn, output_default="build/contract-packages")


def _config(
    inputs: tuple[str, ...],
    output: str | None,
    proto_paths: tuple[str, ...],
    emit: tuple[str, ...],
    config_file: Path | None,
    lock: bool = False,
) -> Config:
    try:
        return load_config(config_file, inputs, output, proto_paths, emit, lock=lock)
    except ContractError as exc:
        _fail(exc.diagnostics)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(codegen.__version__, prog_name="contract-codegen")
def main() -> None:
    """Compile data contracts (protobuf, JSON Schema) into typed Python records, producers and
    readers, warehouse models, documentation and packages.

    \b
    Typical use:
      contract-codegen generate                 # contracts/ -> generated/ (or as configured)
      contract-codegen check                    # in CI: fail if generated/ is stale
      contract-codegen lint contracts/          # errors and warnings only, writes nothing
    """


@main.command()
@common_options
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary output.")
@click.option("--force", is_flag=True, help="Regenerate even when nothing changed.")
def generate(
    inputs: tuple[str, ...],
    output: str | None,
    proto_paths: tuple[str, ...],
    emit: tuple[str, ...],
    config_file: Path | None,
    no_lock: bool,
    quiet: bool,
    force: bool,
) -> None:
    """Compile INPUTS (files or folders) and write the output tree.

    The whole tree is written or nothing is: on any contract error the command prints every error
    as `path:line:col: CODE message`, exits 2 and leaves the output folder untouched.
    """
    from codegen import pipeline, writer

    cfg = _config(inputs, output, proto_paths, emit, config_file, lock=not no_lock)
    settings = writer.settings_digest(_settings(cfg))
    found_diags = Diagnostics()
    found = pipeline.expand_inputs(cfg.inputs, found_diags)
    lock_ok = not cfg.gate or cfg.lock is None or cfg.lock.is_file()
    if not force and found and lock_ok and writer.is_fresh(cfg.output, settings, found):
        if not quiet:
            click.echo(f"{len(found)} input files unchanged; {display_path(cfg.output)} is up to date", err=True)
        return
    from codegen import versioning  # the lock file: not needed when nothing changed

    progress = _progress(quiet)
    compiled = pipeline.compile_files(cfg, found, found_diags, progress)
    if compiled.diagnostics.has_errors:
        _end_progress(progress)
        _fail(compiled.diagnostics.items)
    try:
        previous = _version_gate(cfg, compiled.contracts)
        files = pipeline.render(compiled.contracts, cfg, progress, previous)
        writer.write_tree(cfg.output, files, writer.make_stamp(settings, found, compiled.files_read))
        if cfg.gate:
            versioning.record(cfg.lock, compiled.contracts)
    except ContractError as exc:
        _end_progress(progress)
        _fail([*compiled.diagnostics.items, *exc.diagnostics])
    _end_progress(progress)
    _print_diagnostics(compiled.diagnostics.warnings())
    if not quiet:
        done = f"{counted(len(compiled.contracts), 'contract')} -> {counted(len(files), 'file')}"
        click.echo(f"{done} in {display_path(cfg.output)}", err=True)


def _version_gate(cfg: Config, contracts: Sequence[ir.Contract]) -> list[ir.Contract] | None:
    """Print version findings; a breaking change without a major bump stops the run (exit 2).
    Returns what the lock records (read once: the docs' changelog uses it too, also under --no-lock)."""
    from codegen import versioning
    from codegen.compat.policy import from_config

    if not cfg.gate:
        try:
            return versioning.read(cfg.lock)
        except ContractError as exc:  # the check is off: an unreadable lock only costs the changelog
            for d in exc.diagnostics:
                click.echo(f"{d.format()} (--no-lock: the docs' changelog is left out)", err=True)
            return None
    previous = versioning.read(cfg.lock)
    policy = from_config(cfg)
    findings = versioning.version_findings(previous, contracts, policy, whole=not cfg.inputs_given) if previous else []
    for f in findings:
        click.echo(f.format(), err=True)
    errors = [f for f in findings if f.is_error]
    if errors:
        click.echo(
            f"{counted(len(errors), 'error')} from the version check against {display_path(cfg.lock or '')}; "
            "nothing written (see docs/breaking-changes.md)",
            err=True,
        )
        sys.exit(EXIT_CONTRACT_ERROR)
    return previous


def _settings(cfg: Config) -> dict[str, object]:
    """What the output depends on besides the inputs (where it is written does not change it)."""
    return {
        "emit": list(cfg.emit),
        "options": cfg.emitter_options,
        "proto_paths": [display_path(p) for p in cfg.proto_paths],
        "lock": display_path(cfg.lock) if cfg.lock and cfg.gate else None,  # a run without the gate is no proof
        # What the version gate lets pass: a changed [breaking] section is judged (and checked) again.
        "breaking": {
            "except": list(cfg.breaking_except),
            "ignore": [display_path(p) for p in cfg.breaking_ignore],
            "ignore_only": {r: [display_path(p) for p in ps] for r, ps in sorted(cfg.breaking_ignore_only.items())},
            "retired": sorted(cfg.breaking_retired),
        },
    }


@main.command()
@common_options
def check(
    inputs: tuple[str, ...],
    output: str | None,
    proto_paths: tuple[str, ...],
    emit: tuple[str, ...],
    config_file: Path | None,
    no_lock: bool,
) -> None:
    """Fail (exit 1) when the committed output differs from what `generate` would write.

    For CI and pre-commit. Prints which files are stale, missing or no longer generated.
    """
    from codegen import pipeline, versioning, writer

    cfg = _config(inputs, output, proto_paths, emit, config_file, lock=not no_lock)
    compiled = pipeline.compile_inputs(cfg)
    if compiled.diagnostics.has_errors:
        _fail(compiled.diagnostics.items)
    try:
        previous = _version_gate(cfg, compiled.contracts)
        unrecorded = versioning.unrecorded(cfg.lock, previous, compiled.contracts) if cfg.gate else []
        files = pipeline.render(compiled.contracts, cfg, previous=previous)
    except ContractError as exc:
        _fail([*compiled.diagnostics.items, *exc.diagnostics])
    drift = writer.compare(cfg.output, files)
    _print_diagnostics(compiled.diagnostics.warnings())
    if unrecorded:
        click.echo(f"stale: {display_path(cfg.lock or '')} does not record {', '.join(unrecorded)}", err=True)
    if drift.clean and not unrecorded:
        click.echo(f"{display_path(cfg.output)} is up to date ({len(files)} files)", err=True)
        return
    for label, paths in (("changed", drift.changed), ("missing", drift.added), ("no longer generated", drift.removed)):
        for p in paths:
            click.echo(f"{label}: {display_path(cfg.output / p)}", err=True)
    click.echo(
        f"{display_path(cfg.output)} is stale: {len(drift.changed)} changed, {len(drift.added)} missing, "
        f"{len(drift.removed)} no longer generated; run `contract-codegen generate`",
        err=True,
    )
    sys.exit(EXIT_STALE)


@main.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "-I",
    "--proto-path",
    "proto_paths",
    multiple=True,
    type=click.Path(path_type=str),
    help="Import root for .proto files.",
)
@click.option(
    "--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Configuration file."
)
def lint(inputs: tuple[str, ...], proto_paths: tuple[str, ...], config_file: Path | None) -> None:
    """Report contract errors and warnings; write nothing. Exit 2 on any error."""
    from codegen import pipeline

    cfg = _config(inputs, None, proto_paths, (), config_file)
    compiled = pipeline.compile_inputs(cfg)
    if not compiled.diagnostics.has_errors:
        pipeline.lint_contracts(compiled.contracts, compiled.diagnostics)
    _print_diagnostics(compiled.diagnostics.items)
    errors = len(compiled.diagnostics.errors())
    warnings = len(compiled.diagnostics.warnings())
    summary = (
        f"{counted(len(compiled.contracts), 'contract')}: {counted(errors, 'error')}, {counted(warnings, 'warning')}"
    )
    click.echo(summary, err=True)
    if errors:
        sys.exit(EXIT_CONTRACT_ERROR)


@main.command("emitters")
def list_emitters() -> None:
    """List the available emitters."""
    from codegen.emitters import registry

    for name, emitter in sorted(registry().items()):
        click.echo(f"{name:18} {emitter.description}")


@main.command()
@package_options
@click.option("--prefix", default=None, help="Prefix for every distribution name, e.g. 'acme-'.")
@click.option("--build", "build_dists", is_flag=True, help="Also build sdists and wheels with `python -m build`.")
@click.option(
    "--dist",
    "dist_dir",
    default="dist",
    show_default=True,
    type=click.Path(path_type=Path),
    help="Where --build puts them.",
)
@click.option(
    "--isolated/--no-isolation", default=False, show_default=True, help="Build in an isolated env (fetches hatchling)."
)
def package(
    inputs: tuple[str, ...],
    output: str | None,
    proto_paths: tuple[str, ...],
    emit: tuple[str, ...],
    config_file: Path | None,
    no_lock: bool,
    prefix: str | None,
    build_dists: bool,
    dist_dir: Path,
    isolated: bool,
) -> None:
    """Write one pip-installable package per contract (versioned with it) and optionally build them.

    Packages are written under OUTPUT/packages/<name>-contract/ [default OUTPUT: build/contract-packages].
    """
    from codegen import pipeline, writer
    from codegen.package_build import BuildError, build_distributions

    cfg = _config(inputs, output or "build/contract-packages", proto_paths, ("package",), config_file, not no_lock)
    if prefix is not None:
        opts = dict(cfg.emitter_options.get("package", {}), prefix=prefix)
        cfg = replace(cfg, emitter_options={**cfg.emitter_options, "package": opts})
    compiled = pipeline.compile_inputs(cfg)
    if compiled.diagnostics.has_errors:
        _fail(compiled.diagnostics.items)
    try:
        # The version gate as `generate` runs it: a package is how a breaking change would ship. The lock
        # is left as it is; `generate` records it.
        previous = _version_gate(cfg, compiled.contracts)
        files = pipeline.render(compiled.contracts, cfg, previous=previous)
        stamp = writer.make_stamp(writer.settings_digest(_settings(cfg)), compiled.inputs, compiled.files_read)
        writer.write_tree(cfg.output, files, stamp)
    except ContractError as exc:
        _fail([*compiled.diagnostics.items, *exc.diagnostics])
    package_dirs = sorted({cfg.output / Path(f.path).parts[0] / Path(f.path).parts[1] for f in files})
    for d in package_dirs:
        click.echo(f"package {d}", err=True)
    if build_dists:
        try:
            built = build_distributions(package_dirs, dist_dir, isolated=isolated)
        except BuildError as exc:
            click.echo(str(exc), err=True)
            sys.exit(EXIT_BUILD_FAILED)
        for b in built:
            click.echo(f"built {b}", err=True)


main.add_command(breaking)
