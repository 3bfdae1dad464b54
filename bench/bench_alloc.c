/* SPDX-License-Identifier: MIT */
/* See bench_alloc.h. */
#include "bench_alloc.h"

#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define COUNTING 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||     \
    __has_feature(memory_sanitizer)
#define COUNTING 0
#endif
#endif
#ifndef COUNTING
#define COUNTING 1
#endif

static atomic_ulong calls;
static atomic_long bytes;
static _Thread_local unsigned long thread_calls;

bool bench_alloc_counting(void) { return COUNTING; }
unsigned long bench_alloc_calls(void) { return atomic_load(&calls); }
unsigned long bench_alloc_thread_calls(void) { return thread_calls; }
long bench_alloc_bytes(void) { return atomic_load(&bytes); }

#if COUNTING
/* glibc's own allocator, under the names it exports for interposers. */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void __libc_free(void *p);

/* A chunk's footprint: what malloc_usable_size says and the size word in
 * front of it (glibc's chunk header on 64-bit). */
static long chunk(void *p) {
  return p ? (long)(malloc_usable_size(p) + sizeof(size_t)) : 0;
}

static void *seen(void *p) {
  if (p) {
    atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
    thread_calls++;
    atomic_fetch_add_explicit(&bytes, chunk(p), memory_order_relaxed);
  }
  return p;
}

void *malloc(size_t size) { return seen(__libc_malloc(size)); }

void *calloc(size_t n, size_t size) { return seen(__libc_calloc(n, size)); }

void *realloc(void *p, size_t size) {
  long before = chunk(p);
  void *q = __libc_realloc(p, size);
  /* a failed realloc leaves p as it was; a zero size frees it */
  if (q || size == 0)
    atomic_fetch_sub_explicit(&bytes, before, memory_order_relaxed);
  return seen(q);
}

void free(void *p) {
  atomic_fetch_sub_explicit(&bytes, chunk(p), memory_order_relaxed);
  __libc_free(p);
}

void *memalign(size_t align, size_t size) {
  return seen(__libc_memalign(align, size));
}

void *aligned_alloc(size_t align, size_t size) {
  return seen(__libc_memalign(align, size));
}

int posix_memalign(void **out, size_t align, size_t size) {
  void *p = __libc_memalign(align, size);
  if (!p)
    return ENOMEM;
  *out = seen(p);
  return 0;
}
#endif
