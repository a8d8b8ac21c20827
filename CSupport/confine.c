#ifndef _GNU_SOURCE
#error CSupport must be compiled with _GNU_SOURCE
#endif
#include "CSupport.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <net/if.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// Landlock rights and scopes newer than some distributions' headers.
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#define CILO_LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define CILO_LANDLOCK_SCOPE_SIGNAL (1ULL << 1)

/// The ruleset attribute as of ABI 6; older kernels are given the prefix they know.
struct cilo_landlock_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

#define READ_ACCESS (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define WRITE_ACCESS_V1                                                                                              \
    (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |                \
     LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |                      \
     LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |                   \
     LANDLOCK_ACCESS_FS_MAKE_SYM)

int csupport_landlock_abi(void) {
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    return abi < 0 ? -1 : (int)abi;
}

/// Every file-system right this ABI knows.
static uint64_t handled_access(int abi) {
    uint64_t access = READ_ACCESS | WRITE_ACCESS_V1;
    if (abi >= 2) access |= LANDLOCK_ACCESS_FS_REFER;
    if (abi >= 3) access |= LANDLOCK_ACCESS_FS_TRUNCATE;
    if (abi >= 5) access |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
    return access;
}

static int add_path_rule(int ruleset, const char *path, uint64_t access) {
    int fd;
    do {
        fd = open(path, O_PATH | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return errno == ENOENT ? 0 : -1;  // a path that is not there needs no rule
    struct landlock_path_beneath_attr rule = {.allowed_access = access, .parent_fd = fd};
    // A file (not a folder) takes only the rights that apply to files.
    struct stat status;
    if (fstat(fd, &status) == 0 && !S_ISDIR(status.st_mode)) {
        rule.allowed_access &= LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |
                               LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV;
    }
    long result = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
    int saved = errno;
    close(fd);
    errno = saved;
    return result < 0 ? -1 : 0;
}

/// Read and execute everywhere; write only beneath `writable` and to `devices`.
static int restrict_file_system(const csupport_confinement *confinement, int abi) {
    uint64_t handled = handled_access(abi);
    struct cilo_landlock_ruleset_attr attributes = {.handled_access_fs = handled};
    size_t size = sizeof(uint64_t);
    if (abi >= 6) {
        attributes.scoped = CILO_LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | CILO_LANDLOCK_SCOPE_SIGNAL;
        size = sizeof attributes;
    }
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attributes, size, 0);
    if (ruleset < 0) return -1;
    int result = add_path_rule(ruleset, "/", READ_ACCESS);
    uint64_t writable = handled & ~(uint64_t)LANDLOCK_ACCESS_FS_IOCTL_DEV;
    for (size_t index = 0; result == 0 && index < confinement->writable_count; index++) {
        result = add_path_rule(ruleset, confinement->writable[index], writable);
    }
    uint64_t device = READ_ACCESS | LANDLOCK_ACCESS_FS_WRITE_FILE | (handled & (LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV));
    for (size_t index = 0; result == 0 && index < confinement->device_count; index++) {
        result = add_path_rule(ruleset, confinement->devices[index], device);
    }
    if (result == 0) result = (int)syscall(SYS_landlock_restrict_self, ruleset, 0);
    int saved = errno;
    close(ruleset);
    errno = saved;
    return result < 0 ? -1 : 0;
}

/// Brings the loopback interface of the current network namespace up.
static int loopback_up(void) {
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) return -1;
    struct ifreq request;
    memset(&request, 0, sizeof request);
    strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    int result = ioctl(sock, SIOCGIFFLAGS, &request);
    if (result == 0) {
        request.ifr_flags |= IFF_UP | IFF_RUNNING;
        result = ioctl(sock, SIOCSIFFLAGS, &request);
    }
    int saved = errno;
    close(sock);
    errno = saved;
    return result;
}

static int bind_over(const char *source, const char *target) {
    if (access(target, F_OK) != 0) return 0;  // nothing there to cover
    return mount(source, target, NULL, MS_BIND, NULL);
}

