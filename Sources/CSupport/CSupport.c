// A Linux call that Swift cannot reach directly: prctl is variadic.
#define _GNU_SOURCE
#include <sys/prctl.h>
#include "CSupport.h"

int depthfarm_set_parent_death_signal(int signal) { return prctl(PR_SET_PDEATHSIG, signal, 0, 0, 0); }
