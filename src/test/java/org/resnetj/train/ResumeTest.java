package org.resnetj.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.data.SyntheticCifar;
import org.resnetj.model.ModelRegistry;

/**
 * A resumed run ends where an uninterrupted one does, bit for bit (weights, BN running statistics,
 * momentum buffers, every metrics value), whatever the loop was in the middle of when it stopped: a
 * warm-up, a plateau count, a checkpoint being written. The interrupted run is the uninterrupted
 * run's directory cut back to one of its checkpoints ({@link Runs#cutBack}), which is what a run
 * killed after writing that checkpoint leaves; {@link TrainerTest} kills a real process. Same seed
 * and threads throughout.
 */
class ResumeTest {

    private static final List<String> COMMON =
            List.of("batch=32", "threads=2", "seed=7", "keep_checkpoints=100", "lr_steps=[]");

    /**
     * Warm-up for its window of 4 iterations (which is also the logging interval) and back to 0.1;
     * checkpoints every 2, so the one at 2 is written mid warm-up, mid window and mid logging
     * interval.
     */
    private static final List<String> WARM_UP =
            List.of(
                    "iterations=8",
                    "log_every=4",
                    "checkpoint_every=2",
                    "eval_every=0",
                    "warmup=on",
                    "warmup_window=4",
                    "warmup_until_error=1.0");

    /**
     * The plateau policy with a threshold no evaluation can beat, so every evaluation after the
     * first is flat: evaluations at 2, 4, ..., 12, the LR divided at 6 and at 10; the checkpoint at
     * 8 holds one drop and a count of 1.
     */
    private static final List<String> PLATEAU =
            List.of(
                    "iterations=12",
                    "log_every=1",
                    "eval_every=2",
                    "checkpoint_every=4",
                    "lr_policy=plateau",
                    "plateau_patience=2",
                    "plateau_threshold=0.99",
                    "warmup=off");

    @TempDir static Path dir;
    static Path data;
    static Path warmUp;
    static Path plateau;

    @BeforeAll
    static void trainUninterrupted() throws IOException {
        data = dir.resolve("data");
        SyntheticCifar.write(data, 128, 100, 3);
        warmUp = train("warm-up", WARM_UP);
        plateau = train("plateau", PLATEAU);
    }

    private static Path train(String name, List<String> settings) throws IOException {
        List<String> recipe = new ArrayList<>(COMMON);
        recipe.addAll(settings);
        Path run = dir.resolve(name);
        Trainer.start(
                "resnet8",
                ModelRegistry.get("resnet8").defaults(),
                data,
                Setup.cifar10().with(recipe),
                run);
        return run;
    }

    @Test
    void resumedDuringTheWarmUpEndsInTheUninterruptedState() throws IOException {
        assertThat(Runs.column(warmUp, "train", "lr"))
                .as("warm-up for 4 iterations, then 0.1")
                .containsExactly(0.01, 0.1);
        assertThat(loop(warmUp, 2)).containsEntry("interval_steps", 2);
        assertThat(loop(warmUp, 2).get("lr_schedule"))
                .as("the schedule's state at 2")
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("warming_up", true);
        Path resumed = Runs.cutBack(warmUp, 2, dir.resolve("warm-up resumed"));

        Trainer.resume(resumed);

        Runs.assertSameFinalState(warmUp, resumed);
        Runs.assertSameMetrics(warmUp, resumed);
    }

    @Test
    void resumedWithAPlateauCountInProgressEndsInTheUninterruptedState() throws IOException {
        assertThat(loop(plateau, 8).get("lr_schedule"))
                .as("the plateau state at 8")
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("evaluations_without_improvement", 1)
                .containsEntry("drops", 1);
        Path resumed = Runs.cutBack(plateau, 8, dir.resolve("plateau resumed"));

        Trainer.resume(resumed);

        Runs.assertSameFinalState(plateau, resumed);
        Runs.assertSameMetrics(plateau, resumed);
    }

    /**
     * A run killed while writing its checkpoint at 6 leaves {@code ckpt-00000006.zip.tmp}, cut
     * short, beside the complete ones ({@link Checkpoint#write} writes to that name, then renames
     * it). Resuming takes the checkpoint at 4, writes 6 over the leftover, and ends as the
     * uninterrupted run with the same checkpoint files.
     */
    @Test
    void resumeIgnoresAHalfWrittenTemporaryCheckpoint() throws IOException {
        Path resumed = Runs.cutBack(warmUp, 4, dir.resolve("leftover"));
        byte[] whole =
                Files.readAllBytes(warmUp.resolve("checkpoints").resolve(Checkpoint.fileName(6)));
        Path leftover = resumed.resolve("checkpoints").resolve(Checkpoint.fileName(6) + ".tmp");
        Files.write(leftover, Arrays.copyOf(whole, whole.length / 2));

        Trainer.resume(resumed);

        Runs.assertSameFinalState(warmUp, resumed);
        Runs.assertSameMetrics(warmUp, resumed);
        assertThat(fileNames(resumed.resolve("checkpoints")))
                .isEqualTo(fileNames(warmUp.resolve("checkpoints")));
    }

