#ifndef _GNU_SOURCE
#error CSupport must be compiled with _GNU_SOURCE
#endif
#include "CSupport.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/magic.h>

#ifndef XFS_SUPER_MAGIC
#define XFS_SUPER_MAGIC 0x58465342
#endif

const uint64_t csupport_BTRFS_SUPER_MAGIC = BTRFS_SUPER_MAGIC;
const uint64_t csupport_XFS_SUPER_MAGIC = XFS_SUPER_MAGIC;
const uint64_t csupport_EXT4_SUPER_MAGIC = EXT4_SUPER_MAGIC;
const uint64_t csupport_TMPFS_MAGIC = TMPFS_MAGIC;
const uint64_t csupport_OVERLAYFS_SUPER_MAGIC = OVERLAYFS_SUPER_MAGIC;
const uint64_t csupport_ST_RDONLY = ST_RDONLY;
const int csupport_O_PATH = O_PATH;
const int csupport_O_TMPFILE = O_TMPFILE;
const int csupport_O_NOATIME = O_NOATIME;
const int csupport_SEEK_DATA = SEEK_DATA;
const int csupport_SEEK_HOLE = SEEK_HOLE;

ssize_t csupport_getdents64(int dir_fd, void *buffer, size_t size) {
    return syscall(SYS_getdents64, dir_fd, buffer, size);
}

int csupport_fstatfs(int fd, csupport_fs_facts *facts) {
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0) return -1;
    facts->type = (uint64_t)fs.f_type;
    facts->block_size = (uint64_t)fs.f_bsize;
    facts->blocks = (uint64_t)fs.f_blocks;
    facts->blocks_free = (uint64_t)fs.f_bfree;
    facts->blocks_avail = (uint64_t)fs.f_bavail;
    facts->fragment_size = (uint64_t)(fs.f_frsize ? fs.f_frsize : fs.f_bsize);
    facts->files = (uint64_t)fs.f_files;
    facts->files_free = (uint64_t)fs.f_ffree;
    facts->flags = (uint64_t)fs.f_flags;
    return 0;
}

ssize_t csupport_flistxattr(int fd, char *names, size_t size) {
    return flistxattr(fd, names, size);
}

ssize_t csupport_fgetxattr(int fd, const char *name, void *value, size_t size) {
    return fgetxattr(fd, name, value, size);
}

int csupport_fsetxattr(int fd, const char *name, const void *value, size_t size) {
    return fsetxattr(fd, name, value, size, 0);
}

int csupport_rename_exchange(int old_dir_fd, const char *old_name, int new_dir_fd, const char *new_name) {
    return renameat2(old_dir_fd, old_name, new_dir_fd, new_name, RENAME_EXCHANGE);
}

int csupport_syncfs(int fd) {
    return syncfs(fd);
}

#include <linux/openat2.h>

int csupport_open_beneath(int dir_fd, const char *path, int flags, unsigned int mode) {
    struct open_how how = {0};
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    return (int)syscall(SYS_openat2, dir_fd, path, &how, sizeof how);
}
