/* SPDX-License-Identifier: MIT */
/* The metadata field's value from an element's text, as libvirt returns
 * it (namespace dropped): a text or attribute node, exactly one; no DOCTYPE,
 * no entity expansion, a size bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "virt/name_metadata.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NOVA                                                                   \
  "<instance><name>web-1</name><flavor name=\"m1.tiny\"/>"                     \
  "<owner><user>a</user><user>b</user></owner></instance>"

static char *eval(const char *xml, const char *xpath, int want_rc) {
  char *out = NULL, note[256];
  assert_int_equal(vr_name_metadata_eval(xml, xpath, &out, note, sizeof(note)),
                   want_rc);
  return out;
}

static void test_values(void **state) {
  (void)state;
  char *v = eval(NOVA, "/instance/name/text()", 0);
  assert_string_equal(v, "web-1");
  free(v);
  v = eval(NOVA, "/instance/flavor/@name", 0);
  assert_string_equal(v, "m1.tiny");
  free(v);
  /* several nodes, none, or an element: no value, as virt */
  assert_null(eval(NOVA, "/instance/owner/user/text()", 0));
  assert_null(eval(NOVA, "/instance/title/text()", 0));
  assert_null(eval(NOVA, "/instance/name", 0));
  assert_null(eval(NOVA, "/instance/[", -EINVAL));
}

static void test_refused(void **state) {
  (void)state;
  /* an internal entity would expand to the secret: a DOCTYPE is refused */
  assert_null(eval("<!DOCTYPE instance [<!ENTITY x \"secret\">]>"
                   "<instance><name>&x;</name></instance>",
                   "/instance/name/text()", -EINVAL));
  assert_null(eval("<instance><name>", "/instance/name/text()", -EINVAL));
  size_t big = VR_NAME_METADATA_MAX_BYTES + 64;
  char *xml = malloc(big + 1);
  assert_non_null(xml);
  memset(xml, ' ', big);
  memcpy(xml, "<instance><name>x</name>", 24);
  memcpy(xml + big - 11, "</instance>", 11);
  xml[big] = '\0';
  assert_null(eval(xml, "/instance/name/text()", -EINVAL));
  free(xml);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_values),
      cmocka_unit_test(test_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
