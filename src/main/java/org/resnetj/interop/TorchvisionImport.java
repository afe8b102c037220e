package org.resnetj.interop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.checkpoint.Provenance;
import org.resnetj.data.Preprocessing;
import org.resnetj.model.ModelOptions;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Network;
import org.resnetj.model.Shortcut;
import org.resnetj.model.StridePlacement;

/**
 * Imports torchvision's ResNet weights into a checkpoint of the registered network of the same
 * depth.
 *
 * <p>The network is built as torchvision builds it: projection shortcuts where the dimensions
 * increase (option B) and, in bottlenecks, the stride on the 3×3 convolution ({@link
 * StridePlacement#MIDDLE_3X3}, "ResNet v1.5"), since that is what the weights were trained with.
 * Every tensor of the file is renamed by {@link TorchvisionNames}' rule and must match a tensor of
 * the network in shape; every tensor of the network must be given. The checkpoint records
 * torchvision's preprocessing ({@link Preprocessing.Torchvision#IMAGENET}), iteration 0, no
 * optimizer state, and where the weights came from (file name, format and SHA-256).
 */
public final class TorchvisionImport {

    /** How many problems an error message lists before it counts the rest. */
    private static final int LISTED_PROBLEMS = 3;

    /**
     * What was imported.
     *
     * @param model the registered model
     * @param options the options of the checkpoint's network
     * @param format {@code pth} or {@code safetensors}
     * @param tensors the tensors written
     * @param skipped the file's BN step counters ({@code num_batches_tracked}), not imported
     */
    public record Result(
            String model, ModelOptions options, String format, int tensors, int skipped) {}

    private TorchvisionImport() {}

    /**
     * Reads torchvision's state_dict from {@code from} and writes a checkpoint to {@code out}.
     *
     * @param model a registered ImageNet ResNet: resnet18, resnet34, resnet50, resnet101 or
     *     resnet152
     * @param classes the number of classes, or null to take it from the file's {@code fc.weight}
     * @throws IllegalArgumentException if the model is not an ImageNet ResNet or classes is below 1
     * @throws IOException naming the file if it is unreadable or refused, and naming the tensor if
     *     one is missing, unexpected or of another shape
     */
    public static Result run(Path from, String model, Integer classes, Path out)
            throws IOException {
        ModelSpec spec = ModelRegistry.get(model);
        if (spec.family() != ModelSpec.Family.IMAGENET || !spec.residual()) {
            throw new IllegalArgumentException(
                    "torchvision's weights fit the ImageNet ResNets resnet18, resnet34, resnet50,"
                            + " resnet101 and resnet152; "
                            + model
                            + " is not one");
        }
        if (classes != null && classes < 1) {
            throw new IllegalArgumentException("--classes must be at least 1, got " + classes);
        }
        StateDict.Read read = StateDict.read(from);
        Map<String, StateDict.Tensor> tensors = read.tensors();
        ModelOptions options =
                spec.defaults()
                        .withShortcut(Shortcut.B)
                        .withStridePlacement(StridePlacement.MIDDLE_3X3)
                        .withClasses(classes != null ? classes : classesOf(tensors, spec));
        int skipped =
                (int) tensors.keySet().stream().filter(TorchvisionNames::isStepCounter).count();
        try (NDManager manager = NDManager.newBaseManager();
                Network network = Network.create(spec.plan(options, spec.inputSize()), manager)) {
            Map<String, NDArray> expected = new LinkedHashMap<>(network.parameters());
            expected.putAll(network.state());
            Map<String, NDArray> arrays = rename(tensors, expected, manager, from, spec.name());
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("model", spec.name());
            meta.put("options", Checkpoint.optionsMap(options));
            meta.put("iteration", 0);
            meta.put("preprocessing", Preprocessing.Torchvision.IMAGENET.describe());
            Map<String, Object> source = new LinkedHashMap<>();
            source.put("file", from.getFileName().toString());
            source.put("format", read.format().name().toLowerCase(Locale.ROOT));
            source.put("sha256", sha256(from));
            source.put("names", "torchvision");
            source.put("skipped", skipped + " num_batches_tracked (BN step counters)");
            meta.put("imported", source);
            Provenance.current().putInto(meta);
            Checkpoint.write(out.toAbsolutePath(), meta, arrays, Map.of());
            return new Result(
                    spec.name(), options, (String) source.get("format"), arrays.size(), skipped);
        }
    }

    /** The rows of the file's {@code fc.weight}, or the model's default if it has none. */
    private static int classesOf(Map<String, StateDict.Tensor> tensors, ModelSpec spec) {
        StateDict.Tensor fc = tensors.get("fc.weight");
        return fc != null && fc.shape().length == 2 && fc.shape()[0] >= 1
                ? Math.toIntExact(fc.shape()[0])
                : spec.defaults().classes();
    }

    /**
     * The file's tensors under our names, as arrays of {@code manager}, in the network's order.
     *
     * @throws IOException listing the missing, unexpected and mis-shaped tensors by name
     */
    private static Map<String, NDArray> rename(
            Map<String, StateDict.Tensor> tensors,
            Map<String, NDArray> expected,
            NDManager manager,
            Path from,
            String model)
            throws IOException {
        List<String> problems = new ArrayList<>();
        Map<String, StateDict.Tensor> byOurName = new LinkedHashMap<>();
        Set<String> given = new HashSet<>();
        tensors.forEach(
                (name, tensor) -> {
                    if (TorchvisionNames.isStepCounter(name)) {
                        return;
                    }
                    String ours = TorchvisionNames.toOurs(name).orElse(null);
                    if (ours == null || !expected.containsKey(ours)) {
                        problems.add(
                                "unexpected "
                                        + name
                                        + (ours == null ? "" : " (would be " + ours + ")"));
                        return;
                    }
                    given.add(ours);
                    Shape want = expected.get(ours).getShape();
                    if (!Arrays.equals(tensor.shape(), want.getShape())) {
                        problems.add(
                                name
                                        + " has shape "
                                        + Arrays.toString(tensor.shape())
                                        + ", "
                                        + model
                                        + " expects "
                                        + Arrays.toString(want.getShape())
                                        + " ("
                                        + ours
                                        + ")");
                        return;
                    }
                    byOurName.put(ours, tensor);
                });
        for (String ours : expected.keySet()) {
            if (!given.contains(ours)) {
                problems.add(
                        "missing "
                                + TorchvisionNames.toTorchvision(ours).orElse(ours)
                                + " ("
                                + ours
                                + ")");
            }
        }
        if (!problems.isEmpty()) {
            String listed =
                    String.join(
                            "; ", problems.subList(0, Math.min(LISTED_PROBLEMS, problems.size())));
            int more = problems.size() - LISTED_PROBLEMS;
            throw new IOException(
                    from
                            + " does not fit torchvision's "
                            + model
                            + ": "
                            + listed
                            + (more > 0 ? "; and " + more + " more" : ""));
        }
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        for (String ours : expected.keySet()) {
            StateDict.Tensor tensor = byOurName.get(ours);
            NDArray array = manager.create(tensor.values(), new Shape(tensor.shape()));
            array.setName(ours);
            arrays.put(ours, array);
        }
        return arrays;
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
