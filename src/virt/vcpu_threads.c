/* SPDX-License-Identifier: MIT */
/**
 * vCPU thread lookup: see vcpu_threads.h.
 */
#include "virt/vcpu_threads.h"

#include "base/small_file.h"
#include "base/text.h"
#include "virt/qemu_pid.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

/* Largest status XML we read; libvirt's are ~10 KiB for small guests. */
#define VR_STATUS_XML_MAX (4 * 1024 * 1024)

/* Parses a decimal number in [0, max] from s..end. Returns it or -1. */
static long parse_decimal(const char *s, const char **end, long max) {
  uint64_t v;
  if (vr_parse_decimal(s, SIZE_MAX, end, (uint64_t)max, &v) < 0)
    return -1;
  return (long)v;
}

int vr_vcpu_parse_comm(const char *comm) {
  const char *p;
  if (comm == NULL || strncmp(comm, "CPU ", 4) != 0)
    return -1;
  long id = parse_decimal(comm + 4, &p, INT_MAX);
  if (id < 0)
    return -1;
  /* QEMU: "CPU %d/KVM" (accel kvm), "CPU %d/TCG" (accel tcg). */
  if (strncmp(p, "/KVM", 4) != 0 && strncmp(p, "/TCG", 4) != 0)
    return -1;
  p += 4;
  if (*p == '\n')
    p++;
  return *p == '\0' ? (int)id : -1;
}

/* Scans <proc_path>/<pid>/task/ * /comm. tids[i] receives the thread id of
 * vCPU i for i < n (0 where no thread has that name).
 * Returns the number of vCPU threads found (>= 0), or a negative errno. */
static int threads_from_proc(const char *proc_path, pid_t pid, pid_t *tids,
                             size_t n, char *reason, size_t reason_len) {
  char dir[PATH_MAX];
  int found = 0;

  memset(tids, 0, n * sizeof(*tids));
  if (snprintf(dir, sizeof(dir), "%s/%d/task", proc_path, (int)pid) >=
      (int)sizeof(dir)) {
    snprintf(reason, reason_len, "path too long: %s", proc_path);
    return -ENAMETOOLONG;
  }
  DIR *d = opendir(dir);
  if (d == NULL) {
    int err = errno;
    snprintf(reason, reason_len, "cannot open %s: %s", dir, strerror(err));
    return -err;
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    const char *end;
    char path[PATH_MAX];
    char comm[64];
    long tid = parse_decimal(de->d_name, &end, INT_MAX);
    if (tid <= 0 || *end != '\0')
      continue;
    if (snprintf(path, sizeof(path), "%s/%s/comm", dir, de->d_name) >=
        (int)sizeof(path))
      continue;
    /* A thread may exit between readdir and open: not an error. */
    if (vr_read_small_file_at(AT_FDCWD, path, comm, sizeof(comm)) < 0)
      continue;
    int id = vr_vcpu_parse_comm(comm);
    if (id < 0 || (size_t)id >= n || tids[id] != 0)
      continue;
    tids[id] = (pid_t)tid;
    found++;
  }
  closedir(d);
  return found;
}

/* Reads an integer attribute; -1 when absent or not a number. */
static long xml_long_prop(xmlNodePtr node, const char *attr) {
  xmlChar *s = xmlGetProp(node, (const xmlChar *)attr);
  const char *end;
  long v = -1;
  if (s != NULL) {
    v = parse_decimal((const char *)s, &end, INT_MAX);
    if (v >= 0 && *end != '\0')
      v = -1;
    xmlFree(s);
  }
  return v;
}

static xmlNodePtr xml_child(xmlNodePtr parent, const char *name) {
  for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE &&
        xmlStrcmp(c->name, (const xmlChar *)name) == 0)
      return c;
  return NULL;
}

