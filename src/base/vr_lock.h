/* SPDX-License-Identifier: MIT */
/**
 * A mutex that says who holds it: doc/design.md, "Threads and locks".
 *
 * Each lock of the engine guards named fields (engine/engine_private.h,
 * read/live_set.h). Built with VR_LOCK_DEBUG (configure --enable-lock-debug,
 * which the sanitizer build of tests/run-all uses), the mutex is an
 * error-checking one that records its owner, and vr_mutex_assert_held lets a
 * function that touches guarded fields without taking the lock itself check
 * that its caller took it: a missing lock fails at once, in the thread and
 * function at fault, instead of as a rare race. A failed check logs one line
 * naming the lock and the function, and aborts.
 *
 * Without VR_LOCK_DEBUG the calls are the plain pthread ones and the checks
 * compile to nothing. With it, lock and unlock add an atomic store of a
 * thread-local address and no system call, so the read path keeps its
 * counts. The layout is the same either way: an object built with the
 * switch still links safely with one built without.
 */
#ifndef VR_LOCK_H
#define VR_LOCK_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

typedef struct {
  pthread_mutex_t m;
  const char *name;            /* for the failure line: "e->lock" */
  _Atomic(const void *) owner; /* the holder's token, checked builds only */
} vr_mutex;

/* Out of line, whatever the build: the checked variants the macros below
 * pick under VR_LOCK_DEBUG (and the unit test calls directly). */
void vr_mutex_init_as(vr_mutex *m, const char *name, int checked);
void vr_mutex_destroy(vr_mutex *m);
void vr_mutex_lock_checked(vr_mutex *m, const char *func);
void vr_mutex_unlock_checked(vr_mutex *m, const char *func);
void vr_mutex_check_held(vr_mutex *m, const char *func);
int vr_mutex_cond_wait_checked(pthread_cond_t *c, vr_mutex *m,
                               const struct timespec *deadline,
                               const char *func);

#ifdef VR_LOCK_DEBUG

#define vr_mutex_init(m, name) vr_mutex_init_as((m), (name), 1)
#define vr_mutex_lock(m) vr_mutex_lock_checked((m), __func__)
#define vr_mutex_unlock(m) vr_mutex_unlock_checked((m), __func__)
/** Aborts unless the calling thread holds m. */
#define vr_mutex_assert_held(m) vr_mutex_check_held((m), __func__)
/** pthread_cond_wait (deadline NULL) or _timedwait on m, which the caller
 * holds; returns their result. */
#define vr_mutex_cond_wait(c, m, deadline)                                     \
  vr_mutex_cond_wait_checked((c), (m), (deadline), __func__)

#else

#define vr_mutex_init(m, name) vr_mutex_init_as((m), (name), 0)
static inline void vr_mutex_lock(vr_mutex *m) { pthread_mutex_lock(&m->m); }
static inline void vr_mutex_unlock(vr_mutex *m) { pthread_mutex_unlock(&m->m); }
#define vr_mutex_assert_held(m) ((void)(m))
static inline int vr_mutex_cond_wait(pthread_cond_t *c, vr_mutex *m,
                                     const struct timespec *deadline) {
  return deadline ? pthread_cond_timedwait(c, &m->m, deadline)
                  : pthread_cond_wait(c, &m->m);
}

#endif

#endif /* VR_LOCK_H */
