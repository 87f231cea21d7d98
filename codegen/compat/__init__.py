"""Breaking-change detection: previous and current versions of each contract, compared on the IR.

``backward(previous, current)`` is the one directional check; ``check`` applies each contract's mode
(BACKWARD, FORWARD, FULL, their *_TRANSITIVE variants, NONE) to lists of contracts; ``check_versions``
is what the compiler asks about version bumps; ``write_lock``/``read_lock`` keep what was compiled.
"""

from __future__ import annotations

from codegen.compat.backward import backward, check, check_contract, check_pair, forward
from codegen.compat.findings import Finding
from codegen.compat.lockfile import LOCK_NAME, read_lock, write_lock
from codegen.compat.rules import DEFAULT_CATEGORIES, RULES, Category, Rule
from codegen.compat.versions import check_versions

__all__ = [
    "DEFAULT_CATEGORIES",
    "LOCK_NAME",
    "RULES",
    "Category",
    "Finding",
    "Rule",
    "backward",
    "check",
    "check_contract",
    "check_pair",
    "check_versions",
    "forward",
    "read_lock",
    "write_lock",
]
