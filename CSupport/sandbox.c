#ifndef _GNU_SOURCE
#error CSupport must be compiled with _GNU_SOURCE
#endif
#include "CSupport.h"

#include <sys/capability.h>
#include <seccomp.h>
#include <unistd.h>

const int csupport_CAP_CHOWN = CAP_CHOWN;
const int csupport_CAP_FOWNER = CAP_FOWNER;
const int csupport_CAP_SYS_ADMIN = CAP_SYS_ADMIN;

int csupport_has_effective_capability(int cap) {
    if (!CAP_IS_SUPPORTED(cap)) return 0;
    cap_t caps = cap_get_proc();
    if (caps == NULL) return -1;
    cap_flag_value_t value = CAP_CLEAR;
    int result = cap_get_flag(caps, (cap_value_t)cap, CAP_EFFECTIVE, &value);
    cap_free(caps);
    if (result != 0) return -1;
    return value == CAP_SET;
}

int csupport_seccomp_version(void) {
    const struct scmp_version *version = seccomp_version();
    if (version == NULL) return -1;
    return (int)(version->major * 10000 + version->minor * 100 + version->micro);
}

int csupport_execvpe(const char *file, char *const argv[], char *const envp[]) {
    return execvpe(file, argv, envp);
}
