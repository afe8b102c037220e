package org.resnetj.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.IntConsumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.resnetj.checkpoint.LoadedModel;
import org.resnetj.data.BadImages;
import org.resnetj.eval.Evaluator;
import org.resnetj.model.ModelSpec;

/**
 * A kind of data the networks are trained and tested on, and the one place that tells the kinds
 * apart: how data of the kind is recognised from a path, the networks it trains and the default
 * one, the paper's recipe for it, and, once opened, its training batches ({@link TrainingData}) and
 * its evaluation of checkpoints. The commands, the experiments and the trainer ask it instead of
 * deciding "CIFAR-10 files or image folder" themselves.
 *
 * <p>A new kind of data (say PASCAL VOC detection data) is one more implementation and one more
 * entry in {@link #ALL}.
 */
public abstract sealed class DataKind permits CifarKind, ImageFolderKind {

    /** CIFAR-10 binary files (Section 4.2), or any data in their format. */
    public static final DataKind CIFAR10 = new CifarKind();

    /** An image folder in ImageNet's layout (Section 3.4). */
    public static final DataKind IMAGE_FOLDER = new ImageFolderKind();

    /**
     * Every kind, in the order {@link #of} tries them: an image folder first, as the CIFAR-10
     * reader takes any file for its archive.
     */
    public static final List<DataKind> ALL = List.of(IMAGE_FOLDER, CIFAR10);

    private final Traits traits;

    /**
     * What a kind is, in a row: how it is named and recognised, the networks it trains, and its
     * defaults.
     *
     * @param description what data of the kind is, for messages: "an image folder"
     * @param layout the layout of its files, for messages
     * @param recognises whether a path looks like data of the kind; cheap, reads no image
     * @param families the families of the networks it trains
     * @param networks the networks it trains, for messages
     * @param defaultModel the registry name of the network trained when none is given
     * @param evalBatch images or views per evaluation batch when none is given
     */
    record Traits(
            String description,
            String layout,
            Predicate<Path> recognises,
            Set<ModelSpec.Family> families,
            String networks,
            String defaultModel,
            int evalBatch) {}

    DataKind(Traits traits) {
        this.traits = traits;
    }

    /** What data of this kind is, for messages: "CIFAR-10 binary files", "an image folder". */
    public final String description() {
        return traits.description();
    }

    /** The layout of the kind's files, for messages. */
    public final String layout() {
        return traits.layout();
    }

    /** Whether {@code data} looks like data of this kind; cheap, reads no image. */
    public final boolean recognises(Path data) {
        return traits.recognises().test(data);
    }

    /** Whether this kind of data trains {@code spec}. */
    public final boolean trains(ModelSpec spec) {
        return traits.families().contains(spec.family());
    }

    /** The networks the kind trains, for messages: "a CIFAR-10 net (resnet20, plain56, ...)". */
    public final String networks() {
        return traits.networks();
    }

    /** The registry name of the network trained when none is given. */
    public final String defaultModel() {
        return traits.defaultModel();
    }

    /** The paper's recipe for this kind of data, with its run settings. */
    public abstract Setup setup();

    /** Images (CIFAR-10) or views (image folders) per evaluation batch when none is given. */
    public final int evalBatch() {
        return traits.evalBatch();
    }

    /**
     * The evaluation protocols to run for the names given ({@code --protocol}), in order.
     *
     * @throws IllegalArgumentException in one line if a name is unknown or the kind has no choice
     */
    public abstract List<String> protocols(List<String> names, Path data);

    /**
     * Opens {@code data}, reading or listing it once; training and evaluation then use what was
     * read.
     *
     * @throws IOException in one line naming the file or folder that is missing or unreadable
     */
    public abstract Opened open(Path data) throws IOException;

    /**
     * Throws unless this kind of data trains {@code spec}.
     *
     * @throws IllegalArgumentException naming the data, the network and what each goes with
     */
    public final void checkTrains(ModelSpec spec, Path data) {
        if (trains(spec)) {
            return;
        }
        String owner =
                ALL.stream()
                        .filter(kind -> kind.trains(spec))
                        .map(
                                kind ->
                                        ", which trains on "
                                                + kind.description()
                                                + " ("
                                                + kind.layout()
                                                + ")")
                        .findFirst()
                        .orElse("");
        throw new IllegalArgumentException(
                data
                        + " is "
                        + description()
                        + ", which trains "
                        + networks()
                        + "; "
                        + spec.name()
                        + " is "
                        + spec.family().noun()
                        + owner);
    }

    /**
     * The kind of {@code data}.
     *
     * @throws IOException in one line naming the path and the kinds expected, if it does not exist
     *     or no kind recognises it
     */
    public static DataKind of(Path data) throws IOException {
        for (DataKind kind : ALL) {
            if (kind.recognises(data)) {
                return kind;
            }
        }
        String expected =
                ALL.stream()
                        .map(kind -> kind.description() + " (" + kind.layout() + ")")
                        .collect(Collectors.joining(" or "));
        throw new IOException(
                (Files.exists(data)
                                ? data + " holds no data of a known kind"
                                : data + " does not exist")
                        + ": expected "
                        + expected);
    }

    /**
     * Checkpoints to evaluate together, their scores averaged, and how.
     *
     * @param names what to call each model in messages, such as its checkpoint file
     * @param models the restored models, one or more
     * @param batchSize images (CIFAR-10) or views (image folders) per forward pass
     * @param threads threads decoding images
     * @param badImages whether an unreadable image is skipped or stops the evaluation
     */
    public record Ensemble(
            List<String> names,
            List<LoadedModel> models,
            int batchSize,
            int threads,
            BadImages badImages) {}

    /** The outcome of evaluating checkpoints under one protocol. */
    public record Evaluated(Evaluator.Result errors, int skipped, boolean synthetic) {}

    /** Data of one kind, read or listed once. */
    public interface Opened {

        /** The number of classes. */
        int classes();

        /** What evaluation found, for the log: "an image folder: 3 classes, 2 val images". */
        String evalDescription() throws IOException;

        /** The number of images evaluation runs over. */
        int evalImages() throws IOException;

        /**
         * The training data of {@code recipe}: its batches and the evaluation the loop runs,
         * prepared on {@code threads} threads.
         *
         * @throws IOException if the data lacks what training needs, or cannot be read
         */
        TrainingData training(Recipe recipe, int threads) throws IOException;

        /**
         * Evaluates an ensemble under {@code protocol} (one of {@link DataKind#protocols}).
         *
         * @param progress told the number of images done
         * @throws IOException naming an image that cannot be read under {@link BadImages#STOP}
         */
        Evaluated evaluate(Ensemble ensemble, String protocol, IntConsumer progress)
                throws IOException;
    }
}
