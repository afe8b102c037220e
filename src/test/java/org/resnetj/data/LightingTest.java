package org.resnetj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * AlexNet's PCA lighting: the offsets' distribution, the published values, and the statistics from
 * data.
 */
class LightingTest {

    /**
     * fb.resnet.torch's datasets/imagenet.lua, typed in again: rows R, G, B; columns the
     * eigenvectors.
     */
    private static final double[] EIGVAL = {0.2175, 0.0188, 0.0045};

    private static final double[][] EIGVEC = {
        {-0.5675, 0.7192, 0.4009},
        {-0.5808, -0.0045, -0.8140},
        {-0.5836, -0.6948, 0.4203},
    };

    @Test
    void theOffsetsAreFbResnetTorchsFormulaWithEigenvectorsAsColumns() {
        SplittableRandom random = new SplittableRandom(1);
        SplittableRandom replay = new SplittableRandom(1);
        for (int draw = 0; draw < 100; draw++) {
            float[] offsets = Lighting.IMAGENET.draw(random);

            // rgb = eigvec:clone():cmul(alpha:view(1, 3):expand(3, 3)):cmul(eigval:view(1,
            // 3):expand(3, 3)):sum(2)
            double[] alpha = {
                0.1 * replay.nextGaussian(),
                0.1 * replay.nextGaussian(),
                0.1 * replay.nextGaussian()
            };
            for (int c = 0; c < 3; c++) {
                double rgb = 0;
                for (int i = 0; i < 3; i++) {
                    rgb += EIGVEC[c][i] * alpha[i] * EIGVAL[i];
                }
                assertThat(offsets[c]).isCloseTo((float) rgb, within(1e-7f));
            }
        }
    }

