#ifndef EBTVID_CPROCESS_SHIM_H
#define EBTVID_CPROCESS_SHIM_H
#include <signal.h>
#include <sys/prctl.h>
#include <malloc.h>

/* prctl is variadic, which Swift does not import: asks the kernel to send `signal` to this
   process when the thread that started it ends (PR_SET_PDEATHSIG). Returns 0 on success. */
static inline int ebt_signal_on_parent_death(int signal) { return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0, 0, 0); }

/* glibc's malloc arenas, one per thread by default: limits them to `count` (M_ARENA_MAX).
   Returns 1 on success. */
static inline int ebt_limit_malloc_arenas(int count) { return mallopt(M_ARENA_MAX, count); }
#endif
