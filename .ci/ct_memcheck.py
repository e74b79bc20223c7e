#!/usr/bin/env python3
"""Runs ct_memcheck (ct/src/bin/ct_memcheck.rs) under valgrind's memcheck and judges
what it reports.

Every secret in that program is marked undefined, so memcheck reports each branch
and each memory address that depends on one. Each report is charged to the
innermost frame in mfa-core's own src/ (after inlining, the function whose code
took the branch) and named `path::function`. A report passes only if that name is
listed in the declassification list, where each entry says why the branch may
depend on a secret; any other report, or one with no frame in src/, fails the run.

The positive control runs first: `--leaky` compares two secrets with `==`, and
memcheck must report it, or this check could not fail at all.

usage: ct_memcheck.py BINARY DECLASSIFIED_LIST

BINARY is the built ct_memcheck: .ci/ct-memcheck builds it with
`cargo build --profile ct-memcheck -p mfa-ct --bin ct_memcheck` and passes
target/ct-memcheck/ct_memcheck (under $CARGO_TARGET_DIR when that is set).
"""

import collections
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
SRC = os.path.join(REPO, "src") + os.sep
FN = re.compile(r"\bfn\s+([A-Za-z_][A-Za-z0-9_]*)")


def run(binary, *args):
    """The errors valgrind reports for one run, as parsed XML elements."""
    with tempfile.TemporaryDirectory() as tmp:
        xml = os.path.join(tmp, "memcheck.xml")
        proc = subprocess.run(
            ["valgrind", "--tool=memcheck", "--read-inline-info=yes", "--xml=yes",
             f"--xml-file={xml}", "--num-callers=40", "--error-limit=no",
             binary, *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout + proc.stderr)
            raise SystemExit(f"ct_memcheck exited with {proc.returncode}")
        return ET.parse(xml).getroot().findall("error"), proc.stdout


_fn_cache = {}


def enclosing_fn(path, line):
    """The name of the last `fn` that starts at or before `line` of `path`."""
    if path not in _fn_cache:
        with open(path, encoding="utf-8") as f:
            _fn_cache[path] = f.read().splitlines()
    name = "?"
    for text in _fn_cache[path][:line]:
        m = FN.search(text)
        if m and not text.lstrip().startswith("//"):
            name = m.group(1)
    return name


def charged_to(error):
    """`src/…::function` for the innermost frame in mfa-core's src/, or None."""
    stack = error.find("stack")
    for frame in stack.findall("frame") if stack is not None else []:
        d, f, line = frame.findtext("dir"), frame.findtext("file"), frame.findtext("line")
        if not (d and f and line):
            continue
        path = os.path.normpath(os.path.join(d, f))
        if path.startswith(SRC):
            rel = os.path.relpath(path, REPO)
            return f"{rel}::{enclosing_fn(path, int(line))}", f"{rel}:{line}"
    return None


def describe(error):
    frames = []
    for frame in error.find("stack").findall("frame")[:12]:
        where = frame.findtext("file") or frame.findtext("obj") or "?"
        frames.append(f"    {frame.findtext('fn') or '?'} ({where}:{frame.findtext('line') or ''})")
    return f"  {error.findtext('what') or error.findtext('kind')}\n" + "\n".join(frames)


def main():
    binary, listing = sys.argv[1], sys.argv[2]
    allowed = {}
    with open(listing, encoding="utf-8") as f:
        for raw in f:
            text = raw.split("#", 1)[0].strip()
            if text:
                name, _, reason = text.partition(" ")
                allowed[name] = reason.strip()

    errors, _ = run(binary, "--leaky")
    if not any(e.findtext("kind") == "UninitCondition" for e in errors):
        raise SystemExit("FAIL: the positive control (== on two secrets) was not reported")
    print(f"positive control: an early-exit == on secrets is reported ({len(errors)} reports)")

    errors, out = run(binary)
    if "every check ran" not in out:
        raise SystemExit("FAIL: ct_memcheck did not finish its checks")
    seen = collections.Counter()
    failures = []
    for error in errors:
        kind = error.findtext("kind")
        charged = charged_to(error)
        if kind in ("UninitCondition", "UninitValue") and charged and charged[0] in allowed:
            seen[charged[0]] += 1
            continue
        failures.append((charged, error))

    for name in allowed:
        print(f"  declassified {name}: {seen[name]} report(s)")
        if seen[name] == 0:
            print(f"  note: {name} is listed but reported nothing")
    if failures:
        print(f"FAIL: {len(failures)} report(s) of a secret deciding a branch or an address"
              " where none is declassified:")
        for charged, error in failures:
            print(f"at {charged[1] if charged else 'no frame in src/'}"
                  f" ({charged[0] if charged else '-'})")
            print(describe(error))
        raise SystemExit(1)
    print(f"ct_memcheck: {sum(seen.values())} reports, every one at a declassified site")


if __name__ == "__main__":
    main()
