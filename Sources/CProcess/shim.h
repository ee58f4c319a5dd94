#ifndef EBTVID_CPROCESS_SHIM_H
#define EBTVID_CPROCESS_SHIM_H
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <malloc.h>

/* prctl is variadic, which Swift does not import: asks the kernel to send `signal` to this
   process when the thread that started it ends (PR_SET_PDEATHSIG). Returns 0 on success. */
static inline int ebt_signal_on_parent_death(int signal) { return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0, 0, 0); }

/* A signal counted by a plain handler, which whichever thread the kernel picks runs: a process
   whose libraries start threads of their own (MPI's) cannot rely on one thread blocking it. */
static volatile sig_atomic_t ebt_signals_seen = 0;
static void ebt_count_signal(int signal) { (void)signal; ebt_signals_seen = 1; }

/* Makes `signal` set the flag that ebt_signal_seen() reads. Returns 0 on success. */
static inline int ebt_catch_signal(int signal) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = ebt_count_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    return sigaction(signal, &action, NULL);
}

static inline int ebt_signal_seen(void) { return ebt_signals_seen; }
/* glibc's malloc arenas, one per thread by default: limits them to `count` (M_ARENA_MAX).
   Returns 1 on success. */
static inline int ebt_limit_malloc_arenas(int count) { return mallopt(M_ARENA_MAX, count); }
#endif
