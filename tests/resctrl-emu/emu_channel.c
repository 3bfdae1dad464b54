/* SPDX-License-Identifier: MIT */
/* The control channel: a FIFO outside the mount, one line per setting.
 *
 * Why a FIFO read both by a thread and before every FUSE operation: a
 * writer (`echo ... > ctl`, or write(2) from C) returns once its line sits in
 * the pipe, and the next operation on the mount drains the pipe before it is
 * answered, so a value written and then read is always seen, with no
 * acknowledgement to wait for. The thread only keeps the pipe from filling
 * while nobody touches the mount. The emulator holds the FIFO open for
 * reading and writing, so writers never block on open and it never sees
 * end-of-file. Lines longer than PIPE_BUF may interleave with other writers. */
#include "emu_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static pthread_t control_thread;
static int stop_pipe[2] = {-1, -1};
static bool thread_running;

static void apply_line(struct emu_state *s, char *line) {
  size_t n = strlen(line);
  if (n > 0 && line[n - 1] == '\r')
    line[--n] = '\0';
  if (strspn(line, " \t") == n || line[0] == '#')
    return;
  char err[256];
  if (emu_control_line(&s->model, line, err, sizeof(err)) != 0)
    fprintf(stderr, "resctrl-emu: control: %s: %s\n", line, err);
}

void emu_control_drain(struct emu_state *s) {
  if (s->control_fd < 0)
    return;
  for (;;) {
    size_t room = sizeof(s->pending) - s->pending_len - 1;
    if (room == 0) {
      fprintf(stderr, "resctrl-emu: control: line too long, dropped\n");
      s->pending_len = 0;
      room = sizeof(s->pending) - 1;
    }
    ssize_t got = read(s->control_fd, s->pending + s->pending_len, room);
    if (got <= 0)
      break; /* EAGAIN: nothing more waiting */
    s->pending_len += (size_t)got;
    s->pending[s->pending_len] = '\0';
    char *start = s->pending;
    char *nl;
    while ((nl = strchr(start, '\n')) != NULL) {
      *nl = '\0';
      apply_line(s, start);
      start = nl + 1;
    }
    s->pending_len -= (size_t)(start - s->pending);
    memmove(s->pending, start, s->pending_len);
  }
}

/* Creates the FIFO (or reuses one already there) and opens it. */
int emu_control_open(struct emu_state *s, const char *path) {
  struct stat st;
  if (mkfifo(path, 0600) != 0 && errno != EEXIST)
    return -errno;
  if (stat(path, &st) != 0)
    return -errno;
  if (!S_ISFIFO(st.st_mode))
    return -EEXIST;
  int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  s->control_fd = fd;
  return 0;
}

static void *control_main(void *arg) {
  struct emu_state *s = arg;
  struct pollfd fds[2] = {{.fd = s->control_fd, .events = POLLIN},
                          {.fd = stop_pipe[0], .events = POLLIN}};
  for (;;) {
    if (poll(fds, 2, -1) < 0 && errno != EINTR)
      break;
    if (fds[1].revents)
      break;
    if (fds[0].revents) {
      pthread_mutex_lock(&s->lock);
      emu_control_drain(s);
      pthread_mutex_unlock(&s->lock);
    }
  }
  return NULL;
}

int emu_control_thread_start(struct emu_state *s) {
  if (s->control_fd < 0)
    return 0;
  if (pipe2(stop_pipe, O_CLOEXEC) != 0)
    return -errno;
  int ret = pthread_create(&control_thread, NULL, control_main, s);
  if (ret)
    return -ret;
  thread_running = true;
  return 0;
}

void emu_control_thread_stop(void) {
  if (!thread_running)
    return;
  if (write(stop_pipe[1], "x", 1) < 0)
    perror("resctrl-emu: stop control thread");
  pthread_join(control_thread, NULL);
  thread_running = false;
  close(stop_pipe[0]);
  close(stop_pipe[1]);
}
