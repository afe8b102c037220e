package org.resnetj.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.resnetj.data.BadImages;
import org.resnetj.data.Batch;
import org.resnetj.data.BatchStream;
import org.resnetj.data.CifarImages;
import org.resnetj.data.ImageDecoder;
import org.resnetj.data.ImageFolder;
import org.resnetj.data.ImageNetPresets;
import org.resnetj.data.Lighting;
import org.resnetj.data.PixelMean;
import org.resnetj.data.Preprocessing;
import org.resnetj.data.RgbImage;
import org.resnetj.data.TrainBatches;
import org.resnetj.detection.Box;
import org.resnetj.detection.Detector;
import org.resnetj.detection.DetectorConfig;
import org.resnetj.detection.DetectorInference;
import org.resnetj.detection.DetectorTrainer;
import org.resnetj.detection.GroundTruth;
import org.resnetj.detection.PhaseClock;
import org.resnetj.engine.EngineInfo;
import org.resnetj.engine.InferenceNetwork;
import org.resnetj.engine.Threads;
import org.resnetj.model.InputBuffer;
import org.resnetj.model.Layer;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.Network;
import org.resnetj.model.StridePlacement;
import org.resnetj.train.Sgd;
import org.resnetj.train.Trainer;

/**
 * Our side of one measurement, run in a child JVM of its own so that its peak memory is its own:
 * parses the worker protocol's arguments ({@link Workload#arguments}), runs the workload and prints
 * one JSON line, the same one {@code bench/peer.py} prints for PyTorch.
 *
 * <p>Training runs {@link Trainer#sgdStep}, the loop's own step, with the paper's momentum and
 * weight decay. Inference runs the network compiled for it ({@link InferenceNetwork}, what {@code
 * eval} and {@code classify} run), and copies the batch from a Java array through an {@link
 * InputBuffer} into a short-lived manager and reads the logits back every iteration. The data
 * pipeline is the {@link BatchStream} of training: for CIFAR-10 over 50,000 random images, for
 * ImageNet the image folder pipeline of {@code FolderTraining} (decoding, Section 3.4's
 * augmentation, PCA lighting) over the JPEG files of {@code --images}. The detection workloads run
 * the detector's own training step ({@link DetectorTrainer#step}) and test ({@link
 * DetectorInference#detect}) on one random image of {@code --side} × 5/3 of it with the objects of
 * {@link #OBJECTS}, in the paper's VOC configuration ({@link DetectorConfig#voc}) scaled to that
 * size so that the image is not resized, and report where the time went ({@link PhaseClock}). The
 * memory baseline is taken after the engine has loaded and before the model or the data is built,
 * as {@code bench/peer.py} does.
 */
public final class Worker {

    /**
     * The per-pixel mean the ImageNet pipeline subtracts: a constant, since the bench times the
     * decoding and augmentation, not the statistics of the images.
     */
    private static final float IMAGENET_MEAN = 0.45f;

    /** Images of the data pipeline's source set: CIFAR-10's training set size. */
    private static final int DATA_IMAGES = 50_000;

    /**
     * The ground-truth objects of the detection workloads' image: x1, y1, x2, y2 as fractions of
     * its width and height, and a VOC class (0-based). {@code bench/peer.py} places the same ones.
     */
    private static final double[][] OBJECTS = {
        {0.10, 0.15, 0.45, 0.60, 6}, {0.50, 0.20, 0.90, 0.85, 14}, {0.30, 0.55, 0.65, 0.95, 11}
    };

    /**
     * The learning rate of the detection training step: 0, on both sides. The step's arithmetic
     * (momentum, weight decay, the update) runs, but the random weights never move, so every timed
     * iteration does the same work. Measured at Appendix A's 0.001, the losses of a randomly
     * initialized ResNet-101 detector grew from the first steps and its proposals degenerated, and
     * the timed iterations pooled a few RoIs instead of 128.
     */
    private static final float DETECTION_LR = 0;

    private Worker() {}

    /**
     * Runs one measurement and prints its JSON line.
     *
     * @param args the worker protocol's arguments
     */
    public static void main(String[] args) {
        try {
            System.out.println(new ObjectMapper().writeValueAsString(measure(args)));
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            e.printStackTrace();
            System.err.println("error: " + e); // the line the bench reports
            System.exit(1);
        }
    }

