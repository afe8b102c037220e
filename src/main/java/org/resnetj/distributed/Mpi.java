package org.resnetj.distributed;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import java.util.Map;

/**
 * The few functions of Open MPI's C library ({@code libmpi.so.40}, Open MPI 4) that data-parallel
 * SGD needs, bound with JNA. Open MPI's handles ({@code MPI_COMM_WORLD}, {@code MPI_FLOAT}, {@code
 * MPI_SUM}) are the addresses of its global objects {@code ompi_mpi_comm_world}, {@code
 * ompi_mpi_float}, {@code ompi_mpi_op_sum}; {@code MPI_IN_PLACE} is the pointer value 1.
 */
final class Mpi {

    /** The shared library of Open MPI 4.x, as Debian's {@code openmpi-bin} installs it. */
    static final String LIBRARY = "libmpi.so.40";

    /** {@code MPI_IN_PLACE} in Open MPI's {@code mpi.h}. */
    static final Pointer IN_PLACE = new Pointer(1);

    /** {@code MPI_SUCCESS}. */
    private static final int SUCCESS = 0;

    // dlopen flags of glibc: Debian's transport plug-ins do not link libmpi themselves, so its
    // symbols must be global for them to load.
    private static final int RTLD_NOW = 0x2;
    private static final int RTLD_GLOBAL = 0x100;

    /** The C functions, as declared in {@code mpi.h}; handles are pointers in Open MPI. */
    interface Lib extends Library {
        int MPI_Init(Pointer argc, Pointer argv);

        int MPI_Comm_rank(Pointer comm, IntByReference rank);

        int MPI_Comm_size(Pointer comm, IntByReference size);

        int MPI_Allreduce(
                Pointer send, Pointer receive, int count, Pointer type, Pointer op, Pointer comm);

        int MPI_Bcast(Pointer buffer, int count, Pointer type, int root, Pointer comm);

        int MPI_Barrier(Pointer comm);

        int MPI_Abort(Pointer comm, int errorCode);

        int MPI_Finalize();
    }

    /** The C library's {@code setenv}, to configure Open MPI before it starts. */
    interface C extends Library {
        int setenv(String name, String value, int overwrite);
    }

    final Lib lib;
    final Pointer commWorld;
    final Pointer floatType;
    final Pointer doubleType;
    final Pointer byteType;
    final Pointer sum;

    private Mpi(Lib lib, NativeLibrary symbols) {
        this.lib = lib;
        this.commWorld = symbols.getGlobalVariableAddress("ompi_mpi_comm_world");
        this.floatType = symbols.getGlobalVariableAddress("ompi_mpi_float");
        this.doubleType = symbols.getGlobalVariableAddress("ompi_mpi_double");
        this.byteType = symbols.getGlobalVariableAddress("ompi_mpi_byte");
        this.sum = symbols.getGlobalVariableAddress("ompi_mpi_op_sum");
    }

    /**
     * Loads Open MPI and calls {@code MPI_Init}.
     *
     * @throws IllegalStateException naming the library if it cannot be loaded or initialized
     */
    static Mpi init() {
        // Open MPI's own handlers of SIGSEGV, SIGBUS, SIGFPE and SIGABRT would replace the JVM's,
        // which uses SIGSEGV for its implicit null checks; an environment value set by the user
        // wins (overwrite = 0).
        Native.load("c", C.class).setenv("OMPI_MCA_opal_signal", "", 0);
        Map<String, Object> options = Map.of(Library.OPTION_OPEN_FLAGS, RTLD_GLOBAL | RTLD_NOW);
        Lib lib;
        NativeLibrary symbols;
        try {
            lib = Native.load(LIBRARY, Lib.class, options);
            symbols = NativeLibrary.getInstance(LIBRARY, options);
        } catch (UnsatisfiedLinkError e) {
            throw new IllegalStateException(
                    "started by mpirun, but Open MPI's "
                            + LIBRARY
                            + " cannot be loaded (apt-get install openmpi-bin): "
                            + e.getMessage());
        }
        Mpi mpi = new Mpi(lib, symbols);
        mpi.check(lib.MPI_Init(null, null), "MPI_Init");
        return mpi;
    }

    /** Throws unless {@code code} is {@code MPI_SUCCESS}. */
    void check(int code, String call) {
        if (code != SUCCESS) {
            throw new IllegalStateException(call + " failed with MPI error code " + code);
        }
    }
}
