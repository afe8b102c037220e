package org.resnetj.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.resnetj.detection.CocoDataset;
import org.resnetj.detection.CocoEvaluation;
import org.resnetj.detection.Detection;
import org.resnetj.detection.DetectionData;
import org.resnetj.detection.DetectionSet;
import org.resnetj.detection.DetectorCheckpoint;
import org.resnetj.detection.DetectorInference;
import org.resnetj.detection.VocEvaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code resnet detect eval}: the mean average precision of a detector on VOC-format or COCO-format
 * data, by VOC07's 11-point AP, VOC 2010's all-point AP, or COCO's twelve numbers.
 */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        description = {
            "Report a detector's mAP on a VOC image set or a COCO annotation file, as written by"
                + " any tool: --metric voc07 (11-point AP at IoU > 0.5, difficult objects ignored;"
                + " the paper's Table 7), voc (all-point AP, VOC 2010 on) or coco (AP at IoU"
                + " 0.50:0.95 and the other eleven numbers; Table 8).",
            "Detections keep at most 100 per image after per-class NMS at 0.3, as py-faster-rcnn."
        })
final class DetectEvalCommand implements Callable<Integer> {

    @Mixin CheckpointOption checkpointOption;

    @Option(
            names = "--data",
            required = true,
            paramLabel = "PATH",
            description = "a VOC directory or a COCO annotation file (*.json)")
    Path data;

    @Option(
            names = "--images",
            paramLabel = "DIR",
            description = "the image folder of a COCO annotation file (default: its folder)")
    Path images;

    @Option(names = "--set", paramLabel = "NAME", description = "the VOC image set (default: test)")
    String imageSet = "test";

    @Option(
            names = "--metric",
            paramLabel = "voc07|voc|coco",
            description = "default: voc07 for VOC data, coco for COCO data")
    String metric;

    @Option(
            names = "--results",
            paramLabel = "FILE",
            description = "also write the detections as a COCO results file (JSON)")
    Path results;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() throws IOException {
        try (NDManager root = NDManager.newBaseManager();
                DetectorCheckpoint.Loaded loaded =
                        DetectorCheckpoint.load(checkpointOption.checkpoint, root)) {
            DetectionData source =
                    DetectionData.recognise(data, images, imageSet, loaded.classNames());
            boolean coco = DetectionData.COCO.equals(source.format());
            CocoDataset cocoSet = coco ? source.readCoco() : null;
            DetectionSet set = coco ? cocoSet.set() : source.read();
            if (!set.classes().equals(loaded.classNames())) {
                throw new IllegalArgumentException(
                        data
                                + " has classes "
                                + set.classes()
                                + " but the detector was trained on "
                                + loaded.classNames());
            }
            String chosen =
                    metric != null ? metric.toLowerCase(Locale.ROOT) : coco ? "coco" : "voc07";
            if (!List.of("voc07", "voc", "coco").contains(chosen)) {
                throw new IllegalArgumentException(
                        "--metric must be voc07, voc or coco, got '" + metric + "'");
            }
            boolean synthetic = DetectionData.synthetic(set);
            if (!json) {
                System.out.printf(
                        Locale.ROOT,
                        "found %s: %d images, %d objects%s%n",
                        set.name(),
                        set.images().size(),
                        set.objectCount(),
                        synthetic ? " (synthetic data)" : "");
            }
            List<Detection> detections = detect(loaded, set);
            if (results != null) {
                (cocoSet != null ? cocoSet : CocoDataset.of(set)).writeResults(detections, results);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("metric", chosen);
            out.put("data", set.name());
            out.put("images", set.images().size());
            out.put("detections", detections.size());
            String text;
            if (chosen.equals("coco")) {
                CocoEvaluation.Summary summary =
                        CocoEvaluation.evaluate(
                                cocoSet != null ? cocoSet : CocoDataset.of(set), detections);
                out.put("map", summary.ap());
                out.put("map50", summary.ap50());
                Map<String, Double> stats = new LinkedHashMap<>();
                for (int i = 0; i < CocoEvaluation.STAT_NAMES.size(); i++) {
                    stats.put(CocoEvaluation.STAT_NAMES.get(i), summary.stats()[i]);
                }
                out.put("stats", stats);
                text = summary.format();
            } else {
                VocEvaluation.Result result =
                        VocEvaluation.evaluate(
                                set,
                                detections,
                                chosen.equals("voc07")
                                        ? VocEvaluation.Method.VOC07_11_POINT
                                        : VocEvaluation.Method.ALL_POINT);
                out.put("map", result.meanAveragePrecision());
                Map<String, Double> ap = new LinkedHashMap<>();
                for (int c = 0; c < set.classes().size(); c++) {
                    ap.put(set.classes().get(c), result.averagePrecision().get(c));
                }
                out.put("ap", ap);
                text = result.format();
            }
            out.put("checkpoint", checkpointOption.checkpoint.toString());
            out.put("synthetic", synthetic);
            if (json) {
                System.out.println(JSON.writeValueAsString(out));
            } else {
                System.out.print(text);
            }
        }
        return 0;
    }

    private List<Detection> detect(DetectorCheckpoint.Loaded loaded, DetectionSet set)
            throws IOException {
        if (json || System.console() == null) {
            return DetectorInference.detectAll(loaded.detector(), set, done -> {});
        }
        try (ProgressBar bar =
                new ProgressBarBuilder()
                        .setTaskName("detect")
                        .setInitialMax(set.images().size())
                        .setUnit(" images", 1)
                        .setStyle(ProgressBarStyle.ASCII)
                        .build()) {
            IntConsumer progress = bar::stepTo;
            return DetectorInference.detectAll(loaded.detector(), set, progress);
        }
    }
}
