/* SPDX-License-Identifier: MIT */
/* The published live set: a read pass pins a set and reads it with no lock;
 * a group the worker drops meanwhile is freed only after that read, by the
 * worker; publishing never waits for a read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "read/live_set.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A live group with an identity and nothing open: vr_live_group_free
 * copes with no reader and no value lists, and frees the identity as the
 * one block that starts at domain. */
static vr_live_group *group(const char *name) {
  vr_live_group *g = calloc(1, sizeof(*g));
  assert_non_null(g);
  char *block = strdup(name);
  assert_non_null(block);
  g->id.domain = g->id.uuid = g->id.group = block;
  g->id.members = g->id.ctrl = g->id.name = block;
  return g;
}

/* A handle with no resctrl behind it (vr_resctrl_close(NULL) is fine). */
static vr_resctrl_ref *root(void) {
  vr_resctrl_ref *ref = vr_resctrl_ref_new(NULL);
  assert_non_null(ref);
  return ref;
}

static vr_live_set *set_of(vr_resctrl_ref *r, vr_live_group **groups,
                           size_t n) {
  vr_live_set *s = vr_live_set_new(r, n);
  assert_non_null(s);
  for (size_t i = 0; i < n; i++)
    vr_live_set_add(s, groups[i]);
  return s;
}

static void unpinned_set_goes_at_once(void **state) {
  (void)state;
  vr_live_board b;
  vr_live_board_init(&b);
  vr_resctrl_ref *r = root();
  vr_live_group *g1 = group("g1"), *g2 = group("g2");
  vr_live_publish(&b, set_of(r, (vr_live_group *[]){g1, g2}, 2));
  assert_int_equal(r->refs, 2); /* ours and the set's */
  /* The next set keeps g1 and drops g2: nothing reads, so the old set and
   * g2 go at the next reap. */
  vr_live_publish(&b, set_of(r, (vr_live_group *[]){g1}, 1));
  assert_int_equal(g1->n_sets, 2);
  vr_live_reap(&b);
  assert_int_equal(g1->n_sets, 1);
  assert_int_equal(r->refs, 2);
  vr_live_board_destroy(&b);
  assert_int_equal(r->refs, 1);
  vr_resctrl_ref_put(r);
}

static void pinned_set_outlives_its_removal(void **state) {
  (void)state;
  vr_live_board b;
  vr_live_board_init(&b);
  vr_resctrl_ref *r = root();
  vr_live_group *g1 = group("g1"), *g2 = group("g2");
  vr_live_publish(&b, set_of(r, (vr_live_group *[]){g1, g2}, 2));

  vr_live_set *reading = vr_live_pin(&b);
  assert_non_null(reading);
  assert_int_equal(reading->n, 2);
  /* The worker drops g2 while the read is in flight, and reaps. */
  vr_live_publish(&b, set_of(r, (vr_live_group *[]){g1}, 1));
  vr_live_reap(&b);
  /* g2 is still there to read (ASan would flag a use after free). */
  assert_ptr_equal(reading->groups[1], g2);
  assert_int_equal(g2->n_sets, 1);
  assert_string_equal(g2->id.name, "g2");
  assert_int_equal(r->refs, 3);
  /* The read ends: the set is dead, and the worker frees it. */
  assert_true(vr_live_unpin(&b, reading));
  vr_live_reap(&b);
  assert_int_equal(g1->n_sets, 1);
  assert_int_equal(r->refs, 2);

  /* A pin of the current set that is still current frees nothing. */
  reading = vr_live_pin(&b);
  assert_false(vr_live_unpin(&b, reading));
  vr_live_board_destroy(&b);
  vr_resctrl_ref_put(r);
}

static void remount_closes_old_handle_after_the_read(void **state) {
  (void)state;
  vr_live_board b;
  vr_live_board_init(&b);
  vr_resctrl_ref *old = root();
  vr_live_publish(&b, set_of(old, (vr_live_group *[]){group("g")}, 1));
  vr_live_set *reading = vr_live_pin(&b);
  /* resctrl went away: no set, the engine lets go of the old handle. */
  vr_live_publish(&b, NULL);
  vr_live_reap(&b);
  vr_resctrl_ref_put(old);
  assert_int_equal(old->refs, 1); /* the pinned set still reads through it */
  assert_null(vr_live_pin(&b));
  assert_true(vr_live_unpin(&b, reading));
  vr_live_reap(&b); /* closes it: LeakSanitizer checks */
  vr_live_board_destroy(&b);
}

/* A reader that pins and then holds its read until told to finish. */
typedef struct {
  vr_live_board *b;
  pthread_mutex_t m;
  pthread_cond_t c;
  bool pinned, finish;
  size_t seen;
} reader;

static void *read_pass(void *arg) {
  reader *rd = arg;
  vr_live_set *s = vr_live_pin(rd->b);
  pthread_mutex_lock(&rd->m);
  rd->pinned = true;
  pthread_cond_broadcast(&rd->c);
  while (!rd->finish)
    pthread_cond_wait(&rd->c, &rd->m);
  pthread_mutex_unlock(&rd->m);
  for (size_t i = 0; i < s->n; i++)
    rd->seen += strlen(s->groups[i]->id.name);
  vr_live_unpin(rd->b, s);
  return NULL;
}

static void publish_never_waits_for_a_read(void **state) {
  (void)state;
  vr_live_board b;
  vr_live_board_init(&b);
  vr_resctrl_ref *r = root();
  vr_live_publish(&b, set_of(r, (vr_live_group *[]){group("first")}, 1));
  reader rd = {.b = &b};
  pthread_mutex_init(&rd.m, NULL);
  pthread_cond_init(&rd.c, NULL);
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, read_pass, &rd), 0);
  pthread_mutex_lock(&rd.m);
  while (!rd.pinned)
    pthread_cond_wait(&rd.c, &rd.m);
  pthread_mutex_unlock(&rd.m);
  /* With the read in flight, the worker publishes and reaps many times; a
   * publish that waited for the read would hang here (alarm below). */
  alarm(20);
  for (int i = 0; i < 1000; i++) {
    vr_live_publish(&b, set_of(r, (vr_live_group *[]){group("next")}, 1));
    vr_live_reap(&b);
  }
  alarm(0);
  pthread_mutex_lock(&rd.m);
  rd.finish = true;
  pthread_cond_broadcast(&rd.c);
  pthread_mutex_unlock(&rd.m);
  pthread_join(t, NULL);
  assert_int_equal(rd.seen, strlen("first")); /* it read its own set */
  vr_live_reap(&b);
  vr_live_board_destroy(&b);
  assert_int_equal(r->refs, 1);
  vr_resctrl_ref_put(r);
  pthread_cond_destroy(&rd.c);
  pthread_mutex_destroy(&rd.m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(unpinned_set_goes_at_once),
      cmocka_unit_test(pinned_set_outlives_its_removal),
      cmocka_unit_test(remount_closes_old_handle_after_the_read),
      cmocka_unit_test(publish_never_waits_for_a_read),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
