package org.resnetj.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.resnetj.data.Batch;
import org.resnetj.engine.InferenceNetwork;
import org.resnetj.model.InputBuffer;
import org.resnetj.model.Layer;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.Network;
import org.resnetj.model.StridePlacement;
import org.resnetj.train.Sgd;
import org.resnetj.train.Trainer;

/**
 * Whether memory stays flat over a long run: the process's resident size, sampled while a network
 * takes training steps (the loop's own {@link Trainer#sgdStep}), then while it evaluates batches
 * eagerly (as the evaluations during training do) and compiled (as {@code eval} and {@code
 * classify} do). Each phase's growth is its last sample less its sample after a warm-up of a fifth
 * of its iterations (at least 10), when the allocator's and the engine's caches are full: a leak of
 * one array per iteration shows as growth in proportion to the iterations.
 */
public final class Soak {

    /**
     * How a soak runs.
     *
     * @param model the registered network, trained at 32×32 (CIFAR-10) or 224×224 (ImageNet)
     * @param batch images per iteration
     * @param steps training steps
     * @param evalBatches evaluation batches of each kind, eager and compiled
     * @param boundMb the most a phase may grow after its warm-up, in MiB
     */
    public record Options(String model, int batch, int steps, int evalBatches, double boundMb) {

        /** Validates the counts and the model. */
        public Options {
            ModelRegistry.get(model);
            if (batch < 1 || steps < 1 || evalBatches < 1) {
                throw new IllegalArgumentException(
                        "--batch, --steps and --eval-batches must be at least 1");
            }
            if (!(boundMb >= 0)) {
                throw new IllegalArgumentException(
                        "--bound-mb must be a number of MiB >= 0, got " + boundMb);
            }
        }
    }

    /**
     * One phase's growth.
     *
     * @param phase "training", "eager evaluation" or "compiled evaluation"
     * @param iterations its iterations
     * @param afterWarmupMb the resident size after its warm-up
     * @param endMb the resident size at its end
     */
    public record Phase(String phase, int iterations, double afterWarmupMb, double endMb) {

        /** The growth after the warm-up, in MiB. */
        public double growthMb() {
            return endMb - afterWarmupMb;
        }
    }

    private Soak() {}

    /**
     * Runs the soak, printing a line per sample to {@code progress}, and returns each phase's
     * growth.
     */
    public static List<Phase> run(Options options, PrintStream progress) {
        int side = ModelRegistry.get(options.model()).inputSize();
        Workload w =
                new Workload(
                        "soak",
                        Workload.Kind.TRAIN,
                        options.model(),
                        StridePlacement.FIRST_1X1,
                        options.batch(),
                        side);
        Layer.Sequence plan = ModelRegistry.get(options.model()).plan(w.options(), side);
        Batch batch = Worker.randomBatch(w, 10);
        Shape shape = new Shape(batch.shape());
        InputBuffer input = new InputBuffer();
        Engine.getInstance().setRandomSeed(0);
        List<Phase> phases = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager()) {
            Network network = Network.create(plan, root);
            try (Sgd sgd = new Sgd(network.parameters(), 0.9f, 1e-4f, root)) {
                network.requireGradients();
                phases.add(
                        phase(
                                "training",
                                options.steps(),
                                progress,
                                () -> Trainer.sgdStep(network, sgd, batch, input, 0.01f, false)));
                phases.add(
                        phase(
                                "eager evaluation",
                                options.evalBatches(),
                                progress,
                                () -> {
                                    try (NDManager scope = network.manager().newSubManager()) {
                                        network.logits(input.load(batch.images(), shape, scope))
                                                .toFloatArray();
                                    }
                                }));
            }
            try (InferenceNetwork compiled = InferenceNetwork.compile(network)) {
                phases.add(
                        phase(
                                "compiled evaluation",
                                options.evalBatches(),
                                progress,
                                () -> {
                                    try (NDManager scope = compiled.manager().newSubManager()) {
                                        compiled.logits(input.load(batch.images(), shape, scope))
                                                .toFloatArray();
                                    }
                                }));
            }
        }
        return phases;
    }

    private static Phase phase(
            String name, int iterations, PrintStream progress, Runnable iteration) {
        int warmup = Math.min(iterations, Math.max(10, iterations / 5));
        int every = Math.max(1, iterations / 10);
        double afterWarmup = Double.NaN;
        for (int i = 1; i <= iterations; i++) {
            iteration.run();
            if (i == warmup) {
                afterWarmup = residentMb();
            }
            if (i % every == 0 || i == iterations) {
                progress.printf(
                        Locale.ROOT,
                        "%s %d/%d: resident %.1f MB, Java heap committed %.1f MB%n",
                        name,
                        i,
                        iterations,
                        residentMb(),
                        Runtime.getRuntime().totalMemory() / 1048576.0);
            }
        }
        return new Phase(name, iterations, afterWarmup, residentMb());
    }

    private static double residentMb() {
        return ProcessMemory.residentKb() / 1024.0;
    }
}
