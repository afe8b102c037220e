package org.resnetj.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

class CurvesTest {

    @TempDir Path tmp;

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    static RunMetrics run(String label, boolean synthetic, double scale) {
        List<RunMetrics.Point> train =
                List.of(
                        new RunMetrics.Point(100, 80 * scale),
                        new RunMetrics.Point(200, 60 * scale),
                        new RunMetrics.Point(300, 40 * scale));
        List<RunMetrics.Point> test =
                List.of(
                        new RunMetrics.Point(150, 70 * scale),
                        new RunMetrics.Point(300, 50 * scale));
        return new RunMetrics(label, synthetic, 400, train, test, RunMetrics.TEST);
    }

    @Test
    void eachRunIsOneThinDashedTrainingLineAndOneBoldTestLineInItsOwnColour() {
        XYChart chart =
                Curves.chart(List.of(run("plain20", false, 1), run("plain56", false, 1.1)), null);

        assertThat(chart.getSeriesCollection()).hasSize(4);
        for (String run : List.of("plain20", "plain56")) {
            XYSeries train = chart.getSeries(run + " train");
            XYSeries test = chart.getSeries(run);
            assertThat(train.getLineStyle().getDashArray()).isNotEmpty();
            assertThat(test.getLineStyle().getDashArray()).isNull();
            assertThat(test.getLineStyle().getLineWidth())
                    .isGreaterThan(train.getLineStyle().getLineWidth());
            assertThat(train.getLineColor()).isEqualTo(test.getLineColor());
            assertThat(train.getMarker()).isEqualTo(SeriesMarkers.NONE);
            assertThat(test.getMarker()).isEqualTo(SeriesMarkers.NONE);
            assertThat(train.isShowInLegend()).isFalse();
            assertThat(test.isShowInLegend()).isTrue();
            assertThat(test.getLabel()).isEqualTo(run);
        }
        assertThat(chart.getSeries("plain20").getLineColor())
                .isNotEqualTo(chart.getSeries("plain56").getLineColor());
    }

    @Test
    void aRunWithoutTestPointsYetIsInTheLegendByItsTrainingLine() {
        RunMetrics run =
                new RunMetrics(
                        "resnet20",
                        false,
                        400,
                        List.of(new RunMetrics.Point(100, 80)),
                        List.of(),
                        RunMetrics.TEST);

        XYSeries train = Curves.chart(List.of(run), null).getSeries("resnet20 train");

        assertThat(train.isShowInLegend()).isTrue();
        assertThat(train.getLabel()).isEqualTo("resnet20");
    }

    @Test
    void onlyDenselyLoggedTrainingCurvesAreDrawnAsOnePathSoTheirDashesShow() {
        List<RunMetrics.Point> dense =
                Stream.iterate(1, i -> i + 1)
                        .limit(640)
                        .map(i -> new RunMetrics.Point(100L * i, 50))
                        .toList();
        List<RunMetrics.Point> sparse =
                List.of(new RunMetrics.Point(100, 80), new RunMetrics.Point(200, 60));

        assertThat(Curves.denselyLogged(dense, 64_000)).isTrue();
        assertThat(Curves.denselyLogged(sparse, 400)).isFalse();
        assertThat(Curves.denselyLogged(sparse.subList(0, 1), 400)).isFalse();
    }

    @Test
    void manyRunsStillGetDistinctColours() {
        List<RunMetrics> runs =
                Stream.iterate(0, i -> i + 1).limit(16).map(i -> run("r" + i, false, 1)).toList();

        assertThat(
                        Curves.chart(runs, null).getSeriesCollection().stream()
                                .filter(XYSeries::isShowInLegend)
                                .map(XYSeries::getLineColor)
                                .distinct())
                .hasSize(16);
    }

    @Test
    void axesAreIterationsAndErrorInPercentFromZeroToTheRoundedUpMaximum() {
        XYChart chart = Curves.chart(List.of(run("resnet20", false, 1)), null);

        assertThat(chart.getXAxisTitle()).startsWith("iter.").contains("dashed").contains("bold");
        assertThat(chart.getYAxisTitle()).isEqualTo("error (%)");
        assertThat(chart.getStyler().getYAxisMin()).isEqualTo(0.0);
        assertThat(chart.getStyler().getYAxisMax()).isEqualTo(80.0);
        assertThat(chart.getStyler().getXAxisMax()).isEqualTo(400.0);
    }

    @Test
    void longRunsAreCountedInTensOfThousandsOfIterationsAsInThePaper() {
        RunMetrics run =
                new RunMetrics(
                        "resnet110",
                        false,
                        64_000,
                        List.of(new RunMetrics.Point(32_000, 5)),
                        List.of(new RunMetrics.Point(64_000, 6.4)),
                        RunMetrics.TEST);

        XYChart chart = Curves.chart(List.of(run), null);

        assertThat(chart.getXAxisTitle()).startsWith("iter. (1e4)");
        assertThat(chart.getSeries("resnet110 train").getXData()).containsExactly(3.2);
        assertThat(chart.getStyler().getXAxisMax()).isEqualTo(6.4);
    }

