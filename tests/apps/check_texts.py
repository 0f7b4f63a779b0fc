#!/usr/bin/env python3
"""The thin apps render the core's texts; they do not write their own.

Two checks over the Android (Kotlin) and iOS (Swift) sources, each failing with the file and line:
  1. no text the core owns (CORE_TEXTS) is hard-coded in an app source again; every listed text must
     still be in the core's screens (core/app/src/screens), so the list cannot rot into passing;
  2. the screens whose texts all come from view states (SCREENS) render no English literal of their
     own in Text/Button/Label/... calls: a literal's words, outside interpolations, are an error.
Other screens still carry literals of their own (pairing, the journal form, history, onboarding's bullet);
they are not checked yet: add a screen to SCREENS once its texts come from the core.

    python3 tests/apps/check_texts.py            # check the repository
    python3 tests/apps/check_texts.py --self-test  # show both checks failing on planted literals
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Texts whose one home is the core's view states. A fragment is enough: it is searched for as is.
CORE_TEXTS = [
    # tasks
    "Start the hold",
    "Hold it…",
    "I lowered it",
    "Both hands done.",
    "Saving…",
    "How strong is your grip in this hand today?",
    "as strong as ever",
    "Start monitoring with the sensor on (Today) before this task",
    "This phone has no accelerometer",
    # report
    "stays on this phone",
    "Delete my data",
    "Delete all your data?",
    "Delete everything",
    "Export a report first if you want to keep one.",
    # alerts
    "Got it",
    # data problems
    "Your data cannot be unlocked",
    "cannot open its data",
    "is locked with a key that is no longer available",
    "Start over",
    # Today (the shell acted on the primary action's label before)
    "Pair a wearable",
    "Battery ",
    "By hour",
]

APPS = [ROOT / "android" / "app" / "src" / "main" / "kotlin", ROOT / "android" / "shell" / "src" / "main" / "kotlin",
        ROOT / "ios" / "App" / "Sources"]
CORE_SCREENS = ROOT / "core" / "app" / "src" / "screens"

# Screens whose every text comes from the core: a whole file, or named functions/types in a file.
SCREENS = {
    "android/app/src/main/kotlin/org/twitchwatch/app/TaskScreens.kt": None,
    "android/app/src/main/kotlin/org/twitchwatch/app/Screens.kt": [
        "AppNavigation", "TodayScreen", "AlertCard", "AlertsScreen", "AlertDetailScreen", "ReportScreen",
        "StoreProblemScreen",
    ],
    "ios/App/Sources/TasksView.swift": None,
    "ios/App/Sources/TwitchWatchApp.swift": [
        "RootView", "StoreProblemView", "TodayView", "AlertsView", "AlertDetailView", "ReportView",
    ],
}

KOTLIN_CALL = re.compile(r'\b(?:Text|ErrorText)\(\s*(?=")')
SWIFT_CALL = re.compile(
    r'(?:\b(?:Text|Button|Label|NavigationLink|Section|Picker|Toggle|LabeledContent|GroupBox)\(\s*|'
    r'\.(?:navigationTitle|alert)\(\s*)(?=")'
)


def string_literal(src, start, swift):
    """The literal starting at src[start] == '"' with its interpolations removed, and its end."""
    i, out, open_interp = start + 1, [], "\\(" if swift else "${"
    while i < len(src):
        if src.startswith(open_interp, i):
            depth, i = 1, i + len(open_interp)
            opener, closer = ("(", ")") if swift else ("{", "}")
            while i < len(src) and depth:
                depth += {opener: 1, closer: -1}.get(src[i], 0)
                i += 1
            continue
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            return "".join(out), i + 1
        if not swift and c == "$" and i + 1 < len(src) and (src[i + 1].isalpha() or src[i + 1] == "_"):
            i += 1
            while i < len(src) and (src[i].isalnum() or src[i] == "_"):
                i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out), i


def block(src, name, swift):
    """The source of the function (Kotlin) or type (Swift) called `name`, by brace matching."""
    pattern = rf"\bstruct {name}\b" if swift else rf"\bfun {name}\("
    m = re.search(pattern, src)
    if not m:
        return None
    i = src.index("{", m.end())
    depth = 0
    for j in range(i, len(src)):
        depth += {"{": 1, "}": -1}.get(src[j], 0)
        if depth == 0:
            return m.start(), src[m.start():j + 1]
    return m.start(), src[m.start():]


def rendered_literals(path_label, src, names):
    """(line, literal) for every literal with words a checked screen renders itself."""
    swift = path_label.endswith(".swift")
    call = SWIFT_CALL if swift else KOTLIN_CALL
    parts = [(0, src)] if names is None else []
    for name in names or []:
        found = block(src, name, swift)
        if found is None:
            yield 0, f"the screen {name} is not in this file any more (update SCREENS)"
            continue
        parts.append(found)
    for offset, text in parts:
        for m in call.finditer(text):
            literal, _ = string_literal(text, m.end(), swift)
            if re.search(r"[A-Za-z]", literal):
                yield src.count("\n", 0, offset + m.start()) + 1, literal


def check(app_files, core_text, screens):
    """Every failure as a sentence. `app_files`: {label: source}; `core_text`: the core's screens."""
    failures = []
    for text in CORE_TEXTS:
        if text not in core_text:
            failures.append(f"'{text}' is listed as a core text but is not in core/app/src/screens any more")
        for label, src in app_files.items():
            for n, line in enumerate(src.splitlines(), 1):
                if text in line and not line.lstrip().startswith(("//", "*", "///")):
                    failures.append(f"{label}:{n}: the core's text '{text}' is hard-coded; render the view state's")
    for label, names in screens.items():
        src = app_files.get(label)
        if src is None:
            failures.append(f"{label}: checked screen file is missing (update SCREENS)")
            continue
        for line, literal in rendered_literals(label, src, names):
            failures.append(f"{label}:{line}: renders its own text \"{literal}\"; take it from the core's view state")
    return failures


