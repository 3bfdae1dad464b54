/* SPDX-License-Identifier: MIT */
/* FUSE operations: the resctrl tree, its files and the errno of every
 * operation the kernel refuses. Paths are resolved afresh on every call, so
 * nothing is cached; open files keep the group's serial and read -ENODEV once
 * the group is gone (kernfs_fop_read_iter on a removed node). */
#include "emu_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu_nodes.h"

uint64_t emu_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct open_file {
  struct node node;
  uint64_t serial;     /* 0: not a group's file */
  uint64_t domain_gen; /* a value file's domain's generation at open */
  struct emu_buf snap;
  bool have_snap;
};

static struct emu_state *lock_state(void) {
  struct emu_state *s = fuse_get_context()->private_data;
  pthread_mutex_lock(&s->lock);
  emu_control_drain(s);
  return s;
}

static void unlock_state(struct emu_state *s) {
  pthread_mutex_unlock(&s->lock);
}

static void *emu_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
  (void)conn;
  /* Every read is answered afresh: no page cache, no attribute or entry
   * cache (resctrl files are generated on each read, like seq_file). */
  cfg->direct_io = 1;
  cfg->kernel_cache = 0;
  cfg->auto_cache = 0;
  cfg->entry_timeout = 0;
  cfg->attr_timeout = 0;
  cfg->negative_timeout = 0;
  return fuse_get_context()->private_data;
}

static void fill_stat(const struct node *n, struct stat *st) {
  memset(st, 0, sizeof(*st));
  if (node_is_dir(n->kind)) {
    st->st_mode = S_IFDIR | 0755;
    st->st_nlink = 2;
  } else {
    /* kernfs: writable resctrl files are 0644, the others 0444 */
    st->st_mode = S_IFREG | (node_is_writable(n->kind) ? 0644 : 0444);
    st->st_nlink = 1;
  }
  time_t t = time(NULL);
  st->st_atime = st->st_mtime = st->st_ctime = t;
}

static int emu_getattr(const char *path, struct stat *st,
                       struct fuse_file_info *fi) {
  struct emu_state *s = lock_state();
  struct node n;
  int ret = node_resolve(&s->model, path, &n);
  if (ret && fi && fi->fh) {
    n = ((struct open_file *)(uintptr_t)fi->fh)->node;
    ret = 0;
  }
  if (!ret)
    fill_stat(&n, st);
  unlock_state(s);
  return ret;
}

struct readdir_arg {
  void *buf;
  fuse_fill_dir_t filler;
};

static int readdir_cb(void *arg, const char *name, const struct node *child) {
  (void)child;
  struct readdir_arg *a = arg;
  return a->filler(a->buf, name, NULL, 0, 0) ? 1 : 0;
}

static int emu_readdir(const char *path, void *buf, fuse_fill_dir_t filler,
                       off_t off, struct fuse_file_info *fi,
                       enum fuse_readdir_flags flags) {
  (void)off;
  (void)fi;
  (void)flags;
  struct emu_state *s = lock_state();
  struct node n;
  int ret = node_resolve(&s->model, path, &n);
  if (!ret && !node_is_dir(n.kind))
    ret = -ENOTDIR;
  if (!ret) {
    struct readdir_arg a = {.buf = buf, .filler = filler};
    filler(buf, ".", NULL, 0, 0);
    filler(buf, "..", NULL, 0, 0);
    node_for_each_child(&s->model, &n, readdir_cb, &a);
  }
  unlock_state(s);
  return ret;
}

/* kernfs_fop_open(): opening a file without a write op for writing is
 * -EACCES. */
static int emu_open(const char *path, struct fuse_file_info *fi) {
  struct emu_state *s = lock_state();
  struct node n;
  int ret = node_resolve(&s->model, path, &n);
  if (!ret && node_is_dir(n.kind))
    ret = -EISDIR;
  if (!ret && (fi->flags & O_ACCMODE) != O_RDONLY && !node_is_writable(n.kind))
    ret = -EACCES;
  struct open_file *of = NULL;
  if (!ret) {
    of = calloc(1, sizeof(*of));
    if (!of)
      ret = -ENOMEM;
  }
  if (!ret) {
    of->node = n;
    of->serial = n.group ? n.group->serial : 0;
    if (n.kind == NODE_MON_VALUE)
      of->domain_gen = emu_domain_generation(&s->model, n.cache);
    fi->fh = (uintptr_t)of;
    fi->direct_io = 1;
    fi->keep_cache = 0;
    /* A removal armed by the control channel happens now, after the open
     * succeeded and before any read: the open file then reads -ENODEV. */
    if (n.kind == NODE_TASKS && of->serial &&
        of->serial == s->model.rmdir_on_open) {
      s->model.rmdir_on_open = 0;
      emu_model_rmdir(&s->model, n.group, emu_now_ms());
    }
  }
  unlock_state(s);
  return ret;
}

