package org.resnetj.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.resnetj.analysis.Curves;
import org.resnetj.data.Batch;
import org.resnetj.data.BatchStream;
import org.resnetj.distributed.Replicas;
import org.resnetj.eval.Evaluator;
import org.resnetj.model.InputBuffer;
import org.resnetj.model.Layer;
import org.resnetj.model.ModelOptions;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Network;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop: runs a {@link RunConfig} in a run directory, writing {@code metrics.jsonl},
 * checkpoints and curves, and resumes a run from its newest checkpoint.
 *
 * <p>Every random choice after initialization (sampling order and augmentation) is a function of
 * the seed and the iteration, so the seed and the iteration in a checkpoint are the complete state
 * of the random generators: a resumed run sees the same batches as an uninterrupted one.
 */
public final class Trainer {

    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private final RunConfig config;
    private final Path runDir;
    private final Recipe recipe;
    private final LrSchedule schedule;

    /** The processes training this model together; rank 0 alone writes. */
    private final Replicas replicas;

    /** The native memory every training batch passes through. */
    private final InputBuffer input = new InputBuffer();

    /** Where the loop stands: what a checkpoint must hold besides the arrays. */
    private boolean warmingUp;

    private double intervalLoss;
    private long intervalErrors;
    private long intervalImages;
    private int intervalSteps;

    private Trainer(RunConfig config, Path runDir, Replicas replicas) {
        this.config = config;
        this.replicas = replicas;
        this.runDir = runDir;
        this.recipe = config.recipe();
        this.schedule = new LrSchedule(recipe);
    }

    /**
     * Starts a new run in {@code runDir}, which must not exist or be empty. The data is read and
     * checked before anything is written.
     *
     * @throws IOException if the directory holds files or the data cannot be read
     * @throws IllegalArgumentException if the model's classes differ from the data's
     */
    public static void start(
            String model, ModelOptions options, Path data, Recipe recipe, Path runDir)
            throws IOException {
        checkRecipe(recipe);
        start(model, options, data, TrainingData.open(data, recipe), recipe, runDir);
    }

    /**
     * Starts a new run as {@link #start(String, ModelOptions, Path, Recipe, Path)} does, on data
     * the caller has already opened from {@code data} with {@code recipe}.
     */
    public static void start(
            String model,
            ModelOptions options,
            Path data,
            TrainingData training,
            Recipe recipe,
            Path runDir)
            throws IOException {
        start(model, options, data, training, Replicas.single(), recipe, runDir);
    }

    /**
     * Starts a new run as {@link #start(String, ModelOptions, Path, TrainingData, Recipe, Path)}
     * does, on {@code training} shared by all the processes of {@code replicas}: each takes its
     * share of every batch, and rank 0 alone writes the run directory.
     */
    public static void start(
            String model,
            ModelOptions options,
            Path data,
            TrainingData training,
            Replicas replicas,
            Recipe recipe,
            Path runDir)
            throws IOException {
        checkRecipe(recipe);
        if (options.classes() != training.classes()) {
            throw new IllegalArgumentException(
                    model
                            + " is built with "
                            + options.classes()
                            + " classes but the data has "
                            + training.classes()
                            + ": give --classes "
                            + training.classes());
        }
        if (replicas.writes() && Files.isDirectory(runDir)) {
            try (var files = Files.list(runDir)) {
                if (files.findAny().isPresent()) {
                    throw new IOException(
                            "run directory "
                                    + runDir
                                    + " is not empty: use --resume to continue it, or another"
                                    + " --out");
                }
            }
        }
        RunConfig config =
                new RunConfig(
                        model,
                        options,
                        data.toAbsolutePath().toString(),
                        training.synthetic(),
                        recipe,
                        CodeVersion.get());
        if (replicas.writes()) {
            Files.createDirectories(runDir.resolve("checkpoints"));
            config.write(runDir);
        }
        LOG.info("run directory: {}", runDir);
        new Trainer(config, runDir, replicas).run(training, false);
    }

