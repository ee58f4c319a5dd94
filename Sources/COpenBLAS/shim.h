#ifndef EBTVID_COPENBLAS_SHIM_H
#define EBTVID_COPENBLAS_SHIM_H
#include <cblas.h>

/* LAPACK symmetric eigensolver from OpenBLAS's bundled LAPACK (Fortran calling convention). */
void ssyevd_(const char *jobz, const char *uplo, const int *n, float *a, const int *lda, float *w,
             float *work, const int *lwork, int *iwork, const int *liwork, int *info);
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info);

/* OpenBLAS thread control. */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif
