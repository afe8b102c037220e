package org.resnetj.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.resnetj.data.RgbImage;
import org.resnetj.detection.Detection;
import org.resnetj.detection.DetectionDrawing;
import org.resnetj.detection.DetectorCheckpoint;
import org.resnetj.detection.DetectorInference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code resnet detect run}: a detector's detections on images, drawn into PNG files. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Detect objects in images: for each IMAGE, OUT/<name>-detections.png shows the"
                + " detections scoring at least --threshold as labelled boxes; --json prints them.",
            "An unreadable image is reported on stderr by its path and the others are still"
                    + " processed; the exit status is then 1."
        })
final class DetectImagesCommand implements Callable<Integer> {

    @Mixin CheckpointOption checkpointOption;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "where the drawings go (default: detections/)")
    Path out = Path.of("detections");

    @Option(
            names = "--threshold",
            paramLabel = "SCORE",
            description = "the lowest score shown (default: 0.5)")
    double threshold = 0.5;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "JPEG, PNG, BMP or GIF files")
    List<Path> images;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() throws IOException {
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException(
                    "--threshold must be a score in [0, 1], got " + threshold);
        }
        int status = 0;
        List<Map<String, Object>> report = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager();
                DetectorCheckpoint.Loaded loaded =
                        DetectorCheckpoint.load(checkpointOption.checkpoint, root)) {
            Files.createDirectories(out);
            for (Path file : images) {
                RgbImage image;
                try {
                    image = RgbImage.read(file);
                } catch (IOException e) {
                    System.err.println("error: " + e.getMessage());
                    status = 1;
                    continue;
                }
                String name = file.getFileName().toString();
                List<Detection> shown =
                        DetectorInference.detect(loaded.detector(), image, name).stream()
                                .filter(d -> d.score() >= threshold)
                                .toList();
                String stem = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
                Path png = out.resolve(stem + "-detections.png");
                DetectionDrawing.writePng(
                        DetectionDrawing.draw(image, shown, loaded.classNames()), png);
                List<Map<String, Object>> rows = new ArrayList<>();
                for (Detection d : shown) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("class", loaded.classNames().get(d.label()));
                    row.put("score", d.score());
                    row.put("box", List.of(d.box().x1(), d.box().y1(), d.box().x2(), d.box().y2()));
                    rows.add(row);
                }
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("image", file.toString());
                entry.put("drawing", png.toString());
                entry.put("detections", rows);
                report.add(entry);
                if (!json) {
                    System.out.printf(
                            Locale.ROOT,
                            "%s: %d detections, drawn in %s%n",
                            file,
                            shown.size(),
                            png);
                    for (Detection d : shown) {
                        System.out.printf(
                                Locale.ROOT,
                                "  %-14s %.3f  [%.0f, %.0f, %.0f, %.0f]%n",
                                loaded.classNames().get(d.label()),
                                d.score(),
                                d.box().x1(),
                                d.box().y1(),
                                d.box().x2(),
                                d.box().y2());
                    }
                }
            }
        }
        if (json) {
            Map<String, Object> all = new LinkedHashMap<>();
            all.put("checkpoint", checkpointOption.checkpoint.toString());
            all.put("box_convention", "x1, y1, x2, y2: 0-based pixels, inclusive");
            all.put("images", report);
            System.out.println(JSON.writeValueAsString(all));
        }
        return status;
    }
}
