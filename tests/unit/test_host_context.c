/* SPDX-License-Identifier: MIT */
/* The host context's two series per cache id: `host` adds up the root and
 * the other CTRL_MON groups, `vms` the groups we report. Occupancy goes out
 * only when every member was read (a partial sum would read as a drop);
 * bandwidth totals never fall when a member leaves, nor leap when one
 * joins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "collectd_shim.h"
#include "read/host_context.h"

#include <stdlib.h>
#include <string.h>

static vr_resctrl_cache caches[] = {
    {.resource = VR_RES_L3,
     .id = 0,
     .dir = "mon_L3_00",
     .size = 1 << 24,
     .node = -1},
    {.resource = VR_RES_L3,
     .id = 8,
     .dir = "mon_L3_08",
     .size = 1 << 24,
     .node = -1},
};
enum { N_CACHES = 2, N_VALUES = N_CACHES * VR_FEAT_COUNT };
static vr_resctrl resctrl = {.features = (1u << VR_FEAT_LLC_OCCUPANCY) |
                                         (1u << VR_FEAT_MBM_TOTAL_BYTES) |
                                         (1u << VR_FEAT_MBM_LOCAL_BYTES),
                             .caches = caches,
                             .n_caches = N_CACHES};
static const vr_series_config config = {.report_bytes = true,
                                        .report_bandwidth = true};

static shim_value seen[64];
static size_t n_seen;

/* A live group as the read pass leaves it for the host context: its
 * values read, no reader (vr_live_group_free copes), its identity one
 * block that starts at domain. A host member is the root group (ctrl and
 * name ""), any other a MON group under the root (name "g"). */
static vr_live_group *member(vr_group_source source) {
  vr_live_group *g = calloc(1, sizeof(*g));
  assert_non_null(g);
  char *block = strdup("m");
  assert_non_null(block);
  g->id.domain = g->id.uuid = g->id.group = block;
  g->id.members = block;
  g->id.ctrl = "";
  g->id.name = source == VR_SOURCE_HOST ? "" : "g";
  g->id.source = source;
  g->n_values = N_VALUES;
  g->values = calloc(N_VALUES, sizeof(*g->values));
  assert_non_null(g->values);
  return g;
}

/* Sets one member's read on cache index c: occupancy and total bytes. */
static void set(vr_live_group *g, size_t c, uint64_t llc, uint64_t total) {
  vr_resctrl_value *v = &g->values[c * VR_FEAT_COUNT];
  v[VR_FEAT_LLC_OCCUPANCY] =
      (vr_resctrl_value){.value = llc, .status = VR_READ_VALUE};
  v[VR_FEAT_MBM_TOTAL_BYTES] =
      (vr_resctrl_value){.value = total, .status = VR_READ_VALUE};
  v[VR_FEAT_MBM_LOCAL_BYTES] =
      (vr_resctrl_value){.value = total / 2, .status = VR_READ_VALUE};
}

static void pass(vr_host_context *h, vr_live_group *const *groups, size_t n) {
  shim_capture(seen, sizeof(seen) / sizeof(seen[0]));
  size_t sent = vr_host_context_submit(h, groups, n, &resctrl);
  n_seen = shim_captured();
  shim_capture(NULL, 0);
  assert_int_equal(sent, n_seen);
}

static const shim_value *find(const char *instance, const char *type,
                              const char *type_instance) {
  return shim_find(seen, n_seen, instance, type, type_instance);
}

static double llc(const char *instance, const char *type_instance) {
  const shim_value *v = find(instance, "bytes", type_instance);
  if (!v)
    fail_msg("no %s bytes %s", instance, type_instance);
  return v->value.gauge;
}

static derive_t total(const char *instance, const char *type_instance) {
  const shim_value *v = find(instance, "memory_bandwidth", type_instance);
  if (!v)
    fail_msg("no %s memory_bandwidth %s", instance, type_instance);
  return v->value.derive;
}

