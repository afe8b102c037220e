package org.resnetj.model;

import java.lang.management.ManagementFactory;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * Returns the C heap's free pages to the operating system: glibc's {@code malloc_trim}, through
 * HotSpot's {@code System.trim_native_heap} diagnostic command (JDK 17.0.9 and later). glibc keeps
 * what the engine frees for reuse, so a phase that frees one large set of arrays while allocating
 * another of the same size (compiling a network's weights into another layout) would otherwise hold
 * both. A no-op where the command does not exist (another JVM, or a C library without it).
 */
final class NativeHeap {

    private static final String TRIM = "systemTrimNativeHeap";

    private static volatile boolean available = true;

    private NativeHeap() {}

    /** Trims the C heap, if this JVM can; costs about a millisecond. */
    static void trim() {
        if (!available) {
            return;
        }
        try {
            ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    TRIM,
                    new Object[] {null},
                    new String[] {String[].class.getName()});
        } catch (JMException | RuntimeException e) {
            available = false; // not HotSpot, or too old: memory then stays with the C library
        }
    }
}
