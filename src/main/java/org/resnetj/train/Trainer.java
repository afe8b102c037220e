package org.resnetj.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
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
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.checkpoint.Provenance;
import org.resnetj.data.Batch;
import org.resnetj.data.BatchStream;
import org.resnetj.distributed.Replicas;
import org.resnetj.distributed.SyncBatchNorm;
import org.resnetj.engine.Threads;
import org.resnetj.eval.Evaluator;
import org.resnetj.model.InputBuffer;
import org.resnetj.model.Layer;
import org.resnetj.model.ModelOptions;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Network;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop: runs a {@link RunConfig} in a run directory, writing {@code metrics.jsonl} and
 * {@link Checkpoint checkpoints}, and resumes a run from its newest checkpoint. The learning rate
 * and its warm-up are the {@link LrSchedule}'s; the curves are drawn by a listener that cannot stop
 * training ({@link Charts}).
 *
 * <p>Every random choice after initialization (sampling order and augmentation) is a function of
 * the seed and the iteration, so the seed and the iteration in a checkpoint are the complete state
 * of the random generators: a resumed run sees the same batches as an uninterrupted one.
 */
public final class Trainer {

    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    /**
     * Draws a run's curves from its {@code metrics.jsonl} while it trains. A failure (no fonts on a
     * headless machine, a full disk) is reported in one line and training goes on: the metrics hold
     * everything the curves show, and {@code resnet plot} draws them after the run.
     */
    @FunctionalInterface
    interface Charts {
        /** Writes the curves of {@code runDir}. */
        void write(Path runDir) throws IOException;
    }

    private final RunConfig config;
    private final Path runDir;
    private final Recipe recipe;
    private final RunSettings settings;
    private final LrSchedule schedule;
    private final Charts charts;

    /** The processes training this model together; rank 0 alone writes. */
    private final Replicas replicas;

    /** The native memory every training batch passes through. */
    private final InputBuffer input = new InputBuffer();

    /** The logging interval so far: what a checkpoint must hold besides the arrays and schedule. */
    private double intervalLoss;

    private long intervalErrors;
    private long intervalImages;
    private int intervalSteps;

    private Trainer(RunConfig config, Path runDir, Charts charts, Replicas replicas) {
        this.config = config;
        this.replicas = replicas;
        this.runDir = runDir;
        this.recipe = config.recipe();
        this.settings = config.run();
        this.schedule = new LrSchedule(recipe, config.spec().depth());
        this.charts = charts;
    }

    /**
     * Starts a new run in {@code runDir}, which must not exist or be empty. The data is read and
     * checked before anything is written.
     *
     * @throws IOException if the directory holds files or the data cannot be read
     * @throws IllegalArgumentException if the model's classes differ from the data's
     */
    public static void start(
            String model, ModelOptions options, Path data, Setup setup, Path runDir)
            throws IOException {
        TrainingData training = TrainingData.open(data, setup.recipe(), setup.run().threads());
        start(model, options, data, training, setup, runDir);
    }

    /**
     * Starts a new run as {@link #start(String, ModelOptions, Path, Setup, Path)} does, on data the
     * caller has already opened from {@code data} with {@code setup}.
     */
    public static void start(
            String model,
            ModelOptions options,
            Path data,
            TrainingData training,
            Setup setup,
            Path runDir)
            throws IOException {
        start(model, options, data, training, Replicas.single(), setup, runDir);
    }

    /**
     * Starts a new run as {@link #start(String, ModelOptions, Path, TrainingData, Setup, Path)}
     * does, on {@code training} shared by all the processes of {@code replicas}: each takes its
     * share of every batch, and rank 0 alone writes the run directory.
     */
    public static void start(
            String model,
            ModelOptions options,
            Path data,
            TrainingData training,
            Replicas replicas,
            Setup setup,
            Path runDir)
            throws IOException {
        start(model, options, data, training, setup, runDir, Curves::writeRunCurves, replicas);
    }

