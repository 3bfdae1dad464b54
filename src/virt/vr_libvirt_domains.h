/* SPDX-License-Identifier: MIT */
/**
 * Snapshots of running domains through the connection (vr_libvirt.h):
 * each domain's max vCPUs, our metadata element and its QEMU threads
 * (vr_libvirt_domains.c). libvirt RPCs: call from the worker, never from
 * collectd's read callback.
 */
#ifndef VR_LIBVIRT_DOMAINS_H
#define VR_LIBVIRT_DOMAINS_H

#include "virt/vr_libvirt.h"

/* Snapshots every running domain that FILTER selects (NULL: all). Domains
 * whose vCPU threads cannot be found are logged once and left out.
 * Returns 0, or a negative errno (-ENOTCONN while disconnected). */
int vr_libvirt_list(vr_libvirt *lv, const vr_domain_filter *filter,
                    vr_domain_list *out, char *reason, size_t reason_len);

/* vr_libvirt_list, asking libvirt only about what KNOWN (an earlier list of
 * this connection, or NULL) does not tell: a domain listed there with the
 * same UUID and id keeps its vCPU count and metadata, and only its vCPU
 * threads are looked up again (locally, in /proc). One RPC for an
 * unchanged host, instead of two per domain. Sound only while the events
 * of the same connection report every metadata change: after a reconnect,
 * pass NULL. */
int vr_libvirt_list_known(vr_libvirt *lv, const vr_domain_filter *filter,
                          const vr_domain_list *known, vr_domain_list *out,
                          char *reason, size_t reason_len);

/* Snapshots one domain by UUID string, if FILTER (NULL: all) selects it.
 * Returns 0; -ENOENT when it is not running (or gone) or not selected;
 * -ESRCH when its threads cannot be found; or another negative errno. */
int vr_libvirt_get(vr_libvirt *lv, const vr_domain_filter *filter,
                   const char *uuid, vr_domain *out, char *reason,
                   size_t reason_len);

#endif /* VR_LIBVIRT_DOMAINS_H */
