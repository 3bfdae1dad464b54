#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets with clang and fuzzes each for a bounded time
# over a copy of its committed seed corpus
# (doc/design.md, "Faults and hostile input").
#
#   tests/fuzz/run-fuzz.sh [SECONDS] [TARGET...]
#
# SECONDS per target (default $FUZZ_SECONDS, else 60; 0 replays the seeds
# once). TARGET: fuzz_group_spec, fuzz_cpuset, fuzz_owned_name (default all).
# Exits non-zero on any crash, leak, sanitizer report or broken invariant;
# the input that did it is kept in $FUZZ_ARTIFACT_DIR (default
# ./fuzz-artifacts) so it can be added to tests/fuzz/corpus/<target>/, where
# `make check` replays it. With FUZZ_CORPUS_OUT=DIR the grown corpus of
# each target is copied to DIR/<target>/ for review. Unless FUZZ_COVERAGE=0,
# the grown corpus is then replayed through a source-coverage build
# (llvm-profdata, llvm-cov) and the line and branch coverage of the parser
# each target is about (src/plan/group_spec.c and cpuset.c, cpuset.c,
# resctrl_name.c) is printed.
#
# The targets are built here, not by automake: libFuzzer needs clang and its
# runtime, the project builds with gcc.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
seconds=${1:-${FUZZ_SECONDS:-60}}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_group_spec fuzz_cpuset fuzz_owned_name)
artifact_dir=${FUZZ_ARTIFACT_DIR:-$PWD/fuzz-artifacts}
cc=${FUZZ_CC:-clang}

case $seconds in
'' | *[!0-9]*)
	echo "run-fuzz: SECONDS must be a whole number, not '$seconds'" >&2
	exit 2
	;;
esac
if ! command -v "$cc" >/dev/null; then
	echo "run-fuzz: $cc not found: install clang and its libFuzzer runtime" \
		"(Debian/Ubuntu: clang libclang-rt-dev)" >&2
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/vr-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The sources each target needs; all take fuzz_check.c for the invariants,
# and text.c for the parsers and validators the modules share.
sources_for() {
	case $1 in
	fuzz_group_spec | fuzz_cpuset | fuzz_owned_name)
		echo "$here/$1.c $here/fuzz_check.c $top/src/base/cpuset.c" \
			"$top/src/plan/group_spec.c $top/src/plan/group_list.c" \
			"$top/src/resctrl/resctrl_name.c $top/src/base/text.c $top/src/base/vocabulary.c"
		;;
	*) return 1 ;;
	esac
}

read -r -a xml_cflags <<<"$(pkg-config --cflags libxml-2.0)"
read -r -a xml_libs <<<"$(pkg-config --libs libxml-2.0)"
# shellcheck disable=SC2054 # the commas are in -fsanitize=, not separators
cflags=(-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
	-Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes
	-Wmissing-prototypes -Werror -I"$top/src" -I"$here" "${xml_cflags[@]}")

# Leaks count as failures; UBSan stops at the first report with a stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# The source files whose coverage a target's summary reports.
covered_by() {
	case $1 in
	fuzz_group_spec) echo "$top/src/plan/group_spec.c $top/src/plan/group_list.c $top/src/base/cpuset.c" ;;
	fuzz_cpuset) echo "$top/src/base/cpuset.c" ;;
	fuzz_owned_name) echo "$top/src/resctrl/resctrl_name.c" ;;
	esac
}

# Line and branch coverage reached by a corpus: a plain libFuzzer build with
# clang's source coverage replays it once (-runs=0). Prints one row per file
# covered_by names, then a last line for the summary.
coverage_of() {
	local target=$1 corpus=$2 srcs=$3
	local bin="$work/$target.cov"
	# shellcheck disable=SC2086
	"$cc" -std=c11 -D_GNU_SOURCE -g -O0 -fsanitize=fuzzer \
		-fprofile-instr-generate -fcoverage-mapping -I"$top/src" -I"$here" \
		"${xml_cflags[@]}" $srcs "${xml_libs[@]}" -o "$bin" || return 1
	LLVM_PROFILE_FILE="$work/$target.profraw" "$bin" -runs=0 "$corpus" \
		>"$work/$target.cov.log" 2>&1 || return 1
	"$profdata" merge -sparse "$work/$target.profraw" -o "$work/$target.profdata" ||
		return 1
	# shellcheck disable=SC2046 # a list of paths without blanks
	"$llvmcov" report "$bin" -instr-profile="$work/$target.profdata" \
		$(covered_by "$target") >"$work/$target.cov.txt" || return 1
	# Columns: file, regions, missed, %, functions, missed, %, lines,
	# missed, %, branches, missed, %.
	awk '$2 ~ /^[0-9]+$/ && $1 != "TOTAL" {
		n = split($1, path, "/")
		printf "    %-14s lines %s (%s of %s missed), branches %s (%s of %s missed)\n",
			path[n], $10, $9, $8, $13, $12, $11 }' "$work/$target.cov.txt"
	awk '$1 == "TOTAL" { printf "lines %s, branches %s", $10, $13 }' \
		"$work/$target.cov.txt"
}
profdata=${FUZZ_PROFDATA:-llvm-profdata}
llvmcov=${FUZZ_LLVM_COV:-llvm-cov}
coverage=${FUZZ_COVERAGE:-1}
if [ "$coverage" != 0 ] && { ! command -v "$profdata" >/dev/null ||
	! command -v "$llvmcov" >/dev/null; }; then
	echo "run-fuzz: $profdata or $llvmcov missing: no source coverage" >&2
	coverage=0
