#ifndef _GNU_SOURCE
#error CSupport must be compiled with _GNU_SOURCE
#endif
#include "CSupport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

const int csupport_MNT_DETACH = MNT_DETACH;

/// Appends the fs context's messages ("e overlayfs: ...") to reason, without their level prefix.
static void read_reason(int context, char *reason, size_t reason_size) {
    if (reason == NULL || reason_size == 0) return;
    reason[0] = '\0';
    char line[512];
    size_t used = 0;
    for (int count = 0; count < 8; count++) {
        ssize_t length = read(context, line, sizeof line - 1);
        if (length <= 0) break;
        line[length] = '\0';
        const char *text = (length > 2 && line[1] == ' ') ? line + 2 : line;
        size_t text_length = strlen(text);
        if (used + text_length + 3 >= reason_size) break;
        if (used > 0) {
            memcpy(reason + used, "; ", 2);
            used += 2;
        }
        memcpy(reason + used, text, text_length);
        used += text_length;
        reason[used] = '\0';
    }
}

/// `value` with ':', ',' and '\' escaped by a backslash, as the older `lowerdir` option reads it.
static char *escaped_layer(const char *value) {
    size_t length = strlen(value);
    char *result = malloc(length * 2 + 1);
    if (result == NULL) return NULL;
    size_t out = 0;
    for (size_t index = 0; index < length; index++) {
        char c = value[index];
        if (c == ':' || c == ',' || c == '\\') result[out++] = '\\';
        result[out++] = c;
    }
    result[out] = '\0';
    return result;
}

/// A refused configuration or mount: the kernel's reason copied out, the context closed, -1 with errno kept.
static int refused(int context, char *reason, size_t reason_size) {
    int saved = errno;
    read_reason(context, reason, reason_size);
    close(context);
    errno = saved;
    return -1;
}

static int set_string(int context, const char *key, const char *value) {
    int result;
    do {
        result = fsconfig(context, FSCONFIG_SET_STRING, key, value, 0);
    } while (result < 0 && errno == EINTR);
    return result;
}

int csupport_overlay_mount(const char *lower, const char *upper, const char *work, int target_dir_fd,
                           const char *target_name, char *reason, size_t reason_size) {
    if (reason != NULL && reason_size > 0) reason[0] = '\0';
    int context = fsopen("overlay", FSOPEN_CLOEXEC);
    if (context < 0) return -1;
    // The name mount(8) and /proc/self/mountinfo show for it.
    int result = set_string(context, "source", "cilo");
    if (result == 0) result = set_string(context, "lowerdir+", lower);
    if (result < 0 && errno == EINVAL) {
        // Kernels before 6.8 know only `lowerdir`, a ':'-separated list.
        char *escaped = escaped_layer(lower);
        if (escaped == NULL) {
            close(context);
            errno = ENOMEM;
            return -1;
        }
        result = set_string(context, "lowerdir", escaped);
        free(escaped);
    }
    // Directory renames keep the lower folder (no EXDEV); no index, so a base made again still mounts.
    if (result == 0) result = set_string(context, "upperdir", upper);
    if (result == 0) result = set_string(context, "workdir", work);
    if (result == 0) result = set_string(context, "redirect_dir", "on");
    if (result == 0) result = set_string(context, "index", "off");
    if (result == 0) result = set_string(context, "metacopy", "off");
    if (result == 0) {
        do {
            result = fsconfig(context, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
        } while (result < 0 && errno == EINTR);
    }
    if (result < 0) return refused(context, reason, reason_size);
    int mount_fd = fsmount(context, FSMOUNT_CLOEXEC, 0);
    if (mount_fd < 0) return refused(context, reason, reason_size);
    close(context);
    do {
        result = move_mount(mount_fd, "", target_dir_fd, target_name, MOVE_MOUNT_F_EMPTY_PATH);
    } while (result < 0 && errno == EINTR);
    int saved = errno;
    close(mount_fd);
    errno = saved;
    return result;
}

int csupport_unmount(const char *target, int flags) {
    int result;
    do {
        result = umount2(target, flags);
    } while (result < 0 && errno == EINTR);
    return result;
}
