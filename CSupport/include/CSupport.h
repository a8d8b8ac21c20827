// CSupport: the only C code in cilo. Thin wrappers over Linux interfaces that Swift
// cannot reach directly (ioctls, macros, GNU-only calls, libcap, libseccomp).
// Every function returns -1 and leaves errno set on failure, like the call it wraps.
#ifndef CSUPPORT_H
#define CSUPPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

// ---- clone.c: data cloning and btrfs subvolumes ----

/// ioctl(dst, FICLONE, src): shares all of src's extents with dst.
int csupport_ficlone(int dst_fd, int src_fd);

/// copy_file_range(2) from/to explicit offsets; returns bytes copied, 0 at EOF.
ssize_t csupport_copy_file_range(int src_fd, int64_t *src_offset, int dst_fd, int64_t *dst_offset, size_t length);

/// BTRFS_IOC_SNAP_CREATE_V2: snapshots the subvolume open at src_fd as name inside dst_dir_fd.
int csupport_btrfs_snapshot(int src_fd, int dst_dir_fd, const char *name, int read_only);

/// BTRFS_IOC_SUBVOL_CREATE: creates an empty subvolume name inside dir_fd.
int csupport_btrfs_subvolume_create(int dir_fd, const char *name);

/// BTRFS_IOC_SNAP_DESTROY: deletes the subvolume name inside dir_fd.
int csupport_btrfs_subvolume_delete(int dir_fd, const char *name);

/// Whether the btrfs subvolume holding fd is a snapshot (its parent UUID set): 1 with its creation
/// time in seconds and nanoseconds, 0 when it is not one, -1 error (`BTRFS_IOC_GET_SUBVOL_INFO`).
int csupport_btrfs_snapshot_time(int fd, int64_t *seconds, int64_t *nanoseconds);

/// Whether fd is the root directory of a btrfs subvolume: 1 yes, 0 no, -1 error.
int csupport_btrfs_is_subvolume_root(int fd);

/// BTRFS_IOC_FS_INFO: copies the file system's 16-byte UUID into fsid.
int csupport_btrfs_fsid(int fd, uint8_t fsid[16]);

// ---- fs.c: directory reading and file-system facts ----

/// getdents64(2): fills buffer with struct linux_dirent64 records; returns bytes, 0 at end.
ssize_t csupport_getdents64(int dir_fd, void *buffer, size_t size);

/// The facts of statfs(2) that cilo uses.
typedef struct csupport_fs_facts {
    uint64_t type;          ///< f_type magic number
    uint64_t block_size;    ///< f_bsize
    uint64_t blocks;        ///< f_blocks, in f_frsize units
    uint64_t blocks_free;   ///< f_bfree
    uint64_t blocks_avail;  ///< f_bavail
    uint64_t fragment_size; ///< f_frsize
    uint64_t files;         ///< f_files
    uint64_t files_free;    ///< f_ffree
    uint64_t flags;         ///< f_flags (ST_RDONLY ...)
} csupport_fs_facts;

/// fstatfs(2) reduced to csupport_fs_facts.
int csupport_fstatfs(int fd, csupport_fs_facts *facts);

extern const uint64_t csupport_BTRFS_SUPER_MAGIC;
extern const uint64_t csupport_XFS_SUPER_MAGIC;
extern const uint64_t csupport_EXT4_SUPER_MAGIC;
extern const uint64_t csupport_TMPFS_MAGIC;
extern const uint64_t csupport_OVERLAYFS_SUPER_MAGIC;
extern const uint64_t csupport_ST_RDONLY;
extern const int csupport_O_PATH;
extern const int csupport_O_TMPFILE;
extern const int csupport_O_NOATIME;
extern const int csupport_SEEK_DATA;
extern const int csupport_SEEK_HOLE;

/// syncfs(2): flushes the file system holding fd.
int csupport_syncfs(int fd);

