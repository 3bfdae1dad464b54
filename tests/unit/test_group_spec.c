/* SPDX-License-Identifier: MIT */
/*
 * The metadata parser: valid documents give the expected groups, each invalid
 * group is rejected with its reason while its neighbours still come out.
 */
#include "plan/group_spec.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define NS "xmlns=\"urn:x-virt-resctrl:resmon:1\""

typedef struct {
  const char *label;
  const char *xml;
  unsigned max_vcpus;
  /* Expected groups as "name=members;name=members", "" for none. */
  const char *groups;
  /* Expected rejections as "group|reason fragment;...", "" for none. */
  const char *rejections;
} spec_case;

static const spec_case cases[] = {
    /* The 2018 RFC's examples: vcpus='0-2' and vcpus='3', and the
     * vcpus_0,3 default naming. */
    {"seed two groups",
     "<resmon><group vcpus='0-2'/><group vcpus='3'/></resmon>", 4,
     "vcpus_0-2=0,1,2;vcpus_3=3", ""},
    {"seed vcpus_0,3 naming", "<resmon><group vcpus='0,3'/></resmon>", 4,
     "vcpus_0,3=0,3", ""},
    {"design example with namespace",
     "<resmon " NS "><group vcpus='0-2'/><group name='db' vcpus='3,5'/>"
     "</resmon>",
     8, "vcpus_0-2=0,1,2;db=3,5", ""},
    {"prefixed namespace as virsh shows it",
     "<resmon:resmon xmlns:resmon='urn:x-virt-resctrl:resmon:1'>"
     "<resmon:group vcpus='1'/></resmon:resmon>",
     2, "vcpus_1=1", ""},
    {"exclusion", "<resmon><group vcpus='0-7,^4'/></resmon>", 8,
     "vcpus_0-3,5-7=0,1,2,3,5,6,7", ""},
    {"two-element run stays a list", "<resmon><group vcpus='4-5'/></resmon>", 8,
     "vcpus_4,5=4,5", ""},
    {"unsorted and repeated ids", "<resmon><group vcpus='5,1,3,1,2'/></resmon>",
     8, "vcpus_1-3,5=1,2,3,5", ""},
    {"whitespace around items", "<resmon><group vcpus=' 0 , 2 '/></resmon>", 4,
     "vcpus_0,2=0,2", ""},
    {"explicit name with allowed punctuation",
     "<resmon><group name='web-1.a,b_c' vcpus='0'/></resmon>", 1,
     "web-1.a,b_c=0", ""},
    {"64-character name",
     "<resmon><group name='"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' "
     "vcpus='0'/></resmon>",
     1, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=0",
     ""},
    {"empty resmon", "<resmon/>", 4, "", ""},
    {"comments and blanks ignored",
     "<resmon>\n  <!-- db --> <group vcpus='0'/>\n</resmon>", 1, "vcpus_0=0",
     ""},
    {"highest vCPU id", "<resmon><group vcpus='4095'/></resmon>", 4096,
     "vcpus_4095=4095", ""},
    {"vcpus then name attribute order",
     "<resmon><group vcpus='1' name='x'/></resmon>", 2, "x=1", ""},

    /* Whole-document rejections. */
    {"unparsable XML", "<resmon><group vcpus='0'></resmon>", 4, "",
     "(metadata)|unparsable XML"},
    {"not XML at all", "hello", 4, "", "(metadata)|unparsable XML"},
    {"empty document", "", 4, "", "(metadata)|unparsable XML"},
    {"wrong root element", "<monitor><group vcpus='0'/></monitor>", 4, "",
     "(metadata)|root element is not <resmon>"},
    {"DOCTYPE with entity",
     "<!DOCTYPE r [<!ENTITY x 'y'>]><resmon><group vcpus='0'/></resmon>", 4, "",
     "(metadata)|DOCTYPE is not allowed"},
    {"external entity in an attribute",
     "<!DOCTYPE r [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
     "<resmon><group name='&x;' vcpus='0'/></resmon>",
     4, "", "(metadata)|unparsable XML"},
    {"external entity in content",
     "<!DOCTYPE r [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
     "<resmon>&x;<group vcpus='0'/></resmon>",
     4, "", "(metadata)|DOCTYPE is not allowed"},
    {"unknown root attribute keeps groups",
     "<resmon mode='x'><group vcpus='0'/></resmon>", 1, "vcpus_0=0",
     "(metadata)|unknown attribute \"mode\" on <resmon>"},

    /* Per-group rejections: the other groups still come out. */
    {"unknown element beside a valid group",
     "<resmon><monitor vcpus='1'/><group vcpus='0'/></resmon>", 2, "vcpus_0=0",
     "<monitor>|unknown element <monitor>"},
    {"unknown attribute",
     "<resmon><group vcpus='0' level='3'/><group vcpus='1'/></resmon>", 2,
     "vcpus_1=1", "vcpus=0|unknown attribute \"level\""},
    {"child element inside group",
     "<resmon><group vcpus='0'><x/></group></resmon>", 1, "",
     "vcpus=0|unknown element <x> in <group>"},
    {"missing vcpus", "<resmon><group name='a'/><group vcpus='1'/></resmon>", 2,
     "vcpus_1=1", "a|missing or empty vcpus"},
    {"empty vcpus", "<resmon><group name='a' vcpus=''/></resmon>", 2, "",
     "a|missing or empty vcpus"},
    {"malformed vcpus letters", "<resmon><group vcpus='a-b'/></resmon>", 2, "",
     "vcpus=a-b|malformed vcpus item \"a-b\""},
    {"malformed vcpus trailing comma", "<resmon><group vcpus='0,'/></resmon>",
     2, "", "vcpus=0,|malformed vcpus item \"\""},
    {"malformed vcpus double dash", "<resmon><group vcpus='0--2'/></resmon>", 4,
     "", "vcpus=0--2|malformed vcpus item"},
    {"negative id", "<resmon><group vcpus='-1'/></resmon>", 4, "",
     "vcpus=-1|malformed vcpus item"},
    {"backwards range", "<resmon><group vcpus='3-1'/></resmon>", 4, "",
     "vcpus=3-1|runs backwards"},
    {"id at the maximum", "<resmon><group vcpus='0-4'/></resmon>", 4, "",
     "vcpus=0-4|not below the domain's maximum of 4 vCPUs"},
    {"absurd id", "<resmon><group vcpus='99999999999999999999'/></resmon>", 4,
     "", "|not below the domain's maximum of 4 vCPUs"},
    {"absurd range", "<resmon><group vcpus='0-4294967295'/></resmon>", 8, "",
     "|not below the domain's maximum of 8 vCPUs"},
    {"exclusion empties the set", "<resmon><group vcpus='2,^2'/></resmon>", 4,
     "", "vcpus=2,^2|selects no vCPU"},
    {"exclusion of a range is malformed",
     "<resmon><group vcpus='0-3,^1-2'/></resmon>", 4, "",
     "|malformed vcpus item \"^1-2\""},
    {"same vCPU in two groups",
     "<resmon><group name='a' vcpus='0-2'/><group name='b' vcpus='2,3'/>"
     "</resmon>",
     4, "a=0,1,2", "b|vCPU 2 is already in group \"a\""},
    {"duplicate names",
     "<resmon><group name='a' vcpus='0'/><group name='a' vcpus='1'/>"
     "</resmon>",
     2, "a=0", "a|duplicate group name"},
    {"explicit name equal to a default name",
     "<resmon><group vcpus='0'/><group name='vcpus_0' vcpus='1'/></resmon>", 2,
     "vcpus_0=0", "vcpus_0|duplicate group name"},
    {"name with dot-dot", "<resmon><group name='..' vcpus='0'/></resmon>", 1,
     "", "..|invalid name"},
    {"name with slash",
     "<resmon><group name='a/../../etc' vcpus='0'/></resmon>", 1, "",
     "a/../../etc|invalid name"},
    {"name starting with dot", "<resmon><group name='.x' vcpus='0'/></resmon>",
     1, "", ".x|invalid name"},
    {"empty name", "<resmon><group name='' vcpus='0'/></resmon>", 1, "",
     "|invalid name"},
    {"name with space", "<resmon><group name='a b' vcpus='0'/></resmon>", 1, "",
     "a b|invalid name"},
    {"name with control character shown safely",
     "<resmon><group name='a&#10;b' vcpus='0'/></resmon>", 1, "",
     "a?b|invalid name"},
    {"65-character name",
     "<resmon><group name='"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab' "
     "vcpus='0'/></resmon>",
     1, "", "|invalid name"},
    {"default name too long needs a name",
     "<resmon><group vcpus='0,2,4,6,8,10,12,14,16,18,20,22,24,26,28,30,32,"
     "34,36,38,40,42,44,46,48'/></resmon>",
     64, "", "|give the group a name attribute"},
    {"long set with a name is fine",
     "<resmon><group name='evens' vcpus='0,2,4,6,8,10,12,14,16,18,20,22,24,"
     "26,28,30,32'/></resmon>",
     64, "evens=0,2,4,6,8,10,12,14,16,18,20,22,24,26,28,30,32", ""},
    {"attribute in a foreign namespace",
     "<resmon xmlns:o='urn:other'><group o:vcpus='0' vcpus='1'/></resmon>", 2,
     "", "vcpus=1|unknown attribute \"vcpus\""},
    {"group from another namespace is unknown",
     "<resmon " NS " xmlns:o='urn:other'><o:group vcpus='0'/>"
     "<group vcpus='1'/></resmon>",
     2, "vcpus_1=1", "<group>|unknown element <group>"},
    {"text inside a group",
     "<resmon><group vcpus='0'>db</group><group vcpus='1'> </group></resmon>",
     2, "vcpus_1=1", "vcpus=0|text inside <group>"},
    {"invalid and valid groups mixed",
     "<resmon><group name='ok1' vcpus='0'/><group name='bad' vcpus='9'/>"
     "<group name='ok2' vcpus='1-2'/></resmon>",
     4, "ok1=0;ok2=1,2", "bad|not below the domain's maximum of 4"},
};

