#ifndef FLYTALLY_ALLOCATION_COUNTER_H
#define FLYTALLY_ALLOCATION_COUNTER_H
// Test support only: counts heap allocations made by the calling thread while enabled, by
// interposing malloc & co. in the test executable (glibc exports __libc_* to forward to).
// Linked only into test targets; on other platforms the counter stays at zero and
// allocation_counter_available() returns 0.
#include <stdint.h>
void allocation_counter_start(void);
uint64_t allocation_counter_stop(void);
int allocation_counter_available(void);
#endif
