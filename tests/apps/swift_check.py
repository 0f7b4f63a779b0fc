#!/usr/bin/env python3
"""Syntax check of Swift sources with tree-sitter-swift (PyPI), for machines without a Swift toolchain.

Usage: swift_check.py FILE_OR_DIR...   (directories are searched for *.swift)

Every ERROR or MISSING node is reported with file:line:column. Known false positives of the grammar are
filtered and counted, and the output says so. An error is filtered only when it starts and ends on one
line matching one of these (each checked against a one-line snippet that the grammar rejects although
it is valid Swift):
  * `@_documentation(visibility: ...)` inside `#if swift(>=5.8)` (UniFFI puts it on internal helpers);
  * `let writeReturn = { () }`, a closure returning the empty tuple (UniFFI's Void callbacks). This is a parse check, not a type check: only
`swift build` / Xcode on macOS compiles the code (see ios/README.md).
"""
import pathlib
import re
import sys

import tree_sitter
import tree_sitter_swift

KNOWN_FALSE_POSITIVES = [
    (re.compile(r"^\s*@_documentation\s*\("), "@_documentation(...) attribute inside #if"),
    (re.compile(r"=\s*\{\s*\(\)\s*\}\s*$"), "closure returning the empty tuple `{ () }`"),
]


def known_false_positive(lines, node):
    row = node.start_point[0]
    if node.end_point[0] != row or row >= len(lines):
        return None
    for pattern, why in KNOWN_FALSE_POSITIVES:
        if pattern.search(lines[row]):
            return why
    return None


def swift_files(args):
    for arg in args:
        p = pathlib.Path(arg)
        if p.is_dir():
            yield from sorted(x for x in p.rglob("*.swift") if ".build" not in x.parts)
        elif p.suffix == ".swift":
            yield p
        else:
            raise SystemExit(f"not a Swift file or folder: {arg}")


def problems(tree):
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            yield node
            continue  # one report per broken region
        if node.has_error:
            stack.extend(reversed(node.children))


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_swift.language()))
    files = list(swift_files(argv[1:]))
    if not files:
        raise SystemExit("no Swift files found")
    errors = 0
    filtered = {}
    bad = set()
    for path in files:
        source = path.read_bytes()
        lines = source.decode("utf-8", errors="replace").splitlines()
        for node in problems(parser.parse(source)):
            row, col = node.start_point
            line = lines[row] if row < len(lines) else ""
            why = known_false_positive(lines, node)
            if why:
                filtered[why] = filtered.get(why, 0) + 1
                continue
            errors += 1
            bad.add(path)
            kind = "missing" if node.is_missing else "syntax error"
            print(f"{path}:{row + 1}:{col + 1}: {kind} near: {line.strip()[:100]}")
    known = ", ".join(f"{n} x {why}" for why, n in filtered.items()) or "none"
    print(f"swift syntax: {len(files)} files parsed with tree-sitter-swift; filtered known grammar false positives: {known}")
    print(f"swift syntax: {len(files) - len(bad)} passed, {len(bad)} failed")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