/* Splits "a;b;c" into items, calling check for each. */
static size_t count_items(const char *list) {
  if (!list[0])
    return 0;
  size_t n = 1;
  for (const char *p = list; *p; p++)
    n += *p == ';';
  return n;
}

static void next_item(const char **cursor, char *item, size_t len) {
  const char *end = strchr(*cursor, ';');
  size_t n = end ? (size_t)(end - *cursor) : strlen(*cursor);
  assert_true(n < len);
  memcpy(item, *cursor, n);
  item[n] = '\0';
  *cursor += end ? n + 1 : n;
}

static void run_case(void **state) {
  const spec_case *c = *state;
  vr_group_list list;
  print_message("case: %s\n", c->label);
  assert_int_equal(vr_group_spec_parse(c->xml, c->max_vcpus, &list), 0);

  assert_int_equal(list.n_groups, count_items(c->groups));
  const char *cursor = c->groups;
  for (size_t i = 0; i < list.n_groups; i++) {
    char item[512], got[512];
    next_item(&cursor, item, sizeof(item));
    snprintf(got, sizeof(got), "%s=%s", list.groups[i].name,
             list.groups[i].members);
    assert_string_equal(got, item);
  }

  assert_int_equal(list.n_rejections, count_items(c->rejections));
  cursor = c->rejections;
  for (size_t i = 0; i < list.n_rejections; i++) {
    char item[512];
    next_item(&cursor, item, sizeof(item));
    char *bar = strchr(item, '|');
    assert_non_null(bar);
    *bar = '\0';
    /* An empty expected label means "don't care" (e.g. unprintable). */
    if (item[0])
      assert_string_equal(list.rejections[i].group, item);
    if (!strstr(list.rejections[i].reason, bar + 1))
      fail_msg("reason \"%s\" lacks \"%s\"", list.rejections[i].reason,
               bar + 1);
  }
  vr_group_list_clear(&list);
}

