# SPDX-License-Identifier: MIT
# libFuzzer targets and hostile-input corpus
# (doc/design.md, "Faults and hostile input")
#
# The hostile-input test runs in `make check` with the project's compiler:
# every file in tests/fuzz/hostile/ against its MANIFEST line(s), generated
# huge/deep/10 000-group documents, and a replay of all fuzz corpora with the
# fuzzers' invariants (fuzz_check.c).
check_PROGRAMS += tests/fuzz/test_hostile
TESTS += tests/fuzz/test_hostile
tests_fuzz_test_hostile_SOURCES = tests/fuzz/test_hostile.c \
	tests/fuzz/fuzz_check.c tests/fuzz/fuzz_check.h
tests_fuzz_test_hostile_CPPFLAGS = $(UNIT_TEST_CPP) -I$(top_srcdir)/tests/fuzz
tests_fuzz_test_hostile_LDADD = $(UNIT_TEST_LIBS)

# The libFuzzer targets need clang and its fuzzer runtime, so run-fuzz.sh
# builds them itself, outside automake: `FUZZ_SECONDS=60 make fuzz`
# (0 replays the seeds once). Crashing inputs land in fuzz-artifacts/.
FUZZ_SECONDS ?= 60
fuzz:
	$(SHELL) $(top_srcdir)/tests/fuzz/run-fuzz.sh $(FUZZ_SECONDS)
.PHONY: fuzz

EXTRA_DIST += tests/fuzz/run-fuzz.sh tests/fuzz/fuzz_group_spec.c \
	tests/fuzz/fuzz_cpuset.c tests/fuzz/fuzz_owned_name.c \
	tests/fuzz/fuzz_group_spec.dict tests/fuzz/corpus tests/fuzz/hostile
