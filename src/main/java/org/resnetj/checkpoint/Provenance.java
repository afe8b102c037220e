package org.resnetj.checkpoint;

import java.util.LinkedHashMap;
import java.util.Map;
import org.resnetj.engine.EngineInfo;
import org.resnetj.engine.Host;

/**
 * How an artifact was made, recorded in every run configuration and checkpoint: the code version,
 * and the DJL, libtorch and JDK versions and host it ran on, since another engine or host may
 * round, order and pick kernels differently. Stored as the keys {@code code_version}, {@code
 * engine} ({@code djl}, {@code libtorch}, {@code jdk}) and {@code host} ({@code cpu}, {@code
 * caches_reported}, {@code isa}) of the enclosing JSON object.
 *
 * @param codeVersion the version of this code ({@link CodeVersion})
 * @param engine the engine's versions and the host, or null for a file written before they were
 *     recorded
 */
public record Provenance(String codeVersion, EngineInfo engine) {

    /** This code, this process's engine (loaded now if no one has) and this machine. */
    public static Provenance current() {
        return new Provenance(CodeVersion.get(), EngineInfo.current());
    }

    /** Adds this provenance's keys to {@code json}. */
    public void putInto(Map<String, Object> json) {
        json.put("code_version", codeVersion);
        if (engine != null) {
            Map<String, Object> versions = new LinkedHashMap<>();
            versions.put("djl", engine.djl());
            versions.put("libtorch", engine.libtorch());
            versions.put("jdk", engine.jdk());
            json.put("engine", versions);
            Map<String, Object> host = new LinkedHashMap<>();
            host.put("cpu", engine.host().cpu());
            host.put("caches_reported", engine.host().cachesReported());
            host.put("isa", engine.host().isa());
            json.put("host", host);
        }
    }

    /**
     * Reads the keys {@link #putInto} writes; a file without {@code engine} and {@code host} gives
     * a null {@link #engine}.
     */
    public static Provenance from(Map<String, ?> json) {
        Object code = json.get("code_version");
        String codeVersion = code == null ? null : String.valueOf(code);
        if (!(json.get("engine") instanceof Map<?, ?> versions)
                || !(json.get("host") instanceof Map<?, ?> host)) {
            return new Provenance(codeVersion, null);
        }
        return new Provenance(
                codeVersion,
                new EngineInfo(
                        text(versions, "djl"),
                        text(versions, "libtorch"),
                        text(versions, "jdk"),
                        new Host(
                                text(host, "cpu"),
                                Boolean.TRUE.equals(host.get("caches_reported")),
                                text(host, "isa"))));
    }

    private static String text(Map<?, ?> map, String key) {
        Object value = map.get(key);
        return value == null ? null : String.valueOf(value);
    }
}