/// The mount namespace of its own: private propagation, the covering binds.
static int isolate_mounts(const csupport_confinement *confinement, const char **step) {
    *step = "a mount namespace of its own (unshare)";
    if (unshare(CLONE_NEWNS) != 0) return -1;
    *step = "private mount propagation";
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return -1;
    *step = "hiding a Docker socket";
    for (size_t index = 0; index < confinement->hidden_count; index++) {
        if (bind_over("/dev/null", confinement->hidden[index]) != 0) return -1;
    }
    *step = "hiding the container runtime's folders";
    for (size_t index = 0; index < confinement->hidden_folder_count; index++) {
        const char *folder = confinement->hidden_folders[index];
        if (access(folder, F_OK) == 0 && mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0755") != 0) return -1;
    }
    *step = "a private /dev/shm";
    if (access("/dev/shm", F_OK) == 0 && mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0) return -1;
    *step = "the environment's hosts file";
    if (confinement->hosts_file != NULL && bind_over(confinement->hosts_file, "/etc/hosts") != 0) return -1;
    *step = "the environment's resolver file";
    if (confinement->resolv_file != NULL && bind_over(confinement->resolv_file, "/etc/resolv.conf") != 0) return -1;
    return 0;
}

/// Drops every capability from every set: bounding and ambient (prctl), then effective,
/// permitted and inheritable (`cleared`, made by cap_init before any fork).
static int drop_capabilities(void *cleared) {
    for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
        if (CAP_IS_SUPPORTED(cap) && cap_drop_bound((cap_value_t)cap) != 0 && errno != EINVAL) return -1;
    }
    if (CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() != 0) return -1;
    return cap_set_proc((cap_t)cleared);
}

/// Writes `text` to the /proc/self file `name` (the user namespace's maps).
static int write_proc(const char *name, const char *text) {
    int fd = open(name, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t written = write(fd, text, strlen(text));
    int saved = errno;
    close(fd);
    errno = saved;
    return written == (ssize_t)strlen(text) ? 0 : -1;
}

/// Formats "ID ID 1\n" without stdio (async-signal-safe).
static void map_line(char *out, unsigned int id) {
    char digits[16];
    int count = 0;
    do {
        digits[count++] = (char)('0' + id % 10);
        id /= 10;
    } while (id > 0);
    int at = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int index = count - 1; index >= 0; index--) out[at++] = digits[index];
        out[at++] = ' ';
    }
    out[at++] = '1';
    out[at++] = '\n';
    out[at] = '\0';
}

/// Not root: a user namespace mapping the user and group to themselves, whose capabilities
/// allow the mount namespace's binds (and are dropped with the rest before the command runs).
static int enter_user_namespace(const csupport_confinement *confinement, const char **step) {
    *step = "a user namespace (for the mounts without root)";
    if (unshare(CLONE_NEWUSER) != 0) return -1;
    char line[48];
    map_line(line, confinement->user_id);
    if (write_proc("/proc/self/uid_map", line) != 0) return -1;
    if (write_proc("/proc/self/setgroups", "deny") != 0) return -1;
    map_line(line, confinement->group_id);
    return write_proc("/proc/self/gid_map", line);
}

/// Marks every descriptor from `first` to `last` close-on-exec: close_range where the kernel has
/// CLOSE_RANGE_CLOEXEC (5.11), else one fcntl each up to the descriptor limit.
static int close_on_exec_range(unsigned int first, unsigned int last) {
    if (first > last) return 0;
    if (syscall(SYS_close_range, first, last, CLOSE_RANGE_CLOEXEC) == 0) return 0;
    if (errno != ENOSYS && errno != EINVAL) return -1;
    long limit = sysconf(_SC_OPEN_MAX);
    if (limit < 0 || limit > 1 << 20) limit = 1 << 20;
    for (unsigned int fd = first; fd <= last && fd < (unsigned int)limit; fd++) {
        int flags = fcntl((int)fd, F_GETFD);
        if (flags >= 0) fcntl((int)fd, F_SETFD, flags | FD_CLOEXEC);
    }
    return 0;
}

