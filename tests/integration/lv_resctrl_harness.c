/* SPDX-License-Identifier: MIT */
/*
 * lv-resctrl-harness: makes resctrl groups exactly as libvirt's QEMU driver
 * does, by calling libvirt's own resctrl functions. libvirtd refuses
 * <cachetune> on TCG guests ("cachetune is only supported for KVM
 * domains"), so the tests cannot have libvirtd make them; libvirt.so
 * exports the functions as LIBVIRT_PRIVATE_<version> symbols without a
 * header, so the prototypes below are declared here, as libvirt's
 * src/util/virresctrl.h, src/hypervisor/domain_driver.h and
 * src/util/virbitmap.h declare them, and main() refuses a libvirt whose
 * headers tests/integration/check-libvirt-private-api did not compare with
 * them (lv_private_api_checked).
 * libvirt's resctrl path is fixed (SYSFS_RESCTRL_PATH, /sys/fs/resctrl):
 * run it in a mount namespace where the emulator is mounted there.
 *
 *   lv-resctrl-harness check-names
 *       compares libvirt_groups.c with libvirt's own machine name and
 *       virBitmapFormat; exit 1 on any difference
 *   lv-resctrl-harness monitor DOMAIN_ID DOMAIN_NAME VCPUS TID...
 *       a <cachetune vcpus=VCPUS> holding only <monitor vcpus=VCPUS>: the
 *       steps of qemuProcessResctrlCreate (virResctrlAllocCreate of an
 *       allocation without entries only determines its path, the root;
 *       virResctrlMonitorCreate) and of qemuProcessSetupVcpu
 *       (virResctrlMonitorAddPID per vCPU thread); prints the group's path
 *       relative to the root
 */
#include "resctrl/libvirt_groups.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* libvirt's private API, as its headers declare it in every version of
 * lv_private_api_checked (check-libvirt-private-api reads this block, up to
 * the blank line). */
typedef struct _virResctrlAlloc virResctrlAlloc;
typedef struct _virResctrlMonitor virResctrlMonitor;
typedef struct _virBitmap virBitmap;
virResctrlAlloc *virResctrlAllocNew(void);
int virResctrlAllocSetID(virResctrlAlloc *alloc, const char *id);
int virResctrlAllocDeterminePath(virResctrlAlloc *alloc,
                                 const char *machinename);
virResctrlMonitor *virResctrlMonitorNew(void);
void virResctrlMonitorSetAlloc(virResctrlMonitor *monitor,
                               virResctrlAlloc *alloc);
int virResctrlMonitorSetID(virResctrlMonitor *monitor, const char *id);
int virResctrlMonitorCreate(virResctrlMonitor *monitor,
                            const char *machinename);
int virResctrlMonitorAddPID(virResctrlMonitor *monitor, pid_t pid);
char *virDomainDriverGenerateMachineName(const char *drivername,
                                         const char *root, int id,
                                         const char *name, bool privileged);
virBitmap *virBitmapNew(size_t size);
int virBitmapSetBit(virBitmap *bitmap, size_t b);
char *virBitmapFormat(virBitmap *bitmap);
void virBitmapFree(virBitmap *bitmap);

/* The libvirt versions (major * 1000 + minor, as virGetVersion's value / 1000)
 * whose own source check-libvirt-private-api compared with the prototypes
 * above and found the same: 9.0 (Debian 12, 9.0.0-4+deb12u2) and 11.3
 * (Debian 13, 11.3.0-3+deb13u3). A micro release keeps the private ABI. */
static const unsigned long lv_private_api_checked[] = {9000, 11003};

static bool lv_version_checked(unsigned long version) {
  for (size_t i = 0;
       i < sizeof(lv_private_api_checked) / sizeof(lv_private_api_checked[0]);
       i++)
    if (version / 1000 == lv_private_api_checked[i])
      return true;
  return false;
}

/* libvirt's id of a vCPU set: "vcpus_" + virBitmapFormat, as
 * virDomainResctrlNew / virDomainResctrlMonDefParse make it. */
static char *libvirt_id(const vr_cpuset *set) {
  virBitmap *b = virBitmapNew(VR_MAX_VCPUS);
  char *text = NULL, *id = NULL;
  if (!b)
    return NULL;
  for (int v = vr_cpuset_next(set, 0); v >= 0;
       v = vr_cpuset_next(set, (unsigned)v + 1))
    if (virBitmapSetBit(b, (size_t)v) < 0)
      goto out;
  text = virBitmapFormat(b);
  size_t len = text ? strlen(text) + 8 : 0;
  if (text && (id = malloc(len)))
    snprintf(id, len, "vcpus_%s", text);
out:
  free(text);
  virBitmapFree(b);
  return id;
}

