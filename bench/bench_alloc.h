/* SPDX-License-Identifier: MIT */
/*
 * A counting allocator for the benchmark programs: malloc, calloc, realloc,
 * the aligned allocators and free are defined here, ahead of the C
 * library's (whose __libc_* entry points do the work), so that every
 * allocation of the process is seen, also those made inside strdup, fopen
 * or collectd's stand-ins. It counts calls (per process and per thread)
 * and the heap in use (each chunk's usable size and its header), so that
 * "allocations per read cycle" and "bytes per group" are exact, not read
 * off the RSS. Under a sanitizer, which brings its own allocator, nothing
 * is counted (bench_alloc_counting() is false).
 */
#ifndef VR_BENCH_ALLOC_H
#define VR_BENCH_ALLOC_H

#include <stdbool.h>

/* Whether the counts below are real (false in a sanitizer build). */
bool bench_alloc_counting(void);

/* Allocating calls (malloc, calloc, realloc, aligned) since start, by the
 * whole process and by the calling thread. */
unsigned long bench_alloc_calls(void);
unsigned long bench_alloc_thread_calls(void);

/* Bytes of heap in use: usable size plus header of every live chunk. */
long bench_alloc_bytes(void);

#endif