fi

status=0
summary=()
for target in "${targets[@]}"; do
	if ! srcs=$(sources_for "$target"); then
		echo "run-fuzz: unknown target $target" >&2
		exit 2
	fi
	# shellcheck disable=SC2086 # srcs is a list of paths without blanks
	"$cc" "${cflags[@]}" $srcs "${xml_libs[@]}" -o "$work/$target"

	corpus="$work/corpus-$target"
	mkdir -p "$corpus" "$work/artifacts-$target"
	if [ -d "$here/corpus/$target" ]; then
		cp "$here/corpus/$target"/* "$corpus"/ 2>/dev/null || true
	fi
	seeds=$(find "$corpus" -type f | wc -l)
	opts=(-print_final_stats=1 -timeout=10 -rss_limit_mb=2048
		-error_exitcode=1 -timeout_exitcode=1
		-artifact_prefix="$work/artifacts-$target/")
	[ -f "$here/$target.dict" ] && opts+=(-dict="$here/$target.dict")
	if [ "$seconds" -eq 0 ]; then
		opts+=(-runs=0)
	else
		opts+=(-max_total_time="$seconds")
	fi

	log="$work/$target.log"
	echo "run-fuzz: $target: $seconds s over $seeds seeds"
	rc=0
	"$work/$target" "${opts[@]}" "$corpus" >"$log" 2>&1 || rc=$?

	done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	cov=$(grep -oE 'cov: [0-9]+' <<<"$done_line" | tail -n 1 || true)
	ft=$(grep -oE 'ft: [0-9]+' <<<"$done_line" | tail -n 1 || true)
	units=$(find "$corpus" -type f | wc -l)
	echo "  ${done_line:-no DONE line}"
	line="$target: ${execs:-?} executions (${rate:-?}/s), ${cov:-cov: ?}, ${ft:-ft: ?}, corpus $seeds -> $units"

	if [ "$rc" -ne 0 ]; then
		status=1
		line="$line, FAILED (exit $rc)"
		echo "run-fuzz: $target FAILED (exit $rc); end of its log:" >&2
		tail -n 60 "$log" >&2
		if compgen -G "$work/artifacts-$target/*" >/dev/null; then
			mkdir -p "$artifact_dir/$target"
			cp "$work/artifacts-$target"/* "$artifact_dir/$target"/
			echo "run-fuzz: crashing input(s) kept in $artifact_dir/$target:" >&2
			ls -l "$artifact_dir/$target" >&2
		fi
	fi
	if [ "$coverage" != 0 ] && [ "$rc" -eq 0 ]; then
		echo "  source coverage of the final corpus:"
		if src_cov=$(coverage_of "$target" "$corpus" "$srcs"); then
			printf '%s\n' "$src_cov" | sed '$d'
			line="$line, $(printf '%s\n' "$src_cov" | tail -n 1) of $(covered_by "$target" | xargs -n 1 basename | paste -sd+)"
		else
			echo "run-fuzz: $target: coverage build or replay failed" >&2
		fi
	fi
	if [ -n "${FUZZ_CORPUS_OUT:-}" ]; then
		mkdir -p "$FUZZ_CORPUS_OUT/$target"
		cp "$corpus"/* "$FUZZ_CORPUS_OUT/$target"/ 2>/dev/null || true
	fi
	summary+=("$line")
done

echo "run-fuzz: summary"
printf '  %s\n' "${summary[@]}"
exit "$status"