    /** Runs the measurement that {@code args} describe and returns its fields. */
    static Map<String, Object> measure(String[] args) throws IOException {
        Request request = Request.parse(args);
        Workload w = request.workload();
        Workload.Settings s = request.settings();
        Threads.setIntraOp(s.threads());
        Threads.setInterOp(1);
        long baseline = ProcessMemory.resetPeak();
        Map<String, Double> phases = new LinkedHashMap<>();
        Timing timing;
        switch (w.kind()) {
            case TRAIN:
                timing = train(w, s);
                break;
            case INFER:
                timing = infer(w, s);
                break;
            case CIFAR_DATA:
                timing = cifarData(w, s);
                break;
            case IMAGENET_DATA:
                timing = imagenetData(w, s);
                break;
            case DETECT_TRAIN:
            case DETECT_INFER:
                timing = detection(w, s, phases);
                break;
            default:
                timing = matmul(w, s);
                break;
        }
        return result(
                w, timing, baseline, Threads.intraOp(), EngineInfo.current().versions(), phases);
    }

    /**
     * The protocol's fields for a measurement of {@code w} that {@code timing} timed, with the
     * process's peak resident size now against {@code baselineKb}, and the seconds per iteration of
     * each of its {@code phases} when it has any.
     */
    static Map<String, Object> result(
            Workload w,
            Timing timing,
            long baselineKb,
            int threads,
            String engine,
            Map<String, Double> phases) {
        long peak = ProcessMemory.peakKb();
        boolean matrix = w.kind() == Workload.Kind.MATMUL;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(
                "images_per_sec",
                matrix ? 0.0 : w.batch() * timing.iterations() / timing.seconds());
        out.put("iterations", timing.iterations());
        out.put("seconds", timing.seconds());
        out.put("cpu_seconds", timing.cpuSeconds());
        out.put("gflops", matrix ? 2.0 * Math.pow(w.side(), 3) / timing.bestSeconds() / 1e9 : 0.0);
        out.put("baseline_rss_mb", baselineKb / 1024.0);
        out.put("peak_rss_mb", peak / 1024.0);
        out.put("workload_peak_mb", (peak - baselineKb) / 1024.0);
        out.put("threads", threads);
        out.put("engine", engine);
        if (!phases.isEmpty()) {
            out.put("phases", phases);
        }
        return out;
    }

    private static Timing train(Workload w, Workload.Settings s) {
        Layer.Sequence plan = ModelRegistry.get(w.model()).plan(w.options(), w.side());
        Engine.getInstance().setRandomSeed(0);
        Batch batch = randomBatch(w, 10);
        try (NDManager root = NDManager.newBaseManager();
                Network network = Network.create(plan, root);
                Sgd sgd = new Sgd(network.parameters(), 0.9f, 1e-4f, root)) {
            network.requireGradients();
            InputBuffer input = new InputBuffer();
            return Timing.run(
                    () -> Trainer.sgdStep(network, sgd, batch, input, 0.1f, false),
                    s.warmup(),
                    s.seconds(),
                    s.minIterations());
        }
    }

    private static Timing infer(Workload w, Workload.Settings s) {
        Layer.Sequence plan = ModelRegistry.get(w.model()).plan(w.options(), w.side());
        Engine.getInstance().setRandomSeed(0);
        Batch batch = randomBatch(w, 1000);
        Shape shape = new Shape(batch.shape());
        try (NDManager root = NDManager.newBaseManager();
                InferenceNetwork network = InferenceNetwork.compile(Network.create(plan, root))) {
            InputBuffer input = new InputBuffer();
            return Timing.run(
                    () -> {
                        try (NDManager scope = network.manager().newSubManager()) {
                            network.logits(input.load(batch.images(), shape, scope)).toFloatArray();
                        }
                    },
                    s.warmup(),
                    s.seconds(),
                    s.minIterations());
        }
    }

