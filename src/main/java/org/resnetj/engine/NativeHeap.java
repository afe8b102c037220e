package org.resnetj.engine;

import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * Returns the C heap's free pages to the operating system: glibc's {@code malloc_trim}, through
 * HotSpot's {@code System.trim_native_heap} diagnostic command (JDK 17.0.9 and later), the command
 * that {@code jcmd <pid> System.trim_native_heap} runs. glibc keeps what the engine frees for
 * reuse, so a phase that frees one large set of arrays while allocating another of the same size
 * (compiling a network's weights into another layout) would otherwise hold both.
 *
 * <p>The command runs straight through the JDK's diagnostic-command bean when the launcher opens
 * its package ({@value #OPEN}, as {@code resnet}, the benchmark and the tests do); otherwise
 * through the platform MBean server, whose first use costs a small process about 3 MB more resident
 * memory (it registers every platform bean). A no-op where neither exists (another JVM, or a C
 * library without it).
 */
public final class NativeHeap {

    /** The JVM option that lets {@link #trim()} skip the platform MBean server. */
    public static final String OPEN =
            "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED";

    private static final String COMMAND = "System.trim_native_heap";

    /** How a trim runs, fixed on first use. */
    enum Route {
        /** The diagnostic-command bean's own method, without the MBean server. */
        DIRECT,
        /** The bean's operation, through the platform MBean server. */
        MBEAN_SERVER,
        /** Not at all: the command does not exist here. */
        NONE
    }

    private static Method direct;
    private static Object bean;
    private static Route route;

    private NativeHeap() {}

    /**
     * Trims the C heap, if this JVM can; costs about a millisecond.
     *
     * @return how it ran
     */
    static synchronized Route trim() {
        if (route == null) {
            route = openDirect() ? Route.DIRECT : Route.MBEAN_SERVER;
        }
        if (route == Route.DIRECT) {
            try {
                direct.invoke(bean, COMMAND);
            } catch (IllegalAccessException | InvocationTargetException e) {
                route = Route.MBEAN_SERVER;
            }
        }
        if (route == Route.MBEAN_SERVER) {
            try {
                ManagementFactory.getPlatformMBeanServer()
                        .invoke(
                                new ObjectName("com.sun.management:type=DiagnosticCommand"),
                                "systemTrimNativeHeap",
                                new Object[] {null},
                                new String[] {String[].class.getName()});
            } catch (JMException | RuntimeException e) {
                route = Route.NONE; // not HotSpot, or too old: memory then stays with the C library
            }
        }
        return route;
    }

    /**
     * Finds the bean's native {@code executeDiagnosticCommand(String)}; false if its package is
     * closed to us.
     */
    private static boolean openDirect() {
        try {
            // Its static initializer loads the native library that the command's method lives in.
            Class.forName("com.sun.management.internal.PlatformMBeanProviderImpl");
            Class<?> impl = Class.forName("com.sun.management.internal.DiagnosticCommandImpl");
            Method get = impl.getDeclaredMethod("getDiagnosticCommandMBean");
            get.setAccessible(true);
            Method execute = impl.getDeclaredMethod("executeDiagnosticCommand", String.class);
            execute.setAccessible(true);
            bean = get.invoke(null);
            direct = execute;
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false; // closed (InaccessibleObjectException), or another JDK's internals
        }
    }
}
