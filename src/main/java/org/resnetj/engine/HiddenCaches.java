package org.resnetj.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The workaround for hosts that hide their CPU cache topology, where the oneDNN 3.7 inside libtorch
 * 2.7.1 divides by zero and kills the JVM.
 *
 * <p>On such a host CPUID leaves 4 and 0x8000001D describe no caches. oneDNN sizes the blocks of
 * its kernels from the cache sizes, and two of them then raise SIGFPE: the 1×1 convolution ({@code
 * brg_blocking_t::est_eff_1x1}, forward and backward) and the sum primitive ({@code
 * simple_sum_t::pd_t::init}) that adds two maps in oneDNN's own layout. Its 3×3 and 7×7
 * convolutions and its pooling run correctly. So the workaround is narrow:
 *
 * <ul>
 *   <li>a 1×1 convolution runs as the matrix product it is, over the channels of each pixel,
 *       through MKL's GEMM ({@link Kernels#convolution}, in training and eager inference);
 *   <li>compiled inference ({@link InferenceScript}) keeps its maps dense and channels-last, where
 *       a residual addition is the engine's own elementwise addition, not a oneDNN sum.
 * </ul>
 *
 * Everything else keeps oneDNN's fast path.
 *
 * <p>The Linux kernel fills {@code /sys/devices/system/cpu/cpu0/cache} from the same CPUID leaves,
 * so its absence recognises such a host. The setting {@value #PROPERTY} (a system property, or the
 * environment variable {@value #VARIABLE}) is {@code auto} (the default: on where the host hides
 * its caches), {@code on} (force the workaround on any host, as the tests do to run both paths
 * everywhere) or {@code off}. It is read at each use, so a test may switch it.
 */
public final class HiddenCaches {

    /** The system property that sets the workaround: auto, on or off. */
    public static final String PROPERTY = "resnet.cache-workaround";

    /** The environment variable read when the property is unset. */
    public static final String VARIABLE = "RESNET_CACHE_WORKAROUND";

    /** Where Linux describes the first CPU's caches; absent on a host that hides them. */
    static final Path CPU0_CACHES = Path.of("/sys/devices/system/cpu/cpu0/cache");

    private static final boolean HOST_HIDES_CACHES = !Files.isDirectory(CPU0_CACHES);

    private HiddenCaches() {}

    /** Whether this host hides its cache topology from its guests. */
    public static boolean hostHidesCaches() {
        return HOST_HIDES_CACHES;
    }

    /**
     * Whether the workaround is on now.
     *
     * @throws IllegalArgumentException if the setting is not auto, on or off
     */
    public static boolean active() {
        String setting = System.getProperty(PROPERTY);
        if (setting == null) {
            setting = System.getenv().getOrDefault(VARIABLE, "auto");
        }
        return switch (setting.trim().toLowerCase(Locale.ROOT)) {
            case "auto", "" -> HOST_HIDES_CACHES;
            case "on" -> true;
            case "off" -> false;
            default ->
                    throw new IllegalArgumentException(
                            PROPERTY
                                    + " (or "
                                    + VARIABLE
                                    + ") is '"
                                    + setting
                                    + "'; expected auto, on or off");
        };
    }

    /**
     * The line the tool prints at start-up when the workaround is on: what it does differently, and
     * why; null when it is off.
     */
    public static String notice() {
        if (!active()) {
            return null;
        }
        String why =
                HOST_HIDES_CACHES
                        ? "this host hides its CPU cache sizes (no "
                                + CPU0_CACHES
                                + "), and oneDNN's 1x1 convolution and sum divide by zero there"
                        : "forced by " + PROPERTY + "=on";
        return "note: 1x1 convolutions run as matrix products and compiled inference keeps its maps"
                + " channels-last, outside oneDNN's sum: "
                + why;
    }
}
