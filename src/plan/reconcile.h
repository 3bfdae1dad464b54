/* SPDX-License-Identifier: MIT */
/**
 * Reconcile: the desired monitoring groups (running, selected domains x
 * valid groups x the thread ids of their online vCPUs) against resctrl's
 * state, as data. Returns a plan: ordered actions for the resctrl executor
 * and one outcome per desired group for logging and notifications.
 *
 * Pure: no I/O, no logging. Rules: doc/design.md, "resctrl rules".
 */
#ifndef VR_RECONCILE_H
#define VR_RECONCILE_H

#include "plan/group_spec.h"
#include "plan/written_tids.h"
#include "resctrl/resctrl_model.h"
#include "resctrl/resctrl_name.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* One thread of a group: an online vCPU and its thread (QEMU's
 * "CPU <n>/KVM"), or, by kind, an iothread (vcpu holds libvirt's iothread
 * id) or an emulator thread (vcpu unused). */
typedef struct {
  unsigned vcpu;
  pid_t tid;
  vr_thread_kind kind;
} vr_vcpu_thread;

typedef struct {
  const char *uuid;    /* the domain's UUID string */
  const char *domain;  /* the domain's name, for reasons */
  const char *group;   /* the group's name */
  const char *members; /* every vCPU listed, expanded ("0,1,2") */
  vr_mbm_priority mbm; /* who gets an ABMC counter first (mbm_assign.h) */
  /* The online vCPUs of the group: offline ones have no thread yet. */
  const vr_vcpu_thread *threads;
  size_t n_threads;
  /* The thread ids of all the domain's online vCPUs, grouped or not (0 for
   * an offline vCPU): a vCPU thread in our group that no group wants must
   * leave it; any other thread there was inherited and stays. */
  const pid_t *domain_vcpu_tids;
  size_t n_domain_vcpu_tids;
} vr_desired_group;

typedef enum {
  /* rmdir <root>[/<ctrl>]/mon_groups/<name>; its tasks return to <ctrl>. */
  VR_ACTION_REMOVE,
  /* mkdir <root>[/<ctrl>]/mon_groups/<name>. ENOSPC / EBUSY: report
   * rmid_exhausted / rmid_limbo for `desired`, skip its ASSIGNs; the next
   * resync retries. */
  VR_ACTION_CREATE,
  /* Write tid to <root>[/<ctrl>]/mon_groups/<name>/tasks (ESRCH: the thread
   * is gone, not an error). */
  VR_ACTION_ASSIGN,
  /* Write tid, a thread in our group <name> that no group wants any more
   * and that is a vCPU thread of the domain or one this run wrote there
   * (written_tids.h), to its parent CTRL_MON group's tasks
   * (<root>[/<ctrl>]/tasks): the thread leaves our MON group and keeps its
   * CLOSID, as rmdir would do for all of them, without the rmdir (the RMID
   * would go to limbo and the MBM counter restart). */
  VR_ACTION_RELEASE,
} vr_action_kind;

/* `desired` of a REMOVE whose group stands for no desired group any more
 * (domain stopped or filtered out, group dropped from the metadata). A
 * REMOVE for a desired group (wrong parent, stray thread, conflict, no vCPU
 * online) carries its index. */
#define VR_NO_DESIRED ((size_t)-1)

typedef struct {
  vr_action_kind kind;
  char ctrl[VR_RESCTRL_NAME_MAX + 1]; /* parent CTRL_MON group, "" = root */
  char name[VR_RESCTRL_NAME_MAX + 1]; /* our MON group */
  size_t desired;        /* index into the desired groups, or VR_NO_DESIRED */
  pid_t tid;             /* ASSIGN and RELEASE only */
  unsigned vcpu;         /* ASSIGN only: the vCPU that thread runs */
  vr_thread_kind thread; /* ASSIGN only: what the thread is */
  /* CREATE only: a second or later group's, while another domain waits for
   * its first; the executor tries it only if no first CREATE before it
   * failed for want of an RMID (plan/rmid_share.h). */
  bool behind_firsts;
} vr_action;

typedef enum {
  /* Group exists (or the plan makes it) under `ctrl` with every thread. */
  VR_OUTCOME_OK,
  /* No vCPU of the group is online: no group until one is. */
  VR_OUTCOME_WAITING,
  /* Not created: a thread in a foreign MON group, threads split across
   * CTRL_MON groups, or a thread listed by two desired groups. */
  VR_OUTCOME_CONFLICT,
  /* The uuid or group name cannot form a directory name. */
  VR_OUTCOME_INVALID,
} vr_outcome_kind;

typedef struct {
  vr_outcome_kind kind;
  char ctrl[VR_RESCTRL_NAME_MAX + 1]; /* OK: the parent CTRL_MON group */
  char name[VR_RESCTRL_NAME_MAX + 1]; /* our directory name ("" if INVALID) */
  char reason[VR_REASON_MAX];         /* CONFLICT / INVALID / WAITING */
} vr_group_outcome;

typedef struct {
  /* Removals first (RMIDs are scarce: free them before creating), then
   * creates, then releases, then assigns. Removals follow the state's order,
   * creates and assigns the desired groups' order; an ASSIGN always follows its
   * group's CREATE. */
  vr_action *actions;
  size_t n_actions;
  /* outcomes[i] is the outcome of desired[i]. */
  vr_group_outcome *outcomes;
  size_t n_outcomes;
} vr_plan;

/**
 * Decides what to do so that resctrl holds exactly one MON group per
 * desired group with an online vCPU, named by vr_owned_name_format under
 * prefix, holding that group's threads, and no other group of ours. An
 * unchanged world yields an empty plan. Returns 0, -EINVAL (bad prefix),
 * or -ENOMEM; *out is then empty. Free with vr_plan_clear.
 */
int vr_reconcile(const vr_desired_group *desired, size_t n_desired,
                 const vr_resctrl_state *state, const char *prefix,
                 vr_plan *out);

/**
 * vr_reconcile, told which threads this run wrote into which of its groups
 * (sorted; NULL: none): such a thread that no group claims any more is
 * released too, like a vCPU thread; any other thread stays (inherited).
 */
int vr_reconcile_written(const vr_desired_group *desired, size_t n_desired,
                         const vr_resctrl_state *state, const char *prefix,
                         const vr_written_set *written, vr_plan *out);

void vr_plan_clear(vr_plan *plan);

/**
 * Where resctrl places tid: a task no tasks file listed is in the root
 * CTRL_MON group and in no MON group (ctrl and mon ""). Never NULL.
 * state->tasks must be sorted by tid.
 */
const vr_task_place *vr_resctrl_state_find(const vr_resctrl_state *state,
                                           pid_t tid);

#endif /* VR_RECONCILE_H */
