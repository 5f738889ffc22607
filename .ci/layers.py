#!/usr/bin/env python3
"""The import rules between src/'s top-level modules (issue 23), checked by reading the code.

Every `crate::NAME` a file names (in a `use`, a `use crate::{a, b::c}` group, or a path in
code, tests included; comments skipped) is an import of top-level module NAME by the file's
own top-level module. The rules:

- no cycle between top-level modules;
- `store` imports neither `pricing` (the maths; the price types live in `model`) nor `web`,
  nor the layers above it (`ingest`, `cli`, `server`);
- `fetch` imports nothing of `store`, `ingest`, `pricing` or `web`.

Prints each module's imports, then the verdict; exits 1 when a rule is broken.
    python3 .ci/layers.py
"""
import re
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"

FORBIDDEN = {
    "store": {"pricing", "web", "ingest", "cli", "server"},
    "fetch": {"store", "ingest", "pricing", "web", "cli", "server"},
}


def top_module(path: Path) -> str | None:
    rel = path.relative_to(SRC)
    if len(rel.parts) == 1:
        name = rel.stem
        return None if name in ("lib", "main") else name
    return rel.parts[0]


def strip_comments(text: str) -> str:
    # Line comments (doc comments included) and block comments; string contents are left,
    # which is harmless: `crate::` only appears in a string in our own messages' absence.
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(re.sub(r"//.*", "", line) for line in text.splitlines())


def group_names(body: str) -> set[str]:
    """Top-level names of a `{...}` use group: `a, b::{c, d}, e as f` -> {a, b, e}."""
    names, depth, current = set(), 0, ""
    for ch in body:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            names.add(current)
            current = ""
            continue
        if depth == 0 and ch not in "{}":
            current += ch
    names.add(current)
    out = set()
    for name in names:
        m = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)", name)
        if m:
            out.add(m.group(1))
    return out


def imports_of(text: str) -> set[str]:
    found = set()
    for m in re.finditer(r"\bcrate::\{", text):
        # Find the matching brace.
        depth, i = 0, m.end() - 1
        while i < len(text):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        found |= group_names(text[m.end() : i])
    for m in re.finditer(r"\bcrate::([A-Za-z_][A-Za-z0-9_]*)", text):
        found.add(m.group(1))
    return found


def main() -> int:
    modules = {top_module(p) for p in SRC.rglob("*.rs")} - {None}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    root_uses: dict[str, set[str]] = {m: set() for m in modules}
    for path in sorted(SRC.rglob("*.rs")):
        own = top_module(path)
        if own is None:
            continue
        for name in imports_of(strip_comments(path.read_text())):
            if name in modules:
                if name != own:
                    graph[own].add(name)
            else:
                root_uses[own].add(name)
    for m in sorted(modules):
        extra = f"   (crate root: {', '.join(sorted(root_uses[m]))})" if root_uses[m] else ""
        print(f"{m:8} -> {', '.join(sorted(graph[m])) or '-'}{extra}")

    broken = []
    for m, banned in FORBIDDEN.items():
        for name in sorted(graph.get(m, set()) & banned):
            broken.append(f"{m} imports {name}")

    # Cycles: Tarjan's strongly connected components.
    index, low, stack, on_stack, sccs, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                sccs.append(sorted(scc))

    for v in sorted(modules):
        if v not in index:
            visit(v)
    for scc in sccs:
        broken.append("import cycle between " + ", ".join(scc))

    if broken:
        for line in broken:
            print("layers: " + line)
        return 1
    print(f"layers: {len(modules)} top-level modules, no import cycle, store and fetch within their rules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
