#ifndef EBTVID_CPROCESS_SHIM_H
#define EBTVID_CPROCESS_SHIM_H
#include <signal.h>
#include <sys/prctl.h>

/* prctl is variadic, which Swift does not import: asks the kernel to send `signal` to this
   process when the thread that started it ends (PR_SET_PDEATHSIG). Returns 0 on success. */
static inline int ebt_signal_on_parent_death(int signal) { return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0, 0, 0); }
#endif