    /**
     * Times the detector's training step or its test on the workload's image, and puts into {@code
     * phases} the mean seconds of each phase over the timed iterations.
     */
    private static Timing detection(Workload w, Workload.Settings s, Map<String, Double> phases) {
        int height = w.side();
        int width = w.detectionWidth();
        DetectorConfig voc = DetectorConfig.voc(w.model());
        DetectorConfig config =
                new DetectorConfig(
                        voc.backbone(),
                        voc.classes(),
                        new DetectorConfig.ImageScale(height, width, false),
                        voc.rpn(),
                        voc.fastRcnn(),
                        voc.solver());
        SplittableRandom random = new SplittableRandom(0);
        byte[] pixels = new byte[3 * height * width];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) random.nextInt(256);
        }
        RgbImage image = RgbImage.of(width, height, pixels);
        List<GroundTruth> objects = new ArrayList<>();
        for (double[] o : OBJECTS) {
            Box box = new Box(o[0] * width, o[1] * height, o[2] * width, o[3] * height);
            objects.add(GroundTruth.of(box, (int) o[4]));
        }
        boolean training = w.kind() == Workload.Kind.DETECT_TRAIN;
        Engine.getInstance().setRandomSeed(0);
        List<PhaseClock> clocks = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager();
                Detector detector =
                        Detector.create(
                                config, w.options(), Preprocessing.Torchvision.IMAGENET, root);
                Sgd sgd = DetectorTrainer.optimizer(detector, root)) {
            zeroLastGammas(detector.backbone().trunk(), detector.parameters());
            zeroLastGammas(detector.backbone().head(), detector.parameters());
            if (training) {
                detector.requireGradients();
            }
            Timing timing =
                    Timing.run(
                            () -> {
                                PhaseClock clock = PhaseClock.started();
                                if (training) {
                                    DetectorTrainer.step(
                                            detector,
                                            sgd,
                                            image,
                                            objects,
                                            random,
                                            DETECTION_LR,
                                            clock);
                                } else {
                                    DetectorInference.detect(detector, image, "bench", clock);
                                }
                                clocks.add(clock);
                            },
                            s.warmup(),
                            s.seconds(),
                            s.minIterations());
            for (PhaseClock clock :
                    clocks.subList(clocks.size() - timing.iterations(), clocks.size())) {
                clock.seconds()
                        .forEach(
                                (phase, sec) ->
                                        phases.merge(
                                                phase, sec / timing.iterations(), Double::sum));
            }
            return timing;
        }
    }

    /**
     * Sets γ of the last BN of every residual branch under {@code layer} to 0, as torchvision's
     * {@code zero_init_residual} (Goyal et al., 2017): every block then starts as its shortcut. A
     * detector fine-tunes with BN frozen at its ImageNet statistics; with freshly initialized
     * weights and the identity statistics of a new BN, ResNet-101's 33 blocks would each double the
     * signal's variance, and the RPN's boxes would overflow, leaving no proposal and no RoI to
     * time. The arithmetic is the same whatever the values; {@code bench/peer.py} does the same.
     */
    private static void zeroLastGammas(Layer layer, Map<String, NDArray> parameters) {
        if (layer instanceof Layer.Block block) {
            Layer.BatchNorm last = null;
            for (Layer.BatchNorm bn : batchNorms(block.branch(), new ArrayList<>())) {
                last = bn;
            }
            if (last != null) {
                parameters.get(last.name() + ".gamma").muli(0);
            }
        } else if (layer instanceof Layer.Sequence sequence) {
            sequence.layers().forEach(child -> zeroLastGammas(child, parameters));
        }
    }

    private static List<Layer.BatchNorm> batchNorms(Layer layer, List<Layer.BatchNorm> found) {
        if (layer instanceof Layer.BatchNorm bn) {
            found.add(bn);
        } else if (layer instanceof Layer.Sequence sequence) {
            sequence.layers().forEach(child -> batchNorms(child, found));
        }
        return found;
    }

    private static Timing cifarData(Workload w, Workload.Settings s) {
        SplittableRandom random = new SplittableRandom(0);
        byte[] pixels = new byte[DATA_IMAGES * CifarImages.IMAGE_SIZE];
        byte[] labels = new byte[DATA_IMAGES];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) random.nextInt(256);
        }
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (byte) random.nextInt(CifarImages.CLASSES);
        }
        CifarImages images = CifarImages.of(pixels, labels);
        float[] mean = PixelMean.of(images);
        try (BatchStream stream =
                new BatchStream(TrainBatches.cifar(images, mean, w.batch(), 0), 0, s.threads())) {
            return Timing.run(stream::next, s.warmup(), s.seconds(), s.minIterations());
        }
    }

    private static Timing imagenetData(Workload w, Workload.Settings s) throws IOException {
        if (s.images() == null) {
            throw new IllegalArgumentException(
                    w.kind().argument() + " needs --images DIR, a folder of DIR/train/CLASS/*.jpg");
        }
        ImageDecoder decoder =
                new ImageDecoder(ImageFolder.open(s.images(), null).train(), BadImages.STOP);
        float[] mean = new float[ImageNetPresets.IMAGE_SIZE];
        Arrays.fill(mean, IMAGENET_MEAN);
        TrainBatches batches =
                TrainBatches.imageFolder(decoder, mean, Lighting.IMAGENET, w.batch(), 0);
        try (BatchStream stream = new BatchStream(batches, 0, s.threads())) {
            return Timing.run(stream::next, s.warmup(), s.seconds(), s.minIterations());
        }
    }

    private static Timing matmul(Workload w, Workload.Settings s) {
        Engine.getInstance().setRandomSeed(0);
        try (NDManager manager = NDManager.newBaseManager()) {
            Shape shape = new Shape(w.side(), w.side());
            NDArray a = manager.randomNormal(0, 1, shape, DataType.FLOAT32);
            NDArray b = manager.randomNormal(0, 1, shape, DataType.FLOAT32);
            return Timing.run(
                    () -> {
                        try (NDArray product = a.dot(b)) {
                            product.getShape(); // the product is computed eagerly; nothing to read
                            // back
                        }
                    },
                    s.warmup(),
                    s.seconds(),
                    s.minIterations());
        }
    }

    /** A batch of Gaussian images and uniform labels in 0..classes-1, the same every run. */
    static Batch randomBatch(Workload w, int classes) {
        SplittableRandom random = new SplittableRandom(0);
        float[] images = new float[w.batch() * CifarImages.CHANNELS * w.side() * w.side()];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) gaussian(random);
        }
        int[] labels = new int[w.batch()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = random.nextInt(classes);
        }
        return new Batch(images, labels, w.side(), 0);
    }

    private static double gaussian(SplittableRandom random) {
        // Box-Muller; the values only need to look like normalised pixels.
        double u = 1 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    /** A parsed worker request: the workload and the timing settings. */
    record Request(Workload workload, Workload.Settings settings) {

        static Request parse(String[] args) {
            if (args.length == 0) {
                throw new IllegalArgumentException(
                        "expected KIND --batch B --side S --threads T --warmup W --seconds SEC"
                            + " --min-iterations K [--model M --stride-on 1x1|3x3] [--images DIR]");
            }
            Workload.Kind kind = Workload.Kind.ofArgument(args[0]);
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 1; i < args.length; i += 2) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException(
                            "expected --name value pairs after the kind, got '" + args[i] + "'");
                }
                values.put(args[i].substring(2), args[i + 1]);
            }
            String model = values.getOrDefault("model", "");
            StridePlacement stride =
                    "3x3".equals(values.get("stride-on"))
                            ? StridePlacement.MIDDLE_3X3
                            : StridePlacement.FIRST_1X1;
            Workload workload =
                    new Workload(
                            kind.argument() + (model.isEmpty() ? "" : "-" + model),
                            kind,
                            model,
                            stride,
                            integer(values, "batch"),
                            integer(values, "side"));
            Workload.Settings settings =
                    new Workload.Settings(
                            integer(values, "threads"),
                            integer(values, "warmup"),
                            number(values, "seconds"),
                            integer(values, "min-iterations"),
                            values.containsKey("images") ? Path.of(values.get("images")) : null);
            return new Request(workload, settings);
        }

        private static int integer(Map<String, String> values, String name) {
            return (int) number(values, name);
        }

        private static double number(Map<String, String> values, String name) {
            String value = values.get(name);
            if (value == null) {
                throw new IllegalArgumentException("missing --" + name);
            }
            try {
                return Double.parseDouble(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "--" + name + " must be a number, got '" + value + "'");
            }
        }
    }
}
