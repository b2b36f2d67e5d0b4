// Two Linux calls that Swift cannot reach directly: syncfs is a GNU extension the Glibc module
// leaves out, and prctl is variadic.
#define _GNU_SOURCE
#include <sys/prctl.h>
#include <unistd.h>
#include "CSupport.h"

int depthfarm_syncfs(int fd) { return syncfs(fd); }

int depthfarm_set_parent_death_signal(int signal) { return prctl(PR_SET_PDEATHSIG, signal, 0, 0, 0); }
