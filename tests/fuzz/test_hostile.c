/* SPDX-License-Identifier: MIT */
/*
 * Hostile metadata (doc/design.md, "Faults and hostile input"): every file
 * under tests/fuzz/hostile/ gives exactly the groups and rejections its
 * MANIFEST lines say; documents too big to commit (over 1 MiB, 100 000 levels
 * deep, 10 000 groups) are built here; an external entity is never opened; and
 * every file of the fuzz corpora is replayed through all parsers with the
 * fuzzers' invariants, so an input that once crashed a fuzzer stays fixed.
 */
#include "fuzz_check.h"
#include "plan/group_spec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#define MiB (1024 * 1024)

static const char *srcdir(void) {
  const char *dir = getenv("VR_SRCDIR");
  return dir && dir[0] ? dir : ".";
}

/* Reads a whole file and appends a NUL, as libvirt's char * would end. */
static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    fail_msg("cannot open %s: %s", path, strerror(errno));
  size_t cap = 4096, used = 0;
  uint8_t *buf = malloc(cap);
  assert_non_null(buf);
  size_t got;
  while ((got = fread(buf + used, 1, cap - used - 1, f)) > 0) {
    used += got;
    if (cap - used - 1 == 0) {
      cap *= 2;
      buf = realloc(buf, cap);
      assert_non_null(buf);
    }
  }
  fclose(f);
  buf[used] = 0;
  *len = used;
  return buf;
}

/* Parses xml and checks the fuzzers' invariants on the result. */
static void check_invariants(const char *what, const char *xml,
                             unsigned max_vcpus) {
  char why[512];
  if (vr_fuzz_check_group_spec(xml, max_vcpus, why, sizeof(why)) != 0)
    fail_msg("%s (max %u): %s", what, max_vcpus, why);
}

/* One expected outcome: a valid group "name=members" or a rejection. */
typedef struct {
  bool valid;
  char label[128];
  char text[256];
} expectation;

typedef struct {
  char file[128];
  unsigned max_vcpus;
  expectation items[16];
  size_t n_items;
} hostile_case;

static bool label_matches(const char *want, const char *got) {
  return strcmp(want, "*") == 0 || strcmp(want, got) == 0;
}

static void run_hostile_case(const hostile_case *c) {
  char path[512];
  snprintf(path, sizeof(path), "%s/tests/fuzz/hostile/%s", srcdir(), c->file);
  size_t len;
  char *xml = (char *)read_file(path, &len);

  vr_group_list list;
  assert_int_equal(vr_group_spec_parse(xml, c->max_vcpus, &list), 0);
  size_t g = 0, r = 0;
  for (size_t i = 0; i < c->n_items; i++) {
    const expectation *e = &c->items[i];
    if (e->valid) {
      if (g >= list.n_groups)
        fail_msg("%s: group %s missing", c->file, e->text);
      char got[600];
      snprintf(got, sizeof(got), "%s=%s", list.groups[g].name,
               list.groups[g].members);
      if (strcmp(got, e->text) != 0)
        fail_msg("%s: group %zu is %.300s, want %s", c->file, g, got, e->text);
      g++;
    } else {
      if (r >= list.n_rejections)
        fail_msg("%s: rejection \"%s|%s\" missing", c->file, e->label, e->text);
      const vr_group_rejection *rej = &list.rejections[r];
      if (!label_matches(e->label, rej->group) || !strstr(rej->reason, e->text))
        fail_msg("%s: rejection %zu is \"%s|%s\", want \"%s|%s\"", c->file, r,
                 rej->group, rej->reason, e->label, e->text);
      r++;
    }
  }
  if (g != list.n_groups)
    fail_msg("%s: unexpected group %s", c->file, list.groups[g].name);
  if (r != list.n_rejections)
    fail_msg("%s: unexpected rejection \"%s|%s\"", c->file,
             list.rejections[r].group, list.rejections[r].reason);
  vr_group_list_clear(&list);
  check_invariants(c->file, xml, c->max_vcpus);
  free(xml);
}

/* Splits a MANIFEST line "a|b|c|d" in place; returns the field count. */
static int split_fields(char *line, char **fields, int max_fields) {
  int n = 0;
  fields[n++] = line;
  for (char *p = line; *p && n < max_fields; p++) {
    if (*p == '|') {
      *p = '\0';
      fields[n++] = p + 1;
    }
  }
  return n;
}