    private static void checkRecipe(Recipe recipe) {
        if (recipe.lrPolicy().equals("plateau") && recipe.evalEvery() == 0) {
            throw new IllegalArgumentException(
                    "lr_policy=plateau watches the evaluation error: set eval_every above 0");
        }
    }

    /** Continues the run in {@code runDir} from its newest checkpoint (or from the start). */
    public static void resume(Path runDir) throws IOException {
        resume(runDir, Replicas.single());
    }

    /**
     * Continues the run in {@code runDir} with all the processes of {@code replicas}: rank 0 reads
     * the run's configuration and newest checkpoint, and sends them to the others.
     */
    public static void resume(Path runDir, Replicas replicas) throws IOException {
        Path file = runDir.resolve(RunConfig.FILE);
        RunConfig config;
        try (Replicas.Shared shared =
                replicas.share(Optional.of(file).filter(Files::isRegularFile))) {
            config = RunConfig.read(shared.path().map(Path::getParent).orElse(runDir));
        }
        new Trainer(config, runDir, replicas)
                .run(TrainingData.open(Path.of(config.data()), config.recipe()), true);
    }

    private void run(TrainingData data, boolean resuming) throws IOException {
        LOG.info("data: {}", data.describe());
        ModelSpec spec = config.spec();
        Layer.Sequence plan = spec.plan(config.options(), data.side());

        Engine engine = Engine.getInstance();
        JniUtils.setNumThreads(recipe.threads());
        engine.setRandomSeed((int) recipe.seed());
        try (NDManager root = NDManager.newBaseManager();
                Network network = Network.create(plan, root);
                Sgd sgd =
                        new Sgd(
                                network.parameters(),
                                recipe.momentum(),
                                recipe.weightDecay(),
                                root)) {
            warmingUp = recipe.warmsUp(spec.depth());
            int start = 0;
            requireSameOnEveryRank(data);
            Optional<Path> newest =
                    resuming && replicas.writes()
                            ? Checkpoint.newest(runDir.resolve("checkpoints"))
                            : Optional.empty();
            try (Replicas.Shared shared = replicas.share(newest)) {
                newest = shared.path();
                if (newest.isPresent()) {
                    start = restore(newest.get(), network, sgd, root);
                }
            }
            replicas.broadcast(replicated(network, sgd));
            if (newest.isPresent()) {
                LOG.info(
                        "resuming {} at iteration {} from {}",
                        runDir,
                        start,
                        newest.get().getFileName());
            } else if (resuming) {
                LOG.info("no checkpoint in {} yet: starting it over", runDir);
            }
            network.requireGradients();
            try (MetricsLog metrics =
                            replicas.writes()
                                    ? MetricsLog.open(runDir, start)
                                    : MetricsLog.discard();
                    BatchStream batches = data.batches(recipe, start, replicas.shard());
                    Progress progress = new Progress(spec.name(), start, recipe.iterations())) {
                loop(start, network, sgd, batches, data, metrics, progress);
            }
        }
        LOG.info("run finished: {}", runDir);
    }

