/* SPDX-License-Identifier: MIT */
/**
 * The engine's notifications: one health state per (domain, group) and per
 * domain's metadata, moved by group_health.h's pure rules; this file is the
 * edge that logs and calls plugin_dispatch_notification.
 */
#include "engine/engine_health.h"

#include <stdlib.h>
#include <string.h>

static vr_health_entry *health_entry(vr_engine *e, const char *uuid,
                                     const char *domain, const char *group) {
  for (size_t i = 0; i < e->health.n; i++) {
    vr_health_entry *h = &e->health.entries[i];
    if (strcmp(h->uuid, uuid) == 0 && strcmp(h->group, group) == 0)
      return h;
  }
  vr_health_entry *grown =
      realloc(e->health.entries, (e->health.n + 1) * sizeof(*grown));
  if (!grown)
    return NULL;
  e->health.entries = grown;
  vr_health_entry *h = &grown[e->health.n];
  memset(h, 0, sizeof(*h));
  h->domain = strdup(domain);
  if (!h->domain)
    return NULL;
  e->health.n++;
  sstrncpy(h->uuid, uuid, sizeof(h->uuid));
  sstrncpy(h->group, group, sizeof(h->group));
  h->state.kind = VR_HEALTH_UNKNOWN;
  return h;
}

/* One log line and one collectd notification per change of state. */
static void send_notice(const vr_health_entry *h, const vr_notice *notice) {
  if (notice->severity == VR_NOTICE_NONE)
    return;
  notification_t n = {
      .severity =
          notice->severity == VR_NOTICE_WARNING ? NOTIF_WARNING : NOTIF_OKAY,
      .time = cdtime(),
      .plugin = VR_SERIES_PLUGIN,
  };
  sstrncpy(n.host, hostname_g, sizeof(n.host));
  ssnprintf(n.plugin_instance, sizeof(n.plugin_instance), "%s:%s", h->domain,
            h->group);
  sstrncpy(n.message, notice->message, sizeof(n.message));
  if (notice->severity == VR_NOTICE_WARNING)
    VR_WARNING("%s", notice->message);
  else
    VR_INFO("%s", notice->message);
  vr_notify(&n);
}

static void report(vr_engine *e, const char *uuid, const char *domain,
                   const char *group, const vr_health *next) {
  vr_health_entry *h = health_entry(e, uuid, domain, group);
  if (!h)
    return;
  vr_notice notice;
  vr_health_update(&h->state, next, domain, group, &notice);
  h->seen = true;
  send_notice(h, &notice);
}

/* A rejection is reported under its group's label; the document as a whole
 * under "(metadata)". Clearing happens by not being seen. */
void vr_engine_report_rejections(vr_engine *e, const vr_desired_set *d) {
  for (size_t i = 0; i < d->n_rejections; i++) {
    const vr_desired_rejection *r = &d->rejections[i];
    vr_health bad;
    vr_health_set(&bad, VR_HEALTH_INVALID, "%s", r->rejection->reason);
    report(e, r->uuid, r->domain, r->rejection->group, &bad);
  }
}

void vr_engine_report_outcomes(vr_engine *e, const vr_pass *pass) {
  for (size_t i = 0; i < pass->desired.n; i++) {
    const vr_desired_group *want = &pass->desired.groups[i];
    vr_health next;
    if (pass->failure[i].kind != VR_HEALTH_UNKNOWN)
      next = pass->failure[i];
    else
      vr_health_from_outcome(&pass->plan.outcomes[i], &next);
    report(e, want->uuid, want->domain, want->group, &next);
  }
}

/* Entries not seen this pass belong to stopped domains or dropped groups:
 * clear their warnings, then forget them. */
void vr_engine_health_sweep(vr_engine *e) {
  size_t kept = 0;
  for (size_t i = 0; i < e->health.n; i++) {
    vr_health_entry *h = &e->health.entries[i];
    if (!h->seen) {
      vr_health gone;
      vr_notice notice;
      vr_health_set(&gone, VR_HEALTH_GONE, "gone");
      vr_health_update(&h->state, &gone, h->domain, h->group, &notice);
      send_notice(h, &notice);
      free(h->domain);
      continue;
    }
    h->seen = false;
    e->health.entries[kept++] = *h;
  }
  e->health.n = kept;
}

void vr_health_table_clear(vr_health_table *t) {
  for (size_t i = 0; i < t->n; i++)
    free(t->entries[i].domain);
  free(t->entries);
  memset(t, 0, sizeof(*t));
}
