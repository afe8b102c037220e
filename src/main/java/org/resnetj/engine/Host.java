package org.resnetj.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
     * /proc/cpuinfo) that its dispatcher requires.
     */
    private static final List<Isa> ISAS =
            List.of(
                    new Isa(
                            "avx512_core_amx",
                            Set.of(
                                    "amx_tile",
                                    "amx_int8",
                                    "amx_bf16",
                                    "avx512_bf16",
                                    "avx512_vnni",
                                    "avx512f",
                                    "avx512bw",
                                    "avx512vl",
                                    "avx512dq")),
                    new Isa(
                            "avx512_core_bf16",
                            Set.of(
                                    "avx512_bf16",
                                    "avx512_vnni",
                                    "avx512f",
                                    "avx512bw",
                                    "avx512vl",
                                    "avx512dq")),
                    new Isa(
                            "avx512_core_vnni",
                            Set.of("avx512_vnni", "avx512f", "avx512bw", "avx512vl", "avx512dq")),
                    new Isa("avx512_core", Set.of("avx512f", "avx512bw", "avx512vl", "avx512dq")),
                    new Isa("avx2_vnni", Set.of("avx_vnni", "avx2", "fma")),
                    new Isa("avx2", Set.of("avx2", "fma")),
                    new Isa("avx", Set.of("avx")),
                    new Isa("sse41", Set.of("sse4_1")));

    private record Isa(String name, Set<String> flags) {}

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
