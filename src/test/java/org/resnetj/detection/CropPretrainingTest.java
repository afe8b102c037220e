package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.data.Preprocessing;
import org.resnetj.data.RgbImage;
import org.resnetj.model.ModelRegistry;

/**
 * The crops a detector is pretrained on, checked against the boxes they come from, and a short
 * pretraining that moves the layers it trains and only those.
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
    void anObjectCropHoldsItsBoxWithContextAsItsRoiAndCarriesItsClassPlusOne() {
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 200; i++) {
            CropPretraining.Crop crop = CropPretraining.object(IMAGE, random);
            assertThat(crop.label()).isIn(3, 5); // classes 2 and 4, plus one
            Box b = IMAGE.objects().get(crop.label() == 3 ? 0 : 1).box();
            assertThat(crop.roi()).isEqualTo(b);
            double extent = Math.max(b.width(), b.height());
            assertThat(crop.side()).isBetween(1.5 * extent, 2.5 * extent);
            assertThat(crop.x()).isLessThanOrEqualTo(b.x1());
            assertThat(crop.y()).isLessThanOrEqualTo(b.y1());
            assertThat(crop.x() + crop.side()).isGreaterThanOrEqualTo(b.x2() + 1);
            assertThat(crop.y() + crop.side()).isGreaterThanOrEqualTo(b.y2() + 1);
        }
    }

    @Test
    void theRoiFollowsTheCropsScaleAndMirror() {
        CropPretraining.Crop crop =
                new CropPretraining.Crop(10, 20, 40, new Box(20, 30, 29, 39), 1);

        assertThat(crop.roi(80, false)).containsExactly(20f, 20f, 39f, 39f);
        assertThat(crop.roi(80, true)).containsExactly(40f, 20f, 59f, 39f);
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
            assertThat(crop.roi().x1()).isGreaterThanOrEqualTo(crop.x());
            assertThat(crop.roi().x2() + 1).isLessThanOrEqualTo(crop.x() + crop.side() + 1e-9);
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
        CropPretraining.Crop whole = new CropPretraining.Crop(0, 0, side, new Box(0, 0, 3, 3), 1);
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

        CropPretraining.Crops first = CropPretraining.crops(images, settings, p, 7, 0);
        CropPretraining.Crops again = CropPretraining.crops(images, settings, p, 7, 0);
        CropPretraining.Crops next = CropPretraining.crops(images, settings, p, 7, 1);

        assertThat(again.pixels()).containsExactly(first.pixels());
        assertThat(again.labels()).containsExactly(first.labels());
        assertThat(again.boxes()).containsExactly(first.boxes());
        assertThat(next.pixels()).isNotEqualTo(first.pixels());
        assertThat(Arrays.stream(first.labels()))
                .allMatch(l -> l >= 0 && l <= SyntheticShapes.CLASSES.size());
    }

    @Test
    void pretrainingTrainsTheTrunkHeadAndClassifierAndLeavesTheRpnAndBoxesToDecay()
            throws IOException {
        Path shapes = dir.resolve("shapes");
        SyntheticShapes.write(shapes, 3, 0, 0, 5);
        List<AnnotatedImage> images = SyntheticShapes.read(shapes, "train").images();
        DetectorConfig config = DetectorConfig.synthetic(SyntheticShapes.CLASSES.size());
        Engine.getInstance().setRandomSeed(0);
        try (NDManager manager = NDManager.newBaseManager();
                Detector detector =
                        Detector.fromScratch(
                                config,
                                ModelRegistry.get(config.backbone()).defaults(),
                                Preprocessing.Torchvision.IMAGENET,
                                manager)) {
            Map<String, float[]> before = new HashMap<>();
            detector.parameters().forEach((name, w) -> before.put(name, w.toFloatArray()));

            CropPretraining.run(
                    detector, images, new CropPretraining.Settings(2, 4, 64, 0.01, 1, 0.25), 0);

            for (String name :
                    List.of("conv1.weight", "conv5_2.branch2b.weight", "cls_score.weight")) {
                assertThat(detector.parameters().get(name).toFloatArray())
                        .as(name)
                        .isNotEqualTo(before.get(name));
            }
            for (String name : List.of("rpn_cls_score.weight", "bbox_pred.weight")) {
                // Weight decay alone: two steps shrink them by about 2 · 0.01 · 1e-4 · 1.9.
                float[] after = detector.parameters().get(name).toFloatArray();
                float[] start = before.get(name);
                for (int i = 0; i < after.length; i++) {
                    assertThat(after[i])
                            .as(name)
                            .isCloseTo(start[i], within(1e-5f * Math.abs(start[i]) + 1e-12f));
                }
            }
        }
    }
}
