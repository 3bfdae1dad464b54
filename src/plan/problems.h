/* SPDX-License-Identifier: MIT */
/**
 * What is wrong with each domain's groups, and what changed since the last
 * pass (doc/design.md, "collectd interface"). A problem is one (domain,
 * class) pair: every rejected group or failed group of that class in that
 * domain is one problem, whatever the groups are called, so that no number
 * of groups sharing a label (or a name) can make the warning state flip
 * within one pass. A problem gives one WARNING when it appears, nothing
 * while it stays, and one OKAY when it is gone.
 *
 * Pure: the engine collects the findings of a pass, calls
 * vr_problems_update, and logs and sends the notices it returns.
 */
#ifndef VR_PROBLEMS_H
#define VR_PROBLEMS_H

#include "base/vocabulary.h"
#include "plan/group_list.h"

#include <stdbool.h>
#include <stddef.h>

/* collectd's NOTIF_MAX_MSG_LEN and DATA_MAX_NAME_LEN */
#define VR_NOTICE_MSG_LEN 256
#define VR_NOTICE_INSTANCE_LEN 128

/* One thing found wrong in a pass: a rejected group (or document), or a
 * group whose creation failed. Points into the pass's data. */
typedef struct {
  const char *uuid;   /* the domain's */
  const char *domain; /* its name */
  vr_problem_class problem;
  const char *group; /* the label: a group name, "(metadata)", ... */
  const char *reason;
} vr_finding;

/* A problem raised and not yet cleared; kept between passes. */
typedef struct {
  char uuid[VR_UUID_STRING_LEN + 1];
  vr_problem_class problem;
  /* as the WARNING named it, so that the OKAY goes to the same place */
  char instance[VR_NOTICE_INSTANCE_LEN];
  char subject[VR_NOTICE_MSG_LEN]; /* "domain D group G" or "domain D" */
} vr_problem;

/* Sorted by (uuid, problem). */
typedef struct {
  vr_problem *items;
  size_t n;
} vr_problem_table;

typedef enum {
  VR_NOTICE_WARNING,
  VR_NOTICE_OKAY,
} vr_notice_severity;

typedef struct {
  vr_notice_severity severity;
  char instance[VR_NOTICE_INSTANCE_LEN]; /* collectd's plugin_instance */
  char message[VR_NOTICE_MSG_LEN];
} vr_notice;

typedef struct {
  vr_notice *items;
  size_t n;
} vr_notice_list;

/* Whether a pass looked at the domain of uuid: a pass scoped to some
 * domains neither raises nor clears the others' problems. */
typedef bool (*vr_scope_fn)(const char *uuid, const void *ctx);

/**
 * Moves table to the problems of findings (n of them; reordered here) and
 * fills notices, OKAYs before WARNINGs (so that the last word on one
 * plugin_instance is the current one): a WARNING for each problem that is
 * new, an OKAY for each raised one that was not found and whose domain
 * in_scope says the pass looked at (in_scope NULL: every domain). A
 * problem of one finding is named "<domain>:<group>"; of several,
 * "<domain>:(metadata)" with the count, the first few groups and the
 * first reason. O(n log n + table). Returns 0 or -ENOMEM (table is then
 * unchanged, notices empty).
 */
int vr_problems_update(vr_problem_table *table, vr_finding *findings, size_t n,
                       vr_scope_fn in_scope, const void *ctx,
                       vr_notice_list *notices);

/** What a class of problem is, in a few words ("duplicate names"). */
const char *vr_problem_phrase(vr_problem_class problem);

void vr_problem_table_clear(vr_problem_table *table);

void vr_notice_list_clear(vr_notice_list *notices);

#endif /* VR_PROBLEMS_H */
