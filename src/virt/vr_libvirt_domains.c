/* SPDX-License-Identifier: MIT */
/**
 * Domain snapshots of the libvirt module: vr_libvirt_list, vr_libvirt_get
 * and the once-only note about domains whose vCPU threads cannot be found.
 * The connection side (vr_libvirt.c) owns the connection; this file only
 * borrows a reference on it per call (vr_libvirt_conn_get).
 */
#include "virt/vr_libvirt_domains.h"
#include "virt/name_metadata.h"
#include "virt/vr_libvirt_private.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "base/vr_log.h"
#include "virt/vcpu_threads.h"

/* Maps "the domain went away meanwhile" to -ENOENT, anything else to -EIO. */
static int domain_error(const char *what, const char *name, char *reason,
                        size_t reason_len) {
  virErrorPtr e = virGetLastError();
  int code = e ? e->code : VIR_ERR_OK;
  snprintf(reason, reason_len, "domain %s: %s: %s", name, what,
           vr_libvirt_last_error());
  return code == VIR_ERR_NO_DOMAIN || code == VIR_ERR_OPERATION_INVALID
             ? -ENOENT
             : -EIO;
}

/* Remembers (or forgets, when ok) that UUID was skipped; returns true when
 * it is news, i.e. worth one log line. */
static bool skip_note(vr_libvirt *lv, const char *uuid, bool ok) {
  bool news = false;
  pthread_mutex_lock(&lv->lock);
  size_t i = 0;
  while (i < lv->n_skipped && strcmp(lv->skipped[i], uuid) != 0)
    i++;
  if (ok && i < lv->n_skipped) {
    lv->skipped[i][0] = '\0';
    memcpy(lv->skipped[i], lv->skipped[lv->n_skipped - 1],
           VIR_UUID_STRING_BUFLEN);
    lv->n_skipped--;
  } else if (!ok && i == lv->n_skipped) {
    void *grown =
        realloc(lv->skipped, (lv->n_skipped + 1) * sizeof(*lv->skipped));
    if (grown != NULL) {
      lv->skipped = grown;
      snprintf(lv->skipped[lv->n_skipped++], VIR_UUID_STRING_BUFLEN, "%s",
               uuid);
    }
    news = true;
  }
  pthread_mutex_unlock(&lv->lock);
  return news;
}

/* The non-vCPU side of a snapshot (doc/design.md, "Metadata"): libvirt's
 * iothread ids from virDomainGetIOThreadInfo (the live definition's
 * <iothreadids>; the only place they are), and QEMU's other threads by
 * name. Neither is fatal: without the ids, iothread groups are checked for
 * syntax only; without names, emulator and iothread groups wait. */
static void snapshot_other_threads(vr_libvirt *lv, virDomainPtr dom,
                                   const vr_domain *same, vr_domain *out) {
  virDomainIOThreadInfoPtr *info = NULL;
  char why[384];
  bool named;
  /* The same run of the domain, known already: its iothread ids as asked
   * then (an edit of our metadata marks the domain dirty and asks again),
   * so that a full pass stays one libvirt call (doc/design.md, "Data flow"). */
  if (same && same->iothread_ids) {
    out->iothread_ids = malloc(sizeof(vr_cpuset));
    if (out->iothread_ids)
      *out->iothread_ids = *same->iothread_ids;
  } else {
    int n = virDomainGetIOThreadInfo(dom, &info, VIR_DOMAIN_AFFECT_LIVE);
    if (n >= 0 && (out->iothread_ids = calloc(1, sizeof(vr_cpuset))) != NULL)
      for (int i = 0; i < n; i++)
        if (info[i]->iothread_id < VR_MAX_VCPUS)
          vr_cpuset_add(out->iothread_ids, info[i]->iothread_id);
    for (int i = 0; i < n; i++)
      virDomainIOThreadInfoFree(info[i]);
    free(info);
    if (n < 0)
      virResetLastError();
  }
  if (vr_qemu_threads_find(lv->run_path, lv->proc_path, out->name, out->uuid,
                           &out->threads, &out->n_threads, &named, why,
                           sizeof(why)) < 0)
    VR_DEBUG("domain %s: no emulator or iothreads: %s", out->name, why);
}

/* Asks libvirt for OUT's maximum vCPU count and our metadata element (two
 * RPCs), and the name metadata when asked (a third). Returns 0, or a negative
 * errno with a reason. */