    private void loop(
            int start,
            Network network,
            Sgd sgd,
            BatchStream batches,
            TrainingData data,
            MetricsLog metrics,
            Progress progress)
            throws IOException {
        boolean synthetic = data.synthetic();
        long intervalStart = System.nanoTime();
        for (int done = start; done < recipe.iterations(); ) {
            float lr = schedule.lr(done, warmingUp);
            Batch batch = batches.next();
            boolean recordNorms =
                    recipe.gradNormEvery() > 0 && (done + 1) % recipe.gradNormEvery() == 0;
            Map<String, Double> norms = step(network, sgd, batch, lr, recordNorms);
            done++;
            if (recordNorms) {
                Map<String, Object> values = new LinkedHashMap<>();
                values.put("norms", norms);
                metrics.write(row("grad_norms", done, synthetic, values));
            }
            progress.step(done);
            boolean last = done == recipe.iterations();
            if (done % recipe.logEvery() == 0 || last) {
                double seconds = (System.nanoTime() - intervalStart) / 1e9;
                double error = (double) intervalErrors / intervalImages;
                double loss = intervalLoss / intervalSteps;
                double speed = intervalImages / seconds;
                Map<String, Object> values = new LinkedHashMap<>();
                values.put("epoch", (double) done * recipe.batch() / data.trainSize());
                values.put("loss", loss);
                values.put("train_error", error);
                values.put("lr", lr);
                values.put("images_per_sec", speed);
                if (data.skippedImages() > 0) {
                    values.put("skipped_images", data.skippedImages());
                }
                metrics.write(row("train", done, synthetic, values));
                progress.interval(done, loss, error, lr, speed);
                if (warmingUp && schedule.endsWarmUp(error)) {
                    warmingUp = false;
                    progress.message(
                            String.format(
                                    Locale.ROOT,
                                    "warm-up ends at iteration %d (training error %.1f%%): LR back"
                                            + " to %s",
                                    done,
                                    100 * error,
                                    recipe.lr()));
                }
                intervalLoss = 0;
                intervalErrors = 0;
                intervalImages = 0;
                intervalSteps = 0;
                intervalStart = System.nanoTime();
            }
            if ((recipe.evalEvery() > 0 && done % recipe.evalEvery() == 0) || last) {
                // Per-replica BN statistics differ: every shard evaluates rank 0's model.
                replicas.broadcast(network.state().values());
                Evaluator.Result result = replicas.sum(data.evaluate(network, replicas.shard()));
                String split = data.evalSplit();
                Map<String, Object> values = new LinkedHashMap<>();
                values.put("split", split);
                values.put("top1_error", result.top1Error());
                values.put("top5_error", result.top5Error());
                values.put("images", result.images());
                metrics.write(row("eval", done, synthetic, values));
                progress.message(
                        String.format(
                                Locale.ROOT,
                                "iteration %d: %s top-1 error %.2f%%, top-5 error %.2f%%%s",
                                done,
                                split,
                                100 * result.top1Error(),
                                100 * result.top5Error(),
                                synthetic ? " (synthetic data)" : ""));
                if (replicas.writes()) {
                    Curves.writeRunCurves(runDir);
                }
                if (schedule.evaluated(result.top1Error()) && !last) {
                    progress.message(
                            String.format(
                                    Locale.ROOT,
                                    "iteration %d: the %s error has plateaued: LR divided to %s",
                                    done,
                                    split,
                                    schedule.lr(done, false)));
                }
            }
            if (done % recipe.checkpointEvery() == 0 || last) {
                // What rank 0 saves is then every rank's state, as a resumed run will have it.
                replicas.broadcast(network.state().values());
                if (replicas.writes()) {
                    checkpoint(done, network, sgd, data);
                }
            }
            if (done % recipe.logEvery() == 0) {
                intervalStart =
                        System.nanoTime(); // evaluation and checkpoints are not training time
            }
        }
    }

    /**
     * One SGD iteration of the loop, adding its loss and errors to the logging interval.
     *
     * @param norms whether to return the L2 norm of the gradient of every weight, by name
     * @return the gradient norms, or an empty map
     */
    private Map<String, Double> step(
            Network network, Sgd sgd, Batch batch, float lr, boolean norms) {
        StepResult result = sgdStep(network, sgd, batch, input, lr, norms, replicas);
        double[] global = replicas.sum(result.loss() * batch.size(), result.errors(), batch.size());
        intervalLoss += global[0] / global[2];
        intervalErrors += (long) global[1];
        intervalImages += (long) global[2];
        intervalSteps++;
        return result.gradientNorms();
    }

    /**
     * What one SGD iteration reports.
     *
     * @param loss the batch's mean cross-entropy, before the update
     * @param errors the batch's images whose top-scoring class is not their label
     * @param gradientNorms the L2 norm of every weight's gradient by name, or empty if not asked
     */
    public record StepResult(float loss, long errors, Map<String, Double> gradientNorms) {}

