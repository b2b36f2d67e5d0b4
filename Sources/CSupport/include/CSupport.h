#ifndef DEPTHFARM_CSUPPORT_H
#define DEPTHFARM_CSUPPORT_H

/// Asks the kernel to send `signal` to this process when its parent dies (prctl
/// PR_SET_PDEATHSIG, variadic and so not callable from Swift). Returns 0, or -1 with errno set.
int depthfarm_set_parent_death_signal(int signal);

#endif
