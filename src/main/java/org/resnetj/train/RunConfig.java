package org.resnetj.train;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.checkpoint.Provenance;
import org.resnetj.model.ModelOptions;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;

/**
 * The resolved configuration of a run, stored as {@code config.json} in its directory: the model
 * and its options, the data, the recipe and the run settings (each in a section of its own), and
 * the {@link Provenance} of the process that started it. The iterations and the batch size are the
 * recipe's ({@code recipe.iterations}, {@code recipe.batch}) and recorded only there.
 *
 * @param model the registry name
 * @param options the architecture options
 * @param data the data source, as given
 * @param synthetic whether the data is the synthetic set
 * @param setup the training recipe and the run settings
 * @param provenance the code version, engine and host that started the run
 */
public record RunConfig(
        String model,
        ModelOptions options,
        String data,
        boolean synthetic,
        Setup setup,
        Provenance provenance) {

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
        map.put("options", Checkpoint.optionsMap(options));
        map.put("data", data);
        map.put("synthetic", synthetic);
        map.put("recipe", recipe().toMap());
        map.put("run", run().toMap());
        provenance.putInto(map);
        return map;
    }

    /** Writes {@code config.json} into {@code runDir} atomically. */
    public void write(Path runDir) throws IOException {
        write(runDir, toMap());
    }

    /** Writes {@code config} as {@code runDir/config.json} atomically, whatever ran there. */
    public static void write(Path runDir, Map<String, Object> config) throws IOException {
        Path tmp = runDir.resolve(FILE + ".tmp");
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), config);
        Files.move(
                tmp,
                runDir.resolve(FILE),
                StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Reads the configuration of a run directory. Older layouts are read as well: one written
     * before the run settings had a section of their own holds them in its recipe; one written
     * before the engine and host were recorded has only a code version; and one may repeat the
     * iterations and batch size outside the recipe, where they are ignored.
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
                    Checkpoint.options((Map<String, Object>) map.get("options")),
                    (String) map.get("data"),
                    Boolean.TRUE.equals(map.get("synthetic")),
                    Setup.fromMaps(
                            (Map<String, Object>) map.get("recipe"),
                            (Map<String, Object>) map.getOrDefault("run", Map.of())),
                    Provenance.from(map));
        } catch (RuntimeException | IOException e) {
            throw new IOException("unreadable run configuration " + file + ": " + e.getMessage());
        }
    }
}
