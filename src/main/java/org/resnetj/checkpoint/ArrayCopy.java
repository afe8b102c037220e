package org.resnetj.checkpoint;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.resnetj.model.ModelOptions;

/** Copies arrays from a checkpoint into a network or an optimizer, by name, with checks. */
public final class ArrayCopy {

    private ArrayCopy() {}

    /**
     * Refuses a checkpoint made for another model or other options, naming both.
     *
     * @throws IOException if the checkpoint's model or options differ
     */
    public static void requireSameModel(
            Checkpoint.Contents contents, String model, ModelOptions options, Path file)
            throws IOException {
        Object theirs = contents.meta().get("model");
        ModelOptions theirOptions = Checkpoint.options(contents.section("options"));
        if (!model.equals(theirs) || !options.equals(theirOptions)) {
            throw new IOException(
                    "checkpoint "
                            + file
                            + " is for "
                            + theirs
                            + " "
                            + Checkpoint.optionsMap(theirOptions)
                            + ", expected "
                            + model
                            + " "
                            + Checkpoint.optionsMap(options));
        }
    }

    /**
     * Copies every array of {@code into} from the array of the same name in {@code from}; the
     * arrays of {@code into} keep their identity and names but take over new storage, so gradient
     * recording, if wanted, must be switched on after.
     *
     * @throws IOException naming the array if it is missing or has another shape
     */
    public static void copy(Map<String, NDArray> from, Map<String, NDArray> into, Path file)
            throws IOException {
        for (Map.Entry<String, NDArray> e : into.entrySet()) {
            NDArray source = from.get(e.getKey());
            if (source == null) {
                throw new IOException("checkpoint " + file + " lacks " + e.getKey());
            }
            if (!source.getShape().equals(e.getValue().getShape())) {
                throw new IOException(
                        "checkpoint "
                                + file
                                + " has "
                                + e.getKey()
                                + " of shape "
                                + source.getShape()
                                + ", expected "
                                + e.getValue().getShape());
            }
            // The decoded array may borrow a Java buffer, so take over a native copy of it.
            // NDArray.set() would copy too, but makes libtorch print a deprecation warning.
            e.getValue().intern(source.add(0f));
        }
    }
}
