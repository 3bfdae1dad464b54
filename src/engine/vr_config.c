/* SPDX-License-Identifier: MIT */
/**
 * The plugin's configuration; see vr_config.h.
 *
 * Keys are matched case-insensitively, as collectd does for its own. Values
 * are checked here rather than at first use, so that a typo fails collectd's
 * start-up instead of surfacing as a silent gap in the graphs.
 */
#include "engine/vr_config.h"
#include "base/vr_defaults.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int replace_string(char **slot, const char *value) {
  char *copy = strdup(value);
  if (!copy)
    return -ENOMEM;
  free(*slot);
  *slot = copy;
  return 0;
}

int vr_config_init(vr_config *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  snprintf(cfg->group_prefix, sizeof(cfg->group_prefix), "%s",
           VR_DEFAULT_GROUP_PREFIX);
  cfg->refresh_interval_s = VR_DEFAULT_REFRESH_INTERVAL_S;
  cfg->default_group = VR_DEFAULT_GROUP_NONE;
  cfg->max_groups_per_domain = VR_DEFAULT_MAX_GROUPS_PER_DOMAIN;
  cfg->hostname_format = VR_NAME_FORMAT_1(VR_FIELD_HOSTNAME);
  cfg->instance_format = VR_NAME_FORMAT_1(VR_FIELD_NAME);
  cfg->report_bytes = true;
  cfg->report_percent = true;
  cfg->report_bandwidth = true;
  cfg->report_host = true;
  cfg->report_energy = true;
  cfg->remove_groups_on_shutdown = true;
  cfg->keep_files_open = true;
  if (replace_string(&cfg->connection, VR_DEFAULT_CONNECTION) < 0 ||
      replace_string(&cfg->resctrl_path, VR_DEFAULT_RESCTRL_PATH) < 0 ||
      replace_string(&cfg->metadata_uri, VR_DEFAULT_METADATA_URI) < 0 ||
      replace_string(&cfg->name_metadata_ns, VR_DEFAULT_NAME_METADATA_NS) < 0 ||
      replace_string(&cfg->name_metadata_xpath,
                     VR_DEFAULT_NAME_METADATA_XPATH) < 0 ||
      replace_string(&cfg->sysfs_path, VR_DEFAULT_SYSFS_PATH) < 0 ||
      replace_string(&cfg->proc_path, VR_DEFAULT_PROC_PATH) < 0 ||
      replace_string(&cfg->libvirt_run_path, VR_DEFAULT_LIBVIRT_RUN_PATH) < 0) {
    vr_config_free(cfg);
    return -ENOMEM;
  }
  return 0;
}

void vr_config_free(vr_config *cfg) {
  free(cfg->connection);
  free(cfg->resctrl_path);
  free(cfg->metadata_uri);
  free(cfg->name_metadata_ns);
  free(cfg->name_metadata_xpath);
  free(cfg->sysfs_path);
  free(cfg->proc_path);
  free(cfg->libvirt_run_path);
  for (size_t i = 0; i < cfg->n_domains; i++)
    free(cfg->domains[i]);
  free(cfg->domains);
  memset(cfg, 0, sizeof(*cfg));
}

/* Each getter fails with a message that names the key and what it takes. */
static int get_string(const oconfig_item_t *item, const char **out, char *err,
                      size_t err_len) {
  if (item->values_num != 1 || item->values[0].type != OCONFIG_TYPE_STRING ||
      item->values[0].value.string[0] == '\0') {
    snprintf(err, err_len, "%s takes exactly one non-empty string argument",
             item->key);
    return -EINVAL;
  }
  *out = item->values[0].value.string;
  return 0;
}

static int get_bool(const oconfig_item_t *item, bool *out, char *err,
                    size_t err_len) {
  if (item->values_num != 1 || item->values[0].type != OCONFIG_TYPE_BOOLEAN) {
    snprintf(err, err_len,
             "%s takes exactly one boolean argument (true or "
             "false)",
             item->key);
    return -EINVAL;
  }
  *out = item->values[0].value.boolean != 0;
  return 0;
}

static int get_absolute_path(const oconfig_item_t *item, char **slot, char *err,
                             size_t err_len) {
  const char *value;
  int status = get_string(item, &value, err, err_len);
  if (status < 0)
    return status;
  if (value[0] != '/') {
    snprintf(err, err_len, "%s must be an absolute path, not \"%s\"", item->key,
             value);
    return -EINVAL;
  }
  return replace_string(slot, value);
}

/* One of a few words; words is a NULL-terminated list whose index is the
 * stored value. */
