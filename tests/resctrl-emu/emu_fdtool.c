/* SPDX-License-Identifier: MIT */
/* emu-fdtool: runs file system calls for the emulator's shell tests and
 * prints one line per step: "ok", the text read, or the errno's name, so
 * tests compare exact errnos rather than localized messages.
 *
 * Steps (each consumes its arguments):
 *   mkdir PATH | rmdir PATH | unlink PATH | create PATH | symlink PATH
 *   rename FROM TO
 *   openw PATH            open for writing only (then close)
 *   write PATH TEXT       one write(2) of TEXT + "\n" (open O_WRONLY|O_TRUNC)
 *   writen PATH N         one write(2) of N bytes "1,1,...", no newline
 *   keep PATH             open PATH read-only and keep the fd
 *   pread                 pread(kept fd, offset 0): the text, newline dropped
 *   ctl FIFO LINE         write LINE + "\n" to the control FIFO
 *   selfin PATH           "yes" if this process's tid is listed in PATH
 *   sleepms N
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *errno_name(int e) {
  static const struct {
    int e;
    const char *name;
  } names[] = {
      {EPERM, "EPERM"},     {ENOENT, "ENOENT"},     {ESRCH, "ESRCH"},
      {EIO, "EIO"},         {E2BIG, "E2BIG"},       {EACCES, "EACCES"},
      {EBUSY, "EBUSY"},     {EEXIST, "EEXIST"},     {ENODEV, "ENODEV"},
      {ENOTDIR, "ENOTDIR"}, {EISDIR, "EISDIR"},     {EINVAL, "EINVAL"},
      {ENOSPC, "ENOSPC"},   {ENOSYS, "ENOSYS"},     {ENOTEMPTY, "ENOTEMPTY"},
      {EXDEV, "EXDEV"},     {ENOTCONN, "ENOTCONN"},
  };
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (names[i].e == e)
      return names[i].name;
  return "EOTHER";
}

static void result(int ret) {
  if (ret == 0)
    puts("ok");
  else
    puts(errno_name(errno));
}

static int write_text(const char *path, const char *text, int flags) {
  int fd = open(path, flags);
  if (fd < 0)
    return -1;
  size_t len = strlen(text);
  char *buf = malloc(len + 2);
  if (!buf) {
    close(fd);
    return -1;
  }
  memcpy(buf, text, len);
  buf[len] = '\n';
  ssize_t n = write(fd, buf, len + 1);
  int saved = errno;
  free(buf);
  close(fd);
  errno = saved;
  return n == (ssize_t)(len + 1) ? 0 : -1;
}

static int write_n(const char *path, long n) {
  int fd = open(path, O_WRONLY);
  if (fd < 0)
    return -1;
  char *buf = malloc((size_t)n);
  if (!buf) {
    close(fd);
    return -1;
  }
  for (long i = 0; i < n; i++)
    buf[i] = i % 2 ? ',' : '1';
  ssize_t w = write(fd, buf, (size_t)n);
  int saved = errno;
  free(buf);
  close(fd);
  errno = saved;
  return w == n ? 0 : -1;
}

static void do_pread(int fd) {
  char buf[65536];
  ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
  if (n < 0) {
    puts(errno_name(errno));
    return;
  }
  buf[n] = '\0';
  if (n > 0 && buf[n - 1] == '\n')
    buf[n - 1] = '\0';
  puts(buf);
}

static void self_in(const char *path) {
  char buf[1 << 16];
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    puts(errno_name(errno));
    return;
  }
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n < 0) {
    puts(errno_name(errno));
    return;
  }
  buf[n] = '\0';
  long self = (long)getpid();
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
    if (atol(line) == self) {
      puts("yes");
      return;
    }
  }
  puts("no");
}

static void sleep_ms(long ms) {
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
  nanosleep(&ts, NULL);
}

int main(int argc, char **argv) {
  int kept = -1;
  int i = 1;
  setvbuf(stdout, NULL, _IOLBF, 0);
#define NEED(n)                                                                \
  do {                                                                         \
    if (i + (n) >= argc) {                                                     \
      fprintf(stderr, "emu-fdtool: %s needs %d argument(s)\n", argv[i], (n));  \
      return 2;                                                                \
    }                                                                          \
  } while (0)
  while (i < argc) {
    const char *op = argv[i];
    if (strcmp(op, "mkdir") == 0) {
      NEED(1);
      result(mkdir(argv[i + 1], 0755));
      i += 2;
    } else if (strcmp(op, "rmdir") == 0) {
      NEED(1);
      result(rmdir(argv[i + 1]));
      i += 2;
    } else if (strcmp(op, "unlink") == 0) {
      NEED(1);
      result(unlink(argv[i + 1]));
      i += 2;
    } else if (strcmp(op, "symlink") == 0) {
      NEED(1);
      result(symlink("/tmp", argv[i + 1]));
      i += 2;
    } else if (strcmp(op, "create") == 0) {
      NEED(1);
      int fd = open(argv[i + 1], O_WRONLY | O_CREAT | O_EXCL, 0644);
      result(fd < 0 ? -1 : close(fd));
      i += 2;
    } else if (strcmp(op, "rename") == 0) {
      NEED(2);
      result(rename(argv[i + 1], argv[i + 2]));
      i += 3;
    } else if (strcmp(op, "openw") == 0) {
      NEED(1);
      int fd = open(argv[i + 1], O_WRONLY);
      result(fd < 0 ? -1 : close(fd));
      i += 2;
    } else if (strcmp(op, "write") == 0) {
      NEED(2);
      result(write_text(argv[i + 1], argv[i + 2], O_WRONLY | O_TRUNC));
      i += 3;
    } else if (strcmp(op, "writen") == 0) {
      NEED(2);
      result(write_n(argv[i + 1], atol(argv[i + 2])));
      i += 3;
    } else if (strcmp(op, "keep") == 0) {
      NEED(1);
      if (kept >= 0)
        close(kept);
      kept = open(argv[i + 1], O_RDONLY);
      result(kept < 0 ? -1 : 0);
      i += 2;
    } else if (strcmp(op, "pread") == 0) {
      if (kept < 0) {
        fprintf(stderr, "emu-fdtool: pread without keep\n");
        return 2;
      }
      do_pread(kept);
      i += 1;
    } else if (strcmp(op, "ctl") == 0) {
      NEED(2);
      result(write_text(argv[i + 1], argv[i + 2], O_WRONLY));
      i += 3;
    } else if (strcmp(op, "selfin") == 0) {
      NEED(1);
      self_in(argv[i + 1]);
      i += 2;
    } else if (strcmp(op, "sleepms") == 0) {
      NEED(1);
      sleep_ms(atol(argv[i + 1]));
      i += 2;
    } else {
      fprintf(stderr, "emu-fdtool: unknown step %s\n", op);
      return 2;
    }
  }
  if (kept >= 0)
    close(kept);
  return 0;
}
