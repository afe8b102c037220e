package org.resnetj.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.reflect.Field;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link NativeHeap#trim}: glibc returns the pages of freed arrays to the system.
 *
 * <p>The test watches the pages that held the freed arrays themselves, not the process's resident
 * size, which other threads (the JIT, the collector) move at any time: {@code /proc/self/pagemap}
 * tells, page by page, whether a virtual page is resident (bit 63).
 */
class NativeHeapTest {

    /**
     * Arrays freed: every other one of twice as many, so each freed array is a hole between two
     * live ones.
     */
    private static final int FREED = 400;

    /** 64 KB of floats: below glibc's mmap threshold, so the C heap holds them. */
    private static final long FLOATS = 16 * 1024;

    /**
     * sun.misc.Unsafe, called reflectively: javac warns on every mention of it, without a way to
     * suppress the warning.
     */
    private static final Object UNSAFE = unsafe();

    private static final long PAGE = ((Number) call("pageSize", new Class<?>[0])).longValue();

    @Test
    void runsWithoutTheMBeanServerWhenOpened() {
        // The tests run with NativeHeap.OPEN, as the resnet launcher and the benchmark's JVMs.
        assertThat(NativeHeap.trim()).isEqualTo(NativeHeap.Route.DIRECT);
    }

    /**
     * A freed array between two live ones is a hole that glibc's free() keeps (it gives back only
     * the top of a heap) and that malloc_trim releases page by page: every page of it but the one
     * holding the free chunk's header. So after the trim the holes keep about one resident page
     * each (two allowed: an allocation of another thread may split a hole before the trim), where
     * before they were whole.
     */
    @Test
    void returnsThePagesOfFreedArraysToTheSystem() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            List<NDArray> live = new ArrayList<>();
            List<NDArray> freed = new ArrayList<>();
            for (int i = 0; i < 2 * FREED + 1; i++) {
                (i % 2 == 1 ? freed : live)
                        .add(manager.ones(new Shape(FLOATS))); // ones: every page written
            }
            List<long[]> holes = new ArrayList<>();
            for (NDArray array : freed) {
                long start = address(array);
                holes.add(new long[] {start, start + 4 * FLOATS});
            }
            freed.forEach(NDArray::close);
            long pages = holes.stream().mapToLong(h -> wholePages(h[0], h[1])).sum();

            long before = resident(holes);
            NativeHeap.Route route = NativeHeap.trim();
            long after = resident(holes);

            System.out.printf(
                    "%d whole pages in %d freed arrays: %d resident before the trim, %d after%n",
                    pages, FREED, before, after);
            assertThat(route).isEqualTo(NativeHeap.Route.DIRECT);
            assertThat(pages).isGreaterThanOrEqualTo(15L * FREED);
            assertThat(before)
                    .as("resident pages of the holes before the trim, of %d", pages)
                    .isGreaterThan(pages * 9 / 10);
            assertThat(after)
                    .as("resident pages of the holes after the trim, of %d", pages)
                    .isLessThanOrEqualTo(2L * FREED);
            live.forEach(NDArray::close);
        }
    }

    /**
     * The address of the array's data: that of PyTorch's direct buffer over it, which Buffer keeps
     * in a private field that only Unsafe may read without opening java.nio.
     */
    private static long address(NDArray array) throws ReflectiveOperationException {
        ByteBuffer data = ((PtNDArray) array).toByteBuffer(true);
        assertThat(data.isDirect()).isTrue();
        assertThat((long) data.capacity()).isEqualTo(4 * FLOATS);
        long offset =
                (long)
                        call(
                                "objectFieldOffset",
                                new Class<?>[] {Field.class},
                                Buffer.class.getDeclaredField("address"));
        return (long) call("getLong", new Class<?>[] {Object.class, long.class}, data, offset);
    }

    private static Object unsafe() {
        try {
            Field theUnsafe = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
            theUnsafe.setAccessible(true);
            return theUnsafe.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("no sun.misc.Unsafe in this JDK", e);
        }
    }

    private static Object call(String method, Class<?>[] types, Object... args) {
        try {
            return UNSAFE.getClass().getMethod(method, types).invoke(UNSAFE, args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("sun.misc.Unsafe." + method, e);
        }
    }

    /** The pages that lie wholly in [start, end). */
    private static long wholePages(long start, long end) {
        return Math.max(0, Math.floorDiv(end, PAGE) - Math.floorDiv(start + PAGE - 1, PAGE));
    }

    /** How many pages wholly inside the ranges are resident, by /proc/self/pagemap's bit 63. */
    private static long resident(List<long[]> ranges) throws IOException {
        long count = 0;
        try (RandomAccessFile pagemap = new RandomAccessFile("/proc/self/pagemap", "r")) {
            for (long[] range : ranges) {
                long first = Math.floorDiv(range[0] + PAGE - 1, PAGE);
                int n = (int) wholePages(range[0], range[1]);
                byte[] entries = new byte[8 * n];
                pagemap.seek(8 * first);
                pagemap.readFully(entries);
                ByteBuffer buffer = ByteBuffer.wrap(entries).order(ByteOrder.nativeOrder());
                for (int i = 0; i < n; i++) {
                    if (buffer.getLong() < 0) {
                        count++;
                    }
                }
            }
        }
        return count;
    }
}
