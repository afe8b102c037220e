package org.resnetj.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.resnetj.engine.Host;
import org.resnetj.model.Complexity;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.StridePlacement;
import org.resnetj.testing.Reference;

/**
 * The benchmark's pieces that run no measurement: declarations, the protocol, the figures, and the
 * peer's copy of the workloads.
 */
class BenchTest {

    /** Debian's interpreter, the one bench/peer runs. */
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    @Test
    void thePeerAloneRunsOurWorkloadsWithOurArguments() throws Exception {
        Reference.require(Files.isExecutable(PYTHON), "no /usr/bin/python3");
        Process list =
                new ProcessBuilder(PYTHON.toString(), "bench/peer.py", "all", "--list")
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
        // All of it before parsing: the parser stops at the JSON's end and would close the pipe
        // under the newline still to come, failing the script.
        byte[] out = list.getInputStream().readAllBytes();
        assertThat(list.waitFor()).isZero();
        Map<String, List<String>> peer =
                new ObjectMapper()
                        .readValue(
                                out, new TypeReference<LinkedHashMap<String, List<String>>>() {});

        assertThat(peer.keySet()).containsExactlyElementsOf(Bench.workloadNames());
        Workload.Settings settings = new Workload.Settings(2, 2, 3, 3, Path.of("images"));
        for (Workload w : Workloads.ALL) {
            Map<String, String> ours = options(w.arguments(settings));
            // The peer adds the timing, the threads and the image folder of its own run.
            List.of("--threads", "--warmup", "--seconds", "--min-iterations", "--images")
                    .forEach(ours::remove);
            assertThat(options(peer.get(w.name()))).as(w.name()).isEqualTo(ours);
        }
    }

    /**
     * A worker's arguments, {@code KIND --name value ...}, as the kind (key "") and the options.
     */
    private static Map<String, String> options(List<String> arguments) {
        Map<String, String> options = new HashMap<>(Map.of("", arguments.get(0)));
        for (int i = 1; i + 1 < arguments.size(); i += 2) {
            options.put(arguments.get(i), arguments.get(i + 1));
        }
        return options;
    }

    @Test
    void workloadsHaveUniqueNamesAndQuickSizesNoLargerThanTheirOwn() {
        assertThat(new HashSet<>(Bench.workloadNames())).hasSameSizeAs(Workloads.ALL);
        for (Workload w : Workloads.ALL) {
            Workload quick = w.quick();
            assertThat(quick.name()).isEqualTo(w.name());
            assertThat(quick.batch()).isBetween(1, w.batch());
            assertThat(quick.side()).isBetween(1, w.side());
            assertThat((long) quick.batch() * quick.side() * quick.side())
                    .isLessThan((long) w.batch() * w.side() * w.side() + 1);
        }
    }

    @Test
    void utilisationConventionCountsTwoFlopsPerMultiplyAddAndThreePassesForTraining() {
        Workload train =
                Workloads.ALL.stream()
                        .filter(w -> w.name().equals("train-resnet20"))
                        .findFirst()
                        .orElseThrow();
        Workload infer =
                Workloads.ALL.stream()
                        .filter(w -> w.name().equals("infer-resnet50-b16"))
                        .findFirst()
                        .orElseThrow();
        ModelSpec resnet20 = ModelRegistry.get("resnet20");
        ModelSpec resnet50 = ModelRegistry.get("resnet50");
        long resnet20MultAdds = Complexity.of(resnet20.plan(), 32).multAdds();
        long resnet50MultAdds =
                Complexity.of(
                                resnet50.plan(
                                        resnet50.defaults()
                                                .withStridePlacement(StridePlacement.MIDDLE_3X3),
                                        224),
                                224)
                        .multAdds();

        assertThat(train.flopsPerImage()).isEqualTo(2.0 * 3 * resnet20MultAdds);
        assertThat(infer.flopsPerImage()).isEqualTo(2.0 * resnet50MultAdds);
        assertThat(resnet50MultAdds)
                .as("torchvision's layout: 4.1 GFLOPs")
                .isBetween(4_000_000_000L, 4_200_000_000L);
        assertThat(Workload.cifarData("d", 8).flopsPerImage()).isZero();
    }

    @Test
    void workerRequestRoundTripsAWorkloadsArguments() {
        Workload w =
                Workloads.ALL.stream()
                        .filter(x -> x.name().equals("infer-resnet50-b1"))
                        .findFirst()
                        .orElseThrow();
        Workload.Settings settings = new Workload.Settings(2, 1, 0.5, 3);

        Worker.Request request = Worker.Request.parse(w.arguments(settings).toArray(String[]::new));

        assertThat(request.settings()).isEqualTo(settings);
        assertThat(request.workload().kind()).isEqualTo(Workload.Kind.INFER);
        assertThat(request.workload().model()).isEqualTo("resnet50");
        assertThat(request.workload().stride()).isEqualTo(StridePlacement.MIDDLE_3X3);
        assertThat(request.workload().batch()).isEqualTo(1);
        assertThat(request.workload().side()).isEqualTo(224);
    }

