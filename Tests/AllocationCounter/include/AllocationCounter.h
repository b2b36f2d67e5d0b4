#ifndef ALLOCATION_COUNTER_H
#define ALLOCATION_COUNTER_H

/// Heap allocations (malloc, calloc, realloc and the aligned variants) made so far by the
/// calling thread. The test binary's own definitions of those functions count and forward them
/// to glibc, so this sees every allocation, Swift's included.
unsigned long long depthfarm_thread_allocations(void);

#endif