    @Test
    void thePublishedEigenvectorsAreOrthonormalColumnsLedByBrightness() {
        double[][] v = Lighting.IMAGENET.eigenvectors();
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double dot = v[0][i] * v[0][j] + v[1][i] * v[1][j] + v[2][i] * v[2][j];
                assertThat(dot)
                        .as("column %d · column %d", i, j)
                        .isCloseTo(i == j ? 1 : 0, within(2e-3));
            }
        }
        for (int c = 0; c < 3; c++) {
            assertThat(v[c][0]).isCloseTo(-1 / Math.sqrt(3), within(0.02));
        }
        assertThat(Lighting.IMAGENET.eigenvalues()).containsExactly(EIGVAL);
        assertThat(Lighting.IMAGENET.std()).isEqualTo(0.1);
    }

    @Test
    void theOffsetsHaveMeanZeroAndCovarianceVTimesDiagSigmaLambdaSquaredTimesVTransposed() {
        int draws = 200_000;
        double sigma = 0.1;
        SplittableRandom random = new SplittableRandom(2);
        double[] sum = new double[3];
        double[][] products = new double[3][3];
        double[][] offsets = new double[draws][];
        for (int n = 0; n < draws; n++) {
            float[] d = Lighting.IMAGENET.draw(random);
            offsets[n] = new double[] {d[0], d[1], d[2]};
            for (int i = 0; i < 3; i++) {
                sum[i] += d[i];
                for (int j = 0; j < 3; j++) {
                    products[i][j] += (double) d[i] * d[j];
                }
            }
        }
        double[][] expected = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 3; k++) {
                    expected[i][j] += EIGVEC[i][k] * Math.pow(sigma * EIGVAL[k], 2) * EIGVEC[j][k];
                }
            }
        }
        for (int i = 0; i < 3; i++) {
            double mean = sum[i] / draws;
            // One offset component has a deviation of about 0.0126; the mean of 200,000 about 3e-5.
            assertThat(mean).as("mean offset of channel %d", i).isCloseTo(0, within(1.5e-4));
            for (int j = 0; j < 3; j++) {
                double covariance = products[i][j] / draws - mean * (sum[j] / draws);
                // Relative sampling error of a covariance of 200,000 draws: about √(2/n) = 0.3%.
                assertThat(covariance)
                        .as("covariance (%d, %d)", i, j)
                        .isCloseTo(expected[i][j], within(0.02 * expected[0][0]));
            }
        }
        // Along each eigenvector the offsets vary as σλᵢ, down to the smallest component.
        for (int k = 0; k < 3; k++) {
            double squares = 0;
            for (double[] d : offsets) {
                double projection = EIGVEC[0][k] * d[0] + EIGVEC[1][k] * d[1] + EIGVEC[2][k] * d[2];
                squares += projection * projection;
            }
            assertThat(Math.sqrt(squares / draws))
                    .as("spread along eigenvector %d", k)
                    .isCloseTo(sigma * EIGVAL[k], within(0.02 * sigma * EIGVAL[k]));
        }
    }

    @Test
    void noneAndAZeroStdAddNothingAndDrawNothing() {
        SplittableRandom random = new SplittableRandom(3);
        long before = new SplittableRandom(3).nextLong();

        assertThat(Lighting.NONE.draw(random)).containsExactly(0f, 0f, 0f);
        assertThat(Lighting.IMAGENET.withStd(0).draw(random)).containsExactly(0f, 0f, 0f);
        assertThat(random.nextLong()).as("no draws consumed").isEqualTo(before);
        assertThat(Lighting.NONE.enabled()).isFalse();
        assertThat(Lighting.IMAGENET.enabled()).isTrue();
        assertThat(Lighting.IMAGENET.withStd(0.3).std()).isEqualTo(0.3);
    }

    @Test
    void ofCovarianceFindsTheEigenvaluesAndEigenvectorsOfAKnownMatrix() {
        double[][] rotation = rotation(0.7, -0.4, 1.9);
        double[] values = {0.5, 5, 2};
        double[][] a = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 3; k++) {
                    a[i][j] += rotation[i][k] * values[k] * rotation[j][k];
                }
            }
        }

        Lighting lighting = Lighting.ofCovariance(a, 0.1);

        assertThat(lighting.eigenvalues()).containsExactly(new double[] {5, 2, 0.5}, within(1e-12));
        double[][] v = lighting.eigenvectors();
        int[] column = {1, 2, 0};
        for (int k = 0; k < 3; k++) {
            double dot = 0;
            int largest = 0;
            for (int c = 0; c < 3; c++) {
                dot += v[c][k] * rotation[c][column[k]];
                largest = Math.abs(v[c][k]) > Math.abs(v[largest][k]) ? c : largest;
            }
            assertThat(Math.abs(dot))
                    .as("eigenvector %d up to sign", k)
                    .isCloseTo(1, within(1e-12));
            assertThat(v[largest][k]).as("largest component positive").isPositive();
        }
    }

    @Test
    void ofCovarianceHandlesDiagonalAndRepeatedEigenvalues() {
        Lighting diagonal =
                Lighting.ofCovariance(new double[][] {{1, 0, 0}, {0, 3, 0}, {0, 0, 2}}, 0.1);
        assertThat(diagonal.eigenvalues()).containsExactly(3, 2, 1);
        assertThat(diagonal.eigenvectors())
                .isDeepEqualTo(new double[][] {{0, 0, 1}, {1, 0, 0}, {0, 1, 0}});

        Lighting gray =
                Lighting.ofCovariance(new double[][] {{1, 1, 1}, {1, 1, 1}, {1, 1, 1}}, 0.1);
        assertThat(gray.eigenvalues()).containsExactly(new double[] {3, 0, 0}, within(1e-12));
        for (int c = 0; c < 3; c++) {
            assertThat(gray.eigenvectors()[c][0]).isCloseTo(1 / Math.sqrt(3), within(1e-12));
        }
    }

    @Test
    void badDecompositionsAreRejected() {
        assertThatThrownBy(
                        () ->
                                new Lighting(
                                        new double[] {1, -1, 0}, Lighting.NONE.eigenvectors(), 0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("non-negative, got -1.0");
        assertThatThrownBy(() -> Lighting.IMAGENET.withStd(-0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got -0.1");
        assertThatThrownBy(
                        () ->
                                Lighting.ofCovariance(
                                        new double[][] {{1, 2, 0}, {0, 1, 0}, {0, 0, 1}}, 0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("symmetric");
        assertThatThrownBy(
                        () ->
                                Lighting.ofCovariance(
                                        new double[][] {{1, 2, 0}, {2, 1, 0}, {0, 0, 1}}, 0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("positive semi-definite");
    }

    @Test
    void fromDataRecoversTheCovarianceOfPixelsDrawnFromAKnownOne() {
        // Pixels = μ + L·z, z standard normal, in grey levels: Σ = L·Lᵀ.
        double[][] l = {{30, 0, 0}, {20, 20, 0}, {10, 0, 17}};
        double[] mu = {128, 120, 110};
        double[][] sigma = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 3; k++) {
                    sigma[i][j] += l[i][k] * l[j][k];
                }
                // Rounding to whole grey levels adds a uniform error of variance 1/12 to each
                // channel.
                sigma[i][j] = (sigma[i][j] + (i == j ? 1.0 / 12 : 0)) / (255.0 * 255.0);
            }
        }
        SplittableRandom random = new SplittableRandom(4);
        List<RgbImage> images = new ArrayList<>();
        int side =
                256; // the center-crop view of a 256×256 image resizes nothing: its pixels are the
        // crop's
        for (int n = 0; n < 12; n++) {
            byte[] chw = new byte[3 * side * side];
            for (int p = 0; p < side * side; p++) {
                double[] z = {random.nextGaussian(), random.nextGaussian(), random.nextGaussian()};
                for (int c = 0; c < 3; c++) {
                    double v = mu[c] + l[c][0] * z[0] + l[c][1] * z[1] + l[c][2] * z[2];
                    chw[c * side * side + p] = (byte) Math.max(0, Math.min(255, Math.round(v)));
                }
            }
            images.add(RgbImage.of(side, side, chw));
        }
        ImageDecoder decoder =
                new ImageDecoder(new MemoryImages(images, new int[12], 1), BadImages.STOP);

        Lighting lighting = Lighting.fromData(decoder, 100, 5, 2);

        double[] values = lighting.eigenvalues();
        double[][] v = lighting.eigenvectors();
        double[] expectedValues = symmetricEigenvalues(sigma);
        assertThat(values[0]).isGreaterThanOrEqualTo(values[1]);
        assertThat(values[1]).isGreaterThanOrEqualTo(values[2]);
        for (int k = 0; k < 3; k++) {
            // 600,000 pixels: a relative sampling error of about 0.2%.
            assertThat(values[k])
                    .as("eigenvalue %d", k)
                    .isCloseTo(expectedValues[k], within(0.02 * expectedValues[k]));
        }
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double rebuilt = 0;
                for (int k = 0; k < 3; k++) {
                    rebuilt += v[i][k] * values[k] * v[j][k];
                }
                assertThat(rebuilt)
                        .as("covariance (%d, %d)", i, j)
                        .isCloseTo(sigma[i][j], within(0.02 * sigma[0][0]));
            }
        }
        assertThat(lighting.std()).isEqualTo(Lighting.ALEXNET_STD);
        Lighting again = Lighting.fromData(decoder, 100, 5, 3);
        assertThat(again.eigenvalues())
                .as("integer sums: the same for any thread count")
                .containsExactly(values);
    }

    /** The eigenvalues of a symmetric 3×3 matrix in closed form (Smith 1961), descending. */
    private static double[] symmetricEigenvalues(double[][] a) {
        double p1 = a[0][1] * a[0][1] + a[0][2] * a[0][2] + a[1][2] * a[1][2];
        double q = (a[0][0] + a[1][1] + a[2][2]) / 3;
        double p2 =
                Math.pow(a[0][0] - q, 2)
                        + Math.pow(a[1][1] - q, 2)
                        + Math.pow(a[2][2] - q, 2)
                        + 2 * p1;
        double p = Math.sqrt(p2 / 6);
        double[][] b = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                b[i][j] = (a[i][j] - (i == j ? q : 0)) / p;
            }
        }
        double det =
                b[0][0] * (b[1][1] * b[2][2] - b[1][2] * b[2][1])
                        - b[0][1] * (b[1][0] * b[2][2] - b[1][2] * b[2][0])
                        + b[0][2] * (b[1][0] * b[2][1] - b[1][1] * b[2][0]);
        double phi = Math.acos(Math.max(-1, Math.min(1, det / 2))) / 3;
        double first = q + 2 * p * Math.cos(phi);
        double third = q + 2 * p * Math.cos(phi + 2 * Math.PI / 3);
        double[] values = {first, 3 * q - first - third, third};
        Arrays.sort(values);
        return new double[] {values[2], values[1], values[0]};
    }

    /** A rotation matrix from three angles (z, y, x). */
    private static double[][] rotation(double a, double b, double c) {
        double[][] z = {{Math.cos(a), -Math.sin(a), 0}, {Math.sin(a), Math.cos(a), 0}, {0, 0, 1}};
        double[][] y = {{Math.cos(b), 0, Math.sin(b)}, {0, 1, 0}, {-Math.sin(b), 0, Math.cos(b)}};
        double[][] x = {{1, 0, 0}, {0, Math.cos(c), -Math.sin(c)}, {0, Math.sin(c), Math.cos(c)}};
        return multiply(multiply(z, y), x);
    }

    private static double[][] multiply(double[][] p, double[][] q) {
        double[][] r = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 3; k++) {
                    r[i][j] += p[i][k] * q[k][j];
                }
            }
        }
        return r;
    }
}
