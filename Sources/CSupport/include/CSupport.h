#ifndef DEPTHFARM_CSUPPORT_H
#define DEPTHFARM_CSUPPORT_H

/// Flushes every dirty page of the filesystem holding `fd` (Linux syncfs(2), which Swift's Glibc
/// module does not expose). Returns 0, or -1 with errno set.
int depthfarm_syncfs(int fd);

/// Asks the kernel to send `signal` to this process when its parent dies (prctl
/// PR_SET_PDEATHSIG, variadic and so not callable from Swift). Returns 0, or -1 with errno set.
int depthfarm_set_parent_death_signal(int signal);

#endif