static void test_huge_document_rejected(void **state) {
  (void)state;
  size_t size = 2 * 1024 * 1024;
  char *xml = malloc(size + 1);
  assert_non_null(xml);
  memset(xml, ' ', size);
  memcpy(xml, "<resmon>", 8);
  memcpy(xml + size - 9, "</resmon>", 9);
  xml[size] = '\0';
  vr_group_list list;
  assert_int_equal(vr_group_spec_parse(xml, 4, &list), 0);
  assert_int_equal(list.n_groups, 0);
  assert_int_equal(list.n_rejections, 1);
  assert_non_null(strstr(list.rejections[0].reason, "larger than 1 MiB"));
  vr_group_list_clear(&list);
  free(xml);
}

/* 10 000 groups: only as many as there are vCPUs can be valid; the rest are
 * rejected one by one, and parsing stays bounded. */
static void test_ten_thousand_groups(void **state) {
  (void)state;
  size_t cap = 10000 * 40 + 64, used = 0;
  char *xml = malloc(cap);
  assert_non_null(xml);
  used += (size_t)snprintf(xml + used, cap - used, "<resmon>");
  for (int i = 0; i < 10000; i++)
    used += (size_t)snprintf(xml + used, cap - used,
                             "<group name='g%d' vcpus='%d'/>", i, i % 16);
  snprintf(xml + used, cap - used, "</resmon>");
  vr_group_list list;
  assert_int_equal(vr_group_spec_parse(xml, 16, &list), 0);
  assert_int_equal(list.n_groups, 16);
  assert_int_equal(list.n_rejections, 10000 - 16);
  assert_non_null(strstr(list.rejections[0].reason, "already in group"));
  vr_group_list_clear(&list);
  free(xml);
}