int vr_vcpu_threads_from_status_xml(const char *xml, size_t len, pid_t *tids,
                                    size_t n, char *reason, size_t reason_len) {
  int found = 0;

  memset(tids, 0, n * sizeof(*tids));
  if (len > INT_MAX) {
    snprintf(reason, reason_len, "status XML too large");
    return -EFBIG;
  }
  /* No network, no entity expansion: the file is libvirt's, but we parse it
   * as root and owe it no trust. */
  xmlDocPtr doc =
      xmlReadMemory(xml, (int)len, "status.xml", NULL,
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == NULL) {
    snprintf(reason, reason_len, "status XML is not well-formed");
    return -EINVAL;
  }
  xmlNodePtr root = xmlDocGetRootElement(doc);
  /* libvirt's QEMU driver writes <domstatus><vcpus><vcpu id pid/>. */
  xmlNodePtr vcpus = NULL;
  if (root != NULL && xmlStrcmp(root->name, (const xmlChar *)"domstatus") == 0)
    vcpus = xml_child(root, "vcpus");
  if (vcpus == NULL) {
    snprintf(reason, reason_len, "status XML has no <domstatus><vcpus>");
    found = -ENODATA;
    goto out;
  }
  for (xmlNodePtr c = vcpus->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE ||
        xmlStrcmp(c->name, (const xmlChar *)"vcpu") != 0)
      continue;
    long id = xml_long_prop(c, "id");
    long pid = xml_long_prop(c, "pid");
    if (id < 0 || pid <= 0 || (size_t)id >= n || tids[id] != 0)
      continue;
    tids[id] = (pid_t)pid;
    found++;
  }
out:
  xmlFreeDoc(doc);
  return found;
}

/* Reads <run_path>/<name>.xml and parses its vCPU pids into tids. */
static int threads_from_status_file(const char *run_path, const char *name,
                                    pid_t *tids, size_t n, char *reason,
                                    size_t reason_len) {
  char path[PATH_MAX];
  char *buf;
  int ret;

  if (snprintf(path, sizeof(path), "%s/%s.xml", run_path, name) >=
      (int)sizeof(path)) {
    snprintf(reason, reason_len, "path too long: %s/%s.xml", run_path, name);
    return -ENAMETOOLONG;
  }
  /* One byte more than the limit, so that a file of the limit's size or
   * larger reads as exactly VR_STATUS_XML_MAX bytes and is refused. */
  buf = malloc(VR_STATUS_XML_MAX + 1);
  if (buf == NULL) {
    snprintf(reason, reason_len, "out of memory");
    return -ENOMEM;
  }
  ssize_t len =
      vr_read_small_file_at(AT_FDCWD, path, buf, VR_STATUS_XML_MAX + 1);
  if (len < 0) {
    ret = (int)len;
    snprintf(reason, reason_len, "cannot read status XML %s: %s", path,
             strerror(-ret));
  } else if (len == VR_STATUS_XML_MAX) {
    ret = -EIO;
    snprintf(reason, reason_len, "cannot read status XML %s (too large)", path);
  } else {
    ret = vr_vcpu_threads_from_status_xml(buf, (size_t)len, tids, n, reason,
                                          reason_len);
  }
  free(buf);
  return ret;
}