static void host_and_vms_sums(void **state) {
  (void)state;
  vr_host_context *h = vr_host_context_new(&config);
  assert_non_null(h);
  vr_live_group *root = member(VR_SOURCE_HOST), *c1 = member(VR_SOURCE_HOST);
  c1->id.ctrl = "c1";
  vr_live_group *ours = member(VR_SOURCE_OWNED);
  vr_live_group *lv = member(VR_SOURCE_READ_ONLY);
  /* libvirt's monitor under an allocation we report: already in its
   * CTRL_MON group's values, so not counted again in vms */
  vr_live_group *inside = member(VR_SOURCE_READ_ONLY);
  inside->id.in_reported_ctrl = true;
  set(root, 0, 1000, 10000);
  set(root, 1, 2000, 20000);
  set(c1, 0, 300, 3000);
  set(c1, 1, 400, 4000);
  set(ours, 0, 50, 500);
  set(ours, 1, 60, 600);
  set(lv, 0, 7, 70);
  set(lv, 1, 8, 80);
  set(inside, 0, 1, 1);
  set(inside, 1, 1, 1);
  vr_live_group *all[] = {root, ours, c1, lv, inside};
  pass(h, all, 5);
  assert_true(llc("host", "llc-0") == 1300.0);
  assert_true(llc("host", "llc-8") == 2400.0);
  assert_true(llc("vms", "llc-0") == 57.0);
  assert_true(llc("vms", "llc-8") == 68.0);
  /* the first pass starts the totals at the members' sum */
  assert_int_equal(total("host", "total-0"), 13000);
  assert_int_equal(total("vms", "total-8"), 680);
  assert_int_equal(find("vms", "memory_bandwidth", "local-8")->value.derive,
                   340);
  /* host context series are the host's: collectd's own name */
  assert_string_equal(find("host", "bytes", "llc-0")->host, "");
  /* 2 scopes x 2 caches x (bytes, total, local) */
  assert_int_equal(n_seen, 12);
  for (size_t i = 0; i < 5; i++)
    vr_live_group_free(all[i]);
  vr_host_context_free(h);
}

/* One member without an occupancy value: no occupancy sum on that cache
 * this read (never a partial one), the other cache and the bandwidth as
 * usual, and the sum back at the next full read. */
static void occupancy_only_when_every_member_read(void **state) {
  (void)state;
  vr_host_context *h = vr_host_context_new(&config);
  vr_live_group *a = member(VR_SOURCE_OWNED), *b = member(VR_SOURCE_OWNED);
  vr_live_group *all[] = {a, b};
  set(a, 0, 100, 1000);
  set(a, 1, 100, 1000);
  set(b, 0, 200, 2000);
  set(b, 1, 200, 2000);
  pass(h, all, 2);
  assert_true(llc("vms", "llc-0") == 300.0);
  set(a, 0, 110, 1100);
  set(b, 0, 210, 2100);
  b->values[VR_FEAT_LLC_OCCUPANCY].status = VR_READ_UNAVAILABLE;
  pass(h, all, 2);
  assert_null(find("vms", "bytes", "llc-0"));
  assert_true(llc("vms", "llc-8") == 300.0);
  assert_int_equal(total("vms", "total-0"), 3200);
  b->values[VR_FEAT_LLC_OCCUPANCY].status = VR_READ_VALUE;
  pass(h, all, 2);
  assert_true(llc("vms", "llc-0") == 320.0);
  vr_live_group_free(a);
  vr_live_group_free(b);
  vr_host_context_free(h);
}

/* Members leave and join: the total goes on from where it was, each
 * member adding only its own growth; a directory made this pass counts
 * from zero at its mkdir, an adopted one from its first read. */
static void totals_never_fall(void **state) {
  (void)state;
  vr_host_context *h = vr_host_context_new(&config);
  vr_live_group *a = member(VR_SOURCE_OWNED), *b = member(VR_SOURCE_OWNED);
  vr_live_group *c = member(VR_SOURCE_OWNED), *d = member(VR_SOURCE_OWNED);
  set(a, 0, 1, 100);
  set(b, 0, 1, 200);
  pass(h, (vr_live_group *[]){a, b}, 2);
  assert_int_equal(total("vms", "total-0"), 300);
  set(a, 0, 1, 150);
  set(b, 0, 1, 260);
  pass(h, (vr_live_group *[]){a, b}, 2);
  assert_int_equal(total("vms", "total-0"), 410);
  /* b leaves: its 260 stays in the total */
  set(a, 0, 1, 170);
  pass(h, (vr_live_group *[]){a}, 1);
  assert_int_equal(total("vms", "total-0"), 430);
  /* c joins, adopted with a counter from long before: adds nothing yet */
  set(a, 0, 1, 180);
  set(c, 0, 1, 5000);
  pass(h, (vr_live_group *[]){a, c}, 2);
  assert_int_equal(total("vms", "total-0"), 440);
  /* d's directory was made this pass: all of its counter is new traffic */
  set(a, 0, 1, 190);
  set(c, 0, 1, 5100);
  set(d, 0, 1, 40);
  d->id.new_dir = true;
  pass(h, (vr_live_group *[]){a, c, d}, 3);
  assert_int_equal(total("vms", "total-0"), 590);
  /* a's counter restarted (went down): no growth from it this read */
  set(a, 0, 1, 5);
  set(c, 0, 1, 5110);
  set(d, 0, 1, 45);
  pass(h, (vr_live_group *[]){a, c, d}, 3);
  assert_int_equal(total("vms", "total-0"), 605);
  vr_live_group_free(a);
  vr_live_group_free(b);
  vr_live_group_free(c);
  vr_live_group_free(d);
  vr_host_context_free(h);
}