/// A descriptor the caller left open (a file of the source opened for writing) would carry its
/// rights past Landlock: every one above 2 closes at exec but those `kept` names (sorted).
static int close_on_exec_above_stderr(const int *kept, size_t count) {
    unsigned int next = 3;
    for (size_t index = 0; index < count; index++) {
        if (kept[index] < (int)next) continue;
        if (close_on_exec_range(next, (unsigned int)kept[index] - 1) != 0) return -1;
        int flags = fcntl(kept[index], F_GETFD);
        if (flags < 0 || fcntl(kept[index], F_SETFD, flags & ~FD_CLOEXEC) != 0) return -1;
        next = (unsigned int)kept[index] + 1;
    }
    return close_on_exec_range(next, ~0U);
}

int csupport_confine(const csupport_confinement *confinement, const csupport_seccomp_filter *seccomp, const char **step) {
    if (confinement->user_namespace && enter_user_namespace(confinement, step) != 0) return -1;
    if (confinement->needs_mount_namespace && isolate_mounts(confinement, step) != 0) return -1;
    if (confinement->network_namespace != NULL) {
        *step = "joining the environment's network namespace";
        int fd = open(confinement->network_namespace, O_RDONLY | O_CLOEXEC);
        if (fd < 0) return -1;
        int result = setns(fd, CLONE_NEWNET);
        int saved = errno;
        close(fd);
        errno = saved;
        if (result != 0) return -1;
    } else if (confinement->isolate_network) {
        *step = "a network namespace of its own";
        if (unshare(CLONE_NEWNET) != 0) return -1;
        *step = "its loopback interface";
        if (loopback_up() != 0) return -1;
    }
    *step = "no_new_privs";
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
    *step = "Landlock";
    if (restrict_file_system(confinement, confinement->landlock_abi) != 0) return -1;
    *step = "closing inherited descriptors";
    if (close_on_exec_above_stderr(confinement->kept_descriptors, confinement->kept_descriptor_count) != 0) return -1;
    *step = "dropping capabilities";
    if (drop_capabilities(seccomp->cleared_capabilities) != 0) return -1;
    *step = "the seccomp filter";
    struct sock_fprog program = {.len = (unsigned short)(seccomp->length / sizeof(struct sock_filter)),
                                 .filter = (struct sock_filter *)seccomp->program};
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) != 0) return -1;
    return 0;
}

// ---- the seccomp filter, built before any fork (libseccomp allocates) ----

static int deny(scmp_filter_ctx context, int number) {
    if (number < 0) return 0;  // not on this architecture
    return seccomp_rule_add(context, SCMP_ACT_ERRNO(EPERM), number, 0);
}