int vr_vcpu_threads_find(const char *run_path, const char *proc_path,
                         const char *name, const char *uuid, pid_t *tids,
                         size_t n, char *reason, size_t reason_len) {
  pid_t pid = 0;
  int ret = vr_qemu_pidfile_read(run_path, name, &pid, reason, reason_len);
  if (ret < 0)
    return ret;
  /* Another process's threads are never taken; one we cannot look at in
   * /proc leaves the status XML, which names the vCPU threads itself. */
  int found = vr_qemu_pid_check_uuid(proc_path, pid, uuid, reason, reason_len);
  if (found == -ESRCH || found == -ENOMEM)
    return found;
  if (found == 0)
    found = threads_from_proc(proc_path, pid, tids, n, reason, reason_len);
  else {
    found = 0;
    memset(tids, 0, n * sizeof(*tids));
  }
  if (found > 0)
    return found;
  /* Names missing (a QEMU that does not name its threads, a /proc we may not
   * read): libvirt's status XML records every online vCPU's thread id. tids
   * is all zero here (from_proc clears it first and found none), and the
   * XML parse clears it again and writes only what it counts, so it may
   * fill tids directly. */
  char why[PATH_MAX + 256];
  int xfound =
      threads_from_status_file(run_path, name, tids, n, why, sizeof(why));
  if (xfound > 0) {
    found = xfound;
  } else if (found == 0) {
    snprintf(reason, reason_len, "QEMU pid %d has no vCPU threads in %s and %s",
             (int)pid, proc_path,
             xfound < 0 ? why : "the status XML lists none");
    found = xfound < 0 ? xfound : -ESRCH;
  }
  /* else: /proc failed and so did the XML: keep /proc's reason. */
  return found;
}

/* The name (comm) of thread tid of domain name's QEMU. <pid>/task/<tid>
 * exists only for a thread of that very process, so a reused id in another
 * process fails here: -ESRCH with a reason. */
static int read_qemu_thread_comm(const char *run_path, const char *proc_path,
                                 const char *name, const char *uuid, pid_t tid,
                                 char *comm, size_t comm_len, char *reason,
                                 size_t reason_len) {
  pid_t pid = 0;
  char path[PATH_MAX];
  int rc = vr_qemu_pid_read(run_path, proc_path, name, uuid, &pid, reason,
                            reason_len);
  if (rc < 0)
    return rc;
  if (snprintf(path, sizeof(path), "%s/%d/task/%d/comm", proc_path, (int)pid,
               (int)tid) >= (int)sizeof(path) ||
      vr_read_small_file_at(AT_FDCWD, path, comm, comm_len) < 0) {
    snprintf(reason, reason_len,
             "thread %d is no longer a thread of QEMU (pid %d)", (int)tid,
             (int)pid);
    return -ESRCH;
  }
  return 0;
}

int vr_vcpu_thread_verify(const char *run_path, const char *proc_path,
                          const char *name, const char *uuid, pid_t tid,
                          unsigned vcpu, char *reason, size_t reason_len) {
  char comm[64];
  int rc = read_qemu_thread_comm(run_path, proc_path, name, uuid, tid, comm,
                                 sizeof(comm), reason, reason_len);
  if (rc < 0)
    return rc;
  /* QEMU renames nothing, so another vCPU's name means a reused id; a name
   * that is no vCPU's (TCG's "ALL CPUs/TCG", a QEMU without thread names,
   * found through the status XML) proves nothing either way. */
  int id = vr_vcpu_parse_comm(comm);
  if (id >= 0 && (unsigned)id != vcpu) {
    snprintf(reason, reason_len, "thread %d is now QEMU's vCPU %d, not %u",
             (int)tid, id, vcpu);
    return -ESRCH;
  }
  return 0;
}

vr_thread_kind vr_thread_classify(const char *comm, unsigned *id) {
  const char *p;
  *id = 0;
  int vcpu = vr_vcpu_parse_comm(comm);
  if (vcpu >= 0) {
    *id = (unsigned)vcpu;
    return VR_THREAD_VCPU;
  }
  /* QEMU iothread.c: "IO %s" of the object's id; libvirt's are
   * "iothread%u" (qemuBuildIOThreadCommandLine). The kernel keeps 15
   * characters of a name, so ids up to 9999 are told apart. */
  if (comm && strncmp(comm, "IO iothread", 11) == 0) {
    long n = parse_decimal(comm + 11, &p, INT_MAX);
    if (n > 0 && (*p == '\0' || (*p == '\n' && p[1] == '\0'))) {
      *id = (unsigned)n;
      return VR_THREAD_IOTHREAD;
    }
  }
  return VR_THREAD_EMULATOR;
}

