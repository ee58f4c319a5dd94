import CProcess

/// glibc gives threads their own malloc arenas and never hands one arena's free memory to
/// another: with thinking's band threads, OpenBLAS's and the decoder's allocating by turns, each
/// arena grew to the working set on its own, so a long `eval` kept growing after its frames were
/// streamed. One arena lets every thread reuse what the others freed.
enum MallocArenas {
    /// Limits the process to one arena; called before the work starts any thread.
    static func useOne() {
        _ = ebt_limit_malloc_arenas(1)
    }
}