static int ask_libvirt(vr_libvirt *lv, virDomainPtr dom, vr_domain *out,
                       char *reason, size_t reason_len) {
  out->max_vcpus = virDomainGetVcpusFlags(dom, VIR_DOMAIN_VCPU_LIVE |
                                                   VIR_DOMAIN_VCPU_MAXIMUM);
  /* The maximum only: which vCPUs are online is what their threads say,
   * and the current count would cost one more RPC per domain. */
  if (out->max_vcpus < 1)
    return domain_error("cannot get its vCPU count", out->name, reason,
                        reason_len);
  out->metadata =
      virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, lv->metadata_uri,
                           VIR_DOMAIN_AFFECT_LIVE);
  if (out->metadata == NULL) {
    virErrorPtr e = virGetLastError();
    /* VIR_ERR_NO_DOMAIN_METADATA: the domain simply has no element of ours. */
    if (e == NULL || e->code != VIR_ERR_NO_DOMAIN_METADATA)
      return domain_error("cannot read its metadata", out->name, reason,
                          reason_len);
  }
  /* HostnameMetadataNS (a third RPC, only when a format names metadata):
   * the name the formats compose, never read in the read pass. */
  if (lv->name_ns) {
    char note[512];
    int status = vr_name_metadata_read(dom, lv->name_ns, lv->name_xpath,
                                       &out->name_meta, note, sizeof(note));
    if (status == -ENOMEM) {
      snprintf(reason, reason_len, "out of memory");
      return status;
    }
    if (note[0])
      VR_NOTICE("domain %s: no name from metadata: %s", out->name, note);
  }
  return 0;
}

/* Fills OUT for a running domain: maximum vCPU count and metadata, copied
 * from SAME (a snapshot of the same run of this domain) or else asked of
 * libvirt, then its vCPU threads. */
static int snapshot(vr_libvirt *lv, virDomainPtr dom, const vr_domain *same,
                    vr_domain *out, char *reason, size_t reason_len) {
  int ret = 0;
  const char *name = virDomainGetName(dom);
  memset(out, 0, sizeof(*out));
  out->name = strdup(name ? name : "");
  if (out->name == NULL || virDomainGetUUIDString(dom, out->uuid) < 0) {
    snprintf(reason, reason_len, "out of memory");
    ret = -ENOMEM;
    goto fail;
  }
  /* The id comes with the domain object (no RPC). */
  out->id = (int)virDomainGetID(dom);
  if (same) {
    out->max_vcpus = same->max_vcpus;
    out->metadata = same->metadata ? strdup(same->metadata) : NULL;
    out->name_meta = same->name_meta ? strdup(same->name_meta) : NULL;
    if ((same->metadata && !out->metadata) ||
        (same->name_meta && !out->name_meta)) {
      snprintf(reason, reason_len, "out of memory");
      ret = -ENOMEM;
      goto fail;
    }
  } else if ((ret = ask_libvirt(lv, dom, out, reason, reason_len)) < 0) {
    goto fail;
  }
  out->vcpu_tids = calloc((size_t)out->max_vcpus, sizeof(pid_t));
  if (out->vcpu_tids == NULL) {
    snprintf(reason, reason_len, "out of memory");
    ret = -ENOMEM;
    goto fail;
  }
  char why[384];
  int found = vr_vcpu_threads_find(lv->run_path, lv->proc_path, out->name,
                                   out->uuid, out->vcpu_tids,
                                   (size_t)out->max_vcpus, why, sizeof(why));
  if (found <= 0) {
    snprintf(reason, reason_len, "%s", why);
    ret = -ESRCH;
    goto fail;
  }
  snapshot_other_threads(lv, dom, same, out);
  return 0;
fail:
  vr_domain_clear(out);
  return ret;
}

/* snapshot(), with a domain whose threads cannot be found reported once. */
static int snapshot_checked(vr_libvirt *lv, virDomainPtr dom,
                            const vr_domain *same, vr_domain *out, char *reason,
                            size_t reason_len) {
  char uuid[VIR_UUID_STRING_BUFLEN] = "";
  virDomainGetUUIDString(dom, uuid);
  int ret = snapshot(lv, dom, same, out, reason, reason_len);
  if (ret == -ESRCH && skip_note(lv, uuid, false))
    VR_WARNING("domain %s: cannot find its vCPU threads (%s); skipping it. "
               "Only QEMU domains of the local libvirtd are supported; check "
               "that LibvirtRunPath (%s) and ProcPath (%s) are right and "
               "readable",
               virDomainGetName(dom), reason, lv->run_path, lv->proc_path);
  else if (ret == 0)
    skip_note(lv, uuid, true);
  return ret;
}

static int compare_by_uuid(const void *a, const void *b) {
  const vr_domain *const *x = a, *const *y = b;
  return strcmp((*x)->uuid, (*y)->uuid);
}

/* The snapshot in the sorted by_uuid[0..n) of the same run (UUID and id) of
 * the domain UUID, or NULL. */
static const vr_domain *same_run(const vr_domain *const *by_uuid, size_t n,
                                 const char *uuid, int id) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(by_uuid[mid]->uuid, uuid);
    if (c == 0)
      return by_uuid[mid]->id == id ? by_uuid[mid] : NULL;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

int vr_libvirt_list(vr_libvirt *lv, const vr_domain_filter *filter,
                    vr_domain_list *out, char *reason, size_t reason_len) {
  return vr_libvirt_list_known(lv, filter, NULL, out, reason, reason_len);
}

int vr_libvirt_list_known(vr_libvirt *lv, const vr_domain_filter *filter,
                          const vr_domain_list *known, vr_domain_list *out,
                          char *reason, size_t reason_len) {
  virDomainPtr *doms = NULL;
  const vr_domain **by_uuid = NULL;
  size_t n_known = known ? known->count : 0;
  int ret = 0;
  memset(out, 0, sizeof(*out));
  virConnectPtr c = vr_libvirt_conn_get(lv);
  if (c == NULL) {
    snprintf(reason, reason_len, "not connected to %s", lv->uri);
    return -ENOTCONN;
  }
  int n = virConnectListAllDomains(c, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
  if (n < 0) {
    snprintf(reason, reason_len, "cannot list domains on %s: %s", lv->uri,
             vr_libvirt_last_error());
    ret = -EIO;
    goto out;
  }
  out->domains = calloc(n > 0 ? (size_t)n : 1, sizeof(*out->domains));
  by_uuid = calloc(n_known ? n_known : 1, sizeof(*by_uuid));
  if (out->domains == NULL || by_uuid == NULL) {
    snprintf(reason, reason_len, "out of memory");
    ret = -ENOMEM;
    goto out;
  }
  /* Sorted once, searched per domain: no O(domains^2) at hundreds. */
  for (size_t k = 0; k < n_known; k++)
    by_uuid[k] = &known->domains[k];
  qsort(by_uuid, n_known, sizeof(*by_uuid), compare_by_uuid);
  for (int i = 0; i < n; i++) {
    char why[512], uuid[VIR_UUID_STRING_BUFLEN] = "";
    const char *name = virDomainGetName(doms[i]);
    if (name == NULL || !vr_domain_filter_match(filter, name))
      continue;
    const vr_domain *same = NULL;
    if (n_known && virDomainGetUUIDString(doms[i], uuid) == 0)
      same = same_run(by_uuid, n_known, uuid, (int)virDomainGetID(doms[i]));
    /* A renamed domain is a changed one: ask again. */
    if (same && strcmp(same->name, name) != 0)
      same = NULL;
    int r = snapshot_checked(lv, doms[i], same, &out->domains[out->count], why,
                             sizeof(why));
    if (r == 0)
      out->count++;
    else if (r != -ESRCH && r != -ENOENT) /* ENOENT: it stopped meanwhile */
      VR_WARNING("%s", why);
  }
out:
  for (int i = 0; doms != NULL && i < n; i++)
    virDomainFree(doms[i]);
  free(doms);
  free(by_uuid);
  virConnectClose(c);
  if (ret < 0)
    vr_domain_list_clear(out);
  return ret;
}

/* The filter is checked before the snapshot, as in vr_libvirt_list: an
 * event of a domain the operator left out costs no RPC beyond the lookup and
 * never logs about its threads. */
int vr_libvirt_get(vr_libvirt *lv, const vr_domain_filter *filter,
                   const char *uuid, vr_domain *out, char *reason,
                   size_t reason_len) {
  int ret;
  const char *name;
  memset(out, 0, sizeof(*out));
  virConnectPtr c = vr_libvirt_conn_get(lv);
  if (c == NULL) {
    snprintf(reason, reason_len, "not connected to %s", lv->uri);
    return -ENOTCONN;
  }
  virDomainPtr dom = virDomainLookupByUUIDString(c, uuid);
  if (dom == NULL) {
    ret = domain_error("cannot look it up", uuid, reason, reason_len);
  } else if ((name = virDomainGetName(dom)) == NULL ||
             !vr_domain_filter_match(filter, name)) {
    snprintf(reason, reason_len, "domain %s is not selected by Domain",
             name ? name : uuid);
    ret = -ENOENT;
  } else if (virDomainIsActive(dom) != 1) {
    snprintf(reason, reason_len, "domain %s is not running", uuid);
    ret = -ENOENT;
  } else {
    ret = snapshot_checked(lv, dom, NULL, out, reason, reason_len);
  }
  if (dom != NULL)
    virDomainFree(dom);
  virConnectClose(c);
  return ret;
}