/* ABMC with fewer counters than events: the default group holds every
 * counter, so the root (host) counts and none of our groups does; their
 * events read "Unassigned". No vms bandwidth goes out then (never a flat
 * total, a rate of 0 B/s), vms occupancy does; once a counter is assigned
 * the vms totals go on, growing by the traffic since the assignment. */
static void no_flat_total_while_nothing_counted(void **state) {
  (void)state;
  vr_host_context *h = vr_host_context_new(&config);
  vr_live_group *root = member(VR_SOURCE_HOST);
  vr_live_group *a = member(VR_SOURCE_OWNED), *b = member(VR_SOURCE_OWNED);
  vr_live_group *all[] = {root, a, b};
  for (size_t c = 0; c < N_CACHES; c++) {
    set(root, c, 1000, 100000);
    set(a, c, 10, 0);
    set(b, c, 20, 0);
  }
  for (size_t i = 0; i < N_VALUES; i++)
    if (i % VR_FEAT_COUNT != VR_FEAT_LLC_OCCUPANCY)
      a->values[i].status = b->values[i].status = VR_READ_UNASSIGNED;
  for (int read = 0; read < 3; read++) {
    set(root, 0, 1000, 100000 + (uint64_t)read * 500);
    pass(h, all, 3);
    assert_null(find("vms", "memory_bandwidth", "total-0"));
    assert_null(find("vms", "memory_bandwidth", "local-8"));
    assert_true(llc("vms", "llc-0") == 30.0);
    assert_int_equal(total("host", "total-0"), 100000 + read * 500);
  }
  /* a's events on cache 0 get a counter (reset at assignment): vms on
   * cache 0 goes out with a's traffic since; cache 8 still nothing. */
  set(a, 0, 10, 700);
  pass(h, all, 3);
  derive_t first = total("vms", "total-0");
  assert_int_equal(first, 700);
  assert_null(find("vms", "memory_bandwidth", "total-8"));
  set(a, 0, 10, 900);
  pass(h, all, 3);
  assert_int_equal(total("vms", "total-0"), first + 200);
  vr_live_group_free(root);
  vr_live_group_free(a);
  vr_live_group_free(b);
  vr_host_context_free(h);
}

/* Two MON groups of ours under the root, the root's own RMID still: one of
 * them restarts (its counter goes down, as a counter reassigned under ABMC
 * does). The root reads its own RMID plus both (mon_event_count), so its
 * whole counter goes down; host must still count the other group's
 * growth, as vms does: vms never grows more than host. */
static void mon_group_restart_under_ctrl(void **state) {
  (void)state;
  vr_host_context *h = vr_host_context_new(&config);
  vr_live_group *root = member(VR_SOURCE_HOST);
  vr_live_group *a = member(VR_SOURCE_OWNED), *b = member(VR_SOURCE_OWNED);
  vr_live_group *all[] = {a, b, root};
  const uint64_t own = 5000, av[] = {1000, 2000, 10, 20},
                 bv[] = {3000, 4000, 5000, 6000};
  derive_t host_was = 0, vms_was = 0;
  for (size_t read = 0; read < 4; read++) {
    set(a, 0, 1, av[read]);
    set(b, 0, 1, bv[read]);
    set(root, 0, 1, own + av[read] + bv[read]);
    pass(h, all, 3);
    derive_t host_now = total("host", "total-0"),
             vms_now = total("vms", "total-0");
    if (read > 0) {
      assert_true(host_now - host_was >= vms_now - vms_was);
      /* the root's own RMID is still: host grows exactly as vms */
      assert_int_equal(host_now - host_was, vms_now - vms_was);
    }
    host_was = host_now;
    vms_was = vms_now;
  }
  /* a restarted at read 2: b's 1000 counted in both, a's growth next */
  assert_int_equal(vms_was, 1000 + 3000 + 1000 + 1000 + 1000 + 1000 + 10);
  vr_live_group_free(root);
  vr_live_group_free(a);
  vr_live_group_free(b);
  vr_host_context_free(h);
}

