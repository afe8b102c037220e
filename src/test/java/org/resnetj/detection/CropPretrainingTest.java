package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.data.Batch;
import org.resnetj.data.Preprocessing;
import org.resnetj.data.RgbImage;

/**
 * The crops a backbone is pretrained on, checked against the boxes they come from, and a short
 * pretraining whose checkpoint a detector starts from.
 */
class CropPretrainingTest {

    @TempDir Path dir;

    private static final AnnotatedImage IMAGE =
            new AnnotatedImage(
                    "000001",
                    Path.of("unused.jpg"),
                    200,
                    160,
                    List.of(
                            GroundTruth.of(new Box(20, 30, 59, 69), 2),
                            GroundTruth.of(new Box(120, 40, 179, 139), 4)));

    @Test
    void anObjectCropHoldsItsBoxWithContextAndCarriesItsClassPlusOne() {
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 200; i++) {
            CropPretraining.Crop crop = CropPretraining.object(IMAGE, random);
            GroundTruth object =
                    IMAGE.objects().get(crop.label() == 3 ? 0 : 1); // labels 2 and 4, plus one
            assertThat(crop.label()).isIn(3, 5);
            Box b = object.box();
            double extent = Math.max(b.width(), b.height());
            assertThat(crop.side()).isBetween(1.2 * extent, 1.6 * extent);
            double cx = (b.x1() + b.x2() + 1) / 2;
            double cy = (b.y1() + b.y2() + 1) / 2;
            assertThat(crop.x() + crop.side() / 2 - cx)
                    .isBetween(-0.1 * b.width(), 0.1 * b.width());
            assertThat(crop.y() + crop.side() / 2 - cy)
                    .isBetween(-0.1 * b.height(), 0.1 * b.height());
        }
    }

    @Test
    void aBackgroundCropLiesInsideTheImageAndCoversLittleOfAnyObject() {
        SplittableRandom random = new SplittableRandom(2);
        int found = 0;
        for (int i = 0; i < 200; i++) {
            CropPretraining.Crop crop = CropPretraining.background(IMAGE, random);
            if (crop == null) {
                continue;
            }
            found++;
            assertThat(crop.label()).isZero();
            assertThat(crop.x()).isGreaterThanOrEqualTo(0);
            assertThat(crop.y()).isGreaterThanOrEqualTo(0);
            assertThat(crop.x() + crop.side()).isLessThanOrEqualTo(IMAGE.width());
            assertThat(crop.y() + crop.side()).isLessThanOrEqualTo(IMAGE.height());
            for (GroundTruth o : IMAGE.objects()) {
                Box b = o.box();
                double w =
                        Math.min(b.x2() + 1, crop.x() + crop.side()) - Math.max(b.x1(), crop.x());
                double h =
                        Math.min(b.y2() + 1, crop.y() + crop.side()) - Math.max(b.y1(), crop.y());
                double covered = w > 0 && h > 0 ? w * h / b.area() : 0;
                assertThat(covered).isLessThanOrEqualTo(CropPretraining.BACKGROUND_COVER);
            }
        }
        assertThat(found).isGreaterThan(50);
    }

    @Test
    void resamplingTheWholeImageAtItsSizeGivesItBackAndMirroringReversesTheColumns() {
        int side = 8;
        byte[] chw = new byte[3 * side * side];
        for (int i = 0; i < chw.length; i++) {
            chw[i] = (byte) (i * 7 % 251);
        }
        RgbImage image = RgbImage.of(side, side, chw);
        CropPretraining.Crop whole = new CropPretraining.Crop(0, 0, side, 1);
        float[] same = CropPretraining.resample(image, whole, side, false);
        float[] mirrored = CropPretraining.resample(image, whole, side, true);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    float expected = image.sample(c, y, x) / 255f;
                    assertThat(same[(c * side + y) * side + x]).isCloseTo(expected, within(1e-6f));
                    assertThat(mirrored[(c * side + y) * side + side - 1 - x])
                            .isCloseTo(expected, within(1e-6f));
                }
            }
        }
    }

    @Test
    void aBatchIsAFunctionOfSeedAndIteration() throws IOException {
        Path shapes = dir.resolve("shapes");
        SyntheticShapes.write(shapes, 3, 0, 0, 4);
        List<AnnotatedImage> images = SyntheticShapes.read(shapes, "train").images();
        CropPretraining.Settings settings = new CropPretraining.Settings(2, 6, 32, 0.01, 1, 0.25);
        Preprocessing p = Preprocessing.Torchvision.IMAGENET;

        Batch first = CropPretraining.batch(images, settings, p, 7, 0);
        Batch again = CropPretraining.batch(images, settings, p, 7, 0);
        Batch next = CropPretraining.batch(images, settings, p, 7, 1);

        assertThat(again.images()).containsExactly(first.images());
        assertThat(again.labels()).containsExactly(first.labels());
        assertThat(next.images()).isNotEqualTo(first.images());
        assertThat(java.util.Arrays.stream(first.labels()))
                .allMatch(l -> l >= 0 && l <= SyntheticShapes.CLASSES.size());
    }

    @Test
    void pretrainingWritesACheckpointADetectorStartsFromWithBatchStatistics() throws IOException {
        Path shapes = dir.resolve("shapes");
        SyntheticShapes.write(shapes, 3, 0, 0, 5);
        List<AnnotatedImage> images = SyntheticShapes.read(shapes, "train").images();
        DetectorConfig config = DetectorConfig.synthetic(SyntheticShapes.CLASSES.size());
        Engine.getInstance().setRandomSeed(0);

        Path file =
                CropPretraining.run(
                        images,
                        config.classes(),
                        config.backbone(),
                        new CropPretraining.Settings(2, 4, 32, 0.01, 1, 0.25),
                        0,
                        dir.resolve("pretrained.ckpt"));

        try (NDManager manager = NDManager.newBaseManager();
                Detector detector = Detector.fromPretrained(file, config, manager)) {
            Checkpoint.Contents contents = Checkpoint.read(file, manager);
            assertThat(contents.meta()).containsEntry("model", "resnet18");
            assertThat(contents.iteration()).isEqualTo(2);
            assertThat(detector.scratch()).isTrue();
            assertThat(detector.trainableParameters()).containsKey("conv1.weight");
            assertThat(detector.parameters().get("conv1.weight").toFloatArray())
                    .containsExactly(contents.model().get("conv1.weight").toFloatArray());
        }
    }
}
