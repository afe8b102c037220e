package org.resnetj.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.data.BatchStream;
import org.resnetj.data.Shard;
import org.resnetj.eval.Evaluator;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.Network;

/**
 * A training run, started in a process of its own, that stops at a fixed point to be killed: once
 * its checkpoint at a given iteration is on disk, the first time the loop asks its data for
 * anything it prints {@link #SIGNAL} on stdout and waits forever. A test that kills it on the
 * signal kills it there, whatever the speed of the machine.
 *
 * <p>Arguments: {@code MODEL DATA RUN_DIR ITERATION KEY=VALUE...}, the recipe overrides.
 */
final class RunToKill {

    /** The line printed when the checkpoint is written and the run waits. */
    static final String SIGNAL = "checkpoint written, waiting to be killed";

    private RunToKill() {}

    public static void main(String[] args) throws IOException {
        System.setProperty("ai.djl.offline", "true");
        String model = args[0];
        Path data = Path.of(args[1]);
        Path run = Path.of(args[2]);
        Path checkpoint =
                run.resolve("checkpoints").resolve(Checkpoint.fileName(Integer.parseInt(args[3])));
        Setup setup = Setup.cifar10().with(List.of(Arrays.copyOfRange(args, 4, args.length)));
        TrainingData training =
                new Waiting(
                        TrainingData.open(data, setup.recipe(), setup.run().threads()), checkpoint);
        Trainer.start(model, ModelRegistry.get(model).defaults(), data, training, setup, run);
        throw new IllegalStateException("the run finished without writing " + checkpoint);
    }

    /** The data of the run, which stops the loop once the checkpoint exists. */
    private record Waiting(TrainingData data, Path checkpoint) implements TrainingData {

        private void waitIfWritten() {
            if (Files.exists(checkpoint)) {
                System.out.println(SIGNAL);
                System.out.flush();
                while (true) {
                    LockSupport.park();
                }
            }
        }

        @Override
        public String describe() {
            return data.describe();
        }

        @Override
        public boolean synthetic() {
            return data.synthetic();
        }

        @Override
        public int trainSize() {
            waitIfWritten();
            return data.trainSize();
        }

        @Override
        public int classes() {
            return data.classes();
        }

        @Override
        public List<String> classNames() {
            waitIfWritten();
            return data.classNames();
        }

        @Override
        public int side() {
            return data.side();
        }

        @Override
        public float[] pixelMean() {
            waitIfWritten();
            return data.pixelMean();
        }

        @Override
        public String evalSplit() {
            return data.evalSplit();
        }

        @Override
        public BatchStream batches(Recipe recipe, long start, Shard shard) {
            return data.batches(recipe, start, shard);
        }

        @Override
        public Evaluator.Result evaluate(Network network, Shard shard) throws IOException {
            waitIfWritten();
            return data.evaluate(network, shard);
        }

        @Override
        public long skippedImages() {
            waitIfWritten();
            return data.skippedImages();
        }
    }
}
