#ifndef _GNU_SOURCE
#error CSupport must be compiled with _GNU_SOURCE
#endif
#include "CSupport.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/btrfs.h>
#include <linux/fs.h>
#include <linux/magic.h>

// The objectid of every subvolume's root directory (btrfs_tree.h, not exported to user space headers).
#define CSUPPORT_BTRFS_FIRST_FREE_OBJECTID 256ULL

int csupport_ficlone(int dst_fd, int src_fd) {
    return ioctl(dst_fd, FICLONE, src_fd);
}

ssize_t csupport_copy_file_range(int src_fd, int64_t *src_offset, int dst_fd, int64_t *dst_offset, size_t length) {
    loff_t in = (loff_t)*src_offset;
    loff_t out = (loff_t)*dst_offset;
    ssize_t copied = copy_file_range(src_fd, &in, dst_fd, &out, length, 0);
    *src_offset = (int64_t)in;
    *dst_offset = (int64_t)out;
    return copied;
}

static int copy_name(char *target, size_t capacity, const char *name) {
    size_t length = strlen(name);
    if (length == 0 || length >= capacity) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(target, name, length + 1);
    return 0;
}

int csupport_btrfs_snapshot(int src_fd, int dst_dir_fd, const char *name, int read_only) {
    struct btrfs_ioctl_vol_args_v2 args;
    memset(&args, 0, sizeof(args));
    args.fd = src_fd;
    if (read_only) args.flags |= BTRFS_SUBVOL_RDONLY;
    if (copy_name(args.name, sizeof(args.name), name) != 0) return -1;
    return ioctl(dst_dir_fd, BTRFS_IOC_SNAP_CREATE_V2, &args);
}

int csupport_btrfs_subvolume_create(int dir_fd, const char *name) {
    struct btrfs_ioctl_vol_args args;
    memset(&args, 0, sizeof(args));
    if (copy_name(args.name, sizeof(args.name), name) != 0) return -1;
    return ioctl(dir_fd, BTRFS_IOC_SUBVOL_CREATE, &args);
}

int csupport_btrfs_subvolume_delete(int dir_fd, const char *name) {
    struct btrfs_ioctl_vol_args args;
    memset(&args, 0, sizeof(args));
    if (copy_name(args.name, sizeof(args.name), name) != 0) return -1;
    return ioctl(dir_fd, BTRFS_IOC_SNAP_DESTROY, &args);
}

int csupport_btrfs_is_subvolume_root(int fd) {
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0) return -1;
    if ((uint64_t)fs.f_type != BTRFS_SUPER_MAGIC) return 0;
    struct stat st;
    if (fstat(fd, &st) != 0) return -1;
    // The root directory of every subvolume is inode BTRFS_FIRST_FREE_OBJECTID (256).
    return S_ISDIR(st.st_mode) && st.st_ino == CSUPPORT_BTRFS_FIRST_FREE_OBJECTID;
}

int csupport_btrfs_fsid(int fd, uint8_t fsid[16]) {
    struct btrfs_ioctl_fs_info_args info;
    memset(&info, 0, sizeof(info));
    if (ioctl(fd, BTRFS_IOC_FS_INFO, &info) != 0) return -1;
    memcpy(fsid, info.fsid, 16);
    return 0;
}

int csupport_btrfs_snapshot_time(int fd, int64_t *seconds, int64_t *nanoseconds) {
    struct btrfs_ioctl_get_subvol_info_args info;
    memset(&info, 0, sizeof(info));
    if (ioctl(fd, BTRFS_IOC_GET_SUBVOL_INFO, &info) < 0) return -1;  // it answers 1 on success on some kernels
    static const uint8_t none[BTRFS_UUID_SIZE];
    if (memcmp(info.parent_uuid, none, BTRFS_UUID_SIZE) == 0) return 0;
    *seconds = (int64_t)info.otime.sec;
    *nanoseconds = (int64_t)info.otime.nsec;
    return 1;
}