static void test_deep_nesting_rejected(void **state) {
  (void)state;
  /* libxml2 refuses documents nested deeper than 256 without
   * XML_PARSE_HUGE, which we never pass. */
  size_t depth = 100000, used = 0;
  char *xml = malloc(depth * 7 + 64);
  assert_non_null(xml);
  used += (size_t)snprintf(xml + used, 64, "<resmon>");
  for (size_t i = 0; i < depth; i++)
    used += (size_t)snprintf(xml + used, 4, "<a>");
  for (size_t i = 0; i < depth; i++)
    used += (size_t)snprintf(xml + used, 5, "</a>");
  snprintf(xml + used, 64, "</resmon>");
  vr_group_list list;
  assert_int_equal(vr_group_spec_parse(xml, 4, &list), 0);
  assert_int_equal(list.n_groups, 0);
  assert_int_equal(list.n_rejections, 1);
  assert_string_equal(list.rejections[0].reason, "unparsable XML");
  vr_group_list_clear(&list);
  free(xml);
}

typedef struct {
  vr_default_group policy;
  unsigned max_vcpus;
  const char *groups;
} default_case;

/* The mbm attribute: who gets a counter first
 * (doc/design.md, "ABMC counters"). */
static void test_mbm_priority(void **state) {
  (void)state;
  vr_group_list list;
  assert_int_equal(
      vr_group_spec_parse("<resmon><group name='a' vcpus='0' mbm='high'/>"
                          "<group name='b' vcpus='1'/>"
                          "<group name='c' vcpus='2' mbm='off'/>"
                          "<group name='d' vcpus='3' mbm='normal'/>"
                          "<group name='e' vcpus='4' mbm='HIGH'/></resmon>",
                          8, &list),
      0);
  assert_int_equal(list.n_groups, 4);
  assert_int_equal(list.groups[0].mbm, VR_MBM_HIGH);
  assert_int_equal(list.groups[1].mbm, VR_MBM_NORMAL);
  assert_int_equal(list.groups[2].mbm, VR_MBM_OFF);
  assert_int_equal(list.groups[3].mbm, VR_MBM_NORMAL);
  assert_int_equal(list.n_rejections, 1);
  assert_string_equal(list.rejections[0].group, "e");
  assert_non_null(strstr(list.rejections[0].reason, "mbm must be"));
  vr_group_list_clear(&list);
}

