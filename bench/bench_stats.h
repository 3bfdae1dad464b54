/* SPDX-License-Identifier: MIT */
/* Clocks, quantiles and memory figures for the benchmark programs. */
#ifndef VR_BENCH_STATS_H
#define VR_BENCH_STATS_H

#include <stddef.h>
#include <sys/types.h>

/* CLOCK_MONOTONIC in microseconds. */
double bench_now_us(void);

/* The q quantile (0..1) of v[0..n), nearest rank; sorts v in place. */
double bench_quantile(double *v, size_t n, double q);

/* VmRSS of this process in KiB (-1 when unreadable). */
long bench_rss_kib(void);

/* Peak resident set (ru_maxrss) in KiB. */
long bench_peak_kib(void);

/* Starts `strace MODE -o out -p tid` (MODE: "-c" for a count, or "-yy" to
 * log every call with its fds named) and waits until tid is traced. The
 * tracer's pid, or -1 when it did not attach within 5 s. */
pid_t bench_strace(pid_t tid, const char *mode, const char *out);

#endif