static int check_names(void) {
  static const char *const names[] = {
      "vm1",           "my_vm.test", "..a--b..", "a.-b",
      "a-_-b",         "a_-b",       "___",      "a.-_-b",
      "x-_.y",         "-_-a",       "vcpus",    "\xc3\xa9t\xc3\xa9",
      "UPPER-lower.9", "a b\tc"};
  int bad = 0;
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    for (int id = 1; id < 200000; id = id * 37 + 1) {
      char ours[128], name[160];
      /* Long names too: the 64-character cut. */
      snprintf(name, sizeof(name), "%s%s%s", names[i],
               id > 1000 ? "-abcdefghijklmnopqrstuvwxyz_0123456789." : "",
               id > 1000 ? names[i] : "");
      char *theirs =
          virDomainDriverGenerateMachineName("qemu", NULL, id, name, true);
      if (vr_lv_machine_name(id, name, ours, sizeof(ours)) < 0 || !theirs ||
          strcmp(ours, theirs) != 0) {
        printf("machine name of %d \"%s\": ours \"%s\", libvirt's \"%s\"\n", id,
               name, ours, theirs ? theirs : "(null)");
        bad++;
      }
      free(theirs);
    }
  }
  unsigned seed = 1;
  for (int t = 0; t < 5000; t++) {
    vr_cpuset set;
    vr_cpuset_clear(&set);
    for (unsigned v = 0; v < 80; v++) {
      seed = seed * 1103515245u + 12345u;
      if ((seed >> 16) % 3 == 0)
        vr_cpuset_add(&set, v);
    }
    if (vr_cpuset_is_empty(&set))
      continue;
    char ours[512] = "vcpus_";
    char *theirs = libvirt_id(&set);
    vr_lv_cpuset_format(&set, ours + 6, sizeof(ours) - 6);
    if (!theirs || strcmp(ours, theirs) != 0) {
      printf("set: ours \"%s\", libvirt's \"%s\"\n", ours,
             theirs ? theirs : "(null)");
      bad++;
    }
    free(theirs);
  }
  printf("check-names: %d difference(s)\n", bad);
  return bad ? 1 : 0;
}

static int make_monitor(int argc, char **argv) {
  int domain_id = atoi(argv[0]);
  char reason[128];
  vr_cpuset set;
  if (vr_cpuset_parse(argv[2], VR_MAX_VCPUS, &set, reason, sizeof(reason)) <
      0) {
    fprintf(stderr, "bad VCPUS: %s\n", reason);
    return 2;
  }
  char *machine = virDomainDriverGenerateMachineName("qemu", NULL, domain_id,
                                                     argv[1], true);
  char *id = libvirt_id(&set);
  virResctrlAlloc *alloc = virResctrlAllocNew();
  virResctrlMonitor *mon = virResctrlMonitorNew();
  int rc = 1;
  if (!machine || !id || !alloc || !mon)
    goto out;
  /* The monitor's vCPUs equal the cachetune's: libvirt gives it the
   * allocation's id; the allocation has no entries, so its path is the
   * root and the monitor goes to <root>/mon_groups. */
  if (virResctrlAllocSetID(alloc, id) < 0 ||
      virResctrlAllocDeterminePath(alloc, machine) < 0)
    goto out;
  virResctrlMonitorSetAlloc(mon, alloc);
  if (virResctrlMonitorSetID(mon, id) < 0 ||
      virResctrlMonitorCreate(mon, machine) < 0)
    goto out;
  for (int i = 3; i < argc; i++)
    if (virResctrlMonitorAddPID(mon, (pid_t)atoi(argv[i])) < 0)
      goto out;
  printf("mon_groups/%s-%s\n", machine, id);
  rc = 0;
out:
  if (rc)
    fprintf(stderr, "libvirt: %s\n",
            virGetLastErrorMessage() ? virGetLastErrorMessage() : "?");
  free(machine);
  free(id);
  /* alloc and mon are virObjects; the process ends here. */
  return rc;
}

int main(int argc, char **argv) {
  unsigned long version = 0;
  /* Another libvirt's private functions may take other arguments: calling
   * them through the prototypes above would be undefined. */
  if (virGetVersion(&version, NULL, NULL) < 0 || !lv_version_checked(version)) {
    fprintf(stderr,
            "lv-resctrl-harness: libvirt %lu.%lu.%lu is installed, which is "
            "not on the harness's allow-list (lv_private_api_checked in "
            "tests/integration/lv_resctrl_harness.c): run "
            "tests/integration/check-libvirt-private-api --source "
            "<its unpacked source> (or with its Debian suite), and add it "
            "there if every prototype is the same\n",
            version / 1000000, version / 1000 % 1000, version % 1000);
    return 2;
  }
  if (argc == 2 && strcmp(argv[1], "check-names") == 0)
    return check_names();
  if (argc >= 5 && strcmp(argv[1], "monitor") == 0)
    return make_monitor(argc - 2, argv + 2);
  fprintf(stderr,
          "usage: %s check-names | monitor DOMAIN_ID DOMAIN_NAME "
          "VCPUS TID...\n",
          argv[0]);
  return 2;
}