static void test_default_policies(void **state) {
  (void)state;
  static const default_case defaults[] = {
      {VR_DEFAULT_GROUP_NONE, 4, ""},
      {VR_DEFAULT_GROUP_ALL, 4, "all=0,1,2,3"},
      {VR_DEFAULT_GROUP_ALL, 1, "all=0"},
      {VR_DEFAULT_GROUP_PER_VCPU, 3, "vcpu_0=0;vcpu_1=1;vcpu_2=2"},
      {VR_DEFAULT_GROUP_PER_VCPU, 0, ""},
  };
  for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
    vr_group_list list;
    assert_int_equal(
        vr_group_spec_default(defaults[i].policy, defaults[i].max_vcpus, &list),
        0);
    char got[256] = "";
    for (size_t g = 0; g < list.n_groups; g++) {
      size_t used = strlen(got);
      snprintf(got + used, sizeof(got) - used, "%s%s=%s", g ? ";" : "",
               list.groups[g].name, list.groups[g].members);
    }
    assert_string_equal(got, defaults[i].groups);
    assert_int_equal(list.n_rejections, 0);
    vr_group_list_clear(&list);
  }
}

/* Each rejection says its class of problem, and the duplicate check finds
 * a name taken thousands of groups earlier (the name index grows). */
static void test_problem_classes(void **state) {
  (void)state;
  enum { N = 3000 };
  size_t cap = (size_t)N * 48 + 512, used = 0;
  char *xml = malloc(cap);
  assert_non_null(xml);
  used += (size_t)snprintf(xml + used, cap - used, "<resmon>");
  for (int i = 0; i < N; i++)
    used +=
        (size_t)snprintf(xml + used, cap - used,
                         "<group name=\"g%d\" iothreads=\"%d\"/>", i, i + 1);
  used += (size_t)snprintf(xml + used, cap - used,
                           "<group name=\"g7\" vcpus=\"0\"/>"
                           "<group name=\"z\" vcpus=\"9\"/>"
                           "<group name=\".z\" vcpus=\"0\"/>"
                           "<group name=\"o\" vcpus=\"0\" emulator=\"x\"/>"
                           "<group name=\"p\" iothreads=\"1\"/>"
                           "<x/></resmon>");
  vr_group_list list;
  assert_int_equal(vr_group_spec_parse(xml, 4, &list), 0);
  assert_int_equal(list.n_groups, N);
  static const struct {
    const char *group;
    vr_problem_class problem;
  } want[] = {{"g7", VR_PROBLEM_DUPLICATE},    {"z", VR_PROBLEM_INVALID_SET},
              {".z", VR_PROBLEM_INVALID_NAME}, {"o", VR_PROBLEM_INVALID_GROUP},
              {"p", VR_PROBLEM_OVERLAP},       {"<x>", VR_PROBLEM_METADATA}};
  assert_int_equal(list.n_rejections, sizeof(want) / sizeof(want[0]));
  for (size_t i = 0; i < list.n_rejections; i++) {
    assert_string_equal(list.rejections[i].group, want[i].group);
    assert_int_equal(list.rejections[i].problem, want[i].problem);
  }
  vr_group_list_clear(&list);
  free(xml);
}

int main(void) {
  size_t n_cases = sizeof(cases) / sizeof(cases[0]);
  size_t n_extra = 6;
  struct CMUnitTest *tests = calloc(n_cases + n_extra, sizeof(*tests));
  for (size_t i = 0; i < n_cases; i++) {
    tests[i].name = cases[i].label;
    tests[i].test_func = run_case;
    tests[i].initial_state = (void *)&cases[i];
  }
  struct CMUnitTest extra[] = {
      cmocka_unit_test(test_huge_document_rejected),
      cmocka_unit_test(test_ten_thousand_groups),
      cmocka_unit_test(test_deep_nesting_rejected),
      cmocka_unit_test(test_default_policies),
      cmocka_unit_test(test_mbm_priority),
      cmocka_unit_test(test_problem_classes),
  };
  memcpy(tests + n_cases, extra, sizeof(extra));
  int failed = _cmocka_run_group_tests("group_spec", tests, n_cases + n_extra,
                                       NULL, NULL);
  free(tests);
  return failed ? 1 : 0;
}