csupport_seccomp_filter *csupport_seccomp_filter_build(void) {
    scmp_filter_ctx context = seccomp_init(SCMP_ACT_ALLOW);
    if (context == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    // A foreign architecture's calls (x32, i386 on x86_64) are killed, not checked by the wrong table.
    int result = seccomp_attr_set(context, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    const char *denied[] = {
        "mount", "umount2", "umount", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsconfig",
        "fsmount", "fspick", "mount_setattr", "kexec_load", "kexec_file_load", "init_module", "finit_module",
        "delete_module", "bpf", "perf_event_open", "keyctl", "add_key", "request_key", "reboot", "swapon",
        "swapoff", "syslog", "acct", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
        "open_by_handle_at", "name_to_handle_at", "userfaultfd", "setns", "quotactl", "quotactl_fd",
        "iopl", "ioperm", "lookup_dcookie", "process_vm_writev", "process_vm_readv", "kcmp", "vhangup",
        "nfsservctl", "uselib", "personality",
    };
    for (size_t index = 0; result == 0 && index < sizeof denied / sizeof denied[0]; index++) {
        result = deny(context, seccomp_syscall_resolve_name(denied[index]));
    }
    // ptrace only of itself by a tracer it chose (PTRACE_TRACEME), never of another process.
    if (result == 0) result = seccomp_rule_add(context, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ptrace), 1, SCMP_A0(SCMP_CMP_NE, 0));
    // No new user namespace: by unshare or clone flags; clone3 hides its flags, so it reports
    // ENOSYS and the C library falls back to clone.
    if (result == 0) {
        result = seccomp_rule_add(context, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
    }
    if (result == 0) {
        result = seccomp_rule_add(context, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
    }
    if (result == 0) result = seccomp_rule_add(context, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    // Typing into the terminal (TIOCSTI: a command line the operator's shell runs after cilo
    // ends; TIOCLINUX: the console's selection pasted). The request is compared on its low 32
    // bits, as the kernel reads it.
    if (result == 0) {
        result = seccomp_rule_add(context, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                                  SCMP_A1(SCMP_CMP_MASKED_EQ, 0xFFFFFFFFu, (scmp_datum_t)TIOCSTI));
    }
    if (result == 0) {
        result = seccomp_rule_add(context, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                                  SCMP_A1(SCMP_CMP_MASKED_EQ, 0xFFFFFFFFu, (scmp_datum_t)TIOCLINUX));
    }
    csupport_seccomp_filter *filter = NULL;
    if (result == 0) {
        filter = calloc(1, sizeof *filter);
        if (filter == NULL) result = -ENOMEM;
    }
    if (result == 0) {
        // seccomp_export_bpf writes to a file descriptor: a memfd, read back into memory.
        int memory = memfd_create("cilo-seccomp", MFD_CLOEXEC);
        if (memory < 0) result = -errno;
        if (result == 0) result = seccomp_export_bpf(context, memory);
        off_t length = result == 0 ? lseek(memory, 0, SEEK_END) : -1;
        if (result == 0 && length > 0) {
            filter->program = malloc((size_t)length);
            filter->length = (size_t)length;
            if (filter->program == NULL || pread(memory, filter->program, (size_t)length, 0) != length) result = -EIO;
        } else if (result == 0) {
            result = -EIO;
        }
        if (memory >= 0) close(memory);
    }
    if (result == 0) {
        filter->cleared_capabilities = cap_init();
        if (filter->cleared_capabilities == NULL) result = -ENOMEM;
    }
    seccomp_release(context);
    if (result != 0) {
        csupport_seccomp_filter_free(filter);
        errno = result < 0 ? -result : EINVAL;
        return NULL;
    }
    return filter;
}

void csupport_seccomp_filter_free(csupport_seccomp_filter *filter) {
    if (filter == NULL) return;
    free(filter->program);
    if (filter->cleared_capabilities != NULL) cap_free(filter->cleared_capabilities);
    free(filter);
}

// ---- a confined child ----

int csupport_spawn_confined(const char *file, char *const argv[], char *const envp[], const char *directory,
                            const csupport_confinement *confinement, const csupport_seccomp_filter *filter, int *pid_out,
                            char *error, size_t error_size) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return errno;
    pid_t pid = fork();
    if (pid < 0) {
        int saved = errno;
        close(report[0]);
        close(report[1]);
        return saved;
    }
    if (pid == 0) {
        // The child: async-signal-safe calls only until exec (the filter was built before the fork).
        close(report[0]);
        sigset_t none;
        sigemptyset(&none);
        for (int signal_number = 1; signal_number < NSIG; signal_number++) signal(signal_number, SIG_DFL);
        sigprocmask(SIG_SETMASK, &none, NULL);
        const char *step = "its working folder";
        int failed = directory != NULL && chdir(directory) != 0;
        if (!failed) failed = csupport_confine(confinement, filter, &step) != 0;
        if (!failed) {
            step = "starting the command";
            execvpe(file, argv, envp);
        }
        int code = errno;
        (void)!write(report[1], &code, sizeof code);
        (void)!write(report[1], step, strlen(step));
        _exit(127);
    }
    close(report[1]);
    int code = 0;
    ssize_t got;
    do {
        got = read(report[0], &code, sizeof code);
    } while (got < 0 && errno == EINTR);
    if (got == (ssize_t)sizeof code) {
        ssize_t length = read(report[0], error, error_size > 0 ? error_size - 1 : 0);
        if (error_size > 0) error[length > 0 ? length : 0] = '\0';
        close(report[0]);
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        return code == 0 ? EINVAL : code;
    }
    close(report[0]);
    *pid_out = (int)pid;
    return 0;
}
