#ifndef _GNU_SOURCE
#error CSupport must be compiled with _GNU_SOURCE
#endif
#include "CSupport.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <linux/types.h>

int csupport_btrfs_metadata_copies(int fd) {
    struct btrfs_ioctl_space_args probe = {0};
    if (ioctl(fd, BTRFS_IOC_SPACE_INFO, &probe) != 0) return -1;
    __u64 count = probe.total_spaces;
    if (count == 0 || count > 64) return 1;
    struct btrfs_ioctl_space_args *args = calloc(1, sizeof(*args) + count * sizeof(struct btrfs_ioctl_space_info));
    if (args == NULL) {
        errno = ENOMEM;
        return -1;
    }
    args->space_slots = count;
    if (ioctl(fd, BTRFS_IOC_SPACE_INFO, args) != 0) {
        int saved = errno;
        free(args);
        errno = saved;
        return -1;
    }
    int copies = 1;
    for (__u64 index = 0; index < args->total_spaces && index < count; index++) {
        __u64 flags = args->spaces[index].flags;
        if ((flags & BTRFS_BLOCK_GROUP_METADATA) == 0 || (flags & BTRFS_BLOCK_GROUP_DATA) != 0) continue;
        if (flags & BTRFS_BLOCK_GROUP_RAID1C4) copies = 4;
        else if (flags & BTRFS_BLOCK_GROUP_RAID1C3) copies = 3;
        else if (flags & (BTRFS_BLOCK_GROUP_DUP | BTRFS_BLOCK_GROUP_RAID1 | BTRFS_BLOCK_GROUP_RAID10)) copies = 2;
    }
    free(args);
    return copies;
}

// XFS_IOC_FSGEOMETRY_V1's argument (xfs_fs.h, from xfslibs-dev, which a build machine may lack):
// a stable kernel interface since 2000.
struct csupport_xfs_geometry_v1 {
    __u32 blocksize, rtextsize, agblocks, agcount, logblocks, sectsize, inodesize, imaxpct;
    __u64 datablocks, rtblocks, rtextents, logstart;
    unsigned char uuid[16];
    __u32 sunit, swidth;
    __s32 version;
    __u32 flags, logsectsize, rtsectsize, dirblocksize;
};
#define CSUPPORT_XFS_IOC_FSGEOMETRY_V1 _IOR('X', 100, struct csupport_xfs_geometry_v1)

int csupport_xfs_inode_size(int fd) {
    struct csupport_xfs_geometry_v1 geometry = {0};
    if (ioctl(fd, CSUPPORT_XFS_IOC_FSGEOMETRY_V1, &geometry) != 0) return -1;
    return (int)geometry.inodesize;
}