static void test_manifest(void **state) {
  (void)state;
  char path[512];
  snprintf(path, sizeof(path), "%s/tests/fuzz/hostile/MANIFEST", srcdir());
  FILE *f = fopen(path, "r");
  if (!f)
    fail_msg("cannot open %s", path);

  static char listed[256][128];
  size_t n_listed = 0, n_cases = 0;
  hostile_case c = {.file = ""};
  char line[1024];
  while (fgets(line, sizeof(line), f)) {
    line[strcspn(line, "\n")] = '\0';
    if (!line[0] || line[0] == '#')
      continue;
    char *fields[4];
    if (split_fields(line, fields, 4) != 4)
      fail_msg("MANIFEST: malformed line \"%s\"", line);
    unsigned max_vcpus = (unsigned)strtoul(fields[1], NULL, 10);
    if (strcmp(fields[0], c.file) != 0 || max_vcpus != c.max_vcpus) {
      if (c.file[0]) {
        run_hostile_case(&c);
        n_cases++;
      }
      memset(&c, 0, sizeof(c));
      snprintf(c.file, sizeof(c.file), "%s", fields[0]);
      c.max_vcpus = max_vcpus;
      assert_true(n_listed < 256);
      snprintf(listed[n_listed++], sizeof(listed[0]), "%s", fields[0]);
    }
    assert_true(c.n_items < 16);
    expectation *e = &c.items[c.n_items++];
    e->valid = strcmp(fields[2], "+") == 0;
    snprintf(e->label, sizeof(e->label), "%s", fields[2]);
    snprintf(e->text, sizeof(e->text), "%s", fields[3]);
  }
  fclose(f);
  if (c.file[0]) {
    run_hostile_case(&c);
    n_cases++;
  }

  /* A file nobody checks is a false sense of safety. */
  snprintf(path, sizeof(path), "%s/tests/fuzz/hostile", srcdir());
  DIR *dir = opendir(path);
  assert_non_null(dir);
  struct dirent *entry;
  while ((entry = readdir(dir))) {
    if (entry->d_name[0] == '.' || strcmp(entry->d_name, "MANIFEST") == 0)
      continue;
    bool found = false;
    for (size_t i = 0; i < n_listed && !found; i++)
      found = strcmp(listed[i], entry->d_name) == 0;
    if (!found)
      fail_msg("hostile/%s is not in MANIFEST", entry->d_name);
  }
  closedir(dir);
  print_message("%zu hostile cases\n", n_cases);
}

/* A growable string for the generated documents. */
typedef struct {
  char *text;
  size_t len, cap;
} doc_buf;

__attribute__((format(printf, 2, 3))) static void
doc_add(doc_buf *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  assert_true(n >= 0);
  if (d->len + (size_t)n + 1 > d->cap) {
    d->cap = (d->len + (size_t)n + 1) * 2;
    d->text = realloc(d->text, d->cap);
    assert_non_null(d->text);
  }
  va_start(ap, fmt);
  vsnprintf(d->text + d->len, d->cap - d->len, fmt, ap);
  va_end(ap);
  d->len += (size_t)n;
}

/* A document padded with a comment to exactly len bytes. */
static char *padded_document(size_t len) {
  const char *head = "<resmon><group name='big' vcpus='0'/><!--";
  const char *tail = "--></resmon>";
  size_t fixed = strlen(head) + strlen(tail);
  assert_true(len > fixed);
  char *xml = malloc(len + 1);
  assert_non_null(xml);
  memcpy(xml, head, strlen(head));
  memset(xml + strlen(head), 'x', len - fixed);
  memcpy(xml + len - strlen(tail), tail, strlen(tail) + 1);
  return xml;
}

static void expect_only(const char *what, const char *xml, unsigned max_vcpus,
                        size_t n_groups, size_t n_rejections, const char *label,
                        const char *reason) {
  vr_group_list list;
  assert_int_equal(vr_group_spec_parse(xml, max_vcpus, &list), 0);
  if (list.n_groups != n_groups || list.n_rejections != n_rejections)
    fail_msg("%s: %zu groups and %zu rejections, want %zu and %zu", what,
             list.n_groups, list.n_rejections, n_groups, n_rejections);
  for (size_t i = 0; i < list.n_rejections; i++)
    if ((label && strcmp(list.rejections[i].group, label) != 0) ||
        !strstr(list.rejections[i].reason, reason))
      fail_msg("%s: rejection %zu is \"%s|%s\", want \"%s|%s\"", what, i,
               list.rejections[i].group, list.rejections[i].reason,
               label ? label : "*", reason);
  vr_group_list_clear(&list);
  check_invariants(what, xml, max_vcpus);
}

