#ifndef _GNU_SOURCE
#error CSupport must be compiled with _GNU_SOURCE
#endif
#include "CSupport.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

int csupport_spawn(const char *file, char *const argv[], char *const envp[], const char *directory, int *pid_out) {
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_t actions;
    int result = posix_spawnattr_init(&attributes);
    if (result != 0) return result;
    result = posix_spawn_file_actions_init(&actions);
    if (result != 0) {
        posix_spawnattr_destroy(&attributes);
        return result;
    }
    // The child starts with every signal at its default disposition and none blocked,
    // whatever the parent ignores or blocks while it waits.
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    result = posix_spawnattr_setsigdefault(&attributes, &all);
    if (result == 0) result = posix_spawnattr_setsigmask(&attributes, &none);
    if (result == 0) result = posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    if (result == 0 && directory != NULL) result = posix_spawn_file_actions_addchdir_np(&actions, directory);
    pid_t pid = 0;
    if (result == 0) result = posix_spawnp(&pid, file, &actions, &attributes, argv, envp);
    if (result == 0) *pid_out = (int)pid;
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    return result;
}

int csupport_wait_status_exit_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }
int csupport_wait_status_signal(int status) { return WIFSIGNALED(status) ? WTERMSIG(status) : 0; }
