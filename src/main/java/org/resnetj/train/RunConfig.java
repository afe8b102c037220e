package org.resnetj.train;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.resnetj.model.ModelOptions;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Shortcut;
import org.resnetj.model.StridePlacement;

/**
 * The resolved configuration of a run, stored as {@code config.json} in its directory: the model
 * and its options, the data, the recipe and the run settings (each in a section of its own), and
 * the code version that made it.
 *
 * @param model the registry name
 * @param options the architecture options
 * @param data the data source, as given
 * @param synthetic whether the data is the synthetic set
 * @param setup the training recipe and the run settings
 * @param codeVersion the version of the code that started the run
 */
public record RunConfig(
        String model,
        ModelOptions options,
        String data,
        boolean synthetic,
        Setup setup,
        String codeVersion) {

    /** The file name inside a run directory. */
    public static final String FILE = "config.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The training recipe. */
    public Recipe recipe() {
        return setup.recipe();
    }

    /** The run settings. */
    public RunSettings run() {
        return setup.run();
    }

    /** The registered network. */
    public ModelSpec spec() {
        return ModelRegistry.get(model);
    }

    /** The configuration as JSON-ready maps. */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("model", model);
        map.put("options", optionsMap(options));
        map.put("data", data);
        map.put("synthetic", synthetic);
        map.put("iterations", recipe().iterations());
        map.put("batch", recipe().batch());
        map.put("recipe", recipe().toMap());
        map.put("run", run().toMap());
        map.put("code_version", codeVersion);
        return map;
    }

    /** The options as stored in configurations and checkpoints. */
    public static Map<String, Object> optionsMap(ModelOptions options) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("shortcut", options.shortcut().name());
        map.put("stride_placement", options.stridePlacement().name());
        map.put("classes", options.classes());
        return map;
    }

    /** Reads options stored by {@link #optionsMap}. */
    public static ModelOptions options(Map<String, ?> map) {
        return new ModelOptions(
                Shortcut.valueOf(String.valueOf(map.get("shortcut")).toUpperCase(Locale.ROOT)),
                StridePlacement.valueOf(String.valueOf(map.get("stride_placement"))),
                ((Number) map.get("classes")).intValue());
    }

    /** Writes {@code config.json} into {@code runDir} atomically. */
    public void write(Path runDir) throws IOException {
        Path tmp = runDir.resolve(FILE + ".tmp");
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), toMap());
        Files.move(
                tmp,
                runDir.resolve(FILE),
                StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Reads the configuration of a run directory. A configuration written before the run settings
     * had a section of their own holds them in its recipe, and is read as well.
     *
     * @throws IOException naming the file if it is missing or unreadable
     */
    @SuppressWarnings("unchecked")
    public static RunConfig read(Path runDir) throws IOException {
        Path file = runDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "not a run directory: no " + FILE);
        }
        try {
            Map<String, Object> map =
                    JSON.readValue(
                            file.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {});
            return new RunConfig(
                    (String) map.get("model"),
                    options((Map<String, Object>) map.get("options")),
                    (String) map.get("data"),
                    Boolean.TRUE.equals(map.get("synthetic")),
                    Setup.fromMaps(
                            (Map<String, Object>) map.get("recipe"),
                            (Map<String, Object>) map.getOrDefault("run", Map.of())),
                    (String) map.get("code_version"));
        } catch (RuntimeException | IOException e) {
            throw new IOException("unreadable run configuration " + file + ": " + e.getMessage());
        }
    }
}
