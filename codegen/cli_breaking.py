"""`contract-codegen breaking`: compare every contract with its previous version.

Exit codes: 0 no breaking change (warnings may be printed); 100 at least one breaking change;
1 a usage error (unknown category, --against that is no directory, lock file or git ref);
2 a contract error in the current or the previous version (printed as diagnostics).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from codegen import ir
from codegen.diagnostics import ContractError, Diagnostic, counted

EXIT_BREAKING = 100
EXIT_USAGE = 1
EXIT_CONTRACT_ERROR = 2
MODES = [m.value for m in ir.Compatibility]


def _usage(message: str) -> None:
    click.echo(f"contract-codegen breaking: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _contract_errors(diagnostics: list[Diagnostic], which: str) -> None:
    errors = [d for d in diagnostics if d.is_error]
    if not errors:
        return
    for d in sorted(set(diagnostics)):
        click.echo(d.format(), err=True)
    click.echo(f"{counted(len(set(errors)), 'error')} in the {which} version; nothing compared", err=True)
    sys.exit(EXIT_CONTRACT_ERROR)


def _not_compared(diagnostics: list[Diagnostic]) -> None:
    """What plain schemas hold that the IR cannot represent is left out of the comparison: say what (W020).
    Enum values their own keywords reject are compared as absent (W012)."""
    left_out = sorted({d for d in diagnostics if d.code == "W020"})
    for d in left_out:
        click.echo(d.format(), err=True)
    if left_out:
        click.echo(f"{counted(len(left_out), 'part')} of plain schemas not compared (W020)", err=True)
    # An enum value its own keywords reject is compared as absent: say so, or a finding naming it looks wrong.
    for d in sorted({d for d in diagnostics if d.code == "W012"}):
        click.echo(d.format(), err=True)


class _UsageError(click.UsageError):
    exit_code = EXIT_USAGE


class _BreakingCommand(click.Command):
    """click ends a usage error with exit 2, which `breaking` keeps for contract errors: here it is 1."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise _UsageError(exc.format_message(), exc.ctx) from None


@click.command("breaking", cls=_BreakingCommand)
@click.argument("inputs", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--against",
    required=True,
    help="The previous version: a directory of contracts, a git ref (branch, tag, commit) or a contracts.lock.json.",
)
@click.option(
    "-I", "--proto-path", "proto_paths", multiple=True, type=click.Path(path_type=str), help="Import root for .proto."
)
@click.option(
    "--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Configuration file."
)
@click.option(
    "--mode",
    type=click.Choice(MODES, case_sensitive=False),
    default=None,
    help="Compatibility mode for every contract [default: each contract's declared `compatibility`].",
)
@click.option(
    "--category",
    "categories",
    multiple=True,
    help="Rule category (repeatable): WIRE, WIRE_JSON, FILE, PACKAGE, VALUES, METADATA "
    "[default: FILE, VALUES, METADATA].",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "junit", "github"]), default="text", show_default=True
)
@click.option(
    "--except",
    "excepted",
    multiple=True,
    help="Rule ID or category not to report (repeatable), besides [breaking] except in the configuration.",
)
@click.option(
    "--ignore",
    "ignored",
    multiple=True,
    type=click.Path(path_type=Path),
    help="File or folder whose findings are not reported (repeatable), besides [breaking] ignore.",
)
@click.option(
    "--update-lock",
    type=click.Path(dir_okay=False, path_type=Path),
    help="When clean, record the current contracts in this lock file.",
)
def breaking(
    inputs: tuple[str, ...],
    against: str,
    proto_paths: tuple[str, ...],
    config_file: Path | None,
    mode: str | None,
    categories: tuple[str, ...],
    fmt: str,
    excepted: tuple[str, ...],
    ignored: tuple[Path, ...],
    update_lock: Path | None,
) -> None:
    """Report every breaking change of INPUTS (files or folders) against a previous version.

    Findings print as `path:line:col: RULE_ID message` (or JSON lines, JUnit XML, GitHub annotations).
    See docs/breaking-changes.md for the rules, categories and modes.
    """
    from codegen.compat import output, rules, sources
    from codegen.compat.backward import check
    from codegen.compat.lockfile import write_lock
    from codegen.compat.policy import from_config
    from codegen.config import load_config

    try:
        wanted = rules.parse_categories(categories) if categories else rules.DEFAULT_CATEGORIES
    except ValueError as exc:
        _usage(str(exc))
    try:
        cfg = load_config(config_file, inputs, None, proto_paths, ())
        policy = from_config(cfg, excepted, ignored)
    except ContractError as exc:
        _contract_errors(exc.diagnostics, "current")
        raise  # unreachable: every config error is an error diagnostic
    except ValueError as exc:
        _usage(str(exc))
    # A lock file holds contracts as `generate` compiled them; anything else is compiled here for comparing.
    current = sources.compile_current(cfg, schemas=not Path(against).is_file())
    _contract_errors(current.diagnostics, "current")
    _not_compared(current.diagnostics)
    try:
        previous = sources.load_against(against, cfg, current.contracts)
    except sources.SourceError as exc:
        _usage(str(exc))
    _contract_errors(previous.diagnostics, "previous")
    current_contracts = current.contracts

    chosen = ir.Compatibility(mode.upper()) if mode else None
    findings, left_out = policy.filter(check(previous.contracts, current_contracts, chosen, wanted))
    names = sorted({c.name for c in current_contracts})
    click.echo(output.render(fmt, findings, names), nl=False)
    errors = sum(1 for f in findings if f.is_error)
    warnings = len(findings) - errors
    click.echo(
        f"{counted(len(current.contracts), 'contract')} checked against {against}: "
        f"{counted(errors, 'breaking change')}, {counted(warnings, 'warning')}"
        + (f" ({left_out} more not reported: [breaking] except/ignore/retired)" if left_out else ""),
        err=True,
    )
    if errors:
        sys.exit(EXIT_BREAKING)
    if update_lock is not None:
        # The lock holds what `generate` compiles (plain files as contracts), not the schemas compared here.
        locked = current if Path(against).is_file() else sources.compile_current(cfg, schemas=False)
        _contract_errors(locked.diagnostics, "current")
        write_lock(locked.contracts, update_lock)
