"""`package --build`: sdists and wheels through the standard `build` frontend, reproducibly.

hatchling writes fixed timestamps and sorted entries; SOURCE_DATE_EPOCH pins the sdist's too, so the
same inputs give byte-identical files on every machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

SOURCE_DATE_EPOCH = "315532800"  # 1980-01-01, the earliest date a zip file can hold


class BuildError(Exception):
    pass


def build_distributions(package_dirs: Sequence[Path], dist_dir: Path, *, isolated: bool) -> list[Path]:
    """Build each package folder into dist_dir; returns the files built, sorted."""
    dist_dir.mkdir(parents=True, exist_ok=True)
    before = set(dist_dir.iterdir())
    env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    for pkg in package_dirs:
        cmd = [sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(dist_dir), str(pkg)]
        if not isolated:
            cmd.insert(3, "--no-isolation")  # use the installed hatchling: no index needed
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise BuildError(f"building {pkg} failed:\n{done.stdout}{done.stderr}")
    return sorted(p for p in dist_dir.iterdir() if p not in before or p.suffix in (".whl", ".gz"))
