package org.resnetj.detection;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.SplittableRandom;
import org.resnetj.analysis.Curves;
import org.resnetj.checkpoint.ArrayCopy;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.data.Preprocessing;
import org.resnetj.data.RgbImage;
import org.resnetj.data.Seeds;
import org.resnetj.engine.Threads;
import org.resnetj.model.ModelRegistry;
import org.resnetj.train.MetricsWriter;
import org.resnetj.train.Progress;
import org.resnetj.train.Sgd;
import org.resnetj.train.Trainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a Faster R-CNN detector end to end, as py-faster-rcnn's {@code train_net.py} with its
 * {@code end2end} solver ("approximate joint training", Faster R-CNN Section 3.2): one image per
 * iteration; the RPN's two losses and the Fast R-CNN head's two summed into one, whose gradient
 * flows to the shared trunk from both; the proposals, and the ground-truth boxes appended to them,
 * are constants. SGD with momentum ({@link Sgd}, Caffe's form) and weight decay, with the LR of
 * {@link DetectorConfig.Solver}.
 *
 * <p>A run directory holds {@code config.json} ({@link DetectionRun}), {@code metrics.jsonl},
 * {@code checkpoints/} and {@code curves.png}, as a classifier's. The image order (a permutation
 * per epoch), the mirroring and the anchor and RoI sampling of iteration i are functions of (seed,
 * i), so a run resumed from a checkpoint continues exactly as if it had not stopped.
 *
 * <p>Training images with no object left once difficult and crowd objects are set aside are
 * skipped, as py-faster-rcnn leaves out difficult objects ({@code use_diff} false) and images
 * without any RoI to learn from ({@code filter_roidb}).
 */
