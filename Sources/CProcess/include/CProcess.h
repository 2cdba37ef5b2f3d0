// Linux process calls the Swift Glibc module does not show (they need _GNU_SOURCE, or are
// variadic): the few the service's child-process supervision uses.
#ifndef PRUNELAB_CPROCESS_H
#define PRUNELAB_CPROCESS_H

#include <spawn.h>

/// pipe2(fds, O_CLOEXEC): both ends close on exec, with no window for another thread's spawn.
int prunelab_pipe_cloexec(int fds[2]);

/// posix_spawn_file_actions_addclosefrom_np: the child closes every descriptor from `lowest` on.
int prunelab_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest);

/// sched_setaffinity(0, ...) to the `count` CPUs in `cpus`; -1 with errno on failure.
int prunelab_pin_to_cpus(const int *cpus, int count);

/// The CPUs sched_getaffinity allows, written to `cpus` (at most `capacity`); their count, or -1.
int prunelab_allowed_cpus(int *cpus, int capacity);

/// prctl(PR_SET_PDEATHSIG, signal): the kernel sends `signal` to this process when its parent dies.
int prunelab_set_parent_death_signal(int signal);

/// setvbuf(stdout, NULL, _IOLBF, 0): C's global stdout, which Swift 6 refuses to touch as shared
/// mutable state, line-buffered (so logs show each line as it happens).
void prunelab_line_buffer_stdout(void);

#endif
