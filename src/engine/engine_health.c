/* SPDX-License-Identifier: MIT */
/**
 * The engine's notifications: the findings of a pass go to plan/problems.h,
 * which keeps one state per (domain, class of problem) and says what
 * changed; this file is the edge that logs and calls
 * plugin_dispatch_notification.
 */
#include "engine/engine_health.h"
#include "engine/engine_scope.h"

#include <stdlib.h>
#include <string.h>

/* One log line and one collectd notification per change. */
static void send_notice(const vr_notice *notice) {
  notification_t n = {
      .severity =
          notice->severity == VR_NOTICE_WARNING ? NOTIF_WARNING : NOTIF_OKAY,
      .time = cdtime(),
      .plugin = VR_SERIES_PLUGIN,
  };
  sstrncpy(n.host, hostname_g, sizeof(n.host));
  sstrncpy(n.plugin_instance, notice->instance, sizeof(n.plugin_instance));
  sstrncpy(n.message, notice->message, sizeof(n.message));
  vr_notify_logged(&n);
}

static bool pass_looked_at(const char *uuid, const void *pass) {
  return vr_pass_in_scope(pass, uuid);
}

void vr_engine_report_problems(vr_engine *e, const vr_pass *pass) {
  const vr_desired_set *d = &pass->desired;
  vr_finding *findings = calloc(d->n_rejections + d->n + 1, sizeof(*findings));
  if (!findings) {
    VR_ERROR("out of memory reporting problems");
    return;
  }
  size_t n = 0;
  for (size_t i = 0; i < d->n_rejections; i++) {
    const vr_desired_rejection *r = &d->rejections[i];
    findings[n++] = (vr_finding){.uuid = r->uuid,
                                 .domain = r->domain,
                                 .problem = r->rejection->problem,
                                 .group = r->rejection->group,
                                 .reason = r->rejection->reason};
  }
  /* A group's own failure (the executor's) comes before the plan's
   * outcome for it, as the executor acted on that outcome. */
  vr_health *health = calloc(d->n + 1, sizeof(*health));
  if (!health) {
    free(findings);
    VR_ERROR("out of memory reporting problems");
    return;
  }
  for (size_t i = 0; i < d->n; i++) {
    if (pass->failure && pass->failure[i].kind != VR_HEALTH_UNKNOWN)
      health[i] = pass->failure[i];
    else
      vr_health_from_outcome(&pass->plan.outcomes[i], &health[i]);
    if (!vr_health_is_problem(health[i].kind))
      continue;
    const vr_desired_group *want = &d->groups[i];
    findings[n++] = (vr_finding){.uuid = want->uuid,
                                 .domain = want->domain,
                                 .problem = vr_health_problem(health[i].kind),
                                 .group = want->group,
                                 .reason = health[i].reason};
  }
  vr_notice_list notices;
  if (vr_problems_update(&e->problems, findings, n,
                         pass->scope ? pass_looked_at : NULL, pass,
                         &notices) < 0)
    VR_ERROR("out of memory reporting problems");
  else
    for (size_t i = 0; i < notices.n; i++)
      send_notice(&notices.items[i]);
  vr_notice_list_clear(&notices);
  free(health);
  free(findings);
}
