package org.resnetj.distributed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.cli.Main;
import org.resnetj.data.ImageFolderFiles;
import org.resnetj.data.SyntheticCifar;
import org.resnetj.train.RunConfig;

/**
 * {@code mpirun -np 2 resnet train} end to end, on a ResNet with per-replica batch normalization:
 * one run directory written by rank 0, errors reduced exactly over the ranks' shards, on CIFAR
 * files and on an image folder; a job that survives {@code kill -9} of a rank by resuming, a run
 * that resumes in one process, and ranks that disagree refused at start.
 */
class DistributedTrainingTest {

    private static final int TRAIN = 160;
    private static final int TEST = 30;
    private static final int ITERATIONS = 20;

    @TempDir Path dir;
    private Path data;

    @BeforeEach
    void writeData() throws Exception {
        data = dir.resolve("data");
        SyntheticCifar.write(data, TRAIN, TEST, 3);
    }

    private List<String> train(String... extra) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "train",
                                "--model",
                                "resnet8",
                                "--data",
                                data.toString(),
                                "--batch",
                                "16",
                                "--threads",
                                "1",
                                "--set",
                                "log_every=2",
                                "--set",
                                "eval_every=6",
                                "--set",
                                "checkpoint_every=2"));
        args.addAll(List.of(extra));
        return args;
    }

    /**
     * A rank killed with SIGKILL ends the whole job within seconds; the job started again with
     * {@code --resume} continues from rank 0's last checkpoint to the end, and the run directory
     * holds one metrics line per logging point, with the evaluation counting every test image once
     * over both ranks' shards.
     */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void twoRanksTrainOneRunThatResumesAfterARankIsKilled() throws Exception {
        Path run = dir.resolve("run");
        List<String> command =
                Mpirun.command(
                        2,
                        Main.class.getName(),
                        train("--out", run.toString(), "--iterations", String.valueOf(ITERATIONS)));
        Path log = dir.resolve("first.log");
        Process job =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        try {
            Path checkpoints = run.resolve("checkpoints");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
            while (!Files.exists(checkpoints.resolve(Checkpoint.fileName(4)))
                    && job.isAlive()
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(Files.exists(checkpoints.resolve(Checkpoint.fileName(4))))
                    .as(Files.readString(log))
                    .isTrue();
            assertThat(job.isAlive()).as("the job is still training").isTrue();
            ProcessHandle rank =
                    job.descendants()
                            .filter(p -> p.info().command().orElse("").endsWith("java"))
                            .findAny()
                            .orElseThrow();
            long killed = System.nanoTime();
            rank.destroyForcibly(); // SIGKILL
            assertThat(job.waitFor(30, TimeUnit.SECONDS))
                    .as("mpirun ends the job after a rank dies")
                    .isTrue();
            assertThat(job.exitValue()).isNotZero();
            assertThat((System.nanoTime() - killed) / 1e9).isLessThan(30);
        } finally {
            job.descendants().forEach(ProcessHandle::destroyForcibly);
            job.destroyForcibly();
        }
        assertThat(Files.readString(log)).contains("rank 0 of 2 on", "rank 1 of 2 on");

        Mpirun.Result resumed =
                twoRanks(
                        List.of("train", "--resume", run.toString()),
                        dir.resolve("resume.log"),
                        150);
        assertThat(resumed.exitCode()).as(resumed.output()).isZero();
        assertThat(resumed.output()).contains("resuming");

        List<Map<?, ?>> rows = metrics(run);
        List<Integer> trainIterations = new ArrayList<>();
        for (Map<?, ?> row : rows) {
            int iteration = ((Number) row.get("iteration")).intValue();
            if (row.get("type").equals("train")) {
                trainIterations.add(iteration);
                double loss = ((Number) row.get("loss")).doubleValue();
                double error = ((Number) row.get("train_error")).doubleValue();
                assertThat(loss).as("loss at %d", iteration).isBetween(0.0, 20.0);
                assertThat(error).as("training error at %d", iteration).isBetween(0.0, 1.0);
            } else if (row.get("type").equals("eval")) {
                assertThat(((Number) row.get("images")).intValue()).isEqualTo(TEST);
                double top1 = ((Number) row.get("top1_error")).doubleValue();
                // an exact reduction: a whole number of the TEST images is wrong
                assertThat(Math.abs(top1 * TEST - Math.rint(top1 * TEST))).isLessThan(1e-9);
            }
        }
        assertThat(trainIterations).containsExactly(2, 4, 6, 8, 10, 12, 14, 16, 18, 20);
        assertThat(Checkpoint.newest(run.resolve("checkpoints")))
                .contains(run.resolve("checkpoints").resolve(Checkpoint.fileName(ITERATIONS)));
    }

    /**
     * A run started on two ranks and stopped after its checkpoint at 4 of 8 continues in one plain
     * process (no {@code mpirun}): the configuration and checkpoint of rank 0 are all it needs, the
     * metrics lines up to the checkpoint are those of the two ranks, and the lines after it
     * continue at the next logging point, each once, to the checkpoint at the end. The global batch
     * and its images are the same; only the per-replica BN batch grows from 8 to 16, so the losses
     * after the checkpoint are close to the two-rank run's, not equal.
     */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aRunStartedOnTwoRanksResumesInOneProcess() throws Exception {
        Path run = dir.resolve("two");
        Mpirun.Result job =
                twoRanks(
                        train(
                                "--out",
                                run.toString(),
                                "--iterations",
                                "8",
                                "--set",
                                "keep_checkpoints=10"),
                        dir.resolve("two.log"),
                        150);
        assertThat(job.exitCode()).as(job.output()).isZero();

        Path resumed = dir.resolve("resumed");
        Files.createDirectories(resumed.resolve("checkpoints"));
        Files.copy(run.resolve(RunConfig.FILE), resumed.resolve(RunConfig.FILE));
        // as a job killed after its checkpoint at 4 may leave it: lines past 4, which resume drops
        Files.copy(run.resolve("metrics.jsonl"), resumed.resolve("metrics.jsonl"));
        Files.copy(
                run.resolve("checkpoints").resolve(Checkpoint.fileName(4)),
                resumed.resolve("checkpoints").resolve(Checkpoint.fileName(4)));
        Path log = dir.resolve("one.log");
        Process one =
                new ProcessBuilder(
                                Mpirun.java(
                                        Main.class.getName(),
                                        List.of("train", "--resume", resumed.toString())))
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        assertThat(one.waitFor(150, TimeUnit.SECONDS)).as("the resumed run ends").isTrue();
        String output = Files.readString(log);
        assertThat(one.exitValue()).as(output).isZero();
        assertThat(output)
                .contains("resuming")
                .contains("at iteration 4")
                .doesNotContain(" of 2 on");

        List<Map<?, ?>> two = metrics(run);
        List<Map<?, ?>> single = metrics(resumed);
        assertThat(single)
                .extracting(DistributedTrainingTest::typeAndIteration)
                .containsExactly("train 2", "train 4", "train 6", "eval 6", "train 8", "eval 8");
        assertThat(two)
                .extracting(DistributedTrainingTest::typeAndIteration)
                .containsExactlyElementsOf(
                        single.stream().map(DistributedTrainingTest::typeAndIteration).toList());
        for (int i = 0; i < single.size(); i++) {
            Map<?, ?> a = two.get(i);
            Map<?, ?> b = single.get(i);
            int iteration = ((Number) b.get("iteration")).intValue();
            if (iteration <= 4) {
                assertThat(withoutSpeed(b)).as("line %d", i).isEqualTo(withoutSpeed(a));
            } else if (b.get("type").equals("train")) {
                assertThat(((Number) b.get("loss")).doubleValue())
                        .as("loss at %d", iteration)
                        .isCloseTo(((Number) a.get("loss")).doubleValue(), within(0.15));
            } else {
                assertThat(((Number) b.get("images")).intValue()).isEqualTo(TEST);
            }
        }
        assertThat(Checkpoint.newest(resumed.resolve("checkpoints")))
                .contains(resumed.resolve("checkpoints").resolve(Checkpoint.fileName(8)));
    }

    /** Runs {@code resnet} with {@code args} on two ranks to its end, its output in {@code log}. */
    private static Mpirun.Result twoRanks(List<String> args, Path log, long timeoutSeconds)
            throws Exception {
        return Mpirun.run(Mpirun.command(2, Main.class.getName(), args), log, timeoutSeconds);
    }

    private static String typeAndIteration(Map<?, ?> row) {
        return row.get("type") + " " + row.get("iteration");
    }

    private static Map<?, ?> withoutSpeed(Map<?, ?> row) {
        Map<Object, Object> copy = new LinkedHashMap<>(row);
        copy.remove("images_per_sec");
        return copy;
    }

    /**
     * The ImageNet pipeline on an image folder over two ranks: rank 0 alone writes the one run
     * directory; the training error is over the global batch of 3 (1 + 2 images); the evaluation on
     * val/ counts each of its 3 images once over the shares of 1 and 2. That each rank decodes only
     * its own images is pinned in {@code ImageFolderBatchesTest}.
     */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void twoRanksTrainOnAnImageFolderAndEvaluateEveryValImageOnce() throws Exception {
        Path folder = ImageFolderFiles.threeClasses(dir.resolve("images"));
        Files.createDirectories(folder.resolve("val/bee"));
        Files.copy(folder.resolve("train/bee/c.JPG"), folder.resolve("val/bee/v3.jpg"));
        int val = 3;
        Path run = dir.resolve("folder-run");
        Mpirun.Result job =
                twoRanks(
                        List.of(
                                "train",
                                "--model",
                                "resnet18",
                                "--data",
                                folder.toString(),
                                "--out",
                                run.toString(),
                                "--batch",
                                "3",
                                "--iterations",
                                "2",
                                "--threads",
                                "1",
                                "--set",
                                "lr=0.01",
                                "--set",
                                "log_every=1",
                                "--set",
                                "eval_every=2"),
                        dir.resolve("folder.log"),
                        180);
        assertThat(job.exitCode()).as(job.output()).isZero();
        assertThat(job.output()).contains("rank 0 of 2 on", "rank 1 of 2 on");

        List<Map<?, ?>> rows = metrics(run);
        assertThat(rows.stream().map(DistributedTrainingTest::typeAndIteration))
                .containsExactly("train 1", "train 2", "eval 2");
        for (Map<?, ?> row : rows.subList(0, 2)) {
            double loss = ((Number) row.get("loss")).doubleValue();
            double error = ((Number) row.get("train_error")).doubleValue();
            assertThat(loss).isBetween(0.0, 20.0);
            // the errors of the global batch of 3, not of rank 0's share of 1
            assertThat(Math.abs(error * 3 - Math.rint(error * 3))).isLessThan(1e-9);
        }
        Map<?, ?> eval = rows.get(2);
        assertThat(eval.get("split")).isEqualTo("val");
        assertThat(((Number) eval.get("images")).intValue()).isEqualTo(val);
        double top1 = ((Number) eval.get("top1_error")).doubleValue();
        assertThat(Math.abs(top1 * val - Math.rint(top1 * val))).isLessThan(1e-9);
        assertThat(((Number) eval.get("top5_error")).doubleValue()).isZero(); // 3 classes
        assertThat(Checkpoint.list(run.resolve("checkpoints")))
                .containsExactly(run.resolve("checkpoints").resolve(Checkpoint.fileName(2)));
    }

    /**
     * Ranks given different seeds would train different problems in lockstep: the job stops at
     * start, with one line that names the rank and what differs, instead of hanging.
     */
    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void ranksThatDisagreeOnTheRecipeAreRefusedAtStart() throws Exception {
        List<String> command = Mpirun.options();
        command.addAll(List.of("-np", "1"));
        command.addAll(
                Mpirun.java(
                        Main.class.getName(),
                        train("--out", dir.resolve("a").toString(), "--seed", "1")));
        command.addAll(List.of(":", "-np", "1"));
        command.addAll(
                Mpirun.java(
                        Main.class.getName(),
                        train("--out", dir.resolve("a").toString(), "--seed", "2")));
        Mpirun.Result job = Mpirun.run(command, dir.resolve("job.log"), 90);
        assertThat(job.exitCode()).isNotZero();
        assertThat(job.output())
                .containsPattern("rank 1 of 2 on \\S+: error: ranks disagree on the recipe: .*");
    }

    private static List<Map<?, ?>> metrics(Path run) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<Map<?, ?>> rows = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            rows.add(json.readValue(line, Map.class));
        }
        return rows;
    }
}