def repository():
    files = {}
    for base in APPS:
        for p in sorted(base.rglob("*")):
            if p.suffix in (".kt", ".swift"):
                files[str(p.relative_to(ROOT))] = p.read_text(encoding="utf-8")
    core = "\n".join(p.read_text(encoding="utf-8") for p in sorted(CORE_SCREENS.glob("*.rs")))
    return files, core


def self_test():
    """Both checks fail on planted literals and pass on clean screens."""
    files, core = repository()
    assert not check(files, core, SCREENS), "the repository must pass before the self-test means anything"
    kt, swift = "android/app/src/main/kotlin/org/twitchwatch/app/TaskScreens.kt", "ios/App/Sources/TwitchWatchApp.swift"
    cases = {
        "a core text hard-coded again (Kotlin)": (kt, files[kt] + '\nfun X() { Button(onClick = {}) { Text("Got it") } }\n'),
        "a screen's own literal (Kotlin)": (kt, files[kt] + '\n@Composable fun Y() { Text("Tap here, ${name}") }\n'),
        "a screen's own literal (Swift)": (swift, files[swift].replace(
            ".navigationTitle(model.title(.report))", '.navigationTitle("Report")', 1)),
        "a core text hard-coded again (Swift)": (swift, files[swift] + '\nlet lost = "Your data cannot be unlocked"\n'),
    }
    for what, (label, planted) in cases.items():
        assert planted != files[label], f"{what}: nothing was planted"
        failures = check({**files, label: planted}, core, SCREENS)
        assert failures, f"{what}: the check did not fail"
        print(f"self-test: {what} -> {failures[0]}")
    # An interpolation-only text passes; a listed text missing from the core fails.
    assert not list(rendered_literals("x.kt", 'Text("${a}: ${b.c}")', None))
    assert not list(rendered_literals("x.swift", 'Text("\\(a): \\(b)")', None))
    assert check(files, core.replace("Got it", "OK"), SCREENS), "a core text that left the core must fail"
    print("self-test: passed (each planted literal was caught)")


def main():
    if "--self-test" in sys.argv:
        self_test()
        return 0
    files, core = repository()
    failures = check(files, core, SCREENS)
    for f in failures:
        print(f, file=sys.stderr)
    if failures:
        print(f"{len(failures)} app text(s) that belong to the core", file=sys.stderr)
        return 1
    print(f"app texts: {len(CORE_TEXTS)} core texts absent from {len(files)} app sources; "
          f"{len(SCREENS)} screen files render only view-state texts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