    /** Starts a new run whose curves {@code charts} draws. */
    static void start(
            String model,
            ModelOptions options,
            Path data,
            TrainingData training,
            Setup setup,
            Path runDir,
            Charts charts,
            Replicas replicas)
            throws IOException {
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
        if (replicas.writes()) {
            requireEmpty(runDir);
        }
        RunConfig config =
                new RunConfig(
                        model,
                        options,
                        data.toAbsolutePath().toString(),
                        training.synthetic(),
                        setup,
                        Provenance.current());
        if (replicas.writes()) {
            Files.createDirectories(Checkpoint.folder(runDir));
            config.write(runDir);
        }
        LOG.info("run directory: {}", runDir);
        new Trainer(config, runDir, charts, replicas).run(training, false);
    }

    /**
     * Refuses to start a run in a directory that holds files.
     *
     * @throws IOException naming the directory and the way out
     */
    public static void requireEmpty(Path runDir) throws IOException {
        if (Files.isDirectory(runDir)) {
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
        TrainingData data =
                TrainingData.open(Path.of(config.data()), config.recipe(), config.run().threads());
        new Trainer(config, runDir, Curves::writeRunCurves, replicas).run(data, true);
    }

    private void run(TrainingData data, boolean resuming) throws IOException {
        LOG.info("data: {}", data.describe());
        ModelSpec spec = config.spec();
        Layer.Sequence plan = spec.plan(config.options(), data.side());

        Engine engine = Engine.getInstance();
        Threads.setIntraOp(settings.threads());
        engine.setRandomSeed((int) recipe.seed());
        try (NDManager root = NDManager.newBaseManager();
                Network network = Network.create(plan, root);
                Sgd sgd =
                        new Sgd(
                                network.parameters(),
                                recipe.momentum(),
                                recipe.weightDecay(),
                                root)) {
            int start = 0;
            requireSameOnEveryRank(data);
            Optional<Path> newest =
                    resuming && replicas.writes()
                            ? Checkpoint.newest(Checkpoint.folder(runDir))
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
            try (MetricsWriter metrics =
                            replicas.writes()
                                    ? MetricsWriter.open(runDir, start)
                                    : MetricsWriter.discard();
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
            MetricsWriter metrics,
            Progress progress)
            throws IOException {
        boolean synthetic = data.synthetic();
        long intervalStart = System.nanoTime();
        for (int done = start; done < recipe.iterations(); ) {
            float lr = schedule.lr(done);
            Batch batch = batches.next();
            boolean recordNorms =
                    recipe.gradNormEvery() > 0 && (done + 1) % recipe.gradNormEvery() == 0;
            StepResult step =
                    sgdStep(network, sgd, batch, input, lr, recordNorms, replicas, recipe.syncBn());
            Map<String, Double> norms = step.gradientNorms();
            // The global batch's loss and errors, the same on every rank, and so its warm-up.
            double[] global = replicas.sum(step.loss() * batch.size(), step.errors(), batch.size());
            intervalLoss += global[0] / global[2];
            intervalErrors += (long) global[1];
            intervalImages += (long) global[2];
            intervalSteps++;
            done++;
            if (schedule.trained(done, (long) global[1], (int) global[2])) {
                progress.message(
                        String.format(
                                Locale.ROOT,
                                "warm-up ends at iteration %d (training error %.1f%% over the last"
                                        + " %d iterations): LR back to %s",
                                done,
                                100 * schedule.windowError(),
                                recipe.warmupWindow(),
                                schedule.lr(done)));
            }
            if (recordNorms) {
                Map<String, Object> values = new LinkedHashMap<>();
                values.put("norms", norms);
                metrics.write(row("grad_norms", done, synthetic, values));
            }
            progress.step(done);
            boolean last = done == recipe.iterations();
            if (done % settings.logEvery() == 0 || last) {
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
                intervalLoss = 0;
                intervalErrors = 0;
                intervalImages = 0;
                intervalSteps = 0;
                intervalStart = System.nanoTime();
            }
            if ((settings.evalEvery() > 0 && done % settings.evalEvery() == 0) || last) {
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
                    drawCharts();
                }
                if (schedule.evaluated(result.top1Error()) && !last) {
                    progress.message(
                            String.format(
                                    Locale.ROOT,
                                    "iteration %d: the %s error has plateaued: LR divided to %s",
                                    done,
                                    split,
                                    schedule.lr(done)));
                }
            }
            if (done % settings.checkpointEvery() == 0 || last) {
                // What rank 0 saves is then every rank's state, as a resumed run will have it.
                replicas.broadcast(network.state().values());
                if (replicas.writes()) {
                    checkpoint(done, network, sgd, data);
                }
            }
            if (done % settings.logEvery() == 0) {
                intervalStart =
                        System.nanoTime(); // evaluation and checkpoints are not training time
            }
        }
    }

    /** Draws the curves; a failure is one line in the log, never the end of the run. */
    private void drawCharts() {
        try {
            charts.write(runDir);
        } catch (Exception | LinkageError | InternalError e) {
            LOG.warn(
                    "the curves of {} were not drawn ({}); training goes on, and `resnet plot`"
                            + " draws them from metrics.jsonl",
                    runDir,
                    String.valueOf(e).replace('\n', ' '));
        }
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
        return sgdStep(network, sgd, batch, input, lr, norms, Replicas.single(), false);
    }

    /**
     * One SGD iteration as {@link #sgdStep(Network, Sgd, Batch, InputBuffer, float, boolean)} runs
     * it, on this rank's share of a global batch: between backward and the update, the gradients
     * are averaged over the ranks of {@code replicas}. With {@code syncBn} and more than one rank,
     * BN normalizes with the statistics of the global batch ({@link SyncBatchNorm}), in the forward
     * and backward passes. The loss and errors returned are this rank's.
     */
    public static StepResult sgdStep(
            Network network,
            Sgd sgd,
            Batch batch,
            InputBuffer input,
            float lr,
            boolean norms,
            Replicas replicas,
            boolean syncBn) {
        SyncBatchNorm sync = syncBn && replicas.distributed() ? new SyncBatchNorm(replicas) : null;
        try (NDManager scope = network.manager().newSubManager()) {
            NDArray x = input.load(batch.images(), new Shape(batch.shape()), scope);
            NDArray y = scope.create(batch.labels());
            NDArray logits;
            NDArray loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                logits = sync == null ? network.forward(x, true) : network.forward(x, sync);
                loss = crossEntropy(logits, y);
                if (sync == null) {
                    collector.backward(loss);
                } else {
                    sync.backward(loss);
                }
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
        Map<String, Object> loop = new LinkedHashMap<>();
        loop.put("interval_loss", intervalLoss);
        loop.put("interval_errors", intervalErrors);
        loop.put("interval_images", intervalImages);
        loop.put("interval_steps", intervalSteps);
        RunCheckpoints.save(
                runDir,
                config,
                new RunCheckpoints.LoopState(iteration, loop, schedule.state()),
                network,
                sgd,
                data);
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
     * average gradients of a different problem without noticing. The run settings (threads,
     * logging) may differ from machine to machine.
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
                "the model", config.model() + " " + Checkpoint.optionsMap(config.options()));
        replicas.requireSame("the recipe", recipe.toMap().toString());
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
        RunCheckpoints.LoopState state = RunCheckpoints.restore(file, config, network, sgd, root);
        Map<String, Object> loop = state.loop();
        intervalLoss = ((Number) loop.get("interval_loss")).doubleValue();
        intervalErrors = ((Number) loop.get("interval_errors")).longValue();
        intervalImages = ((Number) loop.get("interval_images")).longValue();
        intervalSteps = ((Number) loop.get("interval_steps")).intValue();
        schedule.restore(state.schedule());
        return state.iteration();
    }
}
