package org.resnetj.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

/** Fig. 7's two panels and the CSV beside them. */
class ResponseFigureTest {

    @TempDir Path dir;

    private static ResponseFigure.Model model(String label, boolean residual, double... stds) {
        List<LayerResponses.LayerStd> layers = new ArrayList<>();
        for (int i = 0; i < stds.length; i++) {
            layers.add(new LayerResponses.LayerStd("layer" + (i + 1), stds[i]));
        }
        return new ResponseFigure.Model(
                label, residual, Path.of("runs", label, "ckpt-00000010.zip"), layers);
    }

    private static final List<ResponseFigure.Model> MODELS =
            List.of(
                    model("plain20", false, 1.0, 3.0, 2.0),
                    model("resnet20", true, 0.5, 0.25, 0.75, 0.25));

    private static XYSeries series(XYChart chart, String name) {
        return chart.getSeriesCollection().stream()
                .filter(s -> s.getName().equals(name))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void topPanelKeepsTheOrderAndBottomPanelSortsDescending() {
        XYChart[] panels = ResponseFigure.panels(MODELS, false);

        XYSeries original = series(panels[0], "resnet20");
        XYSeries sorted = series(panels[1], "resnet20");
        assertThat(original.getXData()).containsExactly(1.0, 2.0, 3.0, 4.0);
        assertThat(original.getYData()).containsExactly(0.5, 0.25, 0.75, 0.25);
        assertThat(sorted.getXData()).containsExactly(1.0, 2.0, 3.0, 4.0);
        assertThat(sorted.getYData()).containsExactly(0.75, 0.5, 0.25, 0.25);
        assertThat(panels[0].getSeriesCollection())
                .extracting(XYSeries::getName)
                .containsExactly("plain20", "resnet20");
        assertThat(panels[0].getTitle()).isEqualTo(ResponseFigure.TITLE);
        assertThat(panels[0].getXAxisTitle()).isEqualTo("layer index (original)");
        assertThat(panels[1].getXAxisTitle()).isEqualTo("layer index (sorted by magnitude)");
    }

    @Test
    void csvHasOneRowPerLayerWithItsRankAndTheDataKind() {
        List<String> lines = ResponseFigure.csv(MODELS, true).lines().toList();

        assertThat(lines)
                .containsExactly(
                        "model,checkpoint,layer_index,layer_name,std,rank,synthetic",
                        "plain20,"
                                + Path.of("runs", "plain20", "ckpt-00000010.zip")
                                + ",1,layer1,1.0,3,true",
                        "plain20,"
                                + Path.of("runs", "plain20", "ckpt-00000010.zip")
                                + ",2,layer2,3.0,1,true",
                        "plain20,"
                                + Path.of("runs", "plain20", "ckpt-00000010.zip")
                                + ",3,layer3,2.0,2,true",
                        "resnet20,"
                                + Path.of("runs", "resnet20", "ckpt-00000010.zip")
                                + ",1,layer1,0.5,2,true",
                        "resnet20,"
                                + Path.of("runs", "resnet20", "ckpt-00000010.zip")
                                + ",2,layer2,0.25,3,true",
                        "resnet20,"
                                + Path.of("runs", "resnet20", "ckpt-00000010.zip")
                                + ",3,layer3,0.75,1,true",
                        "resnet20,"
                                + Path.of("runs", "resnet20", "ckpt-00000010.zip")
                                + ",4,layer4,0.25,4,true");
    }

    @Test
    void aCheckpointPathWithACommaIsQuoted() {
        ResponseFigure.Model model =
                new ResponseFigure.Model(
                        "resnet8",
                        true,
                        Path.of("a,b", "c.zip"),
                        List.of(new LayerResponses.LayerStd("conv1", 1)));

        assertThat(ResponseFigure.csv(List.of(model), false).lines().skip(1))
                .containsExactly("resnet8,\"" + Path.of("a,b", "c.zip") + "\",1,conv1,1.0,1,false");
    }

    @Test
    void writesCsvAndBothPanelsIntoANewDirectoryAndSaysSynthetic() throws IOException {
        Path out = dir.resolve("a/b");

        ResponseFigure.write(MODELS, true, out);

        assertThat(out.resolve(ResponseFigure.CSV)).isNotEmptyFile();
        BufferedImage png = ImageIO.read(out.resolve(ResponseFigure.PNG).toFile());
        assertThat(png.getWidth()).isEqualTo(ResponseFigure.WIDTH);
        assertThat(png.getHeight()).isEqualTo(2 * ResponseFigure.PANEL_HEIGHT);
        String svg = Files.readString(out.resolve(ResponseFigure.SVG));
        assertThat(svg)
                .contains(
                        "<title>" + ResponseFigure.TITLE + " (synthetic data)</title>",
                        "plain20, resnet20");
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(
                            ResponseFigure.CSV, ResponseFigure.PNG, ResponseFigure.SVG);
        }
    }

    @Test
    void twoModelsWithOneLabelAreRejected() {
        assertThatThrownBy(
                        () ->
                                ResponseFigure.panels(
                                        List.of(
                                                model("resnet20", true, 1),
                                                model("resnet20", true, 2)),
                                        false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("resnet20");
    }
}
