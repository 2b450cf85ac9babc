"""Build the release archive HACS installs: dist/<hacs.json filename>.

With `zip_release`, HACS unpacks the release asset into custom_components/<domain>/,
so the archive holds the integration folder's files at its root. The package checks
run first; the archive is not built from a package that fails them. Entries are
sorted and time-stamped alike, so the same tree always gives the same archive.

Usage: scripts/release [--tag vX.Y.Z] [--output DIR]
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
import json
from pathlib import Path
import sys
from typing import Final
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from check_package import DOMAIN, Package, run_checks

ROOT: Final = Path(__file__).resolve().parent.parent
EXCLUDED_DIRECTORIES: Final = frozenset({"__pycache__"})
EXCLUDED_SUFFIXES: Final = frozenset({".pyc", ".pyo"})
TIMESTAMP: Final = (1980, 1, 1, 0, 0, 0)  # the earliest a zip entry can carry
FILE_MODE: Final = 0o644


def archive_files(integration: Path) -> Iterator[Path]:
    """Yield the files to ship, sorted, without caches and hidden files."""
    for path in sorted(integration.rglob("*")):
        relative = path.relative_to(integration)
        if (
            path.is_file()
            and not EXCLUDED_DIRECTORIES.intersection(relative.parts)
            and path.suffix not in EXCLUDED_SUFFIXES
            and not any(part.startswith(".") for part in relative.parts)
        ):
            yield path


def build_archive(integration: Path, archive: Path) -> list[str]:
    """Write the integration's files to `archive`, at its root; return the names."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    names: list[str] = []
    with ZipFile(archive, "w", compression=ZIP_DEFLATED, compresslevel=9) as zip_file:
        for path in archive_files(integration):
            info = ZipInfo(path.relative_to(integration).as_posix(), TIMESTAMP)
            info.compress_type = ZIP_DEFLATED
            info.external_attr = FILE_MODE << 16
            zip_file.writestr(info, path.read_bytes())
            names.append(info.filename)
    return names


def main(argv: list[str] | None = None) -> int:
    """Check the package, then build the archive; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tag", help="the release tag; it must name manifest.json's version"
    )
    parser.add_argument("--output", type=Path, default=ROOT / "dist")
    args = parser.parse_args(argv)

    package = Package(ROOT)
    if problems := [
        f"{title}: {problem}"
        for title, found in run_checks(package).items()
        for problem in found
    ]:
        print(
            "release: the package checks fail:", *problems, sep="\n  ", file=sys.stderr
        )
        print("release: run scripts/check_package.py for details", file=sys.stderr)
        return 1
    version: str = package.manifest["version"]
    if args.tag is not None and args.tag.removeprefix("v") != version:
        print(
            f"release: tag {args.tag} does not name manifest.json's version {version}",
            file=sys.stderr,
        )
        return 1

    hacs = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
    archive: Path = args.output / hacs["filename"]
    names = build_archive(package.integration, archive)
    print(
        f"{archive}: {DOMAIN} {version}, {len(names)} files, "
        f"{archive.stat().st_size / 1024:.0f} KiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
