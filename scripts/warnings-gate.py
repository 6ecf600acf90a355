#!/usr/bin/env python3
"""Reads cargo's `--message-format=json-diagnostic-rendered-ansi` stream on stdin, prints
every compiler diagnostic of the workspace's crates as rustc renders it, and counts the
warnings. With CONCERTO_DENY_WARNINGS=1 (CI) it exits 1 when there is any warning, so the
build doubles as the lint gate: clippy-driver compiles the workspace members
(.cargo/config.toml), and cargo replays cached diagnostics, so a warm build still reports
every warning. Everything that is not JSON is passed through."""
import json
import os
import re
import sys

SUMMARY = re.compile(r"^\d+ warnings? emitted$|^aborting due to")

def main() -> int:
    warnings = 0
    errors = 0
    for line in sys.stdin:
        try:
            msg = json.loads(line)
        except ValueError:
            sys.stdout.write(line)
            continue
        if msg.get("reason") != "compiler-message":
            continue
        diag = msg.get("message", {})
        level = diag.get("level")
        if level not in ("warning", "error"):
            continue
        if SUMMARY.match(diag.get("message", "")):
            continue
        sys.stderr.write(diag.get("rendered") or diag.get("message", "") + "\n")
        if level == "warning":
            warnings += 1
        else:
            errors += 1
    if warnings or errors:
        print(f"lint gate: {warnings} warning(s), {errors} error(s) in workspace crates",
              file=sys.stderr)
    deny = os.environ.get("CONCERTO_DENY_WARNINGS") == "1"
    if deny and warnings:
        print("lint gate: CI denies warnings (rustc and clippy lints); fix them, or run "
              "`bash scripts/build.sh` locally to see them all", file=sys.stderr)
        return 1
    return 0

if __name__ == "__main__":
    sys.exit(main())
