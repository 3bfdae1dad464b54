/* SPDX-License-Identifier: MIT */
/* The checked mutex: vr_mutex_assert_held passes where the caller holds the
 * lock and aborts, naming the lock and the function, where it does not; a
 * second lock by the holder and an unlock by another thread abort too.
 * Each failing case runs in a forked child whose stderr (the log stand-in
 * prints there) comes back through a pipe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* The checks are what this test is about: on in every build, release
 * builds included (the layout does not depend on the switch). */
#define VR_LOCK_DEBUG 1
#include "base/vr_lock.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static vr_mutex lock;

/* A function that relies on its caller holding lock. */
static void touch_guarded(void) { vr_mutex_assert_held(&lock); }

/* Runs fn in a child; returns the signal that ended it (0 for a normal
 * exit) and what it wrote to stderr in out. */
static int in_child(void (*fn)(void), char *out, size_t out_len) {
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  fflush(stderr);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    dup2(fds[1], STDERR_FILENO);
    fn();
    _exit(0);
  }
  close(fds[1]);
  size_t n = 0;
  ssize_t got;
  while (n + 1 < out_len && (got = read(fds[0], out + n, out_len - 1 - n)) > 0)
    n += (size_t)got;
  out[n] = '\0';
  close(fds[0]);
  int wstatus;
  assert_int_equal(waitpid(pid, &wstatus, 0), pid);
  return WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
}

static void expect_abort(void (*fn)(void), const char *what, const char *func) {
  char out[1024];
  assert_int_equal(in_child(fn, out, sizeof(out)), SIGABRT);
  /* One line, naming the lock, what went wrong and where. */
  assert_non_null(strstr(out, "test lock"));
  assert_non_null(strstr(out, what));
  assert_non_null(strstr(out, func));
  assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
}

static void held_passes(void **state) {
  (void)state;
  vr_mutex_lock(&lock);
  touch_guarded();
  vr_mutex_unlock(&lock);
}

static void not_held_aborts(void **state) {
  (void)state;
  expect_abort(touch_guarded, "not held", "touch_guarded");
}

static void *hold_forever(void *arg) {
  (void)arg;
  vr_mutex_lock(&lock);
  for (;;)
    pause();
  return NULL;
}

/* Another thread holds the lock: that is not the caller holding it. */
static void other_thread_holds(void) {
  pthread_t t;
  pthread_create(&t, NULL, hold_forever, NULL);
  while (pthread_mutex_trylock(&lock.m) == 0)
    pthread_mutex_unlock(&lock.m);
  touch_guarded();
}

static void held_elsewhere_aborts(void **state) {
  (void)state;
  expect_abort(other_thread_holds, "not held", "touch_guarded");
}

static void lock_twice(void) {
  vr_mutex_lock(&lock);
  vr_mutex_lock(&lock);
}

static void second_lock_aborts(void **state) {
  (void)state;
  expect_abort(lock_twice, "taken again", "lock_twice");
}

static void unlock_unheld(void) { vr_mutex_unlock(&lock); }

static void foreign_unlock_aborts(void **state) {
  (void)state;
  expect_abort(unlock_unheld, "not holding it", "unlock_unheld");
}

static bool waited_and_held;

static void *wait_then_check(void *arg) {
  pthread_cond_t *c = arg;
  vr_mutex_lock(&lock);
  /* The deadline has passed: the wait returns at once, holding again. */
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  vr_mutex_cond_wait(c, &lock, &now);
  touch_guarded();
  waited_and_held = true;
  vr_mutex_unlock(&lock);
  return NULL;
}

/* A wait gives the lock up and takes it back: the owner follows. */
static void cond_wait_keeps_owner(void **state) {
  (void)state;
  pthread_cond_t c = PTHREAD_COND_INITIALIZER;
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, wait_then_check, &c), 0);
  assert_int_equal(pthread_join(t, NULL), 0);
  assert_true(waited_and_held);
  /* The waiter's ownership went with its unlock: ours to take. */
  vr_mutex_lock(&lock);
  touch_guarded();
  vr_mutex_unlock(&lock);
  pthread_cond_destroy(&c);
}

int main(void) {
  vr_mutex_init(&lock, "test lock");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(held_passes),
      cmocka_unit_test(not_held_aborts),
      cmocka_unit_test(held_elsewhere_aborts),
      cmocka_unit_test(second_lock_aborts),
      cmocka_unit_test(foreign_unlock_aborts),
      cmocka_unit_test(cond_wait_keeps_owner),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  vr_mutex_destroy(&lock);
  return failed;
}
