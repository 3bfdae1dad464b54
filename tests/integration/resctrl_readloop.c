/* SPDX-License-Identifier: MIT */
/* Reads the root group's values N times through one reader, for
 * resctrl_syscalls.sh to count system calls under strace.
 * Usage: resctrl_readloop ROOT N FD_BUDGET */
#include "resctrl/resctrl.h"
#include "resctrl/resctrl_values.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  char reason[512];
  vr_resctrl *r;
  vr_resctrl_reader *rd;
  vr_resctrl_fd_budget budget = {0};
  if (argc != 4)
    return 2;
  long n = atol(argv[2]);
  budget.limit = (size_t)atol(argv[3]);
  if (vr_resctrl_open(argv[1], NULL, &r, reason, sizeof(reason)) != 0 ||
      vr_resctrl_reader_open(r, "", "", &budget, &rd, reason, sizeof(reason)) !=
          0) {
    fprintf(stderr, "resctrl_readloop: %s\n", reason);
    return 1;
  }
  size_t count = vr_resctrl_reader_count(rd);
  vr_resctrl_value *v = calloc(count, sizeof(*v));
  int rc = 0;
  for (long i = 0; i < n && rc == 0 && v; i++) {
    rc = vr_resctrl_reader_read(rd, v, count);
    /* A slot of an event the domain does not offer (PERF_PKG's
     * core_energy on an L3 domain) has no file and reads nothing. */
    for (size_t j = 0; j < count && rc == 0; j++)
      if (v[j].status != VR_READ_VALUE && v[j].status != VR_READ_NOT_MONITORED)
        rc = 1;
  }
  printf("values=%zu kept=%zu rc=%d\n", count, vr_resctrl_reader_kept_fds(rd),
         rc);
  free(v);
  vr_resctrl_reader_close(rd);
  vr_resctrl_close(r);
  return rc == 0 ? 0 : 1;
}
