"""The shape of the code at one revision, for before/after notes on restructuring (issue 23):
files and lines per top-level folder, the longest Rust functions, the `duplicates` pair count
and the number of test binaries.

    python3 bench/shape.py [REV]        # default HEAD; any commit, branch or tag

The revision is exported with `git archive` into a temporary folder, so uncommitted changes
and build output never count, and the working tree is not touched.

How it counts:
- Files and lines: every file git tracks in the folder, lines as `wc -l` counts them (newline
  characters), blank lines and comments included. `src/<folder>` rows include sub-folders;
  `src/*.rs` is the crate's top-level files; `tests` leaves out `tests/fixtures` (data, a row
  of its own).
- Function length: from the line of the `fn` keyword to the line of the body's closing brace,
  both included (doc comments and attributes above it not counted). A small scanner finds the
  body's `{` and matches braces, skipping strings (raw ones too), char literals and comments;
  a `fn` without a body (a trait's declaration) is skipped. Nested functions count on their
  own and inside their parent; closures are part of the function that holds them. Methods are
  named after the type of the innermost `impl` block around them.
- Duplicates: the first line of `duplicates --most 200 --seconds 120` over the exported tree
  (the command on PATH; it pairs places sharing six or more lines).
- Test binaries: `tests/*.rs` plus `tests/*/main.rs`, one binary each (as Cargo builds them).
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

FN = re.compile(r"\s*(?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?"
                r"(?:extern\s+\"[^\"]*\"\s+)?fn\s+([A-Za-z_][A-Za-z0-9_]*)")
RAW = re.compile(r'r#*"')
IMPL = re.compile(r"\s*(?:unsafe\s+)?impl\b(?:<[^{]*?>)?\s+(?:[^{;]*?\s+for\s+)?&?(?:[a-z_][a-z0-9_]*::)*([A-Za-z_][A-Za-z0-9_]*)")


def export(rev, into):
    """Writes the tracked files of `rev` into the folder `into`; returns the full commit id."""
    commit = subprocess.run(["git", "rev-parse", "--verify", f"{rev}^{{commit}}"], check=True,
                            capture_output=True, text=True).stdout.strip()
    archive = subprocess.run(["git", "archive", "--format=tar", commit], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return commit


def count_lines(path):
    return path.read_bytes().count(b"\n")


def folder_rows(root):
    """(label, files, lines) per top-level folder, in a fixed order."""
    def tally(paths):
        paths = [p for p in paths if p.is_file()]
        return len(paths), sum(count_lines(p) for p in paths)

    rows = []
    src = root / "src"
    for folder in sorted(p for p in src.iterdir() if p.is_dir()):
        rows.append((f"src/{folder.name}", *tally(folder.rglob("*"))))
    rows.append(("src/*.rs", *tally(src.glob("*.rs"))))
    rows.append(("src total", *tally(src.rglob("*"))))
    tests = root / "tests"
    fixtures = tests / "fixtures"
    rows.append(("tests (without fixtures)", *tally(p for p in tests.rglob("*") if fixtures not in p.parents)))
    rows.append(("tests/fixtures", *tally(fixtures.rglob("*"))))
    for name in ["templates", "static", ".ci", "bench", "benches", "examples", "migrations"]:
        rows.append((name, *tally((root / name).rglob("*"))))
    return rows


def body_span(text, start):
    """(open, close) offsets of the braces of the body of the `fn` at `start`, or None for a
    declaration without a body."""
    depth = 0          # braces once the body has opened
    nesting = 0        # () [] <> are not tracked: only ( and [ can hold a `;` or `{` here
    opened = None
    i, n = start, len(text)
    while i < n:
        c = text[i]
        if c == "/" and text.startswith("//", i):
            i = text.find("\n", i)
            if i < 0:
                return None
            continue
        if c == "/" and text.startswith("/*", i):
            level, i = 1, i + 2
            while i < n and level:
                if text.startswith("/*", i):
                    level, i = level + 1, i + 2
                elif text.startswith("*/", i):
                    level, i = level - 1, i + 2
                else:
                    i += 1
            continue
        if c == '"' or raw_string_at(text, i):
            i = skip_string(text, i)
            continue
        if c == "'":
            if text.startswith("\\", i + 1):
                close = text.find("'", i + 2)
                i = close + 1 if close > 0 else n
                continue
            if i + 2 < n and text[i + 2] == "'":
                i += 3
                continue
            i += 1  # a lifetime
            continue
        if opened is None:
            if c in "([":
                nesting += 1
            elif c in ")]":
                nesting -= 1
            elif c == ";" and nesting == 0:
                return None
            elif c == "{" and nesting == 0:
                opened, depth = i, 1
        else:
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    return opened, i
        i += 1
    return None


def raw_string_at(text, i):
    """Whether a raw string (`r"`, `r#"`, `br#"`) starts at `i`, not an identifier ending in r."""
    if text[i] != "r" or not RAW.match(text, i):
        return False
    before = i - 1
    if before >= 0 and text[before] == "b":
        before -= 1
    return before < 0 or not (text[before].isalnum() or text[before] == "_")


def skip_string(text, i):
    """The offset just past the string literal starting at `i` (`"`, `r"`, `r#"`)."""
    if text[i] == "r":
        hashes = 0
        i += 1
        while text[i] == "#":
            hashes += 1
            i += 1
        end = text.find('"' + "#" * hashes, i + 1)
        return len(text) if end < 0 else end + 1 + hashes
    i += 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == '"':
            return i + 1
        else:
            i += 1
    return i


def functions(root, folder):
    """(lines, name, path:line) of every Rust function with a body under `folder`; a method is
    named `Type::name` after the innermost `impl` block holding it."""
    found = []
    for path in sorted((root / folder).rglob("*.rs")):
        text = path.read_text(errors="replace")
        line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        impls = []  # (open, close, type)
        for number, offset in enumerate(line_starts, start=1):
            line_end = text.find("\n", offset)
            line_end = len(text) if line_end < 0 else line_end
            if block := IMPL.match(text, offset, line_end):
                if span := body_span(text, block.end()):
                    impls.append((*span, block.group(1)))
                continue
            match = FN.match(text, offset, line_end)
            if not match:
                continue
            span = body_span(text, match.end())
            if span is None:
                continue
            owners = [(o, t) for o, c, t in impls if o < offset < c]
            name = f"{max(owners)[1]}::{match.group(1)}" if owners else match.group(1)
            last = text.count("\n", 0, span[1]) + 1
            found.append((last - number + 1, name, f"{path.relative_to(root)}:{number}"))
    found.sort(key=lambda f: (-f[0], f[2]))
    return found


def duplicates_line(root):
    done = subprocess.run(["duplicates", "--repo", str(root), "--most", "200", "--seconds", "120"],
                          capture_output=True, text=True)
    lines = done.stdout.splitlines()
    first = lines[0] if lines else "(no output)"
    notes = [line for line in lines if line.startswith(("incomplete:", "left out:"))]
    return first, notes


def test_binaries(root):
    tests = root / "tests"
    return sorted([p.name for p in tests.glob("*.rs")] + [f"{p.parent.name}/main.rs" for p in tests.glob("*/main.rs")])


def main():
    rev = sys.argv[1] if len(sys.argv) > 1 else "HEAD"
    with tempfile.TemporaryDirectory(prefix="tokenfare-shape-") as tmp:
        root = Path(tmp)
        commit = export(rev, root)
        subject = subprocess.run(["git", "log", "-1", "--format=%h %s", commit], capture_output=True, text=True).stdout.strip()
        print(f"shape of {rev} = {subject}")
        print()
        print("files and lines per folder (tracked files, every line):")
        print(f"  {'folder':<26} {'files':>5} {'lines':>7}")
        for label, files, lines in folder_rows(root):
            print(f"  {label:<26} {files:>5} {lines:>7}")
        print()
        print("15 longest functions in src/ (lines from `fn` to the closing brace):")
        for lines, name, where in functions(root, "src")[:15]:
            print(f"  {lines:>4}  {name:<36} {where}")
        print()
        print("5 longest functions in tests/:")
        for lines, name, where in functions(root, "tests")[:5]:
            print(f"  {lines:>4}  {name:<36} {where}")
        print()
        first, notes = duplicates_line(root)
        pairs = re.match(r"(\d+) pairs?", first)
        print(f"duplicates --most 200 --seconds 120: {pairs.group(1) if pairs else first}")
        print(f"  ({first})")
        for note in notes:
            print(f"  {note}")
        print()
        binaries = test_binaries(root)
        nested = sum(name.endswith("/main.rs") for name in binaries)
        print(f"test binaries: {len(binaries)} ({len(binaries) - nested} tests/*.rs + {nested} tests/*/main.rs):")
        print(f"  {' '.join(binaries)}")


if __name__ == "__main__":
    main()
