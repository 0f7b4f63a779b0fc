#!/usr/bin/env python3
"""Checks the crates against the layer table in ARCHITECTURE.md (the one home of the rule).

Fails when:
- a workspace crate is missing from the table, or the table names a crate or folder that does not exist;
- a crate depends (normal dependency) on a workspace crate its row does not allow;
- a crate other than the store depends on sled (storage stays behind the store's API);
- the lab crate or UniFFI appears in a product crate's normal build (any target), the lab in a product
  crate's `uniffi` build, or the lab in the FFI library's build without its `demo` feature.
Usage: python3 scripts/check_layers.py   (from anywhere inside the repository)
"""
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PREFIX = "twitchwatch-"
LAB = "twitchwatch-lab"
FFI = "twitchwatch-ffi"
STORE = "twitchwatch-store"


def layer_table():
    text = (ROOT / "ARCHITECTURE.md").read_text()
    block = re.search(r"<!-- layers:begin -->(.*?)<!-- layers:end -->", text, re.S)
    if not block:
        sys.exit("ARCHITECTURE.md: no layer table between the layers:begin/end markers")
    rows = {}
    for line in block.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not cells[0].startswith("`"):
            continue
        crate, folder = cells[0].strip("`"), cells[1].strip("`")
        allowed, demo_only = set(), set()
        for item in cells[2].split(","):
            item = item.strip()
            if item in ("", "—"):
                continue
            name = PREFIX + item.split()[0]
            (demo_only if "feature `demo` only" in item else allowed).add(name)
        rows[crate] = (folder, allowed, demo_only)
    return rows


def cargo(*args):
    out = subprocess.run(["cargo", *args], cwd=ROOT, check=True, capture_output=True, text=True)
    return out.stdout


def tree(package, *features):
    """Package names in `package`'s normal dependency tree, for every target."""
    out = cargo("tree", "-q", "-p", package, "-e", "normal", "--target", "all", "--prefix", "none",
                "--format", "{p}", *features)
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def main():
    rows = layer_table()
    meta = json.loads(cargo("metadata", "--format-version", "1", "--no-deps"))
    members = {p["name"]: p for p in meta["packages"]}
    errors = []

    for name in sorted(set(members) - set(rows)):
        errors.append(f"{name} is a workspace crate but has no row in ARCHITECTURE.md")
    for name in sorted(set(rows) - set(members)):
        errors.append(f"ARCHITECTURE.md lists {name}, which is not a workspace crate")

    for name, pkg in sorted(members.items()):
        if name not in rows:
            continue
        folder, allowed, demo_only = rows[name]
        actual_folder = pathlib.Path(pkg["manifest_path"]).parent.relative_to(ROOT).as_posix()
        if actual_folder != folder:
            errors.append(f"{name} lives in {actual_folder}, ARCHITECTURE.md says {folder}")
        features = pkg.get("features", {})
        for dep in pkg["dependencies"]:
            dep_name = dep["name"]
            if dep["kind"] is None and dep_name == "sled" and name != STORE:
                errors.append(f"{name} depends on sled; only {STORE} may (the rest use its API)")
            if dep["kind"] is not None or not dep_name.startswith(PREFIX) or dep_name == name:
                continue
            if dep_name in allowed:
                continue
            if dep_name in demo_only:
                enabled_by = [f for f, needs in features.items()
                              if f"dep:{dep_name}" in needs or dep_name in needs]
                if dep["optional"] and enabled_by == ["demo"]:
                    continue
                errors.append(f"{name} may depend on {dep_name} only through its `demo` feature")
                continue
            errors.append(f"{name} depends on {dep_name}, which its row in ARCHITECTURE.md does not allow")

    product = [n for n, (folder, _, _) in rows.items() if folder.startswith("core/") and n in members]
    for name in sorted(product):
        deps = tree(name)
        if LAB in deps:
            errors.append(f"product crate {name} pulls in {LAB} in its normal build")
        if "uniffi" in deps:
            errors.append(f"product crate {name} compiles UniFFI without its `uniffi` feature")
        if "uniffi" in members[name].get("features", {}) and LAB in tree(name, "--features", "uniffi"):
            errors.append(f"product crate {name} pulls in {LAB} through its `uniffi` feature")
    if FFI in members and LAB in tree(FFI):
        errors.append(f"{FFI} links {LAB} without its `demo` feature (the phone library must not)")

    if errors:
        print("layer check failed:", *errors, sep="\n  ", file=sys.stderr)
        sys.exit(1)
    print(f"layer check: {len(members)} crates match ARCHITECTURE.md; no product crate reaches the lab or UniFFI")


if __name__ == "__main__":
    main()
