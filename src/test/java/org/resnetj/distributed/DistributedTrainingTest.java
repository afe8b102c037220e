package org.resnetj.distributed;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.cli.Main;
import org.resnetj.data.SyntheticCifar;

/**
 * {@code mpirun -np 2 resnet train} end to end, on a ResNet with per-replica batch normalization:
 * one run directory written by rank 0, errors reduced exactly over the ranks' shards, a job that
 * survives {@code kill -9} of a rank by resuming, and ranks that disagree refused at start.
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
                Mpirun.run(
                        Mpirun.command(
                                2,
                                Main.class.getName(),
                                List.of("train", "--resume", run.toString())),
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