/* Appends one thread to *out. Returns 0 or -ENOMEM. */
static int push_thread(vr_qemu_thread **out, size_t *n, size_t *cap, pid_t tid,
                       vr_thread_kind kind, unsigned id) {
  if (*n == *cap) {
    size_t grown_cap = *cap ? *cap * 2 : 16;
    vr_qemu_thread *grown = realloc(*out, grown_cap * sizeof(*grown));
    if (!grown)
      return -ENOMEM;
    *out = grown;
    *cap = grown_cap;
  }
  (*out)[(*n)++] = (vr_qemu_thread){.tid = tid, .kind = kind, .id = id};
  return 0;
}

/* The source is /proc/<pid>/task/ * /comm, the names QEMU gives its threads:
 * libvirt's status XML records vCPU threads only (and iothreads' ids from
 * QMP query-iothreads, not its other threads), and its cgroup layout
 * (emulator/, vcpuN/, iothreadN/) exists only where libvirtd manages
 * cgroups. So a QEMU without names yields no classified thread. */
int vr_qemu_threads_find(const char *run_path, const char *proc_path,
                         const char *name, const char *uuid,
                         vr_qemu_thread **out, size_t *n, bool *named,
                         char *reason, size_t reason_len) {
  char dir[PATH_MAX];
  pid_t pid = 0;
  size_t cap = 0;
  int ret = 0;
  DIR *d = NULL;
  *out = NULL;
  *n = 0;
  *named = false;
  ret = vr_qemu_pid_read(run_path, proc_path, name, uuid, &pid, reason,
                         reason_len);
  if (ret < 0)
    goto out;
  if (snprintf(dir, sizeof(dir), "%s/%d/task", proc_path, (int)pid) >=
      (int)sizeof(dir)) {
    snprintf(reason, reason_len, "path too long: %s", proc_path);
    ret = -ENAMETOOLONG;
    goto out;
  }
  d = opendir(dir);
  if (d == NULL) {
    ret = -errno;
    snprintf(reason, reason_len, "cannot open %s: %s", dir, strerror(-ret));
    goto out;
  }
  struct dirent *de;
  while (ret == 0 && (de = readdir(d)) != NULL) {
    const char *end;
    char path[PATH_MAX], comm[64];
    unsigned id;
    long tid = parse_decimal(de->d_name, &end, INT_MAX);
    if (tid <= 0 || *end != '\0' ||
        snprintf(path, sizeof(path), "%s/%s/comm", dir, de->d_name) >=
            (int)sizeof(path) ||
        vr_read_small_file_at(AT_FDCWD, path, comm, sizeof(comm)) < 0)
      continue; /* a thread may exit between readdir and open */
    vr_thread_kind kind = vr_thread_classify(comm, &id);
    if (kind == VR_THREAD_VCPU) {
      *named = true;
      continue;
    }
    if (kind == VR_THREAD_IOTHREAD)
      *named = true;
    ret = push_thread(out, n, &cap, (pid_t)tid, kind, id);
  }
  if (ret < 0)
    snprintf(reason, reason_len, "out of memory");
out:
  if (d)
    closedir(d);
  if (ret < 0 || !*named) {
    free(*out);
    *out = NULL;
    *n = 0;
  }
  return ret;
}

int vr_qemu_thread_verify(const char *run_path, const char *proc_path,
                          const char *name, const char *uuid, pid_t tid,
                          vr_thread_kind kind, unsigned id, char *reason,
                          size_t reason_len) {
  char comm[64];
  unsigned now_id;
  int rc = read_qemu_thread_comm(run_path, proc_path, name, uuid, tid, comm,
                                 sizeof(comm), reason, reason_len);
  if (rc < 0)
    return rc;
  vr_thread_kind now = vr_thread_classify(comm, &now_id);
  if (now != kind || (kind == VR_THREAD_IOTHREAD && now_id != id)) {
    snprintf(reason, reason_len, "thread %d is now another kind of thread",
             (int)tid);
    return -ESRCH;
  }
  return 0;
}