static int emu_release(const char *path, struct fuse_file_info *fi) {
  (void)path;
  struct open_file *of = (struct open_file *)(uintptr_t)fi->fh;
  if (of) {
    emu_buf_free(&of->snap);
    free(of);
  }
  return 0;
}

/* The group an open file belongs to, or -ENODEV once it was removed. */
static int refresh_group(struct emu_state *s, struct open_file *of) {
  if (of->serial == 0)
    return 0;
  of->node.group = emu_model_by_serial(&s->model, of->serial);
  if (!of->node.group)
    return -ENODEV;
  /* its mon_L3_XX went with its domain, perhaps made again since */
  if (of->node.kind == NODE_MON_VALUE)
    return emu_domain_check_open(&s->model, of->node.cache, of->domain_gen);
  return 0;
}

/* seq_file: a read at offset 0 generates the content afresh (so pread(fd,
 * .., 0) on a kept fd sees the current value); later offsets continue the
 * same text. */
static int emu_read(const char *path, char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi) {
  (void)path;
  struct emu_state *s = lock_state();
  struct open_file *of = (struct open_file *)(uintptr_t)fi->fh;
  int ret = refresh_group(s, of);
  /* armed by the control channel: seq_read_iter()'s -ENOMEM */
  if (!ret && of->node.kind == NODE_TASKS &&
      of->serial == s->model.enomem_on_read) {
    s->model.enomem_on_read = 0;
    ret = -ENOMEM;
  }
  if (!ret && (off == 0 || !of->have_snap)) {
    of->snap.len = 0;
    ret = node_content(&s->model, &of->node, emu_now_ms(), &of->snap);
    of->have_snap = ret == 0;
  }
  if (!ret) {
    size_t len = of->snap.len;
    size_t from = (size_t)off < len ? (size_t)off : len;
    size_t n = len - from < size ? len - from : size;
    if (n)
      memcpy(buf, of->snap.data + from, n);
    ret = (int)n;
  }
  unlock_state(s);
  return ret;
}

static int emu_write(const char *path, const char *buf, size_t size, off_t off,
                     struct fuse_file_info *fi) {
  (void)path;
  (void)off; /* resctrl's write handlers ignore the offset */
  struct emu_state *s = lock_state();
  struct open_file *of = (struct open_file *)(uintptr_t)fi->fh;
  int ret = refresh_group(s, of);
  /* kernfs_fop_write_iter(): longer than atomic_write_len is -E2BIG */
  if (!ret && size > EMU_ATOMIC_WRITE_LEN)
    ret = -E2BIG;
  if (!ret)
    ret = node_write(&s->model, &of->node, buf, size, fuse_get_context()->pid);
  unlock_state(s);
  return ret ? ret : (int)size;
}

/* Shell '>' opens with O_TRUNC; kernfs accepts the truncation and ignores
 * it, so does the emulator: the tasks file never loses its tasks. */
static int emu_truncate(const char *path, off_t size,
                        struct fuse_file_info *fi) {
  (void)size;
  (void)fi;
  struct emu_state *s = lock_state();
  struct node n;
  int ret = node_resolve(&s->model, path, &n);
  if (!ret && node_is_dir(n.kind))
    ret = -EISDIR;
  unlock_state(s);
  return ret;
}

static int split_parent(const char *path, char *parent, size_t cap,
                        const char **name) {
  const char *slash = strrchr(path, '/');
  if (!slash || (size_t)(slash - path) >= cap)
    return -ENAMETOOLONG;
  memcpy(parent, path, (size_t)(slash - path));
  parent[slash - path] = '\0';
  *name = slash + 1;
  return 0;
}

/* rdtgroup_mkdir(): a CTRL_MON group at the root when allocation is
 * supported, a MON group in any "mon_groups" directory (not itself named
 * "mon_groups"), -EPERM anywhere else (the doc, "Resource alloc and monitor
 * groups"); a name with '\n' is -EINVAL. */
