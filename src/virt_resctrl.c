/* SPDX-License-Identifier: MIT */
/**
 * virt_resctrl: collectd glue. Parses the config, owns the plugin context and
 * calls into the modules; nothing else lives here.
 */
#include "base/vr_log.h"
#include "engine/engine.h"
#include "engine/vr_config.h"

#include <errno.h>

void module_register(void);

/* The plugin's one context: the parsed config and the engine that owns
 * every other piece of state. */
typedef struct {
  vr_config config;
  bool config_ready;
  vr_engine *engine;
} vr_context;

static vr_context context;

/* collectd calls this once per <Plugin virt_resctrl> block. A bad key or
 * value fails collectd's start-up with a line that names the key. */
static int vr_config_callback(oconfig_item_t *block) {
  char err[512] = "";
  if (!context.config_ready) {
    if (vr_config_init(&context.config) < 0) {
      VR_ERROR("out of memory reading the configuration");
      return -1;
    }
    context.config_ready = true;
  }
  if (vr_config_apply(&context.config, block, err, sizeof(err)) < 0) {
    VR_ERROR("configuration error: %s", err);
    return -1;
  }
  return 0;
}

/* A resctrl that is not mounted yet is no reason to fail: the engine says
 * what to do and keeps checking. Only what cannot work at all fails. */
static int vr_init(void) {
  char reason[512] = "";
  if (context.engine)
    return 0;
  if (!context.config_ready) {
    if (vr_config_init(&context.config) < 0)
      return -1;
    context.config_ready = true;
  }
  if (vr_engine_start(&context.config, &context.engine, reason,
                      sizeof(reason)) < 0) {
    VR_ERROR("cannot start: %s", reason);
    return -1;
  }
  return 0;
}

/* collectd calls read even when init failed: then there is nothing to do. */
static int vr_read(void) {
  if (context.engine)
    vr_engine_read(context.engine);
  return 0;
}

static int vr_shutdown(void) {
  vr_engine_stop(context.engine);
  context.engine = NULL;
  if (context.config_ready)
    vr_config_free(&context.config);
  context.config_ready = false;
  return 0;
}

void module_register(void) {
  plugin_register_complex_config("virt_resctrl", vr_config_callback);
  plugin_register_init("virt_resctrl", vr_init);
  plugin_register_read("virt_resctrl", vr_read);
  plugin_register_shutdown("virt_resctrl", vr_shutdown);
}
