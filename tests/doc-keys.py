#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The documents name the configuration keys and the values the code has.

Sources of truth, found by file name anywhere under src/ (so that a move into
folders does not break the test):

- vr_config.c: the keys the plugin accepts (each `strcasecmp(key, "Key")`);
- metric_table.h (beside metric_table.c): every reported value as a pair of
  collectd type and type_instance prefix ("bytes", "llc" -> bytes/llc-0);
  the engine's extra host values are the "<prefix>-%u" type_instances that
  other src/ files print (mbm-coverage-<cacheid>).

What each document must agree on:

- doc/collectd-virt_resctrl.5 is the complete reference: its CONFIGURATION
  section describes exactly the keys vr_config.c accepts, no more, no fewer;
  its SYNOPSIS shows only accepted keys; its VALUES section describes every
  type/prefix pair of the metric table and no other, and names every extra
  host value.
- collectd.conf.example shows every key with its default ("Every key is
  shown", its header says): exactly the accepted keys.
- README.md lists the keys an operator sets: every key of its table must be
  accepted (it need not list the test-only ones); its values table lists
  every type/prefix pair of the metric table and the extra host values, and
  no pair the code does not send.
"""
import os
import re
import sys

SRC = os.environ.get("VR_SRCDIR")
if not SRC:
    sys.exit("FAIL: VR_SRCDIR is not set")
failures = []


def fail(msg):
    failures.append(msg)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def find_one(name):
    hits = []
    for root, _dirs, files in os.walk(os.path.join(SRC, "src")):
        if name in files:
            hits.append(os.path.join(root, name))
    if len(hits) != 1:
        sys.exit(f"FAIL: want exactly one {name} under src/, found {hits}")
    return hits[0]


def lower_set(keys):
    return {k.lower(): k for k in keys}


def compare(what, have, want, exact):
    """have, want: sets of keys (case-insensitive, as collectd matches them)."""
    h, w = lower_set(have), lower_set(want)
    extra = sorted(h[k] for k in h.keys() - w.keys())
    if extra:
        fail(f"{what} names keys vr_config.c does not accept: {', '.join(extra)}")
    if exact:
        missing = sorted(w[k] for k in w.keys() - h.keys())
        if missing:
            fail(f"{what} lacks keys vr_config.c accepts: {', '.join(missing)}")


# --- the code -------------------------------------------------------------
config_c = find_one("vr_config.c")
accepted = set(re.findall(r'strcasecmp\(key,\s*"([A-Za-z]+)"\)', read(config_c)))
if len(accepted) < 15:
    sys.exit(f"FAIL: only {len(accepted)} keys found in {config_c}: the pattern no longer matches")

table_h = os.path.join(os.path.dirname(find_one("metric_table.c")), "metric_table.h")
rows = re.findall(r'^\s*"([a-z_]+)",\s+"([a-z]+)",\s+(?:GAUGE|DERIVE),', read(table_h), re.M)
metric_pairs = set(rows)
if len(metric_pairs) < 4:
    sys.exit(f"FAIL: only {len(metric_pairs)} metric rows found in {table_h}: the pattern no longer matches")
metric_types = {t for t, _ in metric_pairs}
extra_prefixes = set()
for root, _dirs, files in os.walk(os.path.join(SRC, "src")):
    for name in files:
        if name.endswith(".c"):
            text = read(os.path.join(root, name))
            extra_prefixes |= set(re.findall(r'type_instance\),\s*"([a-z][a-z-]*)-%u"', text))
if not extra_prefixes:
    sys.exit("FAIL: no host value (type_instance \"<prefix>-%u\") found under src/: the pattern no longer matches")

# --- the man page ---------------------------------------------------------
man = read(os.path.join(SRC, "doc", "collectd-virt_resctrl.5"))
sections = dict(re.findall(r"^\.SH (\S+)\n(.*?)(?=^\.SH |\Z)", man, re.M | re.S))
for name in ("SYNOPSIS", "CONFIGURATION", "VALUES"):
    if name not in sections:
        sys.exit(f"FAIL: the man page has no {name} section")
man_keys = set(re.findall(r"^\.TP\n\.BI? ([A-Z][A-Za-z]+)\b", sections["CONFIGURATION"], re.M))
compare("collectd-virt_resctrl(5) CONFIGURATION", man_keys, accepted, exact=True)
synopsis_keys = set(re.findall(r"^\s+([A-Z][A-Za-z]+) ", sections["SYNOPSIS"], re.M))
compare("collectd-virt_resctrl(5) SYNOPSIS", synopsis_keys, accepted, exact=False)

man_pairs = set()
for line in re.findall(r"^\\fItype\\fR \\fB([a-z_]+)\\fR, (.*)$", sections["VALUES"], re.M):
    t, rest = line
    for prefix in re.findall(r"\\fB(?:\\%)?([a-z]+)\\-\\fR<", rest):
        man_pairs.add((t, prefix))
if man_pairs != metric_pairs:
    fail("collectd-virt_resctrl(5) VALUES describes type/prefix "
         f"{sorted(man_pairs - metric_pairs)} that the metric table lacks and lacks "
         f"{sorted(metric_pairs - man_pairs)} that it has")
man_plain = man.replace("\\-", "-")
for prefix in sorted(extra_prefixes):
    if f"{prefix}-" not in man_plain:
        fail(f"collectd-virt_resctrl(5) does not name the host value {prefix}-<id>")

# --- collectd.conf.example ------------------------------------------------
example = read(os.path.join(SRC, "collectd.conf.example"))
block = re.search(r"^<Plugin virt_resctrl>\n(.*?)^</Plugin>", example, re.M | re.S)
if not block:
    sys.exit("FAIL: collectd.conf.example has no <Plugin virt_resctrl> block")
# "  Key value" or "  #Key value" (commented out); "  # Text" is a comment.
example_keys = set(re.findall(r"^\s*#?([A-Z][A-Za-z]+)\s+\S", block.group(1), re.M))
compare("collectd.conf.example", example_keys, accepted, exact=True)

# --- README.md --------------------------------------------------------------
readme = read(os.path.join(SRC, "README.md"))
cfg = re.search(r"^\| key \| default \| meaning \|\n((?:\|.*\n)+)", readme, re.M)
if not cfg:
    sys.exit("FAIL: README.md has no '| key | default | meaning |' table")
readme_keys = set()
for row in cfg.group(1).splitlines():
    readme_keys |= set(re.findall(r"`([A-Za-z]+)`", row.split("|")[1]))
if len(readme_keys) < 10:
    fail(f"README.md's key table names only {len(readme_keys)} keys: the pattern no longer matches")
compare("README.md's key table", readme_keys, accepted, exact=False)

vals = re.search(r"^\| what \| type \| type_instance \| data source \|\n((?:\|.*\n)+)", readme, re.M)
if not vals:
    sys.exit("FAIL: README.md has no '| what | type | type_instance | data source |' table")
readme_pairs, readme_extra = set(), set()
for row in vals.group(1).splitlines()[1:]:
    cells = row.split("|")
    types = re.findall(r"`([a-z_]+)`", cells[2])
    prefixes = re.findall(r"`([a-z][a-z-]*?)-<", cells[3])
    for t in types:
        for p in prefixes:
            if (t, p) in metric_pairs or p not in extra_prefixes:
                readme_pairs.add((t, p))
            else:
                readme_extra.add(p)
if readme_pairs != metric_pairs:
    fail("README.md's values table lists type/prefix "
         f"{sorted(readme_pairs - metric_pairs)} that the metric table lacks and lacks "
         f"{sorted(metric_pairs - readme_pairs)} that it has")
if readme_extra != extra_prefixes:
    fail(f"README.md's values table names host values {sorted(readme_extra)}, the code sends {sorted(extra_prefixes)}")

if failures:
    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    sys.exit(1)
print(f"ok: {len(accepted)} keys agree (man page, collectd.conf.example, README's {len(readme_keys)}); "
      f"{len(metric_pairs)} value names and {len(extra_prefixes)} host value(s) agree (man page, README)")
