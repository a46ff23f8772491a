#include "AllocationCounter.h"
#include <stddef.h>
#include <errno.h>

// Per thread, so tests running in parallel on other threads do not disturb the count.
static __thread int counting = 0;
static __thread uint64_t allocations = 0;

void allocation_counter_start(void) { allocations = 0; counting = 1; }
uint64_t allocation_counter_stop(void) { counting = 0; return allocations; }

#if defined(__linux__) && defined(__GLIBC__)
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static inline void count(void) { if (counting) allocations += 1; }

int allocation_counter_available(void) { return 1; }
void *malloc(size_t size) { count(); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { count(); return __libc_calloc(n, size); }
void *realloc(void *p, size_t size) { count(); return __libc_realloc(p, size); }
void *memalign(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }
int posix_memalign(void **out, size_t alignment, size_t size) {
    count();
    void *p = __libc_memalign(alignment, size);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
#else
int allocation_counter_available(void) { return 0; }
#endif
