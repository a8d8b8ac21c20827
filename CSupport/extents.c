#ifndef _GNU_SOURCE
#error CSupport must be compiled with _GNU_SOURCE
#endif
#include "CSupport.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>

enum { EXTENTS_PER_CALL = 256 };

int csupport_fiemap_summary(int fd, csupport_extent_summary *summary) {
    memset(summary, 0, sizeof(*summary));
    size_t size = sizeof(struct fiemap) + EXTENTS_PER_CALL * sizeof(struct fiemap_extent);
    struct fiemap *map = malloc(size);
    if (map == NULL) return -1;
    uint64_t start = 0;
    for (;;) {
        memset(map, 0, size);
        map->fm_start = start;
        map->fm_length = FIEMAP_MAX_OFFSET - start;
        map->fm_flags = 0;  // no FIEMAP_FLAG_SYNC: delayed extents are reported as such and counted as the file's own
        map->fm_extent_count = EXTENTS_PER_CALL;
        if (ioctl(fd, FS_IOC_FIEMAP, map) != 0) {
            free(map);
            return -1;
        }
        if (map->fm_mapped_extents == 0) break;
        int last = 0;
        for (uint32_t i = 0; i < map->fm_mapped_extents; i++) {
            const struct fiemap_extent *extent = &map->fm_extents[i];
            summary->extents += 1;
            summary->total_bytes += extent->fe_length;
            if (extent->fe_flags & FIEMAP_EXTENT_SHARED) summary->shared_bytes += extent->fe_length;
            if (extent->fe_flags & FIEMAP_EXTENT_DATA_INLINE) summary->inline_bytes += extent->fe_length;
            if (extent->fe_flags & (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC)) summary->unknown_bytes += extent->fe_length;
            if (extent->fe_flags & FIEMAP_EXTENT_LAST) last = 1;
            start = extent->fe_logical + extent->fe_length;
        }
        if (last || map->fm_mapped_extents < EXTENTS_PER_CALL) break;
    }
    free(map);
    return 0;
}
