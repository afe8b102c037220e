package org.resnetj.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.resnetj.model.Complexity;
import org.resnetj.model.ModelOptions;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.StridePlacement;

/**
 * One thing the benchmark measures on both sides: what runs ({@link Kind}), on which network, at
 * which batch size and image side. {@link Workloads#ALL} declares them.
 *
 * @param name the name the report and {@code --only} use, for example {@code train-resnet20}
 * @param kind what one iteration does
 * @param model a registered network ({@code ./resnet models}); empty for a data pipeline
 * @param stride where our bottlenecks downsample: {@link StridePlacement#MIDDLE_3X3} wherever the
 *     peer is a torchvision network, so that both sides compute the same thing
 * @param batch images per iteration
 * @param side image side in pixels; for a detection workload the image's height, its width being
 *     {@link #detectionWidth}
 */
public record Workload(
        String name, Kind kind, String model, StridePlacement stride, int batch, int side) {

    /**
     * What one iteration of a workload does; the same on both sides.
     *
     * <p>The utilisation convention: one forward pass costs 2 flops per multiply-add of the network
     * ({@link Complexity}: convolutions and fully connected layers); a training step costs 3
     * forward passes (the backward pass computes the gradients of the inputs and of the weights,
     * each about as costly as the forward pass).
     */
    public enum Kind {
        /** A full SGD step: forward in training mode, cross-entropy, backward, the update. */
        TRAIN("train", 3),
        /** A forward pass in inference mode. */
        INFER("infer", 1),
        /** The CIFAR-10 training augmentation of one batch, on the data pipeline's threads. */
        CIFAR_DATA("data", 0),
        /**
         * JPEG decoding plus the ImageNet training augmentation of Section 3.4 of one batch, on the
         * data pipeline's threads, reading the files of {@link Settings#images}.
         */
        IMAGENET_DATA("imagenet-data", 0),
        /**
         * One iteration of Faster R-CNN's end-to-end training on one image with a C4 backbone
         * (Appendix A): trunk, RPN with its anchor targets and proposals, RoI sampling, the per-RoI
         * head, the four losses, backward, the SGD step. Its flops are not counted: the RoI head's
         * share depends on the proposals.
         */
        DETECT_TRAIN("train-detect", 0),
        /**
         * Faster R-CNN testing of one image (Appendix A): trunk, RPN and proposals, the per-RoI
         * head on them, per-class NMS.
         */
        DETECT_INFER("infer-detect", 0),
        /** One square float32 matrix product: the machine's peak, not a listed workload. */
        MATMUL("matmul", 0);

        private final String argument;
        private final int forwardPasses;

        Kind(String argument, int forwardPasses) {
            this.argument = argument;
            this.forwardPasses = forwardPasses;
        }

        /** The name of the kind in the worker protocol, shared with {@code bench/peer.py}. */
        public String argument() {
            return argument;
        }

        /**
         * Forward passes' worth of flops per image: 3 for training, 1 for inference, 0 otherwise.
         */
        public int forwardPasses() {
            return forwardPasses;
        }

        /** Whether it prepares batches rather than running a network or a product. */
        public boolean dataPipeline() {
            return this == CIFAR_DATA || this == IMAGENET_DATA;
        }

        /** Whether it runs a Faster R-CNN detector, one image per iteration. */
        public boolean detection() {
            return this == DETECT_TRAIN || this == DETECT_INFER;
        }

        static Kind ofArgument(String value) {
            for (Kind kind : values()) {
                if (kind.argument.equals(value)) {
                    return kind;
                }
            }
            throw new IllegalArgumentException(
                    "unknown workload kind '"
                            + value
                            + "', expected one of "
                            + Arrays.stream(values())
                                    .map(Kind::argument)
                                    .collect(Collectors.joining(", ")));
        }
    }

    /** Checks the sizes and that the model is registered. */
    public Workload {
        if (batch < 1 || side < 1) {
            throw new IllegalArgumentException(
                    name + ": batch and side must be positive, got " + batch + " and " + side);
        }
        if (kind == Kind.TRAIN || kind == Kind.INFER || kind.detection()) {
            ModelRegistry.get(model);
        }
        if (kind.detection() && batch != 1) {
            throw new IllegalArgumentException(
                    name + ": a detector takes one image per iteration, got batch " + batch);
        }
    }

    /** Training {@code model} at {@code batch} on 32×32 CIFAR-10 images. */
    static Workload training(String name, String model, int batch) {
        return new Workload(name, Kind.TRAIN, model, StridePlacement.FIRST_1X1, batch, 32);
    }

    /** Inference of an ImageNet {@code model} with torchvision's layout, at 224×224. */
    static Workload inference(String name, String model, int batch) {
        return new Workload(name, Kind.INFER, model, StridePlacement.MIDDLE_3X3, batch, 224);
    }

    /** The CIFAR-10 training augmentation in batches of {@code batch}. */
    static Workload cifarData(String name, int batch) {
        return new Workload(name, Kind.CIFAR_DATA, "", StridePlacement.FIRST_1X1, batch, 32);
    }

    /**
     * JPEG decoding plus the ImageNet training augmentation in batches of {@code batch}, 224×224
     * crops.
     */
    static Workload imagenetData(String name, int batch) {
        return new Workload(name, Kind.IMAGENET_DATA, "", StridePlacement.FIRST_1X1, batch, 224);
    }

    /**
     * Faster R-CNN training with a C4 cut of {@code backbone} in torchvision's layout, on one image
     * of {@code side} × {@link #detectionWidth}.
     */
    static Workload detectionTraining(String name, String backbone, int side) {
        return new Workload(name, Kind.DETECT_TRAIN, backbone, StridePlacement.MIDDLE_3X3, 1, side);
    }

    /** Faster R-CNN testing, as {@link #detectionTraining}. */
    static Workload detectionInference(String name, String backbone, int side) {
        return new Workload(name, Kind.DETECT_INFER, backbone, StridePlacement.MIDDLE_3X3, 1, side);
    }

    /**
     * The width of a detection workload's image: 5/3 of its height {@code side}, the shape of the
     * paper's scaling at its cap (shorter side 600, longer 1000), so that neither side rescales the
     * image. {@code bench/peer.py} computes the same.
     */
    int detectionWidth() {
        return side * 5 / 3;
    }

    /** The matrix product that measures the machine's peak. */
    static Workload matmul(int size) {
        return new Workload("matmul-" + size, Kind.MATMUL, "", StridePlacement.FIRST_1X1, 1, size);
    }

    /**
     * The tiny size {@code --quick} runs: at most 4 images a batch for training and the data
     * pipeline, at most 2 images of 64×64 for inference, a detection image at most 128 high,
     * 512×512 matrices.
     */
    Workload quick() {
        switch (kind) {
            case TRAIN:
            case CIFAR_DATA:
            case IMAGENET_DATA:
                return new Workload(name, kind, model, stride, Math.min(batch, 4), side);
            case INFER:
                return new Workload(
                        name, kind, model, stride, Math.min(batch, 2), Math.min(side, 64));
            case DETECT_TRAIN:
            case DETECT_INFER:
                return new Workload(name, kind, model, stride, batch, Math.min(side, 128));
            default:
                return new Workload(name, kind, model, stride, batch, Math.min(side, 512));
        }
    }

    /** The network's options: the registry's defaults with this workload's stride placement. */
    ModelOptions options() {
        ModelSpec spec = ModelRegistry.get(model);
        return spec.defaults().withStridePlacement(stride);
    }

    /** Flops of one image (2 per multiply-add per forward pass), 0 for what runs no network. */
    double flopsPerImage() {
        if (kind.forwardPasses() == 0) {
            return 0;
        }
        ModelSpec spec = ModelRegistry.get(model);
        return 2.0
                * kind.forwardPasses()
                * Complexity.of(spec.plan(options(), side), side).multAdds();
    }

    /**
     * What the report says the workload is, for example {@code ResNet-20 training, batch 128,
     * 32×32}.
     */
    String description() {
        switch (kind) {
            case TRAIN:
                return String.format(
                        Locale.ROOT, "%s training, batch %d, %d×%d", model, batch, side, side);
            case INFER:
                return String.format(
                        Locale.ROOT, "%s inference, batch %d, %d×%d", model, batch, side, side);
            case CIFAR_DATA:
                return String.format(Locale.ROOT, "CIFAR-10 augmentation, batch %d", batch);
            case IMAGENET_DATA:
                return String.format(
                        Locale.ROOT,
                        "JPEG decoding and ImageNet augmentation, batch %d, %d×%d crops",
                        batch,
                        side,
                        side);
            case DETECT_TRAIN:
            case DETECT_INFER:
                return String.format(
                        Locale.ROOT,
                        "Faster R-CNN %s C4 %s, one %d×%d image",
                        model,
                        kind == Kind.DETECT_TRAIN ? "training" : "testing",
                        side,
                        detectionWidth());
            default:
                return String.format(Locale.ROOT, "%d×%d float32 matmul", side, side);
        }
    }

    /**
     * The arguments of one measurement in the worker protocol that {@link Worker} and {@code
     * bench/peer.py} share: {@code KIND --model M --batch B --side S --threads T --warmup W
     * --seconds SEC --min-iterations K [--model M --stride-on 1x1|3x3] [--images DIR]}; {@code
     * --images} for {@link Kind#IMAGENET_DATA} only.
     *
     * @throws IllegalStateException for {@link Kind#IMAGENET_DATA} if the settings name no images
     */
    List<String> arguments(Settings settings) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                kind.argument(),
                                "--batch",
                                Integer.toString(batch),
                                "--side",
                                Integer.toString(side),
                                "--threads",
                                Integer.toString(settings.threads()),
                                "--warmup",
                                Integer.toString(settings.warmup()),
                                "--seconds",
                                Double.toString(settings.seconds()),
                                "--min-iterations",
                                Integer.toString(settings.minIterations())));
        if (!model.isEmpty()) {
            args.add("--model");
            args.add(model);
            args.add("--stride-on");
            args.add(stride == StridePlacement.MIDDLE_3X3 ? "3x3" : "1x1");
        }
        if (kind == Kind.IMAGENET_DATA) {
            if (settings.images() == null) {
                throw new IllegalStateException(
                        name + " reads JPEG files, but the settings name no image folder");
            }
            args.add("--images");
            args.add(settings.images().toString());
        }
        return args;
    }

    /**
     * How every measurement of a run is timed: on {@code threads} threads, after {@code warmup}
     * untimed iterations, for at least {@code seconds} and {@code minIterations} iterations; and
     * the image folder ({@code images/train/CLASS/*.jpg}, {@link BenchImages}) that {@link
     * Kind#IMAGENET_DATA} reads, null when no workload of the run reads one.
     */
    record Settings(int threads, int warmup, double seconds, int minIterations, Path images) {

        /** Settings without an image folder. */
        Settings(int threads, int warmup, double seconds, int minIterations) {
            this(threads, warmup, seconds, minIterations, null);
        }

        Settings {
            if (threads < 1 || warmup < 0 || seconds < 0 || minIterations < 1) {
                throw new IllegalArgumentException(
                        "bad timing settings: "
                                + threads
                                + " threads, "
                                + warmup
                                + " warm-up iterations, "
                                + seconds
                                + " s, "
                                + minIterations
                                + " iterations");
            }
        }

        /** The same timing, with {@code folder} as the image folder. */
        Settings withImages(Path folder) {
            return new Settings(threads, warmup, seconds, minIterations, folder);
        }
    }
}
