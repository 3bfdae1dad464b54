/**
 * virt_resctrl: collectd glue. Parses the config, owns the plugin context and
 * calls into the modules; nothing else lives here.
 */
#include "vr_log.h"

void module_register(void);

void module_register(void) {}
