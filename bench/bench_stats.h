/* Clocks, quantiles and memory figures for the benchmark programs. */
#ifndef VR_BENCH_STATS_H
#define VR_BENCH_STATS_H

#include <stddef.h>

/* CLOCK_MONOTONIC in microseconds. */
double bench_now_us(void);

/* The q quantile (0..1) of v[0..n), nearest rank; sorts v in place. */
double bench_quantile(double *v, size_t n, double q);

/* VmRSS of this process in KiB (-1 when unreadable). */
long bench_rss_kib(void);

/* Peak resident set (ru_maxrss) in KiB. */
long bench_peak_kib(void);

#endif