/// openat2(2) with RESOLVE_BENEATH and RESOLVE_NO_MAGICLINKS: `path` (relative, several
/// components) is resolved inside dir_fd only; an absolute path, a `..` or a symlink that
/// leaves it fails with EXDEV. O_CLOEXEC is added.
int csupport_open_beneath(int dir_fd, const char *path, int flags, unsigned int mode);

/// Swaps two names atomically (`renameat2` with `RENAME_EXCHANGE`): both must exist.
int csupport_rename_exchange(int old_dir_fd, const char *old_name, int new_dir_fd, const char *new_name);

/// flistxattr(2), fgetxattr(2), fsetxattr(2): extended attributes of an open file.
ssize_t csupport_flistxattr(int fd, char *names, size_t size);
ssize_t csupport_fgetxattr(int fd, const char *name, void *value, size_t size);
int csupport_fsetxattr(int fd, const char *name, const void *value, size_t size);

// ---- extents.c: FIEMAP ----

/// A file's extents summed: what FIEMAP reports, in bytes.
typedef struct csupport_extent_summary {
    uint64_t total_bytes;    ///< sum of all extent lengths
    uint64_t shared_bytes;   ///< extents flagged FIEMAP_EXTENT_SHARED
    uint64_t inline_bytes;   ///< extents flagged FIEMAP_EXTENT_DATA_INLINE
    uint64_t unknown_bytes;  ///< extents flagged FIEMAP_EXTENT_UNKNOWN or DELALLOC
    uint64_t extents;        ///< number of extents
} csupport_extent_summary;

/// Walks fd's extents with FS_IOC_FIEMAP in batches and sums them into summary.
int csupport_fiemap_summary(int fd, csupport_extent_summary *summary);

// ---- cgroup.c: CPU and memory limits of the running process ----

/// The number of CPUs in the calling thread's affinity mask (sched_getaffinity + CPU_COUNT).
int csupport_affinity_cpu_count(void);

// ---- sandbox.c: capabilities (libcap) and seccomp (libseccomp) ----

/// Whether the calling thread has capability cap in its effective set: 1, 0, or -1.
int csupport_has_effective_capability(int cap);

/// The version of the libseccomp in use, as major*10000 + minor*100 + micro.
int csupport_seccomp_version(void);

/// execvpe(3): replaces the process with `file` (looked up on PATH) and the given argv/envp, every
/// signal at its default disposition and none blocked; on failure cilo's own are restored.
int csupport_execvpe(const char *file, char *const argv[], char *const envp[]);

// ---- geometry.c: what a file system's own structures cost ----

/// How many copies btrfs keeps of its metadata (DUP, RAID1: 2; RAID1C3: 3; single: 1), from
/// BTRFS_IOC_SPACE_INFO on any open file of it; -1 with errno set.
int csupport_btrfs_metadata_copies(int fd);

/// The size of one XFS inode in bytes (XFS_IOC_FSGEOMETRY_V1); -1 with errno set.
int csupport_xfs_inode_size(int fd);

// ---- process.c: child processes ----

/// posix_spawnp(3) of `file` with argv/envp in `directory` (NULL: the current one), every
/// signal at its default and none blocked in the child. Returns 0 or an errno value.
int csupport_spawn(const char *file, char *const argv[], char *const envp[], const char *directory, int *pid_out);

/// WEXITSTATUS of a waitpid status when the child exited, else -1.
int csupport_wait_status_exit_code(int status);

/// WTERMSIG of a waitpid status when a signal ended the child, else 0.
int csupport_wait_status_signal(int status);

// ---- confine.c: what `cilo run --sandbox` takes away ----

