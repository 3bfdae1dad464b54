/**
 * virt_resctrl: collectd glue. Parses the config, owns the plugin context and
 * calls into the modules; nothing else lives here.
 */
#include "vr_config.h"
#include "vr_log.h"

#include <errno.h>

void module_register(void);

typedef struct {
  vr_config config;
  bool config_ready;
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

static int vr_init(void) {
  if (!context.config_ready) {
    if (vr_config_init(&context.config) < 0)
      return -1;
    context.config_ready = true;
  }
  return 0;
}

static int vr_shutdown(void) {
  if (context.config_ready)
    vr_config_free(&context.config);
  context.config_ready = false;
  return 0;
}

void module_register(void) {
  plugin_register_complex_config("virt_resctrl", vr_config_callback);
  plugin_register_init("virt_resctrl", vr_init);
  plugin_register_shutdown("virt_resctrl", vr_shutdown);
}
