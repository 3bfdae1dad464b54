#!/bin/bash
# SPDX-License-Identifier: MIT
# Every relative link in README.md and doc/*.md resolves: the file exists and,
# for a "#anchor", a heading of that file has that anchor (GitHub's rule:
# lower case, punctuation dropped, spaces to hyphens, -1, -2 ... for repeats).
# The operator's pages and the maintainers' notes name no tracker issue: the
# tracker is not in the repository (doc/design.md is checked by its owner's
# doc-refs.sh).
set -eu
: "${VR_SRCDIR:?}"
# vr_fail
. "$VR_SRCDIR/tests/support/collectd-run.sh"
cd "$VR_SRCDIR"

# The anchors of a Markdown file, one a line, outside code blocks.
anchors() {
	awk '/^```/ { fence = !fence; next } !fence && /^#+ / { sub(/^#+ +/, ""); print }' "$1" |
		tr 'A-Z' 'a-z' | sed -e 's/[^a-z0-9 _-]//g' -e 's/ /-/g' |
		awk '{ n = seen[$0]++; print (n ? $0 "-" n : $0) }'
}

# Link targets of a Markdown file, outside code blocks and indented code.
links() {
	awk '/^```/ { fence = !fence; next } !fence && !/^    / { print }' "$1" |
		sed -e 's/`[^`]*`//g' | grep -oE '\]\([^) ]+\)' | sed -e 's/^](//' -e 's/)$//' || true
}

pages=(README.md doc/*.md)
[ "${#pages[@]}" -ge 6 ] || vr_fail "only ${#pages[@]} pages found: ${pages[*]}"
n=0 bad=()
for page in "${pages[@]}"; do
	dir=$(dirname "$page")
	while IFS= read -r target; do
		case "$target" in
		http://* | https://* | mailto:*) continue ;;
		esac
		path=${target%%#*}
		anchor=
		[ "$path" = "$target" ] || anchor=${target#*#}
		file=$page
		[ -z "$path" ] || file=$dir/$path
		n=$((n + 1))
		if [ ! -e "$file" ]; then
			bad+=("$page: $target: no file $file")
		elif [ -n "$anchor" ] && ! anchors "$file" | grep -qxF -- "$anchor"; then
			bad+=("$page: $target: no heading with anchor #$anchor in $file")
		fi
	done < <(links "$page")
done
[ "${#bad[@]}" -eq 0 ] || vr_fail "broken links:$(printf '\n  %s' "${bad[@]}")"
[ "$n" -ge 20 ] || vr_fail "only $n relative links found: the pattern no longer matches the pages' links"

cited=$(grep -nE '[Ii]ssue [0-9]' README.md $(ls doc/*.md | grep -vx doc/design.md) || true)
[ -z "$cited" ] || vr_fail "these cite the tracker, which is not in the repository; say what it is about instead:
$cited"
echo "ok: $n relative links in ${#pages[@]} pages resolve; no tracker issue cited"