/* The root is read before the MON group of ours under it, which grows in
 * between, by more at one read than at the others (a busy pass): the
 * root's own part (its counter less the MON group's) falls at that read
 * although no counter did. Host counts nothing of it that read and its
 * growth once after, not twice: host grows as the root's counter did, and
 * never less than vms at any read. */
static void own_part_read_skew_counted_once(void **state) {
  (void)state;
  vr_host_context *h = vr_host_context_new(&config);
  vr_live_group *root = member(VR_SOURCE_HOST);
  vr_live_group *a = member(VR_SOURCE_OWNED);
  vr_live_group *all[] = {root, a};
  /* a's growth between the root's read and its own, per read */
  const uint64_t between[] = {0, 10, 80, 10, 10};
  derive_t host_was = 0, vms_was = 0, host_at_1 = 0;
  uint64_t root_at_1 = 0;
  for (uint64_t read = 0; read < 5; read++) {
    uint64_t a_now = 1000 * read, own = 50 * read;
    uint64_t root_now = own + a_now - between[read];
    set(a, 0, 1, a_now);
    set(root, 0, 1, root_now);
    pass(h, all, 2);
    derive_t host_now = total("host", "total-0"),
             vms_now = total("vms", "total-0");
    if (read > 0)
      assert_true(host_now - host_was >= vms_now - vms_was);
    if (read == 1) {
      host_at_1 = host_now;
      root_at_1 = root_now;
    }
    if (read == 4)
      assert_int_equal(host_now - host_at_1, root_now - root_at_1);
    host_was = host_now;
    vms_was = vms_now;
  }
  vr_live_group_free(root);
  vr_live_group_free(a);
  vr_host_context_free(h);
}

/* No VM running: vms has no member, and no traffic; its totals go out as
 * they stand (a rate of 0), next to host's, not as a gap. */
static void empty_scope_sends_flat_total(void **state) {
  (void)state;
  vr_host_context *h = vr_host_context_new(&config);
  vr_live_group *root = member(VR_SOURCE_HOST);
  vr_live_group *all[] = {root};
  for (int read = 0; read < 3; read++) {
    for (size_t c = 0; c < N_CACHES; c++)
      set(root, c, 1000, 100000 + (uint64_t)read * 500);
    pass(h, all, 1);
    assert_non_null(find("vms", "memory_bandwidth", "total-0"));
    assert_int_equal(total("vms", "total-0"), 0);
    assert_int_equal(total("vms", "local-8"), 0);
    assert_true(llc("vms", "llc-0") == 0.0);
    assert_int_equal(total("host", "total-0"), 100000 + read * 500);
  }
  vr_live_group_free(root);
  vr_host_context_free(h);
}

/* vr_host_member: the root and a CTRL_MON group as read-only host
 * members, never a domain's series. */
static void host_members(void **state) {
  (void)state;
  vr_readable_group root = vr_host_member("");
  assert_int_equal(root.source, VR_SOURCE_HOST);
  assert_string_equal(root.ctrl, "");
  assert_string_equal(root.name, "");
  assert_string_equal(root.group, "(root)");
  vr_readable_group c1 = vr_host_member("c1");
  assert_int_equal(c1.source, VR_SOURCE_HOST);
  assert_string_equal(c1.ctrl, "c1");
  assert_string_equal(c1.name, "");
  assert_string_equal(c1.group, "c1");
}

int main(void) {
  shim_set_log_level(LOG_ERR);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(host_and_vms_sums),
      cmocka_unit_test(occupancy_only_when_every_member_read),
      cmocka_unit_test(totals_never_fall),
      cmocka_unit_test(no_flat_total_while_nothing_counted),
      cmocka_unit_test(empty_scope_sends_flat_total),
      cmocka_unit_test(mon_group_restart_under_ctrl),
      cmocka_unit_test(own_part_read_skew_counted_once),
      cmocka_unit_test(host_members),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