/* The 1 MiB cap is exact: the limit itself parses, a byte more does not,
 * and 64 MiB is refused without being read. */
static void test_huge_documents(void **state) {
  (void)state;
  char *xml = padded_document(MiB);
  expect_only("1 MiB", xml, 1, 1, 0, NULL, "");
  free(xml);
  xml = padded_document(MiB + 1);
  expect_only("1 MiB + 1", xml, 1, 0, 1, "(metadata)", "larger than 1 MiB");
  free(xml);
  xml = padded_document((size_t)64 * MiB);
  expect_only("64 MiB", xml, 1, 0, 1, "(metadata)", "larger than 1 MiB");
  free(xml);
}

/* libxml2 refuses depth past 256 without XML_PARSE_HUGE; deep but allowed
 * nesting inside a group is an unknown element there. Neither may recurse
 * the stack away. */
static void test_deep_nesting(void **state) {
  (void)state;
  doc_buf d = {0};
  doc_add(&d, "<resmon>");
  for (int i = 0; i < 100000; i++)
    doc_add(&d, "<a>");
  for (int i = 0; i < 100000; i++)
    doc_add(&d, "</a>");
  doc_add(&d, "</resmon>");
  expect_only("100000 levels", d.text, 8, 0, 1, "(metadata)", "unparsable XML");

  d.len = 0;
  doc_add(&d, "<resmon><group vcpus='0'>");
  for (int i = 0; i < 200; i++)
    doc_add(&d, "<a>");
  for (int i = 0; i < 200; i++)
    doc_add(&d, "</a>");
  doc_add(&d, "</group></resmon>");
  expect_only("200 levels in a group", d.text, 8, 0, 1, "vcpus=0",
              "unknown element <a> in <group>");
  free(d.text);
}

/* 10 000 groups: more than any domain has vCPUs. The valid ones come out,
 * every other one is rejected by name, and it stays fast. */
static void test_ten_thousand_groups(void **state) {
  (void)state;
  doc_buf d = {0};
  doc_add(&d, "<resmon>");
  for (int i = 0; i < 10000; i++)
    doc_add(&d, "<group name='g%d' vcpus='%d'/>", i, i);
  doc_add(&d, "</resmon>");
  expect_only("10000 groups, one vCPU each", d.text, VR_MAX_VCPUS, VR_MAX_VCPUS,
              10000 - VR_MAX_VCPUS, NULL,
              "not below the domain's maximum of 4096");

  d.len = 0;
  doc_add(&d, "<resmon>");
  for (int i = 0; i < 10000; i++)
    doc_add(&d, "<group name='g%d' vcpus='0-4095'/>", i);
  doc_add(&d, "</resmon>");
  expect_only("10000 groups on the same vCPUs", d.text, VR_MAX_VCPUS, 1, 9999,
              NULL, "vCPU 0 is already in group \"g0\"");

  d.len = 0;
  doc_add(&d, "<resmon>");
  for (int i = 0; i < 10000; i++)
    doc_add(&d, "<group name='same' vcpus='%d'/>", i % 4096);
  doc_add(&d, "</resmon>");
  expect_only("10000 groups with one name", d.text, VR_MAX_VCPUS, 1, 9999,
              "same", "duplicate group name");

  d.len = 0;
  doc_add(&d, "<resmon>");
  for (int i = 0; i < 10000; i++)
    doc_add(&d, "<monitor vcpus='%d'/>", i);
  doc_add(&d, "</resmon>");
  expect_only("10000 unknown elements", d.text, VR_MAX_VCPUS, 0, 10000,
              "<monitor>", "unknown element <monitor>");

  /* One vcpus attribute listing every id a hundred times over. */
  d.len = 0;
  doc_add(&d, "<resmon><group name='all' vcpus='0");
  for (int round = 0; round < 100; round++)
    for (int i = 0; i < 4096; i += 7)
      doc_add(&d, ",%d", i);
  doc_add(&d, "'/></resmon>");
  expect_only("a 200 KB vcpus attribute", d.text, VR_MAX_VCPUS, 1, 0, NULL, "");
  free(d.text);
}

static void on_alarm(int sig) {
  (void)sig;
  static const char msg[] =
      "test_hostile: the parser blocked opening an external entity (FIFO)\n";
  ssize_t ignored = write(STDERR_FILENO, msg, sizeof(msg) - 1);
  (void)ignored;
  _exit(1);
}

/* External entities and DTDs naming a FIFO: opening it for reading would
 * block (no writer), so an alarm catches a parser that tries. */