    /**
     * One SGD iteration exactly as the training loop runs it: the batch is copied through {@code
     * input} into a manager of its own, forward in training mode, mean cross-entropy, backward, the
     * {@link Sgd} update, then the loss and the error count are read back; the manager and every
     * intermediate are freed when it returns. {@code network} must {@link Network#requireGradients
     * record gradients}. Public so that the benchmark times the loop's own step.
     *
     * @param input the buffer the batch's images pass through, reused from step to step
     * @param norms whether to also return the L2 norm of the gradient of every weight
     */
    public static StepResult sgdStep(
            Network network, Sgd sgd, Batch batch, InputBuffer input, float lr, boolean norms) {
        return sgdStep(network, sgd, batch, input, lr, norms, Replicas.single());
    }

    /**
     * One SGD iteration as {@link #sgdStep(Network, Sgd, Batch, InputBuffer, float, boolean)} runs
     * it, on this rank's share of a global batch: between backward and the update, the gradients
     * are averaged over the ranks of {@code replicas}. The loss and errors returned are this
     * rank's.
     */
    public static StepResult sgdStep(
            Network network,
            Sgd sgd,
            Batch batch,
            InputBuffer input,
            float lr,
            boolean norms,
            Replicas replicas) {
        try (NDManager scope = network.manager().newSubManager()) {
            NDArray x = input.load(batch.images(), new Shape(batch.shape()), scope);
            NDArray y = scope.create(batch.labels());
            NDArray logits;
            NDArray loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                logits = network.forward(x, true);
                loss = crossEntropy(logits, y);
                collector.backward(loss);
            }
            replicas.averageGradients(network.parameters().values(), batch.size());
            Map<String, Double> gradientNorms = norms ? weightGradientNorms(network) : Map.of();
            sgd.step(lr);
            long errors = logits.argMax(1).toType(y.getDataType(), false).neq(y).sum().getLong();
            return new StepResult(loss.getFloat(), errors, gradientNorms);
        }
    }

    /** The L2 norm of the gradient of every convolution and fully connected weight. */
    private static Map<String, Double> weightGradientNorms(Network network) {
        Map<String, Double> norms = new LinkedHashMap<>();
        network.parameters()
                .forEach(
                        (name, w) -> {
                            if (name.endsWith(".weight")) {
                                try (NDArray g = w.getGradient();
                                        NDArray norm = g.norm()) {
                                    norms.put(name, (double) norm.getFloat());
                                }
                            }
                        });
        return norms;
    }

    /** Mean softmax cross-entropy of logits against integer labels. */
    static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray logProbabilities = logits.logSoftmax(1);
        return logProbabilities.get(new NDIndex().addAllDim().addPickDim(labels)).neg().mean();
    }

    private Map<String, Object> row(
            String type, int iteration, boolean synthetic, Map<String, Object> values) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("type", type);
        row.put("iteration", iteration);
        row.putAll(values);
        row.put("synthetic", synthetic);
        return row;
    }

    private void checkpoint(int iteration, Network network, Sgd sgd, TrainingData data)
            throws IOException {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("model", config.model());
        meta.put("options", RunConfig.optionsMap(config.options()));
        meta.put("iteration", iteration);
        Map<String, Object> loop = new LinkedHashMap<>();
        loop.put("warming_up", warmingUp);
        loop.put("interval_loss", intervalLoss);
        loop.put("interval_errors", intervalErrors);
        loop.put("interval_images", intervalImages);
        loop.put("interval_steps", intervalSteps);
        loop.put("lr_schedule", schedule.state());
        meta.put("loop", loop);
        meta.put(
                "random",
                Map.of(
                        "seed",
                        recipe.seed(),
                        "data_position",
                        iteration,
                        "note",
                        "sampling and augmentation are functions of (seed, iteration); the engine"
                                + " generator is used only at initialization"));
        meta.put(
                "preprocessing",
                Map.of("type", "per_pixel_mean", "mean_array", "preprocess.pixel_mean"));
        meta.put("class_names", data.classNames());
        meta.put("synthetic", config.synthetic());
        meta.put("config", config.toMap());
        meta.put("code_version", CodeVersion.get());
        Map<String, NDArray> arrays = new LinkedHashMap<>(network.parameters());
        arrays.putAll(network.state());
        try (NDManager scope = network.manager().newSubManager()) {
            int side = data.side();
            arrays.put(
                    "preprocess.pixel_mean",
                    scope.create(data.pixelMean(), new Shape(3, side, side)));
            Path dir = runDir.resolve("checkpoints");
            Checkpoint.write(
                    dir.resolve(Checkpoint.fileName(iteration)), meta, arrays, sgd.velocities());
        }
        List<Path> all = Checkpoint.list(runDir.resolve("checkpoints"));
        for (int i = 0; i < all.size() - recipe.keepCheckpoints(); i++) {
            Files.deleteIfExists(all.get(i));
        }
    }

    /** Every array that must be the same on every rank: weights, BN statistics, velocities. */
    private static List<NDArray> replicated(Network network, Sgd sgd) {
        List<NDArray> arrays = new ArrayList<>(network.parameters().values());
        arrays.addAll(network.state().values());
        arrays.addAll(sgd.velocities().values());
        return arrays;
    }

    /**
     * Refuses to train if the ranks disagree on the model, the recipe or the data: each would
     * average gradients of a different problem without noticing. The engine threads may differ from
     * machine to machine.
     */
    private void requireSameOnEveryRank(TrainingData data) {
        if (!replicas.distributed()) {
            return;
        }
        if (replicas.world().size() > recipe.batch()) {
            throw new IllegalArgumentException(
                    "a batch of "
                            + recipe.batch()
                            + " images cannot be shared by "
                            + replicas.world().size()
                            + " ranks: start at most "
                            + recipe.batch()
                            + " (mpirun -np)");
        }
        replicas.requireSame(
                "the model", config.model() + " " + RunConfig.optionsMap(config.options()));
        Map<String, Object> resolved = new LinkedHashMap<>(recipe.toMap());
        resolved.remove("threads");
        replicas.requireSame("the recipe", resolved.toString());
        replicas.requireSame(
                "the data",
                String.format(
                        Locale.ROOT,
                        "%s: %d training images of %d pixels, %d classes (names %08x), per-pixel"
                                + " mean %08x, evaluated on %s",
                        config.data(),
                        data.trainSize(),
                        data.side(),
                        data.classes(),
                        data.classNames().hashCode(),
                        Arrays.hashCode(data.pixelMean()),
                        data.evalSplit()));
    }

    private int restore(Path file, Network network, Sgd sgd, NDManager root) throws IOException {
        try (NDManager scope = root.newSubManager()) {
            Checkpoint.Contents contents = Checkpoint.read(file, scope);
            Weights.requireSameModel(contents, config.model(), config.options(), file);
            Weights.copy(contents.model(), network.parameters(), file);
            Weights.copy(contents.model(), network.state(), file);
            Weights.copy(contents.optimizer(), sgd.velocities(), file);
            Map<String, Object> loop = contents.section("loop");
            warmingUp = Boolean.TRUE.equals(loop.get("warming_up"));
            intervalLoss = ((Number) loop.get("interval_loss")).doubleValue();
            intervalErrors = ((Number) loop.get("interval_errors")).longValue();
            intervalImages = ((Number) loop.get("interval_images")).longValue();
            intervalSteps = ((Number) loop.get("interval_steps")).intValue();
            @SuppressWarnings("unchecked")
            Map<String, Object> lrState =
                    (Map<String, Object>) loop.getOrDefault("lr_schedule", Map.of());
            schedule.restore(lrState);
            return contents.iteration();
        }
    }
}
