package org.resnetj.distributed;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@code MPI_COMM_WORLD} of the job {@code mpirun} started, through {@link Mpi}. Open MPI is
 * initialized without thread support, so every call comes from the thread that trains.
 */
final class MpiWorld implements World {

    private final Mpi mpi;
    private final int rank;
    private final int size;
    private final String host = World.host();
    private ByteBuffer doubles = ByteBuffer.allocateDirect(0);
    private boolean closed;

    private MpiWorld(Mpi mpi) {
        this.mpi = mpi;
        IntByReference value = new IntByReference();
        mpi.check(mpi.lib.MPI_Comm_rank(mpi.commWorld, value), "MPI_Comm_rank");
        this.rank = value.getValue();
        mpi.check(mpi.lib.MPI_Comm_size(mpi.commWorld, value), "MPI_Comm_size");
        this.size = value.getValue();
    }

    static MpiWorld start() {
        return new MpiWorld(Mpi.init());
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public String describe() {
        return "rank " + rank + " of " + size + " on " + host;
    }

    @Override
    public void sumFloats(ByteBuffer buffer, int count) {
        checkDirect(buffer, (long) count * Float.BYTES);
        mpi.check(
                mpi.lib.MPI_Allreduce(
                        Mpi.IN_PLACE,
                        Native.getDirectBufferPointer(buffer),
                        count,
                        mpi.floatType,
                        mpi.sum,
                        mpi.commWorld),
                "MPI_Allreduce");
    }

    @Override
    public void sumDoubles(double[] values) {
        int bytes = values.length * Double.BYTES;
        if (doubles.capacity() < bytes) {
            doubles = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
        }
        doubles.clear();
        doubles.asDoubleBuffer().put(values);
        Pointer data = Native.getDirectBufferPointer(doubles);
        mpi.check(
                mpi.lib.MPI_Allreduce(
                        Mpi.IN_PLACE, data, values.length, mpi.doubleType, mpi.sum, mpi.commWorld),
                "MPI_Allreduce");
        doubles.asDoubleBuffer().get(values);
    }

    @Override
    public void broadcast(ByteBuffer buffer, int bytes) {
        checkDirect(buffer, bytes);
        mpi.check(
                mpi.lib.MPI_Bcast(
                        Native.getDirectBufferPointer(buffer),
                        bytes,
                        mpi.byteType,
                        0,
                        mpi.commWorld),
                "MPI_Bcast");
    }

    @Override
    public void abort(String cause) {
        System.err.println(describe() + ": " + cause);
        System.err.flush();
        mpi.lib.MPI_Abort(mpi.commWorld, 1);
        Runtime.getRuntime().halt(1); // MPI_Abort does not return; if it did, still end
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            mpi.check(mpi.lib.MPI_Finalize(), "MPI_Finalize");
        }
    }

    private static void checkDirect(ByteBuffer buffer, long bytes) {
        if (!buffer.isDirect() || buffer.capacity() < bytes) {
            throw new IllegalArgumentException(
                    "MPI needs a direct buffer of at least "
                            + bytes
                            + " bytes, got "
                            + (buffer.isDirect() ? "" : "a heap buffer of ")
                            + buffer.capacity());
        }
    }
}
