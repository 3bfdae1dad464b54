#!/bin/bash
# SPDX-License-Identifier: MIT
# doc/design.md is the design reference the sources cite: every citation
# names a section that exists there, no file cites the old
# repository-less design file any more, and no file cites the issue
# tracker, which is not in the repository either: what an issue
# established belongs in a section of doc/design.md.
set -eu
: "${VR_SRCDIR:?}"
doc="$VR_SRCDIR/doc/design.md"
# vr_fail
. "$VR_SRCDIR/tests/support/collectd-run.sh"
[ -f "$doc" ] || vr_fail "$doc missing"
cd "$VR_SRCDIR"
old='DESIGN''\.md'
stale=$(grep -rlE "$old" src tests bench contrib || true)
[ -z "$stale" ] || vr_fail "these cite a design file that is not in the repository: $stale"
n=0
while IFS= read -r ref; do
  section=${ref#*\"}
  section=${section%\"}
  grep -qxF "## $section" "$doc" || vr_fail "\"$section\" is cited but is no section of doc/design.md"
  n=$((n + 1))
done < <(grep -rhoE 'doc/design\.md, "[^"]+"' src tests bench contrib doc README.md | sort -u)
[ "$n" -ge 4 ] || vr_fail "only $n distinct references found: the pattern no longer matches the citations"
# The bracket keeps this line from matching itself.
tracker='[Ii]ssue [0-9]'
# Test logs of an in-tree build are not sources (this test's own log quotes
# the lines it rejects).
cited=$(grep -rnIE --exclude='*.log' --exclude='*.trs' "$tracker" src tests bench contrib doc README.md || true)
[ -z "$cited" ] || vr_fail "these cite the issue tracker; cite a doc/design.md section instead:
$cited"
echo "ok: $n distinct section references to doc/design.md resolve, no tracker issue cited"