/// What a confined command may still do; every path is NUL-terminated bytes.
typedef struct csupport_confinement {
    const char *const *writable;       ///< folders written beneath (the workspace, the private tmp, /dev/shm)
    size_t writable_count;
    const char *const *devices;        ///< device files or folders read, written and ioctl'd (terminal, /dev/null)
    size_t device_count;
    const char *const *hidden;         ///< files covered by /dev/null (the Docker socket)
    size_t hidden_count;
    const char *const *hidden_folders; ///< folders covered by an empty tmpfs (the container runtime's)
    size_t hidden_folder_count;
    const char *hosts_file;            ///< bound over /etc/hosts, NULL for none
    const char *resolv_file;           ///< bound over /etc/resolv.conf, NULL for none
    const char *network_namespace;     ///< a network namespace file to join, NULL for none
    int isolate_network;               ///< 1: a new network namespace with only loopback (when none is joined)
    int needs_mount_namespace;         ///< 1: a mount namespace of its own for the binds above
    int user_namespace;                ///< 1: a user namespace first (not root: the mounts need one)
    unsigned int user_id, group_id;    ///< mapped to themselves in that user namespace
    int landlock_abi;                  ///< from csupport_landlock_abi, at least 1
    const int *kept_descriptors;       ///< descriptors above 2 the command keeps (sorted); every other is closed at exec
    size_t kept_descriptor_count;
} csupport_confinement;

/// A seccomp program and an empty capability set, made before any fork (libseccomp and libcap allocate).
typedef struct csupport_seccomp_filter {
    void *program;                ///< struct sock_filter[]
    size_t length;                ///< bytes
    void *cleared_capabilities;   ///< cap_t with every flag clear
} csupport_seccomp_filter;

/// The highest Landlock ABI this kernel offers, -1 with errno set where it has none.
int csupport_landlock_abi(void);

/// Builds the filter: EPERM for mounting, pivot_root, chroot, kexec, modules, bpf, perf_event_open,
/// keys, reboot, swap, clock setting, ptrace of another process, new user namespaces, the terminal
/// ioctls that type into a terminal (TIOCSTI, TIOCLINUX) and the like (ENOSYS for clone3, whose
/// flags a filter cannot read); a foreign architecture kills the process.
/// NULL with errno set on failure.
csupport_seccomp_filter *csupport_seccomp_filter_build(void);
void csupport_seccomp_filter_free(csupport_seccomp_filter *filter);

/// Confines the calling process, in this order: namespaces and binds, no_new_privs, Landlock,
/// every descriptor above 2 but the kept ones marked close-on-exec, every capability dropped, seccomp. -1 with errno set and *step naming what failed.
int csupport_confine(const csupport_confinement *confinement, const csupport_seccomp_filter *filter, const char **step);

/// fork, confine the child (async-signal-safe calls only), every signal at its default, exec.
/// Returns 0 and the pid, or an errno value with the failed step copied into `error`.
int csupport_spawn_confined(const char *file, char *const argv[], char *const envp[], const char *directory,
                            const csupport_confinement *confinement, const csupport_seccomp_filter *filter, int *pid_out,
                            char *error, size_t error_size);

// ---- mount.c: overlay mounts ----

/// Mounts an overlay of the read-only folder `lower` under `upper` (writes) with `work` (overlayfs's
/// scratch folder, on upper's file system) on `target_name` inside `target_dir_fd`, through the new
/// mount API (fsopen, fsconfig, fsmount, move_mount), with redirect_dir=on, index=off, metacopy=off.
/// On failure -1 with errno set, and the kernel's own reason (the fs context's log), if it gave one,
/// copied into `reason` (NUL-terminated, at most reason_size bytes).
int csupport_overlay_mount(const char *lower, const char *upper, const char *work, int target_dir_fd,
                           const char *target_name, char *reason, size_t reason_size);

/// umount2(2), retried on EINTR.
int csupport_unmount(const char *target, int flags);

extern const int csupport_MNT_DETACH;

extern const int csupport_CAP_CHOWN;
extern const int csupport_CAP_FOWNER;
extern const int csupport_CAP_SYS_ADMIN;

#endif