    @Test
    void theErrorAxisEndsAtTheMaximumRoundedUpAndNeverBeyond100() {
        assertThat(Curves.errorAxisMax(0)).isEqualTo(5);
        assertThat(Curves.errorAxisMax(6.43)).isEqualTo(10);
        assertThat(Curves.errorAxisMax(20)).isEqualTo(20);
        assertThat(Curves.errorAxisMax(61)).isEqualTo(70);
        assertThat(Curves.errorAxisMax(92.3)).isEqualTo(100);
        assertThat(Curves.errorAxisMax(100)).isEqualTo(100);
    }

    @Test
    void aChartWithARunOnSyntheticDataSaysSoInItsTitle() {
        assertThat(Curves.chart(List.of(run("a", true, 1)), null).getTitle())
                .contains("synthetic data");
        assertThat(Curves.chart(List.of(run("a", true, 1)), "Fig. 6 left").getTitle())
                .startsWith("Fig. 6 left")
                .contains("synthetic data");
        assertThat(Curves.chart(List.of(run("a", false, 1)), null).getTitle())
                .doesNotContain("synthetic");

        XYChart mixed = Curves.chart(List.of(run("a", true, 1), run("b", false, 1)), null);
        assertThat(mixed.getTitle()).contains("synthetic data");
        assertThat(mixed.getSeriesCollection())
                .extracting(XYSeries::getLabel)
                .contains("a (synthetic)", "b");
    }

    @Test
    void theBoldLineOfARunThatLoggedOnlyValidationErrorIsSaidToBeValidationError() {
        RunMetrics test = run("plain20", false, 1);
        RunMetrics val =
                new RunMetrics(
                        "plain56", false, 400, test.train(), test.test(), RunMetrics.VALIDATION);

        assertThat(Curves.chart(List.of(val), null).getXAxisTitle())
                .endsWith("bold: validation error");
        XYChart mixed = Curves.chart(List.of(test, val), null);
        assertThat(mixed.getXAxisTitle()).contains("validation error (val)");
        assertThat(mixed.getSeriesCollection())
                .extracting(XYSeries::getLabel)
                .contains("plain20", "plain56 (val)");
    }

    @Test
    void runsWithoutPointsYetStillDraw() {
        RunMetrics empty =
                new RunMetrics("resnet20", true, 400, List.of(), List.of(), RunMetrics.TEST);

        assertThat(Curves.chart(List.of(empty), null).getSeriesCollection()).isEmpty();
    }

    @Test
    void runsMustHaveDistinctLabels() {
        assertThatThrownBy(
                        () -> Curves.chart(List.of(run("a", false, 1), run("a", false, 1)), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'a'");
    }

    @Test
    void writesPngAndSvgByExtensionAndTheSvgNamesSyntheticData() throws IOException {
        List<RunMetrics> runs = List.of(run("plain20", true, 1), run("plain56", true, 1.1));
        Path png = tmp.resolve("out/fig6.png");
        Path svg = tmp.resolve("out/fig6.SVG");

        Curves.write(runs, png, null);
        Curves.write(runs, svg, "Fig. 6");

        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(Curves.WIDTH);
        String text = Files.readString(svg);
        assertThat(text)
                .contains("<svg")
                .contains("<title>Fig. 6 (synthetic data)</title>")
                .contains("plain56");
        assertThat(tmp.resolve("out")).isDirectoryNotContaining("glob:**.tmp");
    }

    @Test
    void anOutputFileThatIsNeitherPngNorSvgIsAnError() {
        Path pdf = tmp.resolve("fig.pdf");

        assertThatThrownBy(() -> Curves.write(List.of(run("a", false, 1)), pdf, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(".png or .svg")
                .hasMessageContaining(pdf.toString());
        assertThat(pdf).doesNotExist();
    }

    @Test
    void runCurvesAreRewrittenInTheRunDirectoryOnEveryCall() throws IOException {
        Path dir =
                RunMetricsTest.run(
                        tmp.resolve("run"),
                        RunMetricsTest.config("resnet20", true),
                        RunMetricsTest.train(100, 0.9) + RunMetricsTest.eval(100, "test", 0.9));

        Curves.writeRunCurves(dir);
        long first = Files.size(dir.resolve(Curves.RUN_PNG));
        Files.writeString(
                dir.resolve("metrics.jsonl"),
                RunMetricsTest.train(200, 0.5) + RunMetricsTest.eval(200, "test", 0.6),
                StandardOpenOption.APPEND);
        Curves.writeRunCurves(dir);

        assertThat(Files.size(dir.resolve(Curves.RUN_PNG))).isPositive().isNotEqualTo(first);
        assertThat(Files.readString(dir.resolve(Curves.RUN_SVG))).contains("synthetic data");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(
                            "config.json", "metrics.jsonl", Curves.RUN_PNG, Curves.RUN_SVG);
        }
    }
}
