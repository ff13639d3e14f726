#!/usr/bin/env python3
"""Checks the two import invariants of ARCHITECTURE.md on src/:

1. Layers import downward only: a module may use the layers below it in
   LAYERS, never one above it.
2. No import circle between files: no file imports another that (directly
   or through others) imports it back.

Reads `use crate::...`, `use super::...` and `crate::a::b` paths in code
(not in comments), resolving each to the file that defines the module.
Prints each violation and exits 1 if there is any.
"""

import os
import re
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")

# Lowest first. Modules on one line are peers: they may not import each other.
LAYERS = [
    ["text", "wrap"],
    ["capture"],
    ["wire"],
    ["finding"],
    ["tcp"],
    ["socket"],
    ["proto"],
    ["pipeline"],
    # The consumers, each free to use those before it: the report can
    # print a timeline held in memory; the lab records into both; lessons
    # play lab scenarios; the view plays lessons.
    ["timeline"],
    ["report"],
    ["lab", "synth"],
    ["lessons"],
    ["ui"],
]
RANK = {m: i for i, line in enumerate(LAYERS) for m in line}


def module_of(path):
    """src/a/b/mod.rs -> ['a','b']; src/a/b.rs -> ['a','b']; lib.rs -> []."""
    rel = os.path.relpath(path, SRC)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib", "main"):
        rel = rel[:-1]
    return rel


def file_of(parts):
    """The file defining the longest prefix of `parts` that is a module."""
    for n in range(len(parts), 0, -1):
        base = os.path.join(SRC, *parts[:n])
        for cand in (base + ".rs", os.path.join(base, "mod.rs")):
            if os.path.isfile(cand):
                return os.path.normpath(cand)
    return None


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(re.sub(r"//.*", "", l) for l in text.splitlines())


def expand(prefix, body):
    """`a::{b, c::{d, e}}` -> [a::b, a::c::d, a::c::e] (roughly; enough for paths)."""
    out = []
    depth, start = 0, 0
    items = []
    for i, ch in enumerate(body):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(body[start:i])
            start = i + 1
    items.append(body[start:])
    for it in items:
        it = it.strip()
        if not it:
            continue
        m = re.match(r"^([\w:]*?)::\{(.*)\}$", it, flags=re.S)
        if m:
            out += expand(prefix + m.group(1).split("::"), m.group(2))
        else:
            out.append(prefix + it.split(" as ")[0].strip().split("::"))
    return out


def imports(path):
    text = strip_comments(open(path, encoding="utf-8").read())
    here = module_of(path)
    paths = []
    for m in re.finditer(r"\buse\s+((?:crate|super|self)(?:::\w+)*)(::\{(.*?)\})?\s*(?:as\s+\w+\s*)?;", text, flags=re.S):
        head = m.group(1).split("::")
        if m.group(3) is not None:
            paths += expand(head, m.group(3))
        else:
            paths.append(head)
    for m in re.finditer(r"\bcrate((?:::\w+)+)", text):
        paths.append(["crate"] + m.group(1).split("::")[1:])
    found = set()
    for p in paths:
        if p[0] == "crate":
            parts = p[1:]
        elif p[0] == "super":
            ups = 0
            while p and p[0] == "super":
                ups += 1
                p = p[1:]
            parts = here[: max(len(here) - ups, 0)] + p
        elif p[0] == "self":
            parts = here + p[1:]
        else:
            continue
        parts = [x for x in parts if x and x != "*" and re.match(r"^\w+$", x)]
        if not parts:
            continue
        f = file_of(parts)
        if f and f != os.path.normpath(path):
            found.add(f)
    return found


def main():
    files = []
    for root, _, names in os.walk(SRC):
        files += [os.path.normpath(os.path.join(root, n)) for n in names if n.endswith(".rs")]
    graph = {f: imports(f) for f in files}
    bad = []
    for f, deps in graph.items():
        mf = module_of(f)
        if not mf or mf[0] not in RANK:
            continue
        for d in deps:
            md = module_of(d)
            if not md or md[0] not in RANK or md[0] == mf[0]:
                continue
            if RANK[md[0]] >= RANK[mf[0]]:
                bad.append(f"upward or sideways import: {os.path.relpath(f, SRC)} uses {os.path.relpath(d, SRC)}")
    # Cycles between files (Tarjan's strongly connected components). A
    # parent module file re-exporting its children is not a circle: edges
    # from a mod.rs to files below it are ignored.
    def below(parent, child):
        return os.path.basename(parent) in ("mod.rs", "lib.rs") and child.startswith(os.path.dirname(parent) + os.sep)

    edges = {f: {d for d in deps if d in graph and not below(f, d)} for f, deps in graph.items()}
    index, low, stack, on, sccs = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(comp)

    for f in sorted(edges):
        if f not in index:
            visit(f)
    for comp in sccs:
        bad.append("import circle: " + " <-> ".join(sorted(os.path.relpath(c, SRC) for c in comp)))
    for b in bad:
        print(b)
    print(f"{len(files)} files, {sum(len(e) for e in edges.values())} imports, {len(bad)} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
