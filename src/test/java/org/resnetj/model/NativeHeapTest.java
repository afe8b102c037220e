package org.resnetj.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NativeHeapTest {

    @Test
    void runsWithoutTheMBeanServerWhenOpened() {
        // The tests run with NativeHeap.OPEN, as the resnet launcher and the benchmark's JVMs.
        assertEquals(NativeHeap.Route.DIRECT, NativeHeap.trim());
    }

    @Test
    void returnsFreedArraysToTheSystem() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            // 64 KB arrays come from the C heap, not from mappings of their own; the last one
            // stays allocated, so glibc cannot simply shrink the heap from its top.
            List<NDArray> arrays = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                arrays.add(manager.ones(new Shape(16 * 1024)));
            }
            NDArray last = manager.ones(new Shape(16 * 1024));
            arrays.forEach(NDArray::close);
            long before = residentKb();
            NativeHeap.trim();
            long after = residentKb();
            assertTrue(before - after > 30 * 1024, "resident " + before + " KB before the trim, " + after + " after");
            last.close();
        }
    }

    private static long residentKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