static void test_external_entity_not_opened(void **state) {
  (void)state;
  char dir[] = "/tmp/vr-hostile.XXXXXX";
  assert_non_null(mkdtemp(dir));
  char fifo[64];
  snprintf(fifo, sizeof(fifo), "%s/entity", dir);
  assert_int_equal(mkfifo(fifo, 0600), 0);

  /* Each document is head + the FIFO's path + tail. */
  const char *templates[][2] = {
      {"<!DOCTYPE resmon [<!ENTITY x SYSTEM 'file://",
       "'>]><resmon>&x;<group vcpus='0'/></resmon>"},
      {"<!DOCTYPE resmon [<!ENTITY x SYSTEM '",
       "'>]><resmon><group name='&x;' vcpus='0'/></resmon>"},
      {"<!DOCTYPE resmon [<!ENTITY % p SYSTEM '",
       "'> %p;]><resmon><group vcpus='0'/></resmon>"},
      {"<!DOCTYPE resmon SYSTEM '", "'><resmon><group vcpus='0'/></resmon>"},
      {"<?xml-stylesheet href='", "'?><resmon><group vcpus='0'/></resmon>"},
      {"<resmon xmlns:xi='http://www.w3.org/2001/XInclude'><xi:include href='",
       "'/><group vcpus='0'/></resmon>"},
  };
  signal(SIGALRM, on_alarm);
  for (size_t i = 0; i < sizeof(templates) / sizeof(templates[0]); i++) {
    char xml[512];
    snprintf(xml, sizeof(xml), "%s%s%s", templates[i][0], fifo,
             templates[i][1]);
    alarm(5);
    vr_group_list list;
    assert_int_equal(vr_group_spec_parse(xml, 4, &list), 0);
    /* Whatever the verdict, nothing of the entity may become a group. */
    for (size_t g = 0; g < list.n_groups; g++)
      assert_string_equal(list.groups[g].name, "vcpus_0");
    vr_group_list_clear(&list);
    check_invariants(xml, xml, 4);
    alarm(0);
  }
  signal(SIGALRM, SIG_DFL);
  unlink(fifo);
  rmdir(dir);
}

/* Every input any fuzzer keeps goes through every parser. */
static void replay_dir(const char *sub, size_t *count) {
  char path[512];
  snprintf(path, sizeof(path), "%s/tests/fuzz/%s", srcdir(), sub);
  DIR *dir = opendir(path);
  if (!dir)
    fail_msg("cannot open %s", path);
  struct dirent *entry;
  while ((entry = readdir(dir))) {
    if (entry->d_name[0] == '.' || strcmp(entry->d_name, "MANIFEST") == 0)
      continue;
    char file[1024];
    snprintf(file, sizeof(file), "%s/%s", path, entry->d_name);
    size_t len;
    uint8_t *data = read_file(file, &len);
    unsigned limit;
    size_t used = vr_fuzz_split_limit(data, len, &limit);
    char *rest = vr_fuzz_text(data + used, len - used);
    char *whole = vr_fuzz_text(data, len);
    assert_non_null(rest);
    assert_non_null(whole);
    char why[512];
    /* As the fuzzers read it (a limit, then text) and as plain text. */
    if (vr_fuzz_check_group_spec(rest, limit, why, sizeof(why)) != 0 ||
        vr_fuzz_check_group_spec(whole, 8, why, sizeof(why)) != 0 ||
        vr_fuzz_check_cpuset(rest, limit, why, sizeof(why)) != 0 ||
        vr_fuzz_check_cpuset(whole, VR_MAX_VCPUS, why, sizeof(why)) != 0 ||
        vr_fuzz_check_owned_name(whole, why, sizeof(why)) != 0)
      fail_msg("%s/%s: %s", sub, entry->d_name, why);
    free(rest);
    free(whole);
    free(data);
    (*count)++;
  }
  closedir(dir);
}

static void test_corpus_replay(void **state) {
  (void)state;
  size_t count = 0;
  replay_dir("corpus/fuzz_group_spec", &count);
  replay_dir("corpus/fuzz_cpuset", &count);
  replay_dir("corpus/fuzz_owned_name", &count);
  replay_dir("hostile", &count);
  print_message("%zu corpus files replayed\n", count);
  assert_true(count > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_manifest),
      cmocka_unit_test(test_huge_documents),
      cmocka_unit_test(test_deep_nesting),
      cmocka_unit_test(test_ten_thousand_groups),
      cmocka_unit_test(test_external_entity_not_opened),
      cmocka_unit_test(test_corpus_replay),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
