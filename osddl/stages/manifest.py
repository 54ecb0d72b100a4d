"""The manifest task: out/full-export.manifest.json describes every artifact of the run."""

from __future__ import annotations

import platform
from importlib.metadata import version
from pathlib import Path

from osddl import __version__
from osddl.layout import path
from osddl.model.store import read_model
from osddl.options import ManifestOptions
from osddl.proofs.manifest import build_manifest, write_manifest
from osddl.uat_users.manifest import manifest_section

LIBRARIES = ("sqlalchemy", "pyarrow", "sqlglot", "doit", "jinja2", "networkx")


def versions() -> dict[str, str]:
    return {
        "osddl": __version__,
        "python": platform.python_version(),
        **{name: version(name) for name in LIBRARIES},
    }


def manifest_to_file(options: ManifestOptions, out: Path) -> None:
    model = read_model(out / path("model"))
    enabled = bool(options.provenance["uat_users.enabled"]["value"])
    uat_users = manifest_section(out / "uat-users", enabled)
    manifest = build_manifest(
        out, model, options.selection, options.provenance, versions(), uat_users=uat_users
    )
    write_manifest(out, manifest)
    if not uat_users["transformationApplied"]:
        print(f"manifest: user ids NOT remapped ({uat_users['reason']})")
    print(f"manifest: {len(manifest['artifacts'])} artifacts → {out / path('manifest')}")
