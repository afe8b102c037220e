package org.resnetj.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The host a benchmark ran on: its CPU, whether it reports its cache topology to the guest (a host
 * that hides it runs the workaround of {@link HiddenCaches}, and measures differently), and the
 * instruction set oneDNN picks on it.
 *
 * @param cpu the CPU's model name
 * @param cachesReported whether {@code /sys/devices/system/cpu/cpu0/cache} exists
 * @param isa oneDNN's instruction set: the best its dispatcher supports among the CPU's flags,
 *     capped by {@code ONEDNN_MAX_CPU_ISA} where set
 */
public record Host(String cpu, boolean cachesReported, String isa) {

    /**
     * oneDNN's x64 instruction sets, best first, each with the CPU flags (as Linux names them in
     * /proc/cpuinfo) that its dispatcher requires. As in oneDNN, each AVX-512 set is the one below
     * it plus its own flags, and likewise AVX2-VNNI over AVX2.
     */
    private static final List<Isa> ISAS = isas();

    private static List<Isa> isas() {
        Isa avx512Core =
                new Isa("avx512_core", Set.of("avx512f", "avx512bw", "avx512vl", "avx512dq"));
        Isa avx512CoreVnni = avx512Core.plus("avx512_core_vnni", "avx512_vnni");
        Isa avx512CoreBf16 = avx512CoreVnni.plus("avx512_core_bf16", "avx512_bf16");
        Isa avx512CoreAmx =
                avx512CoreBf16.plus("avx512_core_amx", "amx_tile", "amx_int8", "amx_bf16");
        Isa avx2 = new Isa("avx2", Set.of("avx2", "fma"));
        return List.of(
                avx512CoreAmx,
                avx512CoreBf16,
                avx512CoreVnni,
                avx512Core,
                avx2.plus("avx2_vnni", "avx_vnni"),
                avx2,
                new Isa("avx", Set.of("avx")),
                new Isa("sse41", Set.of("sse4_1")));
    }

    private record Isa(String name, Set<String> flags) {

        /** The instruction set {@code name} that requires these flags and {@code more}. */
        Isa plus(String name, String... more) {
            Set<String> all = new HashSet<>(flags);
            all.addAll(List.of(more));
            return new Isa(name, Set.copyOf(all));
        }
    }

    /** This machine. */
    public static Host current() {
        List<String> cpuinfo;
        try {
            cpuinfo = Files.readAllLines(Path.of("/proc/cpuinfo"));
        } catch (IOException e) {
            cpuinfo = List.of();
        }
        String model = field(cpuinfo, "model name");
        String flags = field(cpuinfo, "flags");
        return new Host(
                model == null ? System.getProperty("os.arch") : model,
                !HiddenCaches.hostHidesCaches(),
                flags == null
                        ? "unknown"
                        : isa(Set.of(flags.split("\\s+")), System.getenv("ONEDNN_MAX_CPU_ISA")));
    }

    /**
     * The best of oneDNN's instruction sets that {@code flags} allow, at most {@code cap} (null for
     * none).
     */
    static String isa(Set<String> flags, String cap) {
        int first = 0;
        if (cap != null && !cap.isBlank()) {
            String wanted = cap.strip().toLowerCase(Locale.ROOT);
            for (int i = 0; i < ISAS.size(); i++) {
                if (ISAS.get(i).name().equals(wanted)) {
                    first = i;
                }
            }
        }
        for (Isa isa : ISAS.subList(first, ISAS.size())) {
            if (flags.containsAll(isa.flags())) {
                return isa.name();
            }
        }
        return "none of oneDNN's x64 sets";
    }

    private static String field(List<String> cpuinfo, String name) {
        return cpuinfo.stream()
                .filter(l -> l.startsWith(name))
                .map(l -> l.substring(l.indexOf(':') + 1).strip())
                .findFirst()
                .orElse(null);
    }

    /**
     * One line: "AMD EPYC; caches hidden (1x1 convolutions and sums outside oneDNN); oneDNN ISA
     * avx512_core_bf16".
     */
    public String describe() {
        return String.format(
                Locale.ROOT,
                "%s; %s; oneDNN ISA %s (from the CPU's flags)",
                cpu,
                cachesReported
                        ? "caches reported"
                        : "caches HIDDEN (1x1 convolutions and sums run outside oneDNN)",
                isa);
    }
}
