/* SPDX-License-Identifier: MIT */
/* One line of the control channel: GROUP CACHE_ID FEATURE VALUE (with --snc
 * GROUP node:<id> FEATURE VALUE, see control_node), or
 * "rmdir-on-open GROUP" or "enomem-on-read GROUP" (see control_arm), or
 * "domain ID offline|online" (emu_domains.c), or "clone TID CREATOR" (see
 * control_clone).
 * GROUP is relative to the mount root: ".", "mon_groups/x", "c1",
 * "c1/mon_groups/y" (a leading "./" or "/" and a trailing "/" are ignored).
 * VALUE is a decimal number, or Unavailable, Error, Unassigned (the file then
 * reads that word), or Default (back to the synthetic value). */
#include "emu_model.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Finds the group a control path names, or NULL. */
static struct emu_group *group_by_path(struct emu_model *m, char *path) {
  while (path[0] == '.' && path[1] == '/')
    path += 2;
  while (*path == '/')
    path++;
  size_t n = strlen(path);
  while (n > 0 && path[n - 1] == '/')
    path[--n] = '\0';
  if (n == 0 || strcmp(path, ".") == 0)
    return emu_model_root(m);

  char *parts[4];
  int count = 0;
  char *save = NULL;
  for (char *p = strtok_r(path, "/", &save); p;
       p = strtok_r(NULL, "/", &save)) {
    if (count == 4)
      return NULL;
    parts[count++] = p;
  }
  if (count == 1)
    return emu_model_find(m, parts[0], NULL);
  if (count == 2 && strcmp(parts[0], "mon_groups") == 0)
    return emu_model_find(m, NULL, parts[1]);
  if (count == 3 && strcmp(parts[1], "mon_groups") == 0)
    return emu_model_find(m, parts[0], parts[2]);
  return NULL;
}

static int parse_value(const char *s, struct emu_value *v) {
  static const struct {
    const char *word;
    enum emu_value_kind kind;
  } words[] = {
      {"Unavailable", EMU_VALUE_UNAVAILABLE},
      {"Error", EMU_VALUE_ERROR},
      {"Unassigned", EMU_VALUE_UNASSIGNED},
      {"Default", EMU_VALUE_DEFAULT},
  };
  for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
    if (strcmp(s, words[i].word) == 0) {
      *v = (struct emu_value){.kind = words[i].kind};
      return 0;
    }
  }
  unsigned long long n;
  if (emu_parse_uint(s, ULLONG_MAX, &n) != 0)
    return -EINVAL;
  *v = (struct emu_value){.kind = EMU_VALUE_NUMBER, .number = n};
  return 0;
}

/* "rmdir-on-open GROUP": arms the removal of GROUP right after the next
 * open of its tasks file (see emu_model.h). It stands for a race a test
 * cannot time: another process's rmdir between our open and our read,
 * after which kernfs answers the read with ENODEV (kernfs_seq_start()).
 * "enomem-on-read GROUP": the next read of GROUP's tasks fails with ENOMEM
 * (seq_read_iter() failing to allocate its buffer under memory pressure). */
static int control_arm(struct emu_model *m, const char *word, const char *line,
                       char *err, size_t errlen) {
  char verb[32], group[1024], extra[2];
  if (sscanf(line, " %31s %1023s %1s", verb, group, extra) != 2) {
    snprintf(err, errlen, "expected '%s GROUP'", word);
    return -EINVAL;
  }
  struct emu_group *g = group_by_path(m, group);
  if (!g || g == emu_model_root(m)) {
    snprintf(err, errlen, "no removable group '%s'", group);
    return -EINVAL;
  }
  if (strcmp(word, "rmdir-on-open") == 0)
    m->rmdir_on_open = g->serial;
  else
    m->enomem_on_read = g->serial;
  return 0;
}

/* The clock of the emulator's FUSE side (emu_now_ms), for control lines
 * that change the model in time. */
static uint64_t control_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* "clone TID CREATOR": TID is a new thread made by CREATOR, which /proc
 * cannot tell (emu_tasks_clone); it starts in CREATOR's groups. */
static int control_clone(struct emu_model *m, const char *line, char *err,
                         size_t errlen) {
  int tid, creator;
  char extra[2];
  if (sscanf(line, " clone %d %d %1s", &tid, &creator, extra) != 2) {
    snprintf(err, errlen, "expected 'clone TID CREATOR'");
    return -EINVAL;
  }
  int ret = emu_tasks_clone(m, (pid_t)tid, (pid_t)creator);
  if (ret)
    snprintf(err, errlen, "clone %d %d: %s", tid, creator,
             ret == -ESRCH ? "no such live task"
                           : "not a new thread of the creator's process");
  return ret;
}

