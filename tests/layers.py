#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The floor plan of src/, checked (doc/design.md, "Module map").

src/ has one folder per layer; a layer may include its own folder and the
ones below it, never one above: base < resctrl < virt < plan < read <
engine, and src/virt_resctrl.c (the collectd glue) on top. Every include
of our own headers is folder-qualified ("resctrl/resctrl.h"). The pure
modules, as the design's module map lists them, include no libvirt or
collectd header, directly or through any header of ours. No file is over
450 lines.
"""
import os
import re
import sys

LAYERS = ["base", "resctrl", "virt", "plan", "read", "engine"]
FOREIGN = re.compile(r'^\s*#\s*include\s+[<"](libvirt/|collectd/|liboconfig/)', re.M)
MAX_LINES = 450  # files short enough to read in one sitting
OURS = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main():
    top = os.environ.get("VR_SRCDIR") or os.path.join(os.path.dirname(__file__), "..")
    src = os.path.join(top, "src")
    problems = []
    includes = {}  # "plan/desired.h" -> [our headers it includes]
    foreign = {}  # path -> first foreign include
    files = []
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, src)
            files.append(rel)
            text = open(path, encoding="utf-8").read()
            lines = text.count("\n")
            if lines > MAX_LINES:
                problems.append(f"src/{rel}: {lines} lines, over {MAX_LINES}: split it by concern")
            m = FOREIGN.search(text)
            if m:
                foreign[rel] = m.group(0).strip()
            includes[rel] = []
            for inc in OURS.findall(text):
                if inc.startswith(("collectd/", "liboconfig/")):
                    continue
                includes[rel].append(inc)

    for rel in files:
        folder = rel.split("/")[0] if "/" in rel else None
        if folder is not None and folder not in LAYERS:
            problems.append(f"src/{rel}: folder {folder}/ is no layer ({', '.join(LAYERS)})")
            continue
        rank = LAYERS.index(folder) if folder else len(LAYERS)
        for inc in includes[rel]:
            if inc not in includes:
                problems.append(f"src/{rel}: includes \"{inc}\", which is not a folder-qualified header of src/")
                continue
            inc_rank = LAYERS.index(inc.split("/")[0])
            if inc_rank > rank:
                problems.append(f"src/{rel}: layer {folder} includes \"{inc}\" from the higher layer {inc.split('/')[0]}")

    # The pure modules: the first column of the design's "Pure modules" table.
    design = open(os.path.join(top, "doc", "design.md"), encoding="utf-8").read()
    m = re.search(r"^Pure modules.*?\n\n(\|.*?)\n\n", design, re.M | re.S)
    if not m:
        problems.append("doc/design.md: no \"Pure modules\" table under \"Module map\"")
        pure = []
    else:
        pure = re.findall(r"^\| `([^`]+)` \|", m.group(1), re.M)
    if len(pure) < 10:
        problems.append(f"doc/design.md: only {len(pure)} pure modules found: the table's form changed")

    def closure(start):
        seen, todo = set(), [start]
        while todo:
            f = todo.pop()
            if f in seen or f not in includes:
                continue
            seen.add(f)
            todo.extend(includes[f])
        return seen

    for mod in pure:
        cands = [mod] if mod.endswith(".h") else [mod + ".c", mod + ".h"]
        found = [c for c in cands if c in includes]
        if not found:
            problems.append(f"doc/design.md lists the pure module {mod}, which src/ does not have")
        for c in found:
            for f in sorted(closure(c)):
                if f in foreign:
                    via = "" if f == c else f" through {f}"
                    problems.append(f"pure module src/{c} reaches {foreign[f]}{via}")

    for p in problems:
        print("FAIL: " + p)
    if problems:
        return 1
    print(f"ok: {len(files)} files in {len(LAYERS)} layers, {len(pure)} pure modules free of libvirt and collectd")
    return 0


if __name__ == "__main__":
    sys.exit(main())
