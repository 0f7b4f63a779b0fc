"""Puts the generated Python bindings (scripts/gen-bindings.sh --python-out DIR) on the import path."""
import os
import sys

BINDINGS = os.environ.get("TWITCHWATCH_PY_BINDINGS")
if not BINDINGS:
    raise RuntimeError(
        "set TWITCHWATCH_PY_BINDINGS to the folder scripts/gen-bindings.sh wrote the Python bindings to "
        "(tests/bindings/run.sh does this)"
    )
sys.path.insert(0, BINDINGS)