/* The FEATURE and VALUE of a control line, for an L3 domain or an SNC
 * node alike: an enabled feature, a number or a word the kernel prints. */
static int parse_feature_value(const struct emu_model *m, const char *feature,
                               const char *value, enum emu_feature *f,
                               struct emu_value *v, char *err, size_t errlen) {
  int parsed = emu_feature_parse(feature);
  if (parsed < 0 || !m->cfg.features[parsed]) {
    snprintf(err, errlen, "feature '%s' not enabled", feature);
    return -EINVAL;
  }
  if (parse_value(value, v) != 0) {
    snprintf(err, errlen, "bad value '%s'", value);
    return -EINVAL;
  }
  *f = (enum emu_feature)parsed;
  return 0;
}

/* --snc: "GROUP node:<id> FEATURE VALUE", id an SNC node id as the
 * emulator numbers them (emu_snc_nodes); its L3 domain then reads the sum
 * of its nodes (snc_sum_read in emu_model.c). */
static int control_node(struct emu_model *m, struct emu_group *g,
                        const char *id_text, const char *feature,
                        const char *value, char *err, size_t errlen) {
  unsigned long long id;
  if (!emu_snc_nodes(m) || emu_parse_uint(id_text, UINT_MAX, &id) != 0 ||
      id >= (unsigned long long)m->cfg.num_caches * emu_snc_nodes(m)) {
    snprintf(err, errlen, "no SNC node '%s'%s", id_text,
             emu_snc_nodes(m) ? "" : " (the emulator runs without --snc)");
    return -EINVAL;
  }
  enum emu_feature f;
  struct emu_value v;
  int bad = parse_feature_value(m, feature, value, &f, &v, err, errlen);
  if (bad)
    return bad;
  emu_model_set_node_value(g, (unsigned)id, f, v);
  return 0;
}

int emu_control_line(struct emu_model *m, const char *line, char *err,
                     size_t errlen) {
  char group[1024], cache[32], feature[64], value[64], extra[2];
  /* "domain ID offline|online": emu_domains.c */
  if (sscanf(line, " %1023s", group) == 1 && strcmp(group, "domain") == 0)
    return emu_domain_control(m, line, control_now_ms(), err, errlen);
  if (sscanf(line, " %1023s", group) == 1 && strcmp(group, "clone") == 0)
    return control_clone(m, line, err, errlen);
  if (sscanf(line, " %1023s", group) == 1 &&
      (strcmp(group, "rmdir-on-open") == 0 ||
       strcmp(group, "enomem-on-read") == 0))
    return control_arm(m, group, line, err, errlen);
  int n = sscanf(line, " %1023s %31s %63s %63s %1s", group, cache, feature,
                 value, extra);
  if (n != 4) {
    snprintf(err, errlen, "expected 'GROUP CACHE_ID FEATURE VALUE'");
    return -EINVAL;
  }
  struct emu_group *g = group_by_path(m, group);
  if (!g) {
    snprintf(err, errlen, "no group '%s'", group);
    return -EINVAL;
  }
  unsigned long long id;
  int ci = -1;
  /* --perf-pkg: "GROUP pkg:<id> EVENT VALUE" (emu_perf_pkg.c) */
  if (strncmp(cache, "pkg:", 4) == 0)
    return emu_pkg_control(m, g, cache + 4, feature, value, err, errlen);
  /* --snc: "GROUP node:<id> ..." sets an SNC node's value */
  if (strncmp(cache, "node:", 5) == 0)
    return control_node(m, g, cache + 5, feature, value, err, errlen);
  if (emu_snc_nodes(m)) {
    snprintf(err, errlen,
             "with --snc an L3 domain reads the sum of its nodes: set "
             "node:<id> instead of '%s'",
             cache);
    return -EINVAL;
  }
  ci = emu_parse_uint(cache, UINT_MAX, &id) != 0
           ? -1
           : emu_model_cache_index(m, (unsigned)id);
  if (ci < 0) {
    snprintf(err, errlen, "no cache id '%s'", cache);
    return -EINVAL;
  }
  enum emu_feature f;
  struct emu_value v;
  int bad = parse_feature_value(m, feature, value, &f, &v, err, errlen);
  if (bad)
    return bad;
  emu_model_set_value(g, (size_t)ci, f, v);
  return 0;
}