public final class DetectorTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(DetectorTrainer.class);

    private final DetectionRun run;
    private final Path runDir;
    private final DetectorConfig config;

    /** The logging interval so far: what a checkpoint must hold besides the arrays. */
    private final double[] intervalLosses = new double[4];

    private long intervalRois;
    private long intervalErrors;
    private int intervalSteps;

    private DetectorTrainer(DetectionRun run, Path runDir) {
        this.run = run;
        this.runDir = runDir;
        this.config = run.detector();
    }

    /**
     * Starts a new run in {@code runDir}, which must not exist or be empty. The data is read and
     * checked before anything is written.
     *
     * @throws IOException if the directory holds files or the data cannot be read
     */
    public static void start(DetectionRun run, Path runDir) throws IOException {
        Training data = Training.open(run);
        Trainer.requireEmpty(runDir);
        Files.createDirectories(Checkpoint.folder(runDir));
        run.write(runDir);
        LOG.info("run directory: {}", runDir);
        new DetectorTrainer(run, runDir).train(data, false);
    }

    /** Continues the run in {@code runDir} from its newest checkpoint (or from the start). */
    public static void resume(Path runDir) throws IOException {
        DetectionRun run = DetectionRun.read(runDir);
        new DetectorTrainer(run, runDir).train(Training.open(run), true);
    }

    /** The training images with the objects it learns from, and the test set. */
    record Training(
            DetectionSet set, List<AnnotatedImage> images, DetectionSet test, CocoDataset coco) {

        static Training open(DetectionRun run) throws IOException {
            DetectionSet set = run.train().read();
            for (DetectionData more : run.moreTrain()) {
                set = set.union(more.read());
            }
            if (set.classes().size() != run.detector().classes()) {
                throw new IllegalArgumentException(
                        "the detector has "
                                + run.detector().classes()
                                + " classes but "
                                + set.name()
                                + " has "
                                + set.classes().size());
            }
            List<AnnotatedImage> usable = new ArrayList<>();
            for (AnnotatedImage image : set.images()) {
                List<GroundTruth> kept =
                        image.objects().stream().filter(o -> !o.difficult() && !o.crowd()).toList();
                if (!kept.isEmpty()) {
                    usable.add(
                            new AnnotatedImage(
                                    image.id(), image.file(), image.width(), image.height(), kept));
                }
            }
            if (usable.isEmpty()) {
                throw new IllegalArgumentException(
                        set.name() + " has no image with an object to train on");
            }
            DetectionSet test = null;
            CocoDataset coco = null;
            if (run.test() != null) {
                if (DetectionData.COCO.equals(run.test().format())) {
                    coco = run.test().readCoco();
                    test = coco.set();
                } else {
                    test = run.test().read();
                }
            }
            return new Training(set, usable, test, coco);
        }
    }

    private void train(Training data, boolean resuming) throws IOException {
        LOG.info(
                "data: {} ({} of {} images have objects to train on)",
                data.set().name(),
                data.images().size(),
                data.set().images().size());
        Threads.setIntraOp(run.threads());
        Engine.getInstance().setRandomSeed((int) run.seed());
        try (NDManager root = NDManager.newBaseManager();
                Detector detector = initial(root)) {
            Optional<Path> newest =
                    resuming ? Checkpoint.newest(Checkpoint.folder(runDir)) : Optional.empty();
            boolean pretrains = run.pretraining() != null;
            if (pretrains && newest.isEmpty()) {
                CropPretraining.run(detector, data.images(), run.pretraining(), run.seed());
            }
            if (pretrains) {
                detector.freeze();
            }
            try (Sgd sgd = optimizer(detector, root)) {
                train(data, newest, pretrains, detector, sgd, root);
            }
        }
        LOG.info("run finished: {}", runDir);
    }

    private void train(
            Training data,
            Optional<Path> newest,
            boolean pretrained,
            Detector detector,
            Sgd sgd,
            NDManager root)
            throws IOException {
        int start = 0;
        if (newest.isPresent()) {
            start = restore(newest.get(), detector, sgd, root);
            LOG.info("resuming {} at iteration {}", runDir, start);
        } else if (pretrained) {
            checkpoint(0, detector, sgd, data.set().classes());
        }
        detector.requireGradients();
        try (MetricsWriter metrics = MetricsWriter.open(runDir, start);
                Progress progress =
                        new Progress(
                                "faster-rcnn-" + config.backbone(),
                                start,
                                config.solver().iterations())) {
            loop(start, detector, sgd, data, metrics, progress);
        }
    }

    /**
     * SGD over the {@link Detector#trainableParameters} with the solver's momentum and weight
     * decay, its state in {@code manager}.
     */
    public static Sgd optimizer(Detector detector, NDManager manager) {
        DetectorConfig.Solver solver = detector.config().solver();
        return new Sgd(
                detector.trainableParameters(),
                (float) solver.momentum(),
                (float) solver.weightDecay(),
                manager);
    }

    private Detector initial(NDManager root) throws IOException {
        if (run.imagenet() != null) {
            return Detector.fromImageNet(Path.of(run.imagenet()), config, root);
        }
        return Detector.fromScratch(
                config,
                ModelRegistry.get(config.backbone()).defaults(),
                Preprocessing.Torchvision.IMAGENET,
                root);
    }

    private void loop(
            int start,
            Detector detector,
            Sgd sgd,
            Training data,
            MetricsWriter metrics,
            Progress progress)
            throws IOException {
        int total = config.solver().iterations();
        int[] order = null;
        int orderEpoch = -1;
        long intervalStart = System.nanoTime();
        for (int done = start; done < total; ) {
            int n = data.images().size();
            int epoch = done / n;
            if (epoch != orderEpoch) {
                order = permutation(n, Seeds.random(run.seed(), Seeds.DETECTION_ORDER, epoch));
                orderEpoch = epoch;
            }
            AnnotatedImage image = data.images().get(order[done % n]);
            float lr = (float) config.solver().lr(done);
            SplittableRandom random = Seeds.random(run.seed(), Seeds.DETECTION_SAMPLING, done);
            StepResult result = step(detector, sgd, image, random, lr);
            for (int i = 0; i < 4; i++) {
                intervalLosses[i] += result.losses()[i];
            }
            intervalRois += result.rois();
            intervalErrors += result.errors();
            intervalSteps++;
            done++;
            progress.step(done);
            boolean last = done == total;
            if (done % run.logEvery() == 0 || last) {
                double seconds = (System.nanoTime() - intervalStart) / 1e9;
                logInterval(done, lr, seconds, data, metrics, progress);
                intervalStart = System.nanoTime();
            }
            if (data.test() != null
                    && ((run.evalEvery() > 0 && done % run.evalEvery() == 0) || last)) {
                evaluate(done, detector, data, metrics, progress);
            }
            if (done % run.checkpointEvery() == 0 || last) {
                checkpoint(done, detector, sgd, data.set().classes());
            }
            if (done % run.logEvery() == 0) {
                intervalStart = System.nanoTime(); // evaluation and checkpoints are not training
            }
        }
    }

    private void logInterval(
            int done,
            float lr,
            double seconds,
            Training data,
            MetricsWriter metrics,
            Progress progress)
            throws IOException {
        double loss = 0;
        Map<String, Object> values = new LinkedHashMap<>();
        String[] names = {"rpn_cls_loss", "rpn_box_loss", "cls_loss", "box_loss"};
        for (int i = 0; i < 4; i++) {
            loss += intervalLosses[i] / intervalSteps;
        }
        values.put("loss", loss);
        for (int i = 0; i < 4; i++) {
            values.put(names[i], intervalLosses[i] / intervalSteps);
        }
        double error = intervalRois == 0 ? 0 : (double) intervalErrors / intervalRois;
        values.put("train_error", error);
        values.put("train_error_of", "sampled RoIs' classes");
        values.put("lr", lr);
        values.put("images_per_sec", intervalSteps / seconds);
        values.put("seconds_per_iteration", seconds / intervalSteps);
        metrics.write(row("train", done, values));
        progress.interval(done, loss, error, lr, intervalSteps / seconds);
        java.util.Arrays.fill(intervalLosses, 0);
        intervalRois = 0;
        intervalErrors = 0;
        intervalSteps = 0;
    }

    private void evaluate(
            int done, Detector detector, Training data, MetricsWriter metrics, Progress progress)
            throws IOException {
        List<Detection> detections = DetectorInference.detectAll(detector, data.test(), i -> {});
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("split", data.test().name());
        String text;
        if (data.coco() != null) {
            CocoEvaluation.Summary summary = CocoEvaluation.evaluate(data.coco(), detections);
            values.put("metric", "coco");
            values.put("map", summary.ap());
            values.put("map50", summary.ap50());
            text =
                    String.format(
                            Locale.ROOT,
                            "mAP@.5 %.1f, mAP@[.5,.95] %.1f",
                            100 * summary.ap50(),
                            100 * summary.ap());
        } else {
            VocEvaluation.Result result =
                    VocEvaluation.evaluate(
                            data.test(), detections, VocEvaluation.Method.VOC07_11_POINT);
            values.put("metric", "voc07");
            values.put("map", result.meanAveragePrecision());
            values.put("ap", result.averagePrecision());
            text =
                    String.format(
                            Locale.ROOT, "VOC07 mAP %.1f", 100 * result.meanAveragePrecision());
        }
        values.put("images", data.test().images().size());
        metrics.write(row("detection_eval", done, values));
        progress.message(
                String.format(
                        Locale.ROOT,
                        "iteration %d: %s on %s%s",
                        done,
                        text,
                        data.test().name(),
                        run.synthetic() ? " (synthetic data)" : ""));
        Curves.writeRunCurves(runDir);
    }

    /**
     * What one iteration reports.
     *
     * @param losses the RPN's objectness and box losses and the head's class and box losses
     * @param rois the RoIs sampled
     * @param errors those whose highest-scoring class is not their label
     */
    public record StepResult(float[] losses, int rois, int errors) {}

    /**
     * One iteration of end-to-end training on one image, in a manager of its own that is freed on
     * return.
     *
     * @param random the draws of this iteration: mirroring, then the seed of anchor and RoI
     *     sampling
     */
    StepResult step(
            Detector detector, Sgd sgd, AnnotatedImage image, SplittableRandom random, float lr)
            throws IOException {
        return step(detector, sgd, RgbImage.read(image.file()), image.objects(), random, lr);
    }

    static StepResult step(
            Detector detector,
            Sgd sgd,
            RgbImage image,
            List<GroundTruth> objects,
            SplittableRandom random,
            float lr) {
        return step(detector, sgd, image, objects, random, lr, PhaseClock.OFF);
    }

    /**
     * One iteration of end-to-end training on {@code image} with its {@code objects}, as the
     * training loop runs it, charging its parts to {@code clock}: {@link PhaseClock#INPUT}, {@link
     * PhaseClock#TRUNK}, {@link PhaseClock#RPN} (the RPN's layers, its losses and the proposal
     * layer with its NMS), {@link PhaseClock#TARGETS} (anchor targets and RoI sampling), {@link
     * PhaseClock#ROI_HEAD} (RoI pooling, the head, its losses), {@link PhaseClock#BACKWARD}, {@link
     * PhaseClock#STEP} (SGD) and {@link PhaseClock#OTHER} (reading the losses back).
     *
     * @param random the draws of this iteration: mirroring, then the seed of anchor and RoI
     *     sampling
     */
    public static StepResult step(
            Detector detector,
            Sgd sgd,
            RgbImage image,
            List<GroundTruth> objects,
            SplittableRandom random,
            float lr,
            PhaseClock clock) {
        DetectorConfig config = detector.config();
        boolean flip = config.scale().flip() && random.nextBoolean();
        DetectionInput input =
                DetectionInput.of(image, config.scale(), flip, detector.preprocessing());
        float[] original = new float[4 * objects.size()];
        int[] classes = new int[objects.size()];
        for (int i = 0; i < objects.size(); i++) {
            Box b = objects.get(i).box();
            original[4 * i] = (float) b.x1();
            original[4 * i + 1] = (float) b.y1();
            original[4 * i + 2] = (float) b.x2();
            original[4 * i + 3] = (float) b.y2();
            classes[i] = objects.get(i).label();
        }
        float[] boxes = input.toInput(original);
        Random sampling = new Random(random.nextLong());
        try (NDManager scope = detector.manager().newSubManager()) {
            NDArray[] losses = new NDArray[4];
            NDArray classLogits;
            NDArray roiLabels;
            NDArray batch = input.toBatch(scope);
            clock.lap(PhaseClock.INPUT);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray features = detector.trunk(batch, true);
                clock.lap(PhaseClock.TRUNK);
                Detector.RpnOutput rpn = detector.rpn(features);
                float[] anchors =
                        DetectorInference.anchors(
                                config.rpn(),
                                (int) features.getShape().get(2),
                                (int) features.getShape().get(3));
                NDArray objectness = rpn.objectnessPerAnchor();
                NDArray deltas = rpn.deltasPerAnchor();
                clock.lap(PhaseClock.RPN);
                TargetAnchors.Assignment anchorTargets =
                        new TargetAnchors(config.rpn())
                                .assign(anchors, boxes, input.height(), input.width(), sampling);
                NDArray anchorLabels = scope.create(anchorTargets.labels());
                clock.lap(PhaseClock.TARGETS);
                losses[0] = DetectionLosses.rpnObjectness(objectness, anchorLabels);
                losses[1] =
                        DetectionLosses.rpnBox(
                                deltas,
                                scope.create(
                                        anchorTargets.targets(), new Shape(anchors.length / 4, 4)),
                                anchorLabels,
                                config.rpn().beta());
                ProposalLayer.Proposals proposals =
                        ProposalLayer.training(config.rpn())
                                .propose(
                                        anchors,
                                        objectness.toFloatArray(),
                                        deltas.toFloatArray(),
                                        input.height(),
                                        input.width(),
                                        input.scale());
                clock.lap(PhaseClock.RPN);
                TargetRois.Sample rois =
                        new TargetRois(config.fastRcnn())
                                .sample(proposals.boxes(), boxes, classes, sampling);
                clock.lap(PhaseClock.TARGETS);
                NDArray pooled =
                        DetectorInference.pooling(detector)
                                .apply(features, Rois.ofImage(rois.rois()));
                Detector.HeadOutput head = detector.head(pooled, true);
                roiLabels = scope.create(rois.labels());
                classLogits = head.classLogits();
                losses[2] = DetectionLosses.fastRcnnClass(classLogits, roiLabels);
                losses[3] =
                        DetectionLosses.fastRcnnBox(
                                head.boxDeltas(),
                                scope.create(rois.targets(), new Shape(rois.size(), 4)),
                                roiLabels,
                                config.fastRcnn().beta());
                clock.lap(PhaseClock.ROI_HEAD);
                collector.backward(losses[0].add(losses[1]).add(losses[2]).add(losses[3]));
                clock.lap(PhaseClock.BACKWARD);
            }
            sgd.step(lr);
            clock.lap(PhaseClock.STEP);
            float[] values = new float[4];
            for (int i = 0; i < 4; i++) {
                values[i] = losses[i].getFloat();
            }
            int errors =
                    (int)
                            classLogits
                                    .argMax(1)
                                    .toType(roiLabels.getDataType(), false)
                                    .neq(roiLabels)
                                    .sum()
                                    .getLong();
            clock.lap(PhaseClock.OTHER);
            return new StepResult(values, (int) roiLabels.size(), errors);
        }
    }

    private Map<String, Object> row(String type, int iteration, Map<String, Object> values) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("type", type);
        row.put("iteration", iteration);
        row.putAll(values);
        row.put("synthetic", run.synthetic());
        return row;
    }

    private void checkpoint(int iteration, Detector detector, Sgd sgd, List<String> classes)
            throws IOException {
        Map<String, Object> loop = new LinkedHashMap<>();
        loop.put(
                "interval_losses",
                List.of(
                        intervalLosses[0],
                        intervalLosses[1],
                        intervalLosses[2],
                        intervalLosses[3]));
        loop.put("interval_rois", intervalRois);
        loop.put("interval_errors", intervalErrors);
        loop.put("interval_steps", intervalSteps);
        Path dir = Checkpoint.folder(runDir);
        DetectorCheckpoint.write(
                dir.resolve(Checkpoint.fileName(iteration)),
                detector,
                sgd.velocities(),
                iteration,
                loop,
                classes,
                run);
        List<Path> all = Checkpoint.list(dir);
        for (int i = 0; i < all.size() - run.keepCheckpoints(); i++) {
            Files.deleteIfExists(all.get(i));
        }
    }

    private int restore(Path file, Detector detector, Sgd sgd, NDManager root) throws IOException {
        try (NDManager scope = root.newSubManager()) {
            Checkpoint.Contents contents = Checkpoint.read(file, scope);
            if (!DetectorCheckpoint.KIND.equals(contents.meta().get("kind"))) {
                throw new IOException("checkpoint " + file + " is not a detector's");
            }
            ArrayCopy.copy(contents.model(), detector.parameters(), file);
            ArrayCopy.copy(contents.model(), detector.state(), file);
            ArrayCopy.copy(contents.optimizer(), sgd.velocities(), file);
            Map<String, Object> loop = contents.section("loop");
            List<?> losses = (List<?>) loop.get("interval_losses");
            for (int i = 0; i < 4; i++) {
                intervalLosses[i] = ((Number) losses.get(i)).doubleValue();
            }
            intervalRois = ((Number) loop.get("interval_rois")).longValue();
            intervalErrors = ((Number) loop.get("interval_errors")).longValue();
            intervalSteps = ((Number) loop.get("interval_steps")).intValue();
            return contents.iteration();
        }
    }

    /** A uniformly random permutation of 0 … n − 1 (Fisher–Yates). */
    static int[] permutation(int n, SplittableRandom random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
