package org.resnetj.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.checkpoint.LoadedModel;
import org.resnetj.data.Preprocessing;
import org.resnetj.data.RgbImage;
import org.resnetj.model.Layer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code resnet classify}: the top classes of images under a checkpoint. */
@Command(
        name = "classify",
        mixinStandardHelpOptions = true,
        description = {
            "Print the top-K classes of each image with their probabilities (softmax of the"
                    + " logits).",
            "Images are preprocessed as the checkpoint records: torchvision weights take the"
                + " center-crop preset (shorter side resized to 256, center 224x224, channel"
                + " mean/std); our CIFAR-10 checkpoints take the image resized to 32x32 minus the"
                + " per-pixel mean.",
            "An unreadable image is reported on stderr by its path and the others are still"
                    + " classified; the exit status is then 1."
        })
final class ClassifyCommand implements Callable<Integer> {

    @Option(
            names = "--checkpoint",
            required = true,
            paramLabel = "PATH",
            description = "a checkpoint file, or a run directory for its newest checkpoint")
    Path checkpoint;

    @Option(
            names = "--labels",
            paramLabel = "FILE",
            description =
                    "class names, one per line, in class order (default: the names the checkpoint"
                            + " records, else class numbers)")
    Path labels;

    @Option(
            names = "--top",
            paramLabel = "K",
            defaultValue = "5",
            description = "classes to print per image (default: ${DEFAULT-VALUE})")
    int top;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Parameters(
            arity = "1..*",
            paramLabel = "IMAGE",
            description = "JPEG (RGB, grayscale or CMYK), PNG, BMP or GIF files")
    List<Path> images;

    @Spec CommandSpec spec;

    /** One image's answer: its top classes, or why it could not be read. */
    private record Answer(Path image, List<Map<String, Object>> classes, String error) {}

    @Override
    public Integer call() throws IOException {
        if (top < 1) {
            throw new IllegalArgumentException("--top must be at least 1, got " + top);
        }
        Path file = Checkpoint.resolve(checkpoint);
        List<Answer> answers = new ArrayList<>();
        PrintWriter err = spec.commandLine().getErr();
        String preprocessingType;
        try (NDManager root = NDManager.newBaseManager();
                LoadedModel model = LoadedModel.load(file, root)) {
            Preprocessing preprocessing = model.preprocessing();
            preprocessingType = preprocessing.type();
            int side = preprocessing.side();
            List<String> names =
                    labels != null
                            ? readLabels(labels, classes(model))
                            : model.classNames().size() == classes(model)
                                    ? model.classNames()
                                    : null;
            for (Path image : images) {
                float[] input;
                try {
                    input = preprocessing.input(RgbImage.read(image));
                } catch (IOException e) {
                    err.println("error: " + e.getMessage());
                    err.flush();
                    answers.add(new Answer(image, List.of(), e.getMessage()));
                    continue;
                }
                float[] logits;
                try (NDManager scope = model.classifier().manager().newSubManager()) {
                    NDArray x = scope.create(input, new Shape(1, 3, side, side));
                    logits = model.classifier().logits(x).toFloatArray();
                }
                Answer answer = new Answer(image, topClasses(logits, names), null);
                answers.add(answer);
                if (!json) {
                    printText(answer);
                }
            }
        }
        if (json) {
            printJson(file, preprocessingType, answers);
        }
        return answers.stream().anyMatch(a -> a.error() != null) ? 1 : 0;
    }

    /**
     * The outputs of the network's last layer, the fully connected classifier of every registered
     * net.
     */
    private static int classes(LoadedModel model) {
        List<Layer> layers = model.classifier().plan().layers();
        if (!(layers.get(layers.size() - 1) instanceof Layer.Linear fc)) {
            throw new IllegalStateException(
                    model.spec().name() + " does not end in a fully connected layer");
        }
        return fc.out();
    }

    private List<Map<String, Object>> topClasses(float[] logits, List<String> names) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        double total = sum;
        List<Map<String, Object>> out = new ArrayList<>();
        IntStream.range(0, p.length)
                .boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -p[i]).thenComparingInt(i -> i))
                .limit(top)
                .forEach(
                        i -> {
                            Map<String, Object> entry = new LinkedHashMap<>();
                            entry.put("class", i);
                            if (names != null) {
                                entry.put("label", names.get(i));
                            }
                            entry.put("probability", p[i] / total);
                            out.add(entry);
                        });
        return out;
    }

    /**
     * One name per line; trailing blank lines are ignored.
     *
     * @throws IllegalArgumentException if the count differs from the network's classes
     */
    private static List<String> readLabels(Path file, int classes) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such labels file");
        }
        List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
            lines.remove(lines.size() - 1);
        }
        if (lines.size() != classes) {
            throw new IllegalArgumentException(
                    "--labels "
                            + file
                            + " names "
                            + lines.size()
                            + " classes, the checkpoint has "
                            + classes
                            + "; expected one name per line");
        }
        return lines.stream().map(String::strip).toList();
    }

    /** The image's path, then one line per class: probability, then label and number. */
    private void printText(Answer answer) {
        PrintWriter out = spec.commandLine().getOut();
        out.println(answer.image());
        for (Map<String, Object> entry : answer.classes()) {
            Object label =
                    entry.containsKey("label")
                            ? entry.get("label") + " (" + entry.get("class") + ")"
                            : "class " + entry.get("class");
            out.printf(Locale.ROOT, "  %.4f  %s%n", (Double) entry.get("probability"), label);
        }
        out.flush();
    }

    private void printJson(Path file, String preprocessing, List<Answer> answers)
            throws IOException {
        List<Map<String, Object>> results = new ArrayList<>();
        for (Answer a : answers) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("image", a.image().toString());
            if (a.error() == null) {
                result.put("top", a.classes());
            } else {
                result.put("error", a.error());
            }
            results.add(result);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("checkpoint", file.toString());
        doc.put("preprocessing", preprocessing);
        doc.put("images", results);
        PrintWriter out = spec.commandLine().getOut();
        out.println(new ObjectMapper().writeValueAsString(doc));
        out.flush();
    }
}
