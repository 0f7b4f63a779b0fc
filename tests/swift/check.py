#!/usr/bin/env python3
"""Syntax check of the generated Swift bindings: this machine has no Swift toolchain, so the files are
parsed with tree-sitter-swift (PyPI) and every ERROR/MISSING node fails the check.

Known false positives of the grammar are filtered and counted in the output, never silently hidden.
An error node is filtered only when it starts and ends on one line that matches one of these:
  * `@_documentation(visibility: private)` inside `#if swift(>=5.8) ... #endif` (UniFFI puts it on internal
    helpers; the grammar cannot parse an attribute alone inside a compile-time conditional block);
  * `let writeReturn = { () }` (a closure whose body is the empty tuple, valid Swift that UniFFI emits for
    callback methods returning Void; the grammar rejects `{ () }`, checked with a one-line snippet).
This proves the files parse; it does not type-check them (that needs swiftc on macOS, see ios/README.md).

usage: check.py FILE.swift [...]   (exit 1 on any real syntax error)
"""
import sys

import tree_sitter_swift
from tree_sitter import Language, Parser

# (line must contain, why) pairs; see the module docstring.
KNOWN_FALSE = [
    ("@_documentation(", "@_documentation attribute inside #if"),
    ("= { () }", "closure returning the empty tuple"),
]


def problems(tree):
    """Yield (node, kind) for every ERROR or MISSING node, outermost first."""
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error:
            yield node, "syntax error"
            continue  # children of an error node are part of the same problem
        if node.is_missing:
            yield node, f"missing {node.type}"
            continue
        if node.has_error:
            stack.extend(reversed(node.children))


def known_false(lines, node):
    """The KNOWN_FALSE reason this error node matches, or None."""
    row = node.start_point[0]
    if node.end_point[0] != row or row >= len(lines):
        return None
    for needle, why in KNOWN_FALSE:
        if needle in lines[row]:
            return why
    return None


def check(path, parser):
    source = open(path, "rb").read()
    lines = source.decode("utf-8", "replace").splitlines()
    tree = parser.parse(source)
    real, filtered = [], {}
    for node, kind in problems(tree):
        why = known_false(lines, node)
        if why:
            filtered[why] = filtered.get(why, 0) + 1
            continue
        row, col = node.start_point
        line = lines[row].strip() if row < len(lines) else ""
        real.append(f"{path}:{row + 1}:{col + 1}: {kind}: {line[:120]}")
    decls = sum(1 for l in lines if l.lstrip().startswith(("public func", "public class", "public struct", "public enum", "public protocol")))
    return real, filtered, len(lines), decls


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    parser = Parser(Language(tree_sitter_swift.language()))
    failed = 0
    for path in argv[1:]:
        real, filtered, n_lines, decls = check(path, parser)
        for r in real:
            print(r)
        known = ", ".join(f"{n} x {why}" for why, n in filtered.items()) or "none"
        print(
            f"{path}: {n_lines} lines, {decls} public declarations, {len(real)} syntax errors; "
            f"filtered known tree-sitter-swift false positives: {known}"
        )
        failed += bool(real)
    print(f"swift-syntax: {len(argv) - 1 - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
