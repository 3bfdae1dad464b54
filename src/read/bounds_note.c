/* SPDX-License-Identifier: MIT */
/**
 * What a read says about values out of bounds; see bounds_note.h.
 */
#include "read/bounds_note.h"

#include "base/vr_log.h"
#include "read/series.h"

#include "collectd/core/utils/common/common.h"

#include <inttypes.h>

bool vr_bounds_note_sane(vr_bounds_note *n, vr_resctrl_feature f,
                         unsigned cache_id, uint64_t raw,
                         vr_value_verdict why) {
  if (why == VR_VALUE_SANE)
    return true;
  if (n->events & (1u << f))
    return false;
  n->events |= 1u << f;
  n->cache_id[f] = cache_id;
  n->raw[f] = raw;
  n->why[f] = why;
  return false;
}

/* One line and one notification per event when its values first go out of
 * bounds, one OKAY line when they are all sane again: a broken tree that
 * stays broken says so once, not every interval. */
void vr_bounds_note_say(unsigned *said_events, const vr_bounds_note *n,
                        const char *host, const char *instance,
                        const char *label) {
  unsigned now = n->events, said = *said_events;
  *said_events = now;
  for (int f = 0; f < VR_FEAT_COUNT; f++) {
    unsigned bit = 1u << f;
    if ((now & bit) == (said & bit))
      continue;
    notification_t nt = {
        .severity = (now & bit) ? NOTIF_WARNING : NOTIF_OKAY,
        .time = cdtime(),
        .plugin = VR_SERIES_PLUGIN,
    };
    sstrncpy(nt.host, host, sizeof(nt.host));
    sstrncpy(nt.plugin_instance, instance, sizeof(nt.plugin_instance));
    if (now & bit) {
      ssnprintf(nt.message, sizeof(nt.message),
                "%s: %s on %s %u read %" PRIu64 " (%s); not sent "
                "until it is sane again",
                label, vr_resctrl_feature_name((vr_resctrl_feature)f),
                f == VR_FEAT_CORE_ENERGY ? "package" : "L3 cache",
                n->cache_id[f], n->raw[f], vr_value_verdict_text(n->why[f]));
    } else {
      ssnprintf(nt.message, sizeof(nt.message), "%s: %s values are sane again",
                label, vr_resctrl_feature_name((vr_resctrl_feature)f));
    }
    vr_notify_logged(&nt);
  }
}
