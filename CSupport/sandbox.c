#ifndef _GNU_SOURCE
#error CSupport must be compiled with _GNU_SOURCE
#endif
#include "CSupport.h"

#include <sys/capability.h>
#include <errno.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
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
    // A signal mask and ignored dispositions survive exec: the thread calling this is one of
    // Swift's, with most signals blocked, and cilo ignores some of its own. The command gets
    // every signal at its default and none blocked; a failed exec puts cilo's back.
    struct sigaction saved[NSIG];
    bool changed[NSIG] = {false};
    struct sigaction fallback;
    memset(&fallback, 0, sizeof fallback);
    fallback.sa_handler = SIG_DFL;
    sigemptyset(&fallback.sa_mask);
    for (int number = 1; number < NSIG; number++) {
        changed[number] = sigaction(number, &fallback, &saved[number]) == 0;  // EINVAL: KILL, STOP, the C library's own
    }
    sigset_t none, previous;
    sigemptyset(&none);
    int masked = pthread_sigmask(SIG_SETMASK, &none, &previous);
    execvpe(file, argv, envp);
    int code = errno;
    if (masked == 0) pthread_sigmask(SIG_SETMASK, &previous, NULL);
    for (int number = 1; number < NSIG; number++) {
        if (changed[number]) sigaction(number, &saved[number], NULL);
    }
    errno = code;
    return -1;
}