static int get_choice(const oconfig_item_t *item, const char *const *words,
                      int *out, char *err, size_t err_len) {
  const char *value;
  int status = get_string(item, &value, err, err_len);
  if (status < 0)
    return status;
  for (int i = 0; words[i]; i++) {
    if (strcasecmp(value, words[i]) == 0) {
      *out = i;
      return 0;
    }
  }
  char accepted[128] = "";
  for (int i = 0; words[i]; i++) {
    size_t used = strlen(accepted);
    snprintf(accepted + used, sizeof(accepted) - used, "%s\"%s\"",
             i ? ", " : "", words[i]);
  }
  snprintf(err, err_len, "%s: \"%s\" is not one of %s", item->key, value,
           accepted);
  return -EINVAL;
}

/* HostnameFormat, PluginInstanceFormat: fields as several values or as
 * one blank-separated string, as collectd's virt plugin takes them. */
static int get_format(const oconfig_item_t *item, vr_format_key key,
                      vr_name_format *out, char *err, size_t err_len) {
  const char *values[VR_NAME_FIELDS_MAX];
  if (item->values_num < 1 || item->values_num > VR_NAME_FIELDS_MAX) {
    snprintf(err, err_len, "%s takes one to %d string arguments", item->key,
             VR_NAME_FIELDS_MAX);
    return -EINVAL;
  }
  for (int i = 0; i < item->values_num; i++) {
    if (item->values[i].type != OCONFIG_TYPE_STRING) {
      snprintf(err, err_len, "%s takes strings only", item->key);
      return -EINVAL;
    }
    values[i] = item->values[i].value.string;
  }
  return vr_name_format_parse(key, values, (size_t)item->values_num, out, err,
                              err_len);
}

static int set_refresh_interval(vr_config *cfg, const oconfig_item_t *item,
                                char *err, size_t err_len) {
  if (item->values_num != 1 || item->values[0].type != OCONFIG_TYPE_NUMBER) {
    snprintf(err, err_len, "RefreshInterval takes one number of seconds");
    return -EINVAL;
  }
  double seconds = item->values[0].value.number;
  if (!(seconds >= 1 && seconds <= VR_MAX_REFRESH_INTERVAL_S) ||
      seconds != floor(seconds)) {
    snprintf(err, err_len,
             "RefreshInterval must be a whole number of seconds from 1 to %d",
             VR_MAX_REFRESH_INTERVAL_S);
    return -EINVAL;
  }
  cfg->refresh_interval_s = (unsigned)seconds;
  return 0;
}

static int set_max_groups(vr_config *cfg, const oconfig_item_t *item, char *err,
                          size_t err_len) {
  double n =
      item->values_num == 1 && item->values[0].type == OCONFIG_TYPE_NUMBER
          ? item->values[0].value.number
          : -1;
  if (!(n >= 0 && n <= VR_MAX_MAX_GROUPS_PER_DOMAIN) || n != floor(n)) {
    snprintf(err, err_len,
             "MaxGroupsPerDomain takes one whole number from 0 (no limit) "
             "to %d",
             VR_MAX_MAX_GROUPS_PER_DOMAIN);
    return -EINVAL;
  }
  cfg->max_groups_per_domain = (size_t)n;
  return 0;
}

static int set_group_prefix(vr_config *cfg, const oconfig_item_t *item,
                            char *err, size_t err_len) {
  const char *value;
  int status = get_string(item, &value, err, err_len);
  if (status < 0)
    return status;
  if (!vr_group_prefix_valid(value)) {
    snprintf(err, err_len,
             "GroupPrefix \"%s\" must be 1-%d characters of [A-Za-z0-9_]",
             value, VR_GROUP_PREFIX_MAX);
    return -EINVAL;
  }
  snprintf(cfg->group_prefix, sizeof(cfg->group_prefix), "%s", value);
  return 0;
}

static int add_domain(vr_config *cfg, const oconfig_item_t *item, char *err,
                      size_t err_len) {
  const char *value;
  int status = get_string(item, &value, err, err_len);
  if (status < 0)
    return status;
  char **grown = realloc(cfg->domains, (cfg->n_domains + 1) * sizeof(*grown));
  if (!grown)
    return -ENOMEM;
  cfg->domains = grown;
  cfg->domains[cfg->n_domains] = strdup(value);
  if (!cfg->domains[cfg->n_domains])
    return -ENOMEM;
  cfg->n_domains++;
  return 0;
}

