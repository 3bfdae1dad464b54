/* SPDX-License-Identifier: MIT */
/* Unit tests (cmocka) for the pure parts of the libvirt layer: vCPU thread
 * names, libvirt's status XML, pid files and /proc scans on a fixture tree,
 * and the Domain/IgnoreSelected filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "resctrl_testlib.h"
#include "virt/domain_filter.h"
#include "virt/vcpu_threads.h"

static void test_parse_comm(void **state) {
  (void)state;
  assert_int_equal(vr_vcpu_parse_comm("CPU 0/KVM"), 0);
  assert_int_equal(vr_vcpu_parse_comm("CPU 12/TCG\n"), 12);
  assert_int_equal(vr_vcpu_parse_comm("CPU 3/KVM\n\n"), -1);
  assert_int_equal(vr_vcpu_parse_comm("CPU /KVM"), -1);
  assert_int_equal(vr_vcpu_parse_comm("CPU 1/HVF"), -1);
  assert_int_equal(vr_vcpu_parse_comm("CPU 1/KVMx"), -1);
  assert_int_equal(vr_vcpu_parse_comm("qemu-system-x86"), -1);
  assert_int_equal(vr_vcpu_parse_comm("IO mon_iothread"), -1);
  assert_int_equal(vr_vcpu_parse_comm("CPU 99999999999/KVM"), -1);
  assert_int_equal(vr_vcpu_parse_comm(NULL), -1);
}

/* The UUIDs of the fixture domains: each QEMU's cmdline passes its own. */
#define UG "6e0b7f1a-0000-4000-8000-000000000100"
#define UW "6e0b7f1a-0000-4000-8000-000000000300"
#define UU "6e0b7f1a-0000-4000-8000-000000000400"
#define UN "6e0b7f1a-0000-4000-8000-000000000555"
#define UX "6e0b7f1a-0000-4000-8000-0000000000ff"

/* Writes <proc>/<pid>/cmdline as QEMU's: arguments ending in NUL. */
static void put_cmdline(const char *proc_dir, int pid, const char *uuid) {
  char path[PATH_MAX + 32], args[256];
  int len = snprintf(args, sizeof(args),
                     "/usr/bin/qemu-system-x86_64%c-name%cguest=x%c-uuid%c%s%c"
                     "-no-user-config%c",
                     0, 0, 0, 0, uuid, 0, 0);
  snprintf(path, sizeof(path), "%s/%d/cmdline", proc_dir, pid);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  assert_int_equal(fwrite(args, 1, (size_t)len, f), (size_t)len);
  fclose(f);
}

static const char status_xml[] =
    "<domstatus state='running' pid='100'>"
    "<vcpus><vcpu id='0' pid='201'/><vcpu id='2' pid='203'/>"
    "<vcpu id='9' pid='299'/><vcpu id='x' pid='1'/></vcpus>"
    "<domain type='qemu'><name>g</name></domain></domstatus>";

static void test_status_xml(void **state) {
  (void)state;
  pid_t tids[4];
  char why[256];
  assert_int_equal(vr_vcpu_threads_from_status_xml(status_xml,
                                                   strlen(status_xml), tids, 4,
                                                   why, sizeof(why)),
                   2);
  assert_int_equal(tids[0], 201);
  assert_int_equal(tids[1], 0);
  assert_int_equal(tids[2], 203);
  assert_int_equal(tids[3], 0);

  const char bad[] = "<domstatus><vcpus>";
  assert_int_equal(vr_vcpu_threads_from_status_xml(bad, strlen(bad), tids, 4,
                                                   why, sizeof(why)),
                   -EINVAL);
  const char other[] = "<domain><vcpus><vcpu id='0' pid='5'/></vcpus></domain>";
  assert_int_equal(vr_vcpu_threads_from_status_xml(other, strlen(other), tids,
                                                   4, why, sizeof(why)),
                   -ENODATA);
  /* An external entity must not be fetched or expanded: libxml2 either
   * rejects the document or leaves the attribute unparsable. */
  const char ent[] =
      "<!DOCTYPE d [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
      "<domstatus><vcpus><vcpu id='0' pid='&e;'/></vcpus></domstatus>";
  int r = vr_vcpu_threads_from_status_xml(ent, strlen(ent), tids, 4, why,
                                          sizeof(why));
  assert_true(r == 0 || r == -EINVAL);
  assert_int_equal(tids[0], 0);
}

static char root[PATH_MAX];
/* root/run and root/proc: libvirt's run directory and /proc for the tests. */
static char run[PATH_MAX + 8], proc[PATH_MAX + 8];

