/* SPDX-License-Identifier: MIT */
/**
 * The checked mutex; see vr_lock.h.
 */
#include "base/vr_lock.h"
#include "base/vr_log.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A thread's token is the address of its copy of this: distinct among live
 * threads, and found without a system call (gettid would be one per lock).
 * Relaxed atomics suffice: a thread compares the owner with its own token
 * only, which no other thread ever stores, and it sees its own stores in
 * order. */
static _Thread_local char self;

static bool held_here(vr_mutex *m) {
  return atomic_load_explicit(&m->owner, memory_order_relaxed) == &self;
}

static void set_owner(vr_mutex *m, const void *token) {
  atomic_store_explicit(&m->owner, token, memory_order_relaxed);
}

/* One line naming the lock and the function at fault, then abort: a lock
 * rule broken once is broken in every run that takes that path. */
static _Noreturn void fail(const vr_mutex *m, const char *func,
                           const char *what) {
  VR_ERROR("lock check failed: %s %s (in %s); aborting",
           m->name ? m->name : "unnamed lock", what, func);
  abort();
}

void vr_mutex_init_as(vr_mutex *m, const char *name, int checked) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  /* The error-checking kind also refuses a second lock by its holder
   * (EDEADLK rather than a hang) and an unlock by another thread. */
  if (checked)
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&m->m, &attr);
  pthread_mutexattr_destroy(&attr);
  m->name = name;
  atomic_init(&m->owner, NULL);
}

void vr_mutex_destroy(vr_mutex *m) { pthread_mutex_destroy(&m->m); }

void vr_mutex_lock_checked(vr_mutex *m, const char *func) {
  if (held_here(m))
    fail(m, func, "taken again by the thread holding it");
  int status = pthread_mutex_lock(&m->m);
  if (status != 0)
    fail(m, func, strerror(status));
  set_owner(m, &self);
}

void vr_mutex_unlock_checked(vr_mutex *m, const char *func) {
  if (!held_here(m))
    fail(m, func, "released by a thread not holding it");
  set_owner(m, NULL);
  int status = pthread_mutex_unlock(&m->m);
  if (status != 0)
    fail(m, func, strerror(status));
}

void vr_mutex_check_held(vr_mutex *m, const char *func) {
  if (!held_here(m))
    fail(m, func, "not held");
}

int vr_mutex_cond_wait_checked(pthread_cond_t *c, vr_mutex *m,
                               const struct timespec *deadline,
                               const char *func) {
  vr_mutex_check_held(m, func);
  set_owner(m, NULL);
  int status = deadline ? pthread_cond_timedwait(c, &m->m, deadline)
                        : pthread_cond_wait(c, &m->m);
  set_owner(m, &self);
  return status;
}
