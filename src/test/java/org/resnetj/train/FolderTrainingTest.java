package org.resnetj.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.data.Batch;
import org.resnetj.data.BatchStream;
import org.resnetj.data.ImageFolderFiles;
import org.resnetj.data.ImageNetPresets;
import org.resnetj.data.Lighting;
import org.resnetj.model.ModelRegistry;

/**
 * Training on an image folder (the ImageNet pipeline of Section 3.4): a resumed run ends in the
 * uninterrupted run's state bit for bit, and {@code lighting_pca=data} lights the training images
 * along the data's own principal colour axis.
 */
class FolderTrainingTest {

    /**
     * resnet18 (the smallest ImageNet net) on one image a batch, lighting from the data; LR 0.01,
     * at which a batch of one does not blow the loss up.
     */
    private static final List<String> RECIPE =
            List.of(
                    "batch=1",
                    "lr=0.01",
                    "iterations=2",
                    "log_every=1",
                    "eval_every=2",
                    "checkpoint_every=1",
                    "threads=2",
                    "seed=7",
                    "keep_checkpoints=10",
                    "lighting_pca=data");

    @TempDir static Path dir;
    static Path folder;
    static Path uninterrupted;

    @BeforeAll
    static void trainOnce() throws IOException {
        folder = ImageFolderFiles.threeClasses(dir.resolve("images"));
        uninterrupted = dir.resolve("run");
        Trainer.start(
                "resnet18",
                ModelRegistry.get("resnet18").defaults().withClasses(3),
                folder,
                Setup.imagenet().with(RECIPE),
                uninterrupted);
    }

    /**
     * Resumed from the checkpoint at 1 of 2: the batch of iteration 2 (its crops, flips and
     * lighting), the per-pixel mean and the lighting's eigenvectors, recomputed from the data on
     * resume, are those of the uninterrupted run.
     */
    @Test
    void resumedRunEndsInTheUninterruptedStateBitForBit() throws IOException {
        Path resumed = Runs.cutBack(uninterrupted, 1, dir.resolve("resumed"));

        Trainer.resume(resumed);

        Runs.assertSameFinalState(uninterrupted, resumed);
        Runs.assertSameMetrics(uninterrupted, resumed);
    }

    /**
     * The run records {@code lighting_pca=data}; and the batches that such a run trains on are lit
     * along the data's principal axis with the data's eigenvalue. On a folder of single-colour
     * images whose colours differ only in red, (r, 100, 150) with r = 40, 80, 160, 200, the RGB
     * covariance of pixel / 255 has one non-zero eigenvalue, var(r / 255) = 4000 / 255², on the red
     * axis. So against the same batch without lighting, each image's green and blue are unchanged
     * and its red moves by σ·α₁·4000 / 255², the same at every pixel. α₁ is the image's first
     * lighting draw, read back from the same batch lit with the published ImageNet eigenvectors,
     * which draws the same α.
     */
    @Test
    void dataLightingIsAlongTheDatasOwnPrincipalAxis() throws IOException {
        assertThat(RunConfig.read(uninterrupted).recipe().lightingPca())
                .isEqualTo(Recipe.LightingPca.DATA);
        Path colours = dir.resolve("colours");
        int[] reds = {40, 80, 160, 200};
        for (int i = 0; i < reds.length; i++) {
            singleColour(colours.resolve("train/c" + i % 2 + "/" + i + ".png"), reds[i], 100, 150);
        }
        singleColour(colours.resolve("val/c0/v.png"), 120, 100, 150);
        singleColour(colours.resolve("val/c1/w.png"), 120, 100, 150);
        Recipe recipe = Recipe.imagenet().with(List.of("batch=4", "seed=7"));
        Batch none = firstBatch(colours, recipe.with("lighting", "0"));
        Batch data = firstBatch(colours, recipe.with("lighting_pca", "data"));
        Batch imagenet = firstBatch(colours, recipe.with("lighting_pca", "imagenet"));
        double eigenvalue = 4000.0 / (255 * 255);
        double largest = 0;
        for (int j = 0; j < 4; j++) {
            double[] byData = offsets(data, none, j);
            double[] scaled =
                    solve(Lighting.IMAGENET.eigenvectors(), offsets(imagenet, none, j)); // σ·αᵢ·λᵢ
            double expected = scaled[0] / Lighting.IMAGENET.eigenvalues()[0] * eigenvalue;
            assertThat(byData[0])
                    .as("red offset of image %d", j)
                    .isCloseTo(expected, within(1e-4 * Math.abs(expected) + 1e-6));
            assertThat(byData[1]).as("green offset of image %d", j).isCloseTo(0, within(1e-6));
            assertThat(byData[2]).as("blue offset of image %d", j).isCloseTo(0, within(1e-6));
            largest = Math.max(largest, Math.abs(expected));
        }
        assertThat(largest).as("some image is visibly lit").isGreaterThan(1e-3);
    }

    private static Batch firstBatch(Path root, Recipe recipe) throws IOException {
        TrainingData training = TrainingData.open(root, recipe, 2);
        try (BatchStream batches = training.batches(recipe, 0)) {
            return batches.next();
        }
    }

    /**
     * The RGB offset between the same image of two batches, which must be the same at every pixel.
     */
    private static double[] offsets(Batch lit, Batch unlit, int image) {
        assertThat(lit.labels()).isEqualTo(unlit.labels());
        int plane = ImageNetPresets.CROP * ImageNetPresets.CROP;
        double[] offsets = new double[3];
        for (int c = 0; c < 3; c++) {
            int from = image * ImageNetPresets.IMAGE_SIZE + c * plane;
            double first = lit.images()[from] - unlit.images()[from];
            double spread = 0;
            for (int k = 0; k < plane; k++) {
                spread =
                        Math.max(
                                spread,
                                Math.abs(
                                        lit.images()[from + k] - unlit.images()[from + k] - first));
            }
            assertThat(spread)
                    .as("spread of the offset of channel %d of image %d", c, image)
                    .isLessThan(1e-6);
            offsets[c] = first;
        }
        return offsets;
    }

    /** x with m·x = b, for a 3×3 m, by Cramer's rule. */
    private static double[] solve(double[][] m, double[] b) {
        double det = det(m);
        double[] x = new double[3];
        for (int i = 0; i < 3; i++) {
            double[][] replaced = new double[3][];
            for (int r = 0; r < 3; r++) {
                replaced[r] = m[r].clone();
                replaced[r][i] = b[r];
            }
            x[i] = det(replaced) / det;
        }
        return x;
    }

    private static double det(double[][] m) {
        return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
                - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    }

    /** A 40×30 PNG of one colour (lossless, so every pixel decodes to it). */
    private static void singleColour(Path file, int r, int g, int b) throws IOException {
        Files.createDirectories(file.getParent());
        BufferedImage image = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                image.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        assertThat(ImageIO.write(image, "png", file.toFile())).isTrue();
    }
}