static int apply_item(vr_config *cfg, const oconfig_item_t *item, char *err,
                      size_t err_len) {
  /* In vr_default_group's order: the index is the policy. */
  static const char *const default_group_words[] = {"none", "all", "per-vcpu",
                                                    "vm", NULL};
  const char *key = item->key;
  const char *value;
  int choice, status;

  if (item->children_num > 0) {
    snprintf(err, err_len, "%s does not take a block", key);
    return -EINVAL;
  }
  if (strcasecmp(key, "Connection") == 0) {
    status = get_string(item, &value, err, err_len);
    return status < 0 ? status : replace_string(&cfg->connection, value);
  }
  if (strcasecmp(key, "MetadataURI") == 0) {
    status = get_string(item, &value, err, err_len);
    return status < 0 ? status : replace_string(&cfg->metadata_uri, value);
  }
  if (strcasecmp(key, "ResctrlPath") == 0)
    return get_absolute_path(item, &cfg->resctrl_path, err, err_len);
  if (strcasecmp(key, "SysfsPath") == 0)
    return get_absolute_path(item, &cfg->sysfs_path, err, err_len);
  if (strcasecmp(key, "ProcPath") == 0)
    return get_absolute_path(item, &cfg->proc_path, err, err_len);
  if (strcasecmp(key, "LibvirtRunPath") == 0)
    return get_absolute_path(item, &cfg->libvirt_run_path, err, err_len);
  if (strcasecmp(key, "GroupPrefix") == 0)
    return set_group_prefix(cfg, item, err, err_len);
  if (strcasecmp(key, "RefreshInterval") == 0)
    return set_refresh_interval(cfg, item, err, err_len);
  if (strcasecmp(key, "MaxGroupsPerDomain") == 0)
    return set_max_groups(cfg, item, err, err_len);
  if (strcasecmp(key, "Domain") == 0)
    return add_domain(cfg, item, err, err_len);
  if (strcasecmp(key, "IgnoreSelected") == 0)
    return get_bool(item, &cfg->ignore_selected, err, err_len);
  if (strcasecmp(key, "ReportBytes") == 0)
    return get_bool(item, &cfg->report_bytes, err, err_len);
  if (strcasecmp(key, "ReportPercent") == 0)
    return get_bool(item, &cfg->report_percent, err, err_len);
  if (strcasecmp(key, "ReportBandwidth") == 0)
    return get_bool(item, &cfg->report_bandwidth, err, err_len);
  /* Sub-NUMA Clustering (doc/design.md, "resctrl rules", Domains) */
  if (strcasecmp(key, "ReportSubNUMA") == 0)
    return get_bool(item, &cfg->report_sub_numa, err, err_len);
  if (strcasecmp(key, "ReportHost") == 0)
    return get_bool(item, &cfg->report_host, err, err_len);
  if (strcasecmp(key, "ReportEnergy") == 0)
    return get_bool(item, &cfg->report_energy, err, err_len);
  if (strcasecmp(key, "RemoveGroupsOnShutdown") == 0)
    return get_bool(item, &cfg->remove_groups_on_shutdown, err, err_len);
  if (strcasecmp(key, "KeepFilesOpen") == 0)
    return get_bool(item, &cfg->keep_files_open, err, err_len);
  if (strcasecmp(key, "DefaultGroup") == 0) {
    status = get_choice(item, default_group_words, &choice, err, err_len);
    if (status == 0)
      cfg->default_group = (vr_default_group)choice;
    return status;
  }
  if (strcasecmp(key, "HostnameFormat") == 0)
    return get_format(item, VR_FORMAT_HOSTNAME, &cfg->hostname_format, err,
                      err_len);
  if (strcasecmp(key, "PluginInstanceFormat") == 0)
    return get_format(item, VR_FORMAT_INSTANCE, &cfg->instance_format, err,
                      err_len);
  if (strcasecmp(key, "HostnameMetadataNS") == 0) {
    status = get_string(item, &value, err, err_len);
    return status < 0 ? status : replace_string(&cfg->name_metadata_ns, value);
  }
  if (strcasecmp(key, "HostnameMetadataXPath") == 0) {
    status = get_string(item, &value, err, err_len);
    return status < 0 ? status
                      : replace_string(&cfg->name_metadata_xpath, value);
  }
  snprintf(err, err_len,
           "unknown config key \"%s\" (see collectd-virt_resctrl(5))", key);
  return -EINVAL;
}

int vr_config_apply(vr_config *cfg, const oconfig_item_t *block, char *err,
                    size_t err_len) {
  for (int i = 0; i < block->children_num; i++) {
    int status = apply_item(cfg, &block->children[i], err, err_len);
    if (status == -ENOMEM)
      snprintf(err, err_len, "out of memory reading %s",
               block->children[i].key);
    if (status < 0)
      return status;
  }
  return 0;
}