    @Test
    void imagenetDataPassesItsImageFolderToTheWorker() {
        Workload w =
                Workloads.ALL.stream()
                        .filter(x -> x.name().equals("data-imagenet"))
                        .findFirst()
                        .orElseThrow();
        Workload.Settings settings = new Workload.Settings(2, 1, 0.5, 3, Path.of("/tmp/images"));

        Worker.Request request = Worker.Request.parse(w.arguments(settings).toArray(String[]::new));

        assertThat(w.batch()).isEqualTo(32);
        assertThat(request.workload().kind()).isEqualTo(Workload.Kind.IMAGENET_DATA);
        assertThat(request.settings()).isEqualTo(settings);
        assertThat(w.flopsPerImage()).isZero();
        assertThatThrownBy(() -> w.arguments(new Workload.Settings(2, 1, 0.5, 3)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("data-imagenet reads JPEG files");
    }

    @Test
    void benchImagesAreTheSameJpegsEveryTimeAndCloseDeletesThem() throws IOException {
        Path root;
        byte[] first;
        try (BenchImages images = BenchImages.write(2)) {
            root = images.root();
            List<Path> files;
            try (Stream<Path> walk = Files.walk(root.resolve("train"))) {
                files = walk.filter(Files::isRegularFile).sorted().toList();
            }
            assertThat(files).hasSize(2);
            BufferedImage landscape = ImageIO.read(files.get(0).toFile());
            BufferedImage portrait = ImageIO.read(files.get(1).toFile());
            assertThat(
                            List.of(
                                    landscape.getWidth(),
                                    landscape.getHeight(),
                                    portrait.getWidth(),
                                    portrait.getHeight()))
                    .containsExactly(500, 375, 375, 500);
            first = Files.readAllBytes(files.get(0));
        }
        assertThat(root).doesNotExist();
        try (BenchImages again = BenchImages.write(1)) {
            assertThat(Files.readAllBytes(again.root().resolve("train/c0/img000.jpg")))
                    .isEqualTo(first);
        }
    }

    @Test
    void workerRequestNamesWhatIsWrong() {
        assertThatThrownBy(() -> Worker.Request.parse(new String[] {"fly", "--batch", "1"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown workload kind 'fly'");
        assertThatThrownBy(() -> Worker.Request.parse(new String[] {"train", "--batch", "x"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--batch must be a number");
        assertThatThrownBy(
                        () ->
                                Worker.Request.parse(
                                        new String[] {"data", "--batch", "4", "--side", "32"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing --threads");
    }

    @Test
    void medianTakesTheMiddleValueOrTheMeanOfTheMiddleTwo() {
        assertThat(Bench.median(new double[] {3, 1, 2})).isEqualTo(2);
        assertThat(Bench.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
        assertThat(Bench.median(new double[] {})).isNaN();
    }

    @Test
    void reportGivesMediansRatiosAndUtilisationAgainstTheFastestProduct() {
        Workload train = Workload.training("train-resnet20", "resnet20", 128);
        Workload data = Workload.cifarData("data-cifar", 128);
        List<Measurement> oursPeak = List.of(peak(100), peak(120));
        List<Measurement> peerPeak = List.of(peak(50));
        BenchResult result =
                new BenchResult(
                        new Bench.Options(2, 3, 3, false, true, List.of(), Path.of("bench/peer")),
                        Workloads.PEAK,
                        oursPeak,
                        peerPeak,
                        "torch 1.13, torchvision 0.14",
                        List.of(
                                new BenchResult.Row(
                                        train,
                                        List.of(run(500, 100), run(400, 100), run(600, 100)),
                                        List.of(run(400, 90), run(350, 90), run(450, 90))),
                                new BenchResult.Row(
                                        data, List.of(run(40_000, 10)), List.of(run(10_000, 10)))),
                        new Host("test CPU", true, "avx2"),
                        2,
                        0.5,
                        0.7,
                        "2026-01-01");

        BenchResult.Row row = result.rows().get(0);
        assertThat(row.oursImagesPerSec()).isEqualTo(500);
        assertThat(row.peerImagesPerSec()).isEqualTo(400);
        assertThat(row.ratio()).isEqualTo(1.25);
        assertThat(row.oursPeakMb()).isEqualTo(100);
        assertThat(result.peakGflops()).isEqualTo(120);
        assertThat(result.utilisation(train, 500))
                .isCloseTo(train.flopsPerImage() * 500 / 120e9, within(1e-12));
        assertThat(result.rows().get(1).cpuRatio()).isNaN();
        String table = result.table();
        assertThat(table)
                .contains(
                        "train-resnet20",
                        "data-cifar",
                        "1.25",
                        "machine: test CPU; caches reported; oneDNN ISA avx2",
                        "load average 0.50 before, 0.70 after");
        assertThat(table)
                .contains(
                        "data pipeline: data-cifar prepares 40000 images/s, 80.0x what"
                                + " train-resnet20 consumes");
        Map<String, Object> json = result.toJson();
        assertThat(json).containsEntry("threads", 2).containsEntry("repeats", 3);
        assertThat((List<?>) json.get("workloads")).hasSize(2);
        assertThat(json.get("imagenet_data_headroom")).isNull();
    }

    @Test
    void imagenetHeadroomComparesWithAThirdOfResNet50InferenceOrSaysItDidNotRun() {
        Workload data = Workload.imagenetData("data-imagenet", 32);
        Workload infer = Workload.inference("infer-resnet50-b16", "resnet50", 16);
        BenchResult.Row dataRow =
                new BenchResult.Row(data, List.of(run(300, 50)), List.of(run(100, 50)));
        BenchResult.Row inferRow =
                new BenchResult.Row(infer, List.of(run(20, 400)), List.of(run(15, 400)));

        BenchResult both = result(List.of(inferRow, dataRow));
        BenchResult alone = result(List.of(dataRow));

        assertThat(dataRow.ratio()).isEqualTo(3);
        assertThat(dataRow.cpuRatio()).isNaN();
        assertThat(both.table())
                .contains(
                        "data pipeline: data-imagenet prepares 300 images/s, 45.0x what ResNet-50"
                            + " training consumes (about infer-resnet50-b16 / 3 = 6.7 images/s);"
                            + " goal >= 3x");
        assertThat(alone.table())
                .contains("data-imagenet prepares 300 images/s, - x ResNet-50 training");
        assertThat((String) alone.toJson().get("imagenet_data_headroom"))
                .contains("which did not run");
    }

    @Test
    void goalsAreJudgedOnWhatRanOnBothSidesAtFullSize() {
        Workload b1 = Workload.inference("infer-resnet50-b1", "resnet50", 1);
        Workload train = Workload.training("train-resnet56", "resnet56", 128);
        // Batch 1: 1.5x PyTorch's speed, but 152 MB against 146. ResNet-56: 1.05x, below 1.1.
        BenchResult.Row b1Row =
                new BenchResult.Row(b1, List.of(run(21, 152)), List.of(run(14, 146)));
        BenchResult.Row trainRow =
                new BenchResult.Row(train, List.of(run(168, 900)), List.of(run(160, 700)));
        BenchResult result = result(List.of(trainRow, b1Row));

        String table = result.table();

        assertThat(table)
                .contains(
                        "goal train-resnet56: ours/PyTorch 1.05, goal >= 1.10: MISSED",
                        "goal infer-resnet50-b1: ours/PyTorch 1.50, goal >= 1.00: met",
                        "goal infer-resnet50-b1: peak 152 MB, PyTorch 146 MB, goal no higher:"
                                + " MISSED");
        assertThat(table).doesNotContain("goal train-resnet20", "goal infer-resnet50-b16");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> goals = (List<Map<String, Object>>) result.toJson().get("goals");
        assertThat(goals).hasSize(3);
        assertThat(goals.get(1))
                .containsEntry("measure", "ratio_at_least")
                .containsEntry("met", true);
        assertThat(goals.get(2))
                .containsEntry("goal", 146.0)
                .containsEntry("value", 152.0)
                .containsEntry("met", false);

        BenchResult ours =
                new BenchResult(
                        new Bench.Options(2, 1, 3, false, false, List.of(), Path.of("bench/peer")),
                        Workloads.PEAK,
                        List.of(peak(100)),
                        List.of(),
                        "--no-peer",
                        List.of(new BenchResult.Row(b1, List.of(run(21, 152)), List.of())),
                        new Host("test CPU", true, "avx2"),
                        2,
                        0.5,
                        0.5,
                        "2026-01-01");
        assertThat(ours.table()).doesNotContain("goal ");
        assertThat((List<?>) ours.toJson().get("goals")).isEmpty();
    }

    private static BenchResult result(List<BenchResult.Row> rows) {
        return new BenchResult(
                new Bench.Options(2, 1, 3, false, true, List.of(), Path.of("bench/peer")),
                Workloads.PEAK,
                List.of(peak(100)),
                List.of(peak(50)),
                "torch",
                rows,
                new Host("test CPU", true, "avx2"),
                2,
                0.5,
                0.5,
                "2026-01-01");
    }

    private static Measurement peak(double gflops) {
        return new Measurement(0, 3, 1, 2, gflops, 0, 0, "engine", Map.of());
    }

    private static Measurement run(double imagesPerSec, double peakMb) {
        return new Measurement(imagesPerSec, 10, 2, 3.5, 0, peakMb, 300, "engine", Map.of());
    }
}
