#ifndef EBTVID_CMPI_SHIM_H
#define EBTVID_CMPI_SHIM_H
#include <mpi.h>

/* Open MPI's MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM and MPI_IN_PLACE are macros over its global
   objects, which Swift does not import: these functions name them for it. Each returns MPI's
   error code (MPI_SUCCESS, 0, when it went well) unless it returns a count. */

/* The training loop calls MPI from one thread only (its workers never do). */
static inline int ebt_mpi_init(void) {
    int provided = 0;
    return MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
}

static inline int ebt_mpi_rank(void) {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
}

static inline int ebt_mpi_size(void) {
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size;
}

/* Replaces buffer[0..<count] on every rank by its element-wise sum over all ranks. */
static inline int ebt_mpi_allreduce_sum_float(float *buffer, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}

static inline int ebt_mpi_finalize(void) { return MPI_Finalize(); }

/* Ends every rank of the job with `code`: one rank's failure must not leave the others waiting. */
static inline void ebt_mpi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }
#endif
