package org.resnetj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.detection.SyntheticShapes;

/**
 * {@code resnet detect}, {@code detect eval} and {@code detect run} as a user calls them: a small
 * detector trained for one iteration, evaluated on VOC and COCO files written here in the standard
 * formats as another tool writes them, and run on an image; bad input gives one line.
 */
class DetectCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path dir;

    private static Path run;

    @BeforeAll
    static void trainOneIteration() throws IOException {
        Path shapes = dir.resolve("shapes");
        SyntheticShapes.write(shapes, 2, 0, 1, 9);
        run = dir.resolve("run");
        CommandRun trained =
                CommandRun.of(
                        "detect",
                        "--data",
                        shapes.toString(),
                        "--setting",
                        "small",
                        "--train-set",
                        "train",
                        "--iterations",
                        "1",
                        "--threads",
                        "2",
                        "--out",
                        run.toString());
        assertThat(trained.status()).as(trained.err()).isZero();
        assertThat(trained.out()).contains("run directory: " + run);
    }

    @Test
    void evaluatesAVocTreeWrittenByAnotherToolWithVoc07AndAllPointAp() throws IOException {
        Path voc = dir.resolve("voc");
        writeVoc(voc, "<difficult>0</difficult>");
        for (String metric : List.of("voc07", "voc")) {
            CommandRun eval =
                    CommandRun.of(
                            "detect",
                            "eval",
                            "--checkpoint",
                            run.toString(),
                            "--data",
                            voc.toString(),
                            "--metric",
                            metric,
                            "--json");
            assertThat(eval.status()).as(eval.err()).isZero();
            Map<?, ?> out = JSON.readValue(eval.out(), Map.class);
            assertThat(out.get("metric")).isEqualTo(metric);
            assertThat(out.get("images")).isEqualTo(2);
            assertThat(((Number) out.get("map")).doubleValue()).isBetween(0.0, 1.0);
            assertThat(new java.util.ArrayList<Object>(((Map<?, ?>) out.get("ap")).keySet()))
                    .isEqualTo(new java.util.ArrayList<Object>(SyntheticShapes.CLASSES));
        }
    }

    @Test
    void evaluatesACocoFileWrittenByAnotherToolWithCocosTwelveNumbers() throws IOException {
        Path images = dir.resolve("coco-images");
        Files.createDirectories(images);
        image(images.resolve("a.jpg"));
        image(images.resolve("b.jpg"));
        StringBuilder categories = new StringBuilder();
        for (int c = 0; c < SyntheticShapes.CLASSES.size(); c++) {
            categories
                    .append(c == 0 ? "" : ",")
                    .append("{\"id\":")
                    .append(10 + c)
                    .append(",\"name\":\"")
                    .append(SyntheticShapes.CLASSES.get(c))
                    .append("\",\"supercategory\":\"shape\"}");
        }
        Path annotations = dir.resolve("instances_val.json");
        Files.writeString(
                annotations,
                "{\"info\":{\"description\":\"written by hand\"},\"licenses\":[],"
                    + "\"images\":[{\"id\":7,\"file_name\":\"a.jpg\",\"width\":200,\"height\":160},"
                    + "{\"id\":9,\"file_name\":\"b.jpg\",\"width\":200,\"height\":160}],"
                    + "\"annotations\":[{\"id\":1,\"image_id\":7,\"category_id\":10,"
                    + "\"bbox\":[20.0,30.0,50.0,40.0],\"area\":2000.0,\"iscrowd\":0,"
                    + "\"segmentation\":[[20,30,70,30,70,70,20,70]]},"
                    + "{\"id\":2,\"image_id\":9,\"category_id\":12,"
                    + "\"bbox\":[100.5,60.25,60.0,70.0],\"area\":4200.0,\"iscrowd\":0}],"
                    + "\"categories\":["
                        + categories
                        + "]}");
        Path results = dir.resolve("results.json");
        CommandRun eval =
                CommandRun.of(
                        "detect",
                        "eval",
                        "--checkpoint",
                        run.toString(),
                        "--data",
                        annotations.toString(),
                        "--images",
                        images.toString(),
                        "--results",
                        results.toString(),
                        "--json");
        assertThat(eval.status()).as(eval.err()).isZero();
        Map<?, ?> out = JSON.readValue(eval.out(), Map.class);
        assertThat(out.get("metric")).isEqualTo("coco");
        assertThat((Map<?, ?>) out.get("stats")).hasSize(12);
        List<?> written = JSON.readValue(results.toFile(), List.class);
        assertThat(written).hasSize((Integer) out.get("detections"));
    }

    @Test
    void aMalformedAnnotationIsOneLineNamingItsFile() throws IOException {
        Path voc = dir.resolve("broken");
        writeVoc(voc, "<difficult>maybe</difficult>");
        Files.writeString(
                voc.resolve("Annotations/000002.xml"),
                "<annotation><size><width>200</width><height>160</height></size>"
                        + "<object><name>circle</name><bndbox><xmin>5</xmin></bndbox></object>");
        CommandRun eval =
                CommandRun.of(
                        "detect", "eval", "--checkpoint", run.toString(), "--data", voc.toString());
        assertThat(eval.status()).isEqualTo(1);
        assertThat(eval.errLines()).hasSize(1);
        assertThat(eval.err()).startsWith("error: ").contains("000002.xml");
    }

    @Test
    void runsOnImagesDrawingThemAndPrintingTheDetections() throws IOException {
        Path picture = dir.resolve("picture.jpg");
        image(picture);
        Path out = dir.resolve("drawn");
        CommandRun detect =
                CommandRun.of(
                        "detect",
                        "run",
                        "--checkpoint",
                        run.toString(),
                        "--threshold",
                        "0",
                        "--out",
                        out.toString(),
                        "--json",
                        picture.toString(),
                        dir.resolve("missing.jpg").toString());
        assertThat(detect.status()).isEqualTo(1); // the missing image
        assertThat(detect.err()).contains("missing.jpg");
        Map<?, ?> json = JSON.readValue(detect.out(), Map.class);
        List<?> images = (List<?>) json.get("images");
        assertThat(images).hasSize(1);
        Path png = out.resolve("picture-detections.png");
        BufferedImage drawn = ImageIO.read(png.toFile());
        assertThat(drawn.getWidth()).isEqualTo(200);
        assertThat(drawn.getHeight()).isEqualTo(160);
        assertThat((List<?>) ((Map<?, ?>) images.get(0)).get("detections"))
                .hasSizeLessThanOrEqualTo(100);
    }

    @Test
    void resumeRefusesOtherTrainingOptionsInOneLine() {
        CommandRun resumed =
                CommandRun.of("detect", "--resume", run.toString(), "--iterations", "5");
        assertThat(resumed.status()).isEqualTo(1);
        assertThat(resumed.errLines()).hasSize(1);
        assertThat(resumed.err()).contains("--resume");
    }

    @Test
    void aBadPoolingOrPretrainingIsOneLineNamingTheFlag() {
        CommandRun pooling = CommandRun.of("detect", "--pooling", "average", "--iterations", "1");
        assertThat(pooling.status()).isEqualTo(1);
        assertThat(pooling.errLines()).hasSize(1);
        assertThat(pooling.err()).contains("--pooling must be pool or align").contains("average");

        CommandRun pretrain =
                CommandRun.of(
                        "detect",
                        "--pretrain",
                        "10",
                        "--imagenet",
                        dir.resolve("any.ckpt").toString(),
                        "--iterations",
                        "1");
        assertThat(pretrain.status()).isEqualTo(1);
        assertThat(pretrain.errLines()).hasSize(1);
        assertThat(pretrain.err()).contains("--pretrain").contains("--imagenet");
    }

    /** A VOC tree of two images as the devkit lays it out, with {@code difficult} as given. */
    private static void writeVoc(Path voc, String difficult) throws IOException {
        Files.createDirectories(voc.resolve("Annotations"));
        Files.createDirectories(voc.resolve("JPEGImages"));
        Files.createDirectories(voc.resolve("ImageSets/Main"));
        for (String id : List.of("000001", "000002")) {
            image(voc.resolve("JPEGImages/" + id + ".jpg"));
            Files.writeString(
                    voc.resolve("Annotations/" + id + ".xml"),
                    "<annotation>\n  <folder>VOC2007</folder>\n  <filename>"
                            + id
                            + ".jpg</filename>\n  <source><database>The VOC2007"
                            + " Database</database></source>\n  <size><width>200</width>"
                            + "<height>160</height><depth>3</depth></size>\n"
                            + "  <segmented>0</segmented>\n  <object>\n    <name>square</name>\n"
                            + "    <pose>Unspecified</pose>\n    <truncated>0</truncated>\n    "
                            + difficult
                            + "\n    <bndbox><xmin>21</xmin><ymin>31</ymin><xmax>80</xmax>"
                            + "<ymax>90</ymax></bndbox>\n  </object>\n</annotation>\n");
        }
        Files.writeString(voc.resolve("ImageSets/Main/test.txt"), "000001\n000002\n");
    }

    private static void image(Path file) throws IOException {
        BufferedImage image = new BufferedImage(200, 160, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 160; y++) {
            for (int x = 0; x < 200; x++) {
                boolean inside = x >= 20 && x < 80 && y >= 30 && y < 90;
                image.setRGB(x, y, inside ? 0xD03020 : (x * 255 / 200) << 8 | 0x40);
            }
        }
        ImageIO.write(image, "jpg", file.toFile());
    }
}
