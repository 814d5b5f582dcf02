#!/usr/bin/env python3
"""Runs every console example of README.md and docs/*.md against a running service and compares its output.

Convention (docs/DEVELOPMENT.md): a ```console block is an example. A line starting with "$ " is a command (a
line ending in "\\" continues on the next), the lines up to the next command are its output. In the output, a line
"..." stands for any number of lines (the example is trimmed there). Volatile parts are normalised on both sides
before comparing: a histogram's _sum and _max, the count of a finite bucket, timestamps, UUIDs; a scrape's metric
families are compared in name order, as the registry writes them in no stable one. The ports 8080 and 8081 in
commands are the service's, which runs on free ports here. A block the CI cannot run is preceded by
"<!-- example: skip <reason> -->" and listed as skipped with its reason.

The blocks of one file run in order against one fresh service, so an example may build on the one before.
Usage: run_examples.py <api-port> <admin-port> <restart-command...>   (the restart command starts a fresh service)
"""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
SKIP = re.compile(r"<!--\s*example:\s*skip\s+(.*?)\s*-->")
VOLATILE = [
    (re.compile(r'^(\S+_(?:sum|max)\{.*\}) \S+$'), r'\1 <seconds>'),
    (re.compile(r'^(\S+_bucket\{.*le="(?!\+Inf)[^"]*",?\}) \S+$'), r'\1 <count>'),
    (re.compile(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?'), '<time>'),
    (re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'), '<uuid>'),
]


def command_listings(path):
    """How many ```sh/```bash blocks the file has: commands without output, shown, not run."""
    return sum(1 for line in path.read_text().splitlines() if line.strip() in ("```sh", "```bash"))


def blocks(path):
    """(line number, skip reason or None, lines) of each console block."""
    lines = path.read_text().splitlines()
    found, i = [], 0
    while i < len(lines):
        if lines[i].strip() == "```console":
            start = i + 1
            skip = SKIP.search(lines[i - 1]) if i > 0 else None
            j = start
            while lines[j].strip() != "```":
                j += 1
            found.append((start, skip.group(1) if skip else None, lines[start:j]))
            i = j
        i += 1
    return found


def steps(block):
    """(command, expected output lines) pairs."""
    result, command, output, continued = [], None, [], False
    for line in block:
        if continued:
            command += "\n" + line
            continued = line.endswith("\\")
        elif line.startswith("$ "):
            if command is not None:
                result.append((command, output))
            command, output = line[2:], []
            continued = line.endswith("\\")
        else:
            output.append(line)
    if command is not None:
        result.append((command, output))
    return result


def normalise(line):
    for pattern, replacement in VOLATILE:
        line = pattern.sub(replacement, line)
    return line.rstrip()


def by_family(lines):
    """Prometheus text output with its metric families (each from its '# HELP' line) sorted by name: the registry
    does not write them in a stable order. Other output is returned as it is."""
    if not lines or not lines[0].startswith("# HELP "):
        return lines
    families = []
    for line in lines:
        if line.startswith("# HELP ") or not families:
            families.append([])
        families[-1].append(line)
    return [line for family in sorted(families, key=lambda family: family[0]) for line in family]


def matches(expected, actual):
    """Whether actual matches expected, where a '...' line of expected stands for any number of lines."""
    expected = by_family([normalise(l) for l in expected])
    actual = by_family([normalise(l) for l in actual])
    while expected and expected[-1] == "":
        expected.pop()
    while actual and actual[-1] == "":
        actual.pop()

    def match(e, a):
        if e == len(expected):
            return a == len(actual)
        if expected[e] == "...":
            return any(match(e + 1, k) for k in range(a, len(actual) + 1))
        return a < len(actual) and expected[e] == actual[a] and match(e + 1, a + 1)

    return match(0, 0)


def main():
    api, admin, restart = sys.argv[1], sys.argv[2], sys.argv[3:]
    failures, ran, skipped = 0, 0, 0
    files = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
    for path in files:
        listings = command_listings(path)
        if listings:
            print(f"not run {path.relative_to(ROOT)}: {listings} command listing(s) without output (```sh/```bash)")
        found = blocks(path)
        if not found:
            continue
        started = False
        for start, reason, block in found:
            where = f"{path.relative_to(ROOT)}:{start}"
            if reason:
                print(f"SKIPPED {where}: {reason}")
                skipped += 1
                continue
            if not started:
                subprocess.run(restart, check=True)
                started = True
            for command, expected in steps(block):
                shell = command.replace("localhost:8080", f"127.0.0.1:{api}").replace("localhost:8081", f"127.0.0.1:{admin}")
                run = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=30)
                actual = run.stdout.splitlines()
                ran += 1
                if matches(expected, actual):
                    print(f"ok      {where}: $ {command.splitlines()[0][:90]}")
                else:
                    failures += 1
                    print(f"FAILED  {where}: $ {command}")
                    print("  expected:\n    " + "\n    ".join(expected))
                    print("  actual:\n    " + "\n    ".join(actual) + ("\n  stderr: " + run.stderr if run.stderr else ""))
    print(f"examples: {ran} commands run, {failures} failed, {skipped} blocks skipped")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
