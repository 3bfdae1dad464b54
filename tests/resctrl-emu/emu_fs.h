/* SPDX-License-Identifier: MIT */
/* The emulator's shared state and the glue between FUSE, the model and the
 * control channel. */
#ifndef EMU_FS_H
#define EMU_FS_H

#define FUSE_USE_VERSION 31
#include <fuse.h>
#include <pthread.h>

#include "emu_model.h"

struct emu_state {
  pthread_mutex_t lock; /* one lock: FUSE ops and the control thread */
  struct emu_model model;
  int control_fd;     /* -1 without --control */
  char pending[8192]; /* a control line not yet complete */
  size_t pending_len;
};

extern const struct fuse_operations emu_fuse_ops;

uint64_t emu_now_ms(void);

/* emu_channel.c: applies every complete line waiting in the control FIFO;
 * called with the lock held, before each FUSE operation is answered. */
void emu_control_drain(struct emu_state *s);
int emu_control_open(struct emu_state *s, const char *path);
int emu_control_thread_start(struct emu_state *s);
void emu_control_thread_stop(void);

#endif