/* A fixture tree: run/{g,noproc,junk}.pid, run/noproc.xml,
 * proc/100/task/{100,101,102,103}/comm. */
static int setup_tree(void **state) {
  (void)state;
  snprintf(root, sizeof(root), "%s/vrlvpure.XXXXXX",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (mkdtemp(root) == NULL)
    return -1;
  snprintf(run, sizeof(run), "%s/run", root);
  snprintf(proc, sizeof(proc), "%s/proc", root);
  const char *tasks[][2] = {{"100", "qemu-system-x86\n"},
                            {"101", "CPU 1/TCG\n"},
                            {"102", "IO mon_iothread\n"},
                            {"103", "CPU 0/TCG\n"}};
  for (size_t i = 0; i < 4; i++) {
    char rel[64];
    snprintf(rel, sizeof(rel), "100/task/%s/comm", tasks[i][0]);
    rt_put(proc, rel, tasks[i][1]);
  }
  rt_put(run, "g.pid", "100");
  rt_put(run, "noproc.pid", "555\n");
  rt_put(run, "noproc.xml", status_xml);
  rt_put(run, "junk.pid", "abc\n");
  /* whole VM (doc/design.md, "Metadata"): w names its threads, u (no
   * debug-threads) not */
  const char *w_tasks[][3] = {
      {"300", "300", "qemu-system-x86\n"}, {"300", "301", "CPU 0/TCG\n"},
      {"300", "302", "IO iothread1\n"},    {"300", "303", "worker\n"},
      {"300", "304", "IO mon_iothread\n"}, {"400", "400", "qemu-system-x86\n"},
      {"400", "401", "qemu-system-x86\n"}};
  for (size_t i = 0; i < 7; i++) {
    char rel[64];
    snprintf(rel, sizeof(rel), "%s/task/%s/comm", w_tasks[i][0], w_tasks[i][1]);
    rt_put(proc, rel, w_tasks[i][2]);
  }
  rt_put(run, "w.pid", "300\n");
  rt_put(run, "u.pid", "400\n");
  put_cmdline(proc, 100, UG);
  put_cmdline(proc, 300, UW);
  put_cmdline(proc, 400, UU);
  /* m's pid file names g's QEMU (a stale or wrong pid file) */
  rt_put(run, "m.pid", "100\n");
  return 0;
}

static int teardown_tree(void **state) {
  (void)state;
  char cmd[PATH_MAX + 16];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
  return system(cmd) == 0 ? 0 : -1;
}

static void test_find_proc(void **state) {
  (void)state;
  char why[512];
  pid_t tids[3];
  assert_int_equal(
      vr_vcpu_threads_find(run, proc, "g", UG, tids, 3, why, sizeof(why)), 2);
  assert_int_equal(tids[0], 103);
  assert_int_equal(tids[1], 101);
  assert_int_equal(tids[2], 0);
}

static void test_find_fallback_and_errors(void **state) {
  (void)state;
  char why[512];
  pid_t tids[3];
  /* No /proc entry for pid 555: the status XML answers. */
  assert_int_equal(
      vr_vcpu_threads_find(run, proc, "noproc", UN, tids, 3, why, sizeof(why)),
      2);
  assert_int_equal(tids[0], 201);
  assert_int_equal(tids[2], 203);
  /* No pid file: another driver's domain. */
  assert_int_equal(
      vr_vcpu_threads_find(run, proc, "nope", UX, tids, 3, why, sizeof(why)),
      -ENOENT);
  assert_non_null(strstr(why, "nope.pid"));
  assert_int_equal(
      vr_vcpu_threads_find(run, proc, "junk", UX, tids, 3, why, sizeof(why)),
      -EINVAL);
}

/* Before anything is read or written, the pid file's process must be this
 * domain's QEMU (its -uuid): m's pid file names g's QEMU, so neither g's
 * vCPU threads nor its others are taken for m's. */
static void test_pidfile_of_another_domain(void **state) {
  (void)state;
  char why[512];
  pid_t tids[3];
  vr_qemu_thread *t = NULL;
  size_t n = 0;
  bool named = false;
  assert_int_equal(
      vr_vcpu_threads_find(run, proc, "m", UX, tids, 3, why, sizeof(why)),
      -ESRCH);
  assert_non_null(strstr(why, "not this domain's QEMU"));
  assert_int_equal(vr_qemu_threads_find(run, proc, "m", UX, &t, &n, &named, why,
                                        sizeof(why)),
                   -ESRCH);
  assert_null(t);
  assert_int_equal(
      vr_vcpu_thread_verify(run, proc, "m", UX, 103, 0, why, sizeof(why)),
      -ESRCH);
  /* the same thread under its own domain's UUID passes */
  assert_int_equal(
      vr_vcpu_thread_verify(run, proc, "g", UG, 103, 0, why, sizeof(why)), 0);
  assert_int_equal(vr_qemu_thread_verify(run, proc, "w", UG, 302,
                                         VR_THREAD_IOTHREAD, 1, why,
                                         sizeof(why)),
                   -ESRCH);
}

static void test_cmdline_uuid(void **state) {
  (void)state;
  static const char line[] = "qemu\0-name\0guest=a\0-uuid\0" UG "\0-S";
  assert_true(vr_qemu_cmdline_has_uuid(line, sizeof(line), UG));
  /* upper case is the same UUID */
  assert_true(vr_qemu_cmdline_has_uuid(line, sizeof(line),
                                       "6E0B7F1A-0000-4000-8000-000000000100"));
  assert_false(vr_qemu_cmdline_has_uuid(line, sizeof(line), UW));
  /* a prefix of the UUID, the UUID elsewhere, no -uuid: no */
  static const char other[] = "qemu\0-name\0" UG "\0-uuid\0" UW;
  assert_false(vr_qemu_cmdline_has_uuid(other, sizeof(other) - 1, UG));
  assert_true(vr_qemu_cmdline_has_uuid(other, sizeof(other) - 1, UW));
  static const char cut[] = "qemu\0-uuid\0"
                            "6e0b7f1a";
  assert_false(vr_qemu_cmdline_has_uuid(cut, sizeof(cut) - 1, UG));
  static const char flag_last[] = "qemu\0-uuid";
  assert_false(vr_qemu_cmdline_has_uuid(flag_last, sizeof(flag_last), UG));
  assert_false(vr_qemu_cmdline_has_uuid("", 0, UG));
  static const char dashes[] = "qemu\0--uuid\0" UG;
  assert_true(vr_qemu_cmdline_has_uuid(dashes, sizeof(dashes), UG));
}

/* QEMU's other threads by name (doc/design.md, "Metadata"): iothreads by
 * libvirt id, every other thread but the vCPUs' as emulator; none when QEMU
 * names none. */
static void test_qemu_threads(void **state) {
  (void)state;
  char why[512];
  vr_qemu_thread *t = NULL;
  size_t n = 0;
  bool named = false;
  assert_int_equal(vr_qemu_threads_find(run, proc, "w", UW, &t, &n, &named, why,
                                        sizeof(why)),
                   0);
  assert_true(named);
  assert_int_equal(n, 4);
  int emulator = 0, iothread = 0;
  for (size_t i = 0; i < n; i++) {
    assert_int_not_equal(t[i].tid, 301); /* the vCPU's is not listed */
    if (t[i].kind == VR_THREAD_IOTHREAD) {
      assert_int_equal(t[i].tid, 302);
      assert_int_equal(t[i].id, 1);
      iothread++;
    } else {
      assert_int_equal(t[i].kind, VR_THREAD_EMULATOR);
      assert_true(t[i].tid == 300 || t[i].tid == 303 || t[i].tid == 304);
      emulator++;
    }
  }
  assert_int_equal(emulator, 3);
  assert_int_equal(iothread, 1);
  free(t);

  assert_int_equal(vr_qemu_threads_find(run, proc, "u", UU, &t, &n, &named, why,
                                        sizeof(why)),
                   0);
  assert_false(named);
  assert_int_equal(n, 0);
  assert_null(t);
  assert_int_equal(vr_qemu_threads_find(run, proc, "nope", UX, &t, &n, &named,
                                        why, sizeof(why)),
                   -ENOENT);

  /* right before a write: still that kind of thread of that QEMU */
  assert_int_equal(vr_qemu_thread_verify(run, proc, "w", UW, 302,
                                         VR_THREAD_IOTHREAD, 1, why,
                                         sizeof(why)),
                   0);
  assert_int_equal(vr_qemu_thread_verify(run, proc, "w", UW, 302,
                                         VR_THREAD_IOTHREAD, 2, why,
                                         sizeof(why)),
                   -ESRCH);
  assert_int_equal(vr_qemu_thread_verify(run, proc, "w", UW, 303,
                                         VR_THREAD_EMULATOR, 0, why,
                                         sizeof(why)),
                   0);
  assert_int_equal(vr_qemu_thread_verify(run, proc, "w", UW, 301,
                                         VR_THREAD_EMULATOR, 0, why,
                                         sizeof(why)),
                   -ESRCH);
  assert_int_equal(vr_qemu_thread_verify(run, proc, "w", UW, 401,
                                         VR_THREAD_EMULATOR, 0, why,
                                         sizeof(why)),
                   -ESRCH);
}

/* Adds ENTRY, expecting success. */
static void add_ok(vr_domain_filter *f, const char *entry) {
  char why[256] = "";
  assert_int_equal(vr_domain_filter_add(f, entry, why, sizeof(why)), 0);
}

static void test_filter_empty(void **state) {
  (void)state;
  vr_domain_filter f = VR_DOMAIN_FILTER_INIT;
  assert_true(vr_domain_filter_match(NULL, "a"));
  assert_true(vr_domain_filter_match(&f, "a"));
  vr_domain_filter_set_ignore_selected(&f, true);
  assert_true(vr_domain_filter_match(&f, "a")); /* empty: all, like virt */
  vr_domain_filter_clear(&f);
}

static void test_filter_names(void **state) {
  (void)state;
  vr_domain_filter f = VR_DOMAIN_FILTER_INIT;
  add_ok(&f, "a");
  add_ok(&f, "b");
  vr_domain_filter_set_ignore_selected(&f, true);
  assert_false(vr_domain_filter_match(&f, "a"));
  assert_true(vr_domain_filter_match(&f, "c"));
  vr_domain_filter_set_ignore_selected(&f, false);
  assert_true(vr_domain_filter_match(&f, "b"));
  assert_false(vr_domain_filter_match(&f, "c"));
  assert_false(vr_domain_filter_match(&f, "bb")); /* exact, not a prefix */
  vr_domain_filter_clear(&f);
  assert_true(vr_domain_filter_match(&f, "c"));
}

static void test_filter_regex(void **state) {
  (void)state;
  vr_domain_filter f = VR_DOMAIN_FILTER_INIT;
  add_ok(&f, "/^db-[0-9]+$/");
  add_ok(&f, "/web/"); /* unanchored: anywhere in the name */
  add_ok(&f, "exact");
  assert_true(vr_domain_filter_match(&f, "db-12"));
  assert_false(vr_domain_filter_match(&f, "db-x"));
  assert_false(vr_domain_filter_match(&f, "mydb-1"));
  assert_true(vr_domain_filter_match(&f, "frontweb2"));
  assert_true(vr_domain_filter_match(&f, "exact"));
  assert_false(vr_domain_filter_match(&f, "other"));
  vr_domain_filter_set_ignore_selected(&f, true);
  assert_false(vr_domain_filter_match(&f, "db-12"));
  assert_false(vr_domain_filter_match(&f, "frontweb2"));
  assert_false(vr_domain_filter_match(&f, "exact"));
  assert_true(vr_domain_filter_match(&f, "db-x"));
  assert_true(vr_domain_filter_match(&f, "other"));
  vr_domain_filter_clear(&f);

  /* Too short to be a regex, as in collectd: "/" and "//" are names. */
  add_ok(&f, "//");
  assert_true(vr_domain_filter_match(&f, "//"));
  assert_false(vr_domain_filter_match(&f, "x"));
  /* Slashes on one side only: a literal name too. */
  add_ok(&f, "/half");
  assert_true(vr_domain_filter_match(&f, "/half"));
  assert_false(vr_domain_filter_match(&f, "half"));
  vr_domain_filter_clear(&f);
}

static void test_filter_bad_regex(void **state) {
  (void)state;
  vr_domain_filter f = VR_DOMAIN_FILTER_INIT;
  char why[256] = "";
  add_ok(&f, "keep");
  assert_int_equal(vr_domain_filter_add(&f, "/db-(/", why, sizeof(why)),
                   -EINVAL);
  assert_non_null(strstr(why, "invalid regular expression /db-(/"));
  assert_int_equal(vr_domain_filter_add(&f, "/[z-a]/", why, sizeof(why)),
                   -EINVAL);
  /* The failed entries left no trace; the good one still works. */
  assert_true(vr_domain_filter_match(&f, "keep"));
  assert_false(vr_domain_filter_match(&f, "db-("));
  vr_domain_filter_clear(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_comm),
      cmocka_unit_test(test_status_xml),
      cmocka_unit_test(test_cmdline_uuid),
      cmocka_unit_test_setup_teardown(test_pidfile_of_another_domain,
                                      setup_tree, teardown_tree),
      cmocka_unit_test_setup_teardown(test_find_proc, setup_tree,
                                      teardown_tree),
      cmocka_unit_test_setup_teardown(test_find_fallback_and_errors, setup_tree,
                                      teardown_tree),
      cmocka_unit_test_setup_teardown(test_qemu_threads, setup_tree,
                                      teardown_tree),
      cmocka_unit_test(test_filter_empty),
      cmocka_unit_test(test_filter_names),
      cmocka_unit_test(test_filter_regex),
      cmocka_unit_test(test_filter_bad_regex),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