    /**
     * Every evaluation after the first is flat (see {@link #PLATEAU}), so with a patience of 2 the
     * LR is divided by 10 after the evaluations at 6 and 10, counting again from 0 after a
     * division: the logged LR is 0.1 for iterations 1 to 6, 0.01 for 7 to 10, 0.001 for 11 and 12.
     */
    @Test
    void plateauDividesTheLoggedLrAfterPatienceFlatEvaluations() throws IOException {
        assertThat(Runs.column(plateau, "eval", "iteration"))
                .containsExactly(2.0, 4.0, 6.0, 8.0, 10.0, 12.0);
        List<Double> errors = Runs.column(plateau, "eval", "top1_error");
        assertThat(errors.subList(1, errors.size()))
                .as("flat: none 99 points below the first")
                .allSatisfy(e -> assertThat(e).isGreaterThan(errors.get(0) - 0.99));
        List<Double> expected = new ArrayList<>();
        expected.addAll(Collections.nCopies(6, 0.1));
        expected.addAll(Collections.nCopies(4, 0.01));
        expected.addAll(Collections.nCopies(2, 0.001));
        List<Double> lrs = Runs.column(plateau, "train", "lr");
        assertThat(lrs).hasSameSizeAs(expected);
        for (int i = 0; i < lrs.size(); i++) {
            assertThat(lrs.get(i))
                    .as("lr of iteration %d", i + 1)
                    .isCloseTo(expected.get(i), within(1e-9));
        }
    }

    /**
     * A run directory in the layout written before the run settings and the warm-up moved: {@code
     * config.json} with the run settings inside {@code recipe} and no {@code warmup_window}, and a
     * checkpoint whose {@code loop} holds {@code warming_up} and whose {@code lr_schedule} holds
     * only the plateau state. It resumes from its checkpoint at 2 with the warm-up in the schedule
     * and an empty window of the default 100 iterations, so it still warms up at the end, its
     * window holding the 6 iterations trained since.
     */
    @Test
    @SuppressWarnings("unchecked")
    void runInTheOlderLayoutResumesWithItsWarmUp() throws IOException {
        Path old = Runs.cutBack(warmUp, 2, dir.resolve("older layout"));
        ObjectMapper json = new ObjectMapper();
        Path configFile = old.resolve(RunConfig.FILE);
        Map<String, Object> config = json.readValue(configFile.toFile(), Map.class);
        Map<String, Object> recipe = (Map<String, Object>) config.get("recipe");
        recipe.putAll((Map<String, Object>) config.remove("run"));
        recipe.remove("warmup_window");
        json.writeValue(configFile.toFile(), config);
        Path checkpoint = Checkpoint.folder(old).resolve(Checkpoint.fileName(2));
        try (NDManager manager = NDManager.newBaseManager()) {
            Checkpoint.Contents contents = Checkpoint.read(checkpoint, manager);
            Map<String, Object> meta = new LinkedHashMap<>(contents.meta());
            Map<String, Object> loop = new LinkedHashMap<>(contents.section("loop"));
            Map<String, Object> schedule =
                    new LinkedHashMap<>((Map<String, Object>) loop.get("lr_schedule"));
            loop.put("warming_up", schedule.remove("warming_up"));
            schedule.keySet().removeIf(key -> key.startsWith("warmup_"));
            loop.put("lr_schedule", schedule);
            meta.put("loop", loop);
            Checkpoint.write(checkpoint, meta, contents.model(), contents.optimizer());
        }
        assertThat(loop(old, 2)).containsEntry("warming_up", true);

        Trainer.resume(old);

        assertThat(RunConfig.read(old).run().logEvery()).isEqualTo(4);
        assertThat(Runs.column(old, "train", "lr")).containsExactly(0.01, 0.01);
        Map<String, Object> end = (Map<String, Object>) loop(old, 8).get("lr_schedule");
        assertThat(end).containsEntry("warming_up", true);
        assertThat((List<Object>) end.get("warmup_window_errors")).hasSize(6);
    }

    /** The loop state a run's checkpoint holds. */
    private static Map<String, Object> loop(Path run, int iteration) throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            return Checkpoint.read(
                            run.resolve("checkpoints").resolve(Checkpoint.fileName(iteration)),
                            manager)
                    .section("loop");
        }
    }

    private static List<String> fileNames(Path folder) throws IOException {
        try (var files = Files.list(folder)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }
}
