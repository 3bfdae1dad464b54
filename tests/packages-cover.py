#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/support/packages.txt covers every command the project's scripts run.

A fresh Debian machine has only what tests/support/install-deps installs plus
the base system. A command that a test, the demo or a make rule runs but that
no listed package brings fails there only (groff in man-render.sh was one).
This test scans every shell script and make recipe for the commands it runs,
and for each one:

1. tests/support/commands.txt must map it to a Debian package (an unmapped
   command fails: add it to the table, and its package to packages.txt);
2. that package must be in packages.txt, or be of Priority "required" (what
   even `debootstrap --variant=minbase` installs);
3. where the command is installed, the package dpkg says owns it must be that
   package or one it depends on, so the table cannot drift from the truth.

The scan is a small shell lexer, not a shell: string contents are dropped
(except $(...) in double quotes and the script of `sh -c '...'`), so are
here-documents, comments and arithmetic; a word counts as a command where a
simple command starts (line start, after ; | & ( $( && || and the keywords).
"""
import os
import re
import shutil
import subprocess
import sys

SRC = os.environ.get("VR_SRCDIR") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLE = os.path.join(SRC, "tests/support/commands.txt")
# install-deps installs both lists.
PACKAGES = [os.path.join(SRC, "tests/support/packages.txt"),
            os.path.join(SRC, "tests/kernel-bed/packages.txt")]

BUILTINS = set("""alias bg bind break builtin caller cd command compgen complete continue declare
dirs disown echo enable eval exec exit export false fc fg getopts hash help history jobs kill let
local logout mapfile popd printf pushd pwd read readarray readonly return set shift shopt source
suspend test times trap true type typeset ulimit umask unalias unset wait [ [[ ]] ]] . : if then else
elif fi case esac for select while until do done in function time { } ! coproc""".split())
# Wrappers that run the command after their options: both count.
WRAPPERS = {"exec", "command", "nice", "timeout", "xargs", "env", "sudo", "nsenter", "unshare",
            "setsid", "chroot", "stdbuf", "strace", "valgrind", "nohup"}


def scripts():
    """Shell scripts (by name or shebang) and make fragments of the project."""
    out = []
    for top in ("tests", "contrib", "bench", ".ci", "debian", "doc"):
        for dirpath, dirnames, files in os.walk(os.path.join(SRC, top)):
            dirnames[:] = [d for d in dirnames if not d.startswith("_build") and d != "corpus"]
            for f in files:
                p = os.path.join(dirpath, f)
                if f.endswith((".mk", ".am")):
                    out.append((p, "make"))
                    continue
                try:
                    with open(p, "rb") as fh:
                        first = fh.readline()
                except OSError:
                    continue
                if f.endswith(".sh") or re.match(rb"#!\s*/(usr/)?bin/(env\s+)?(ba|da)?sh\b", first):
                    out.append((p, "sh"))
    out.append((os.path.join(SRC, "Makefile.am"), "make"))
    return sorted(out)


def make_recipes(text):
    """The recipe lines of a make fragment, as shell text."""
    lines = []
    for line in text.split("\n"):
        if line.startswith("\t"):
            lines.append(re.sub(r"\$\([A-Za-z_@<^]+\)|\$\$", "$X", line.lstrip("\t@-")))
    return "\n".join(lines)


def arith_end(text, i):
    """The index after the arithmetic $((...)) or ((...)) that starts at i."""
    depth, j = 0, i
    while j < len(text):
        if text[j] == "(":
            depth += 1
        elif text[j] == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return j


def strip_shell(text):
    """Shell text with comments, here-documents and arithmetic dropped and each string
    replaced by the word $Q (keeping $(...) in double quotes, and the script of
    sh -c '...'); continued lines joined; line numbers kept."""
    out = []
    i, n = 0, len(text)
    pending_heredocs = []
    owed_newlines = 0  # joined continuation lines, given back at the next newline
    state = [None]  # stack: None (code), '"', '$(' inside double quotes

    def newline():
        nonlocal owed_newlines
        out.append("\n" * (1 + owed_newlines))
        owed_newlines = 0

    while i < n:
        c = text[i]
        top = state[-1]
        if text.startswith("$((", i) or (top != '"' and text.startswith("((", i)):
            j = arith_end(text, i + (1 if c == "$" else 0))
            owed_newlines += text.count("\n", i, j)
            out.append(" $Q " if top != '"' else " ")
            i = j
            continue
        if top == '"':
            if c == "\\":
                i += 2
                continue
            if c == '"':
                state.pop()
                out.append("$Q ")
            elif text.startswith("$(", i):
                state.append("$(")
                out.append(" ;")
                i += 2
                continue
            elif c == "\n":
                owed_newlines += 1
            i += 1
            continue
        # code (None, or inside $( ... ) of a double-quoted string)
        if c == "\\" and i + 1 < n:
            if text[i + 1] == "\n":
                owed_newlines += 1
            out.append("  ")
            i += 2
            continue
        if c == "#" and (i == 0 or text[i - 1] in " \t\n;|&("):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c == "'":
            j = text.find("'", i + 1)
            j = n if j < 0 else j
            body = text[i + 1:j]
            before = "".join(out[-12:])
            if re.search(r"\b(ba|da)?sh\s+-c\s*$", before):
                out.append(";" + body + "; : ")  # what follows the script are its arguments
            else:
                owed_newlines += body.count("\n")
                out.append(" $Q ")
            i = j + 1
            continue
        if c == '"':
            state.append('"')
            out.append(" ")
            i += 1
            continue
        if c == ")" and top == "$(":
            state.pop()
            out.append("; ")
            i += 1
            continue
        if text.startswith("<<", i) and not text.startswith("<<<", i):
            m = re.match(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1", text[i:])
            if m:
                pending_heredocs.append(m.group(2))
                out.append(" " * m.end())
                i += m.end()
                continue
        if c == "\n":
            newline()
            i += 1
            while pending_heredocs and i < n:
                j = text.find("\n", i)
                j = n if j < 0 else j
                line = text[i:j]
                out.append("\n")
                i = j + 1
                if line.strip("\t") == pending_heredocs[0]:
                    pending_heredocs.pop(0)
            continue
        out.append(c)
        i += 1
    return "".join(out)


SEGMENT_SPLIT = re.compile(r"&&|\|\||[;&|(){}`]|\$\(|\b(?:then|do|else|elif|if|while|until|!)\b")


def commands_in(code):
    """(line number, command) for each simple command in stripped shell text."""
    found = []
    for lineno, line in enumerate(code.split("\n"), 1):
        line = re.sub(r"\b[A-Za-z_][A-Za-z0-9_]*\+?=\([^)]*\)?", " ", line)  # an array assignment
        line = re.sub(r"[0-9]*[<>]+&[0-9]*-?|&>>?", " >", line)  # 2>&1, >&2, &>: redirections
        line = re.sub(r"^\s*[^\s()=]+(?:\s*\|\s*[^\s()]+)*\s*\)", " ", line)  # a case pattern
        line = re.sub(r"\$\{[^}]*\}", "$X", line)
        for seg in SEGMENT_SPLIT.split(line):
            words = seg.split()
            while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=", words[0]):
                words.pop(0)  # assignments before the command
            while words:
                w = words.pop(0)
                if w in ("for", "case", "select", "function", "declare", "local", "export",
                         "readonly", "typeset"):
                    break
                if not re.match(r"^(/[a-z/]*/)?[A-Za-z0-9][A-Za-z0-9_.+-]*$", w):
                    break  # a variable, a path into the tree, a redirection: not a command name
                if w.startswith("/") and not re.match(r"^/(usr/)?s?bin/", w):
                    break
                name = os.path.basename(w)
                if name in BUILTINS and name not in WRAPPERS:
                    break
                found.append((lineno, name))
                if name not in WRAPPERS:
                    break
                # the wrapped command: after `--`, else after the options
                if "--" in words:
                    words = words[words.index("--") + 1:]
                else:
                    while words and (words[0].startswith("-") or re.match(r"^[0-9.]+[smh]?$", words[0])
                                     or re.match(r"^[A-Za-z_]+=", words[0])):
                        opt = words.pop(0)
                        if opt in ("-n", "-t", "-s", "-k", "-o", "-e", "-p", "-I", "-d", "-P", "--propagation") and words:
                            words.pop(0)  # an option with its argument
    return found


def read_table():
    table = {}
    with open(TABLE) as fh:
        for n, line in enumerate(fh, 1):
            line = line.split("#", 1)[0].split()
            if not line:
                continue
            if len(line) != 2:
                sys.exit("FAIL: %s:%d: want 'COMMAND PACKAGE'" % (TABLE, n))
            table[line[0]] = line[1]
    return table


def installed_packages():
    """name -> (priority, deps, provides) of every installed package (dpkg, offline)."""
    out = subprocess.run(["dpkg-query", "-W", "-f",
                          "${db:Status-Abbrev}\t${Package}\t${Priority}\t${Pre-Depends}, ${Depends}\t${Provides}\n"],
                         capture_output=True, text=True, check=True).stdout
    pkgs, providers = {}, {}
    for line in out.splitlines():
        status, name, prio, deps, provides = line.split("\t")
        if not status.startswith("ii"):
            continue
        names = set()
        for dep in re.split(r"[,|]", deps):
            dep = re.sub(r"\(.*?\)|\[.*?\]|<.*?>|:\w+", "", dep).strip()
            if dep:
                names.add(dep)
        pkgs[name] = (prio, names)
        for p in provides.split(","):
            p = re.sub(r"\(.*?\)|:\w+", "", p).strip()
            if p:
                providers.setdefault(p, set()).add(name)
    return pkgs, providers


def closure(pkg, pkgs, providers):
    seen, todo = set(), [pkg]
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        todo.extend(providers.get(p, ()))
        if p in pkgs:
            todo.extend(pkgs[p][1])
    return seen


def owner(cmd):
    """The installed package owning cmd in the system's bin directories, or None."""
    for d in ("/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        p = os.path.join(d, cmd)
        if not os.path.exists(p):
            continue
        # merged /usr: dpkg may know the other spelling; alternatives: the link's target
        for q in (p, p.replace("/usr/", "/", 1) if p.startswith("/usr/") else "/usr" + p,
                  os.path.realpath(p)):
            r = subprocess.run(["dpkg", "-S", q], capture_output=True, text=True)
            for line in r.stdout.splitlines() if r.returncode == 0 else ():
                if not line.startswith("diversion "):
                    return line.split(":", 1)[0].split(",")[0].strip()
    return None


def main():
    table = read_table()
    listed = set()
    for path in PACKAGES:
        with open(path) as fh:
            listed |= {l.strip() for l in fh if l.strip() and not l.startswith("#")}
    functions, uses = set(), {}
    files = scripts()
    for path, kind in files:
        with open(path, errors="replace") as fh:
            text = fh.read()
        if kind == "make":
            text = make_recipes(text)
        for m in re.finditer(r"^\s*(?:function\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*\(\)", text, re.M):
            functions.add(m.group(1))
        for lineno, cmd in commands_in(strip_shell(text)):
            uses.setdefault(cmd, "%s:%d" % (os.path.relpath(path, SRC), lineno))
        # Programs named by path or as a variable's default, e.g. <emulator>/usr/bin/qemu-...
        # in a domain XML, CARBON_BIN=${CARBON_BIN:-/usr/bin/carbon-cache}, ${FUZZ_CC:-clang}.
        for m in re.finditer(r"(?<![\w./-])/(?:usr/)?s?bin/([A-Za-z0-9_.+-]+)|"
                             r"\$\{[A-Za-z_]+:-(?:/(?:usr/)?s?bin/)?([A-Za-z][A-Za-z0-9_.+-]*)\}", text):
            name = m.group(1) or m.group(2)
            if m.group(2) and name not in table and not shutil.which(name):
                continue  # a default that is not a program (a host name, a word)
            lineno = text.count("\n", 0, m.start()) + 1
            uses.setdefault(name, "%s:%d" % (os.path.relpath(path, SRC), lineno))
    pkgs, providers = installed_packages()
    problems = []
    checked = 0
    for cmd in sorted(uses):
        if cmd in functions or (cmd in BUILTINS and cmd != "["):
            continue
        where = uses[cmd]
        pkg = table.get(cmd)
        if pkg is None:
            problems.append("%s (run at %s) is not in tests/support/commands.txt: add 'COMMAND PACKAGE' "
                            "there and the package to packages.txt" % (cmd, where))
            continue
        if pkg == "-":
            continue  # not a program from a package (see the table's comment for each)
        required = pkgs.get(pkg, ("",))[0] == "required"
        if pkg not in listed and not required:
            problems.append("%s (run at %s) comes from %s, which packages.txt lacks" % (cmd, where, pkg))
        own = owner(cmd)
        if own is not None and own not in closure(pkg, pkgs, providers):
            problems.append("%s: commands.txt says %s, but dpkg -S says %s owns it, and %s does not "
                            "depend on %s" % (cmd, pkg, own, pkg, own))
        checked += 1
    for p in problems:
        print("FAIL: " + p, file=sys.stderr)
    print("%d files scanned, %d commands, %d checked against packages.txt and dpkg" % (len(files), len(uses), checked))
    if problems:
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
