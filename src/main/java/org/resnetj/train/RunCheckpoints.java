package org.resnetj.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.resnetj.checkpoint.ArrayCopy;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.checkpoint.Provenance;
import org.resnetj.model.Network;

/**
 * A training run's checkpoints in the {@link Checkpoint} format: {@link #save} writes the network,
 * the momentum buffers and where the loop stands, and {@link #restore} puts them back.
 */
final class RunCheckpoints {

    private RunCheckpoints() {}

    /**
     * Where a training loop stands, besides its arrays.
     *
     * @param iteration the iterations done
     * @param loop the loop's own state (the logging interval so far)
     * @param schedule the learning-rate schedule's state ({@link LrSchedule#state})
     */
    record LoopState(int iteration, Map<String, Object> loop, Map<String, Object> schedule) {}

    /**
     * Writes the checkpoint of a training run at {@code state}'s iteration, then deletes all but
     * the newest {@code keep_checkpoints} of the run's.
     */
    static void save(
            Path runDir,
            RunConfig config,
            LoopState state,
            Network network,
            Sgd sgd,
            TrainingData data)
            throws IOException {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("model", config.model());
        meta.put("options", Checkpoint.optionsMap(config.options()));
        meta.put("iteration", state.iteration());
        Map<String, Object> loop = new LinkedHashMap<>(state.loop());
        loop.put("lr_schedule", state.schedule());
        meta.put("loop", loop);
        meta.put(
                "random",
                Map.of(
                        "seed",
                        config.recipe().seed(),
                        "data_position",
                        state.iteration(),
                        "note",
                        "sampling and augmentation are functions of (seed, iteration); the engine"
                                + " generator is used only at initialization"));
        meta.put(
                "preprocessing",
                Map.of("type", "per_pixel_mean", "mean_array", Checkpoint.PIXEL_MEAN));
        meta.put("class_names", data.classNames());
        meta.put("synthetic", config.synthetic());
        meta.put("config", config.toMap());
        Provenance.current().putInto(meta);
        Map<String, NDArray> arrays = new LinkedHashMap<>(network.parameters());
        arrays.putAll(network.state());
        Path dir = Checkpoint.folder(runDir);
        try (NDManager scope = network.manager().newSubManager()) {
            int side = data.side();
            arrays.put(
                    Checkpoint.PIXEL_MEAN,
                    scope.create(data.pixelMean(), new Shape(3, side, side)));
            Checkpoint.write(
                    dir.resolve(Checkpoint.fileName(state.iteration())),
                    meta,
                    arrays,
                    sgd.velocities());
        }
        List<Path> all = Checkpoint.list(dir);
        for (int i = 0; i < all.size() - config.run().keepCheckpoints(); i++) {
            Files.deleteIfExists(all.get(i));
        }
    }

    /**
     * Restores a training run from one of its checkpoints: copies the weights, BN statistics and
     * momentum buffers into {@code network} and {@code sgd}, and returns where the loop stood. A
     * checkpoint written when the warm-up was the loop's ({@code loop.warming_up}) gives it to the
     * schedule.
     *
     * @throws IOException naming the file if it is unreadable or for another model
     */
    static LoopState restore(Path file, RunConfig config, Network network, Sgd sgd, NDManager root)
            throws IOException {
        try (NDManager scope = root.newSubManager()) {
            Checkpoint.Contents contents = Checkpoint.read(file, scope);
            ArrayCopy.requireSameModel(contents, config.model(), config.options(), file);
            ArrayCopy.copy(contents.model(), network.parameters(), file);
            ArrayCopy.copy(contents.model(), network.state(), file);
            ArrayCopy.copy(contents.optimizer(), sgd.velocities(), file);
            Map<String, Object> loop = new LinkedHashMap<>(contents.section("loop"));
            Map<String, Object> schedule = new LinkedHashMap<>();
            if (loop.get("lr_schedule") instanceof Map<?, ?> stored) {
                stored.forEach((k, v) -> schedule.put(String.valueOf(k), v));
            }
            loop.remove("lr_schedule");
            Object warmingUp = loop.remove("warming_up");
            if (warmingUp != null) {
                schedule.putIfAbsent("warming_up", warmingUp);
            }
            return new LoopState(contents.iteration(), loop, schedule);
        }
    }
}