static int emu_mkdir(const char *path, mode_t mode) {
  (void)mode;
  char parent_path[4096];
  const char *name;
  int ret = split_parent(path, parent_path, sizeof(parent_path), &name);
  if (ret)
    return ret;
  struct emu_state *s = lock_state();
  struct node parent, existing;
  ret = node_resolve(&s->model, parent_path, &parent);
  if (!ret && node_resolve(&s->model, path, &existing) == 0)
    ret = -EEXIST;
  if (!ret && strchr(name, '\n'))
    ret = -EINVAL;
  if (!ret) {
    struct emu_model *m = &s->model;
    if (parent.kind == NODE_GROUP_DIR && parent.group == emu_model_root(m) &&
        m->cfg.alloc)
      ret = emu_model_mkdir_ctrl(m, name, emu_now_ms());
    else if (parent.kind == NODE_MON_GROUPS_DIR &&
             strcmp(name, "mon_groups") != 0)
      ret = emu_model_mkdir_mon(m, parent.group, name, emu_now_ms());
    else
      ret = -EPERM;
  }
  unlock_state(s);
  return ret;
}

/* rdtgroup_rmdir(): only a CTRL_MON group at the root or a MON group in a
 * mon_groups directory; info, mon_groups, mon_data and the like are -EPERM. */
static int emu_rmdir(const char *path) {
  struct emu_state *s = lock_state();
  struct node n;
  int ret = node_resolve(&s->model, path, &n);
  if (!ret && !node_is_dir(n.kind))
    ret = -ENOTDIR;
  if (!ret) {
    if (n.kind == NODE_GROUP_DIR && n.group != emu_model_root(&s->model))
      ret = emu_model_rmdir(&s->model, n.group, emu_now_ms());
    else
      ret = -EPERM;
  }
  unlock_state(s);
  return ret;
}

/* kernfs directories have no ->create: the VFS answers open(O_CREAT) of a
 * new name with -EACCES (lookup_open), and no ->unlink, ->mknod, ->symlink
 * or ->link: -EPERM (vfs_unlink and friends). */
static int emu_create(const char *path, mode_t mode,
                      struct fuse_file_info *fi) {
  (void)path;
  (void)mode;
  (void)fi;
  return -EACCES;
}

static int emu_refuse_path(const char *path) {
  (void)path;
  return -EPERM;
}

static int emu_mknod(const char *path, mode_t mode, dev_t dev) {
  (void)mode;
  (void)dev;
  return emu_refuse_path(path);
}

static int emu_link(const char *from, const char *to) {
  (void)to;
  return emu_refuse_path(from);
}

/* rdtgroup_rename(): only a MON group may move, to another mon_groups
 * directory; the emulator does not emulate that move and refuses every
 * rename with -EPERM, as the kernel does for anything but a MON group. */
static int emu_rename(const char *from, const char *to, unsigned int flags) {
  (void)to;
  (void)flags;
  struct emu_state *s = lock_state();
  struct node n;
  int ret = node_resolve(&s->model, from, &n);
  if (!ret) {
    emu_last_cmd_clear(&s->model);
    if (n.kind == NODE_GROUP_DIR && n.group->type == EMU_MON)
      emu_last_cmd_printf(&s->model, "emulator: MON group rename is not "
                                     "emulated\n");
    else
      emu_last_cmd_printf(&s->model, "Source must be a MON group\n");
    ret = -EPERM;
  }
  unlock_state(s);
  return ret;
}

/* kernfs_iop_setattr() lets root change modes, owners and times; the
 * emulator accepts and forgets them. */
static int accept_setattr(const char *path) {
  struct emu_state *s = lock_state();
  struct node n;
  int ret = node_resolve(&s->model, path, &n);
  unlock_state(s);
  return ret;
}

static int emu_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) {
  (void)mode;
  (void)fi;
  return accept_setattr(path);
}

static int emu_chown(const char *path, uid_t uid, gid_t gid,
                     struct fuse_file_info *fi) {
  (void)uid;
  (void)gid;
  (void)fi;
  return accept_setattr(path);
}

static int emu_utimens(const char *path, const struct timespec tv[2],
                       struct fuse_file_info *fi) {
  (void)tv;
  (void)fi;
  return accept_setattr(path);
}

const struct fuse_operations emu_fuse_ops = {
    .init = emu_init,
    .getattr = emu_getattr,
    .readdir = emu_readdir,
    .open = emu_open,
    .release = emu_release,
    .read = emu_read,
    .write = emu_write,
    .truncate = emu_truncate,
    .mkdir = emu_mkdir,
    .rmdir = emu_rmdir,
    .create = emu_create,
    .mknod = emu_mknod,
    .unlink = emu_refuse_path,
    .symlink = emu_link,
    .link = emu_link,
    .rename = emu_rename,
    .chmod = emu_chmod,
    .chown = emu_chown,
    .utimens = emu_utimens,
};
