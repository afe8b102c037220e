package org.resnetj.distributed;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The processes training one model together: {@code mpirun}'s {@code MPI_COMM_WORLD}, or this
 * process alone. All collectives are called by every rank in the same order, from one thread.
 */
public interface World extends AutoCloseable {

    /** This process alone: rank 0 of 1, where every collective leaves its data as it is. */
    World SINGLE = new Single();

    /** This process's rank, 0 ... {@link #size()} − 1. */
    int rank();

    /** The number of processes. */
    int size();

    /**
     * Replaces the first {@code count} floats of {@code buffer} (a direct buffer in native order)
     * by their sum over all ranks.
     */
    void sumFloats(ByteBuffer buffer, int count);

    /** Replaces every value by its sum over all ranks, exact for integers below 2^53. */
    void sumDoubles(double[] values);

    /** Overwrites the first {@code bytes} bytes of the direct {@code buffer} by rank 0's. */
    void broadcast(ByteBuffer buffer, int bytes);

    /**
     * Ends every process of the job: prints {@code "rank R of N on HOST: cause"} as one line on
     * stderr, then calls {@code MPI_Abort}, which makes {@code mpirun} kill the other ranks, so
     * that none waits forever in a collective. Does not return in an MPI world.
     */
    void abort(String cause);

    /** Leaves the world ({@code MPI_Finalize}); the last call of the process on it. */
    @Override
    void close();

    /** {@code "rank 0 of 4 on host-a"}. */
    default String describe() {
        return "rank " + rank() + " of " + size() + " on " + host();
    }

    /** Open MPI's {@code mpirun} on the {@code PATH}, if it is installed. */
    static Optional<Path> mpirun() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "mpirun");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** This machine's name. */
    static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return System.getenv().getOrDefault("HOSTNAME", "unknown host");
        }
    }

    /**
     * The world this process was started in: MPI's when {@code mpirun} started it (it sets {@code
     * OMPI_COMM_WORLD_SIZE} and {@code OMPI_COMM_WORLD_RANK}), this process alone otherwise. Open
     * MPI is loaded only in the first case, so a single process needs no MPI installation.
     */
    static World fromEnvironment() {
        return System.getenv("OMPI_COMM_WORLD_SIZE") == null ? SINGLE : MpiWorld.start();
    }

    /** The world of one process. */
    final class Single implements World {

        private Single() {}

        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int size() {
            return 1;
        }

        @Override
        public void sumFloats(ByteBuffer buffer, int count) {}

        @Override
        public void sumDoubles(double[] values) {}

        @Override
        public void broadcast(ByteBuffer buffer, int bytes) {}

        @Override
        public void abort(String cause) {}

        @Override
        public void close() {}
    }
}
