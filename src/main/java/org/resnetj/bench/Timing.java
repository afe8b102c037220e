package org.resnetj.bench;

/**
 * The timing loop both sides use: {@code warmup} untimed iterations, then iterations until at least
 * {@code seconds} have passed and at least {@code minIterations} are done.
 *
 * @param iterations the timed iterations
 * @param seconds the wall time they took
 * @param bestSeconds the fastest single iteration
 * @param cpuSeconds the CPU time the whole process spent meanwhile, all threads: on a shared
 *     machine a steadier measure of the work than the wall time
 */
record Timing(int iterations, double seconds, double bestSeconds, double cpuSeconds) {

    /** Runs {@code iteration} as described above. */
    static Timing run(Runnable iteration, int warmup, double seconds, int minIterations) {
        for (int i = 0; i < warmup; i++) {
            iteration.run();
        }
        int done = 0;
        double best = Double.POSITIVE_INFINITY;
        double cpuStart = processCpuSeconds();
        long start = System.nanoTime();
        while (true) {
            long before = System.nanoTime();
            iteration.run();
            long after = System.nanoTime();
            best = Math.min(best, (after - before) / 1e9);
            done++;
            double elapsed = (after - start) / 1e9;
            if (done >= minIterations && elapsed >= seconds) {
                return new Timing(done, elapsed, best, processCpuSeconds() - cpuStart);
            }
        }
    }

    /** The CPU time of this process so far, in seconds. */
    private static double processCpuSeconds() {
        return ProcessHandle.current()
                .info()
                .totalCpuDuration()
                .map(d -> d.toNanos() / 1e9)
                .orElse(Double.NaN);
    }
}
