package org.resnetj.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.resnetj.detection.DetectionData;
import org.resnetj.detection.DetectorConfig;
import org.resnetj.detection.VocDataset;

/**
 * One detection experiment of the paper's Appendix A, declared as data: the data it trains and
 * tests on, the backbones it fine-tunes from ImageNet, and the paper's numbers for each.
 *
 * @param name the registry name, for example {@code table7}
 * @param title one line saying what the experiment shows
 * @param reference where it is in the paper
 * @param data what it trains and tests on
 * @param runs the backbones, in the paper's order, with the paper's numbers
 */
public record DetectionExperiment(
        String name, String title, String reference, Data data, List<Run> runs) {

    /** Checks that every run has one paper number per metric of the data. */
    public DetectionExperiment {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(data, "data");
        runs = List.copyOf(runs);
        for (Run run : runs) {
            if (run.paper().size() != data.metrics().size()) {
                throw new IllegalArgumentException(
                        name + ": run " + run.backbone() + " needs one number per metric");
            }
        }
    }

    /**
     * A backbone fine-tuned from its ImageNet checkpoint, trained into {@code <out>/<backbone>}.
     *
     * @param backbone the registered ImageNet network
     * @param paper the paper's numbers in percent, one per {@link Data#metrics()}
     */
    public record Run(String backbone, List<Double> paper) {

        /** Copies the numbers. */
        public Run {
            Objects.requireNonNull(backbone, "backbone");
            paper = List.copyOf(paper);
        }
    }

    /** A number the trainer writes into its final {@code detection_eval} row. */
    public enum Metric {
        /** VOC07's 11-point mAP at IoU 0.5 (Table 7). */
        VOC07_MAP("mAP", "map"),
        /** COCO's AP at IoU 0.5 (Table 8). */
        COCO_MAP50("mAP@.5", "map50"),
        /** COCO's AP averaged over IoU 0.50:0.95 (Table 8). */
        COCO_MAP("mAP@[.5,.95]", "map");

        private final String label;
        private final String key;

        Metric(String label, String key) {
            this.label = label;
            this.key = key;
        }

        /** The column's header, as the paper prints it. */
        public String label() {
            return label;
        }

        /** The key of the number, a fraction, in the {@code detection_eval} row. */
        public String key() {
            return key;
        }
    }

    /** The data sets of Tables 7 and 8, and where their files are inside one directory. */
    public enum Data {
        /** Trained on VOC 2007 trainval + VOC 2012 trainval, tested on VOC 2007 test (Table 7). */
        VOC07_12(
                "VOC 07+12 trainval, tested on VOC 2007 test",
                "a VOCdevkit directory holding VOC2007/ (trainval and test) and VOC2012/"
                        + " (trainval), each with Annotations/, JPEGImages/, ImageSets/Main/",
                List.of(Metric.VOC07_MAP)),
        /** Trained on COCO train (2014, 80k images), tested on COCO val (2014, 40k) (Table 8). */
        COCO(
                "COCO train, tested on COCO val",
                "a COCO directory holding annotations/instances_train2014.json, train2014/,"
                        + " annotations/instances_val2014.json and val2014/",
                List.of(Metric.COCO_MAP50, Metric.COCO_MAP));

        private final String description;
        private final String layout;
        private final List<Metric> metrics;

        Data(String description, String layout, List<Metric> metrics) {
            this.description = description;
            this.layout = layout;
            this.metrics = metrics;
        }

        /** What the runs train and test on, for the table's header. */
        public String description() {
            return description;
        }

        /** What {@code --data} must be, for messages. */
        public String layout() {
            return layout;
        }

        /** The numbers the table reports, in the paper's column order. */
        public List<Metric> metrics() {
            return metrics;
        }

        /** The paper's setting of Appendix A for this data on {@code backbone}. */
        public DetectorConfig config(String backbone) {
            return this == COCO ? DetectorConfig.coco(backbone) : DetectorConfig.voc(backbone);
        }

        /**
         * The training sets in {@code root}: the first, then those joined to it.
         *
         * @throws IllegalArgumentException naming what is missing, and what was expected
         */
        public List<DetectionData> train(Path root) throws IOException {
            if (this == COCO) {
                return List.of(coco(root, "train2014"));
            }
            return List.of(voc(root, "VOC2007", "trainval"), voc(root, "VOC2012", "trainval"));
        }

        /** The test set in {@code root}. */
        public DetectionData test(Path root) throws IOException {
            return this == COCO ? coco(root, "val2014") : voc(root, "VOC2007", "test");
        }

        private DetectionData voc(Path root, String year, String imageSet) throws IOException {
            Path tree = root.resolve(year);
            Path list = tree.resolve("ImageSets/Main").resolve(imageSet + ".txt");
            if (!Files.isRegularFile(list)) {
                throw missing(root, list);
            }
            return DetectionData.recognise(tree, null, imageSet, VocDataset.VOC_CLASSES);
        }

        private DetectionData coco(Path root, String split) throws IOException {
            Path annotations = root.resolve("annotations").resolve("instances_" + split + ".json");
            Path images = root.resolve(split);
            if (!Files.isRegularFile(annotations)) {
                throw missing(root, annotations);
            }
            if (!Files.isDirectory(images)) {
                throw missing(root, images);
            }
            return DetectionData.recognise(annotations, images, null, null);
        }

        private IllegalArgumentException missing(Path root, Path file) {
            return new IllegalArgumentException(
                    root + " has no " + root.relativize(file) + ": --data must be " + layout);
        }
    }

    /** Table 7: VOC 2007 test mAP (%) of Faster R-CNN, trained on VOC 07+12 trainval. */
    private static final DetectionExperiment TABLE_7 =
            new DetectionExperiment(
                    "table7",
                    "Faster R-CNN with VGG-16 vs ResNet-101 on PASCAL VOC",
                    "Table 7",
                    Data.VOC07_12,
                    List.of(new Run("vgg16", List.of(73.2)), new Run("resnet101", List.of(76.4))));

    /** Table 8: COCO val mAP@.5 and mAP@[.5,.95] (%) of Faster R-CNN, trained on COCO train. */
    private static final DetectionExperiment TABLE_8 =
            new DetectionExperiment(
                    "table8",
                    "Faster R-CNN with VGG-16 vs ResNet-101 on MS COCO",
                    "Table 8",
                    Data.COCO,
                    List.of(
                            new Run("vgg16", List.of(41.5, 21.2)),
                            new Run("resnet101", List.of(48.4, 27.2))));

    private static final List<DetectionExperiment> ALL = List.of(TABLE_7, TABLE_8);

    /** Every detection experiment, in the order of the paper. */
    public static List<DetectionExperiment> all() {
        return ALL;
    }

    /** The detection experiment named {@code name}, if there is one. */
    public static Optional<DetectionExperiment> find(String name) {
        return ALL.stream().filter(e -> e.name().equals(name)).findFirst();
    }

    /**
     * The table in Markdown: per backbone the paper's number and ours for every metric.
     *
     * @param ours per backbone our numbers in percent, one per metric; a missing backbone or a null
     *     number is printed as "n/a"
     * @param data the data our numbers come from
     */
    public String markdown(Map<String, List<Double>> ours, Path data) {
        StringBuilder header = new StringBuilder("| backbone |");
        StringBuilder rule = new StringBuilder("|---|");
        for (Metric metric : this.data.metrics()) {
            header.append(" paper ").append(metric.label()).append(" | ours |");
            rule.append("---:|---:|");
        }
        List<String> lines = new ArrayList<>();
        lines.add("# " + reference + ": " + title);
        lines.add("");
        lines.add(
                "Paper: trained on "
                        + this.data.description()
                        + ", as the paper. Ours: trained and tested on the data in "
                        + data
                        + ".");
        lines.add("");
        lines.add(header.toString());
        lines.add(rule.toString());
        for (Run run : runs) {
            StringBuilder row = new StringBuilder("| " + run.backbone() + " |");
            List<Double> measured = ours.get(run.backbone());
            for (int i = 0; i < run.paper().size(); i++) {
                Double value = measured == null ? null : measured.get(i);
                row.append(String.format(Locale.ROOT, " %.1f |", run.paper().get(i)))
                        .append(
                                value == null
                                        ? " n/a |"
                                        : String.format(Locale.ROOT, " %.1f |", value));
            }
            lines.add(row.toString());
        }
        return String.join("\n", lines) + "\n";
    }
}
