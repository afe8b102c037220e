package org.resnetj.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The colour augmentation of AlexNet (Krizhevsky et al. 2012, Section 4.1), "the standard color
 * augmentation in [21]" of Section 3.4, known as PCA lighting: for each image draw α₁, α₂, α₃ ~
 * N(0, σ²) and add to every pixel's RGB value
 *
 * <pre>
 *   δ = Σᵢ vᵢ · (αᵢ · λᵢ)          (δ_c = Σᵢ V[c][i] · αᵢ · λᵢ)
 * </pre>
 *
 * where vᵢ and λᵢ are the eigenvectors and eigenvalues of the 3×3 covariance of RGB pixel values. δ
 * is drawn once per image and is the same at every pixel. Pixel values are in the scale of the
 * presets, pixel / 255: the formula is not scale-free (λ is a variance, so δ scales as the square
 * of the pixel unit), and the eigenvalues must be those of the scale they are added in.
 *
 * <p>The offsets δ have mean 0 and covariance V · diag((σλᵢ)²) · Vᵀ.
 *
 * <p>{@link #IMAGENET} holds the values that fb.resnet.torch publishes in {@code
 * datasets/imagenet.lua} (https://github.com/facebook/fb.resnet.torch), applied by {@code
 * datasets/transforms.lua}'s {@code Lighting} to images in [0, 1] and copied by many PyTorch ports:
 * {@code rgb = eigvec:clone():cmul(alpha:view(1, 3):expand(3, 3)) :cmul(eigval:view(1, 3):expand(3,
 * 3)):sum(2)}, that is rgb[c] = Σᵢ eigvec[c][i] · αᵢ · eigval[i]: the rows of {@code eigvec} are R,
 * G, B and its columns the eigenvectors. The first column, about (−0.58, −0.58, −0.58), is the
 * brightness direction, as the leading component of natural images should be. Those eigenvalues are
 * not the covariance's of pixel / 255, however: that covariance has trace 0.229² + 0.224² + 0.225²
 * ≈ 0.153 (the channel deviations published beside them), which 0.2175 alone exceeds. {@link
 * #fromData} follows AlexNet's text and returns the covariance's own eigenvalues, so on ImageNet
 * its offsets come out smaller than {@link #IMAGENET}'s; σ scales both.
 *
 * <p>Immutable.
 */
public final class Lighting {

    /** AlexNet's standard deviation of α (Section 4.1: "standard deviation 0.1"). */
    public static final double ALEXNET_STD = 0.1;

    /** fb.resnet.torch's ImageNet eigenvalues and eigenvectors (see the class comment), σ = 0.1. */
    public static final Lighting IMAGENET =
            new Lighting(
                    new double[] {0.2175, 0.0188, 0.0045},
                    new double[][] {
                        {-0.5675, 0.7192, 0.4009},
                        {-0.5808, -0.0045, -0.8140},
                        {-0.5836, -0.6948, 0.4203},
                    },
                    ALEXNET_STD);

    /** No colour augmentation: draws nothing and adds nothing. */
    public static final Lighting NONE =
            new Lighting(new double[3], new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, 0);

    private static final Logger LOG = LoggerFactory.getLogger(Lighting.class);

    private static final int JACOBI_SWEEPS = 50;

    private final double[] eigenvalues;
    private final double[][] eigenvectors;
    private final double std;

    /**
     * PCA lighting with the given decomposition.
     *
     * @param eigenvalues λ₁, λ₂, λ₃, non-negative
     * @param eigenvectors 3×3, rows R, G, B, column i the eigenvector of λᵢ
     * @param std σ, the standard deviation of each αᵢ; 0 disables the augmentation
     * @throws IllegalArgumentException if a value is negative or not finite, or a shape is wrong
     */
    public Lighting(double[] eigenvalues, double[][] eigenvectors, double std) {
        if (eigenvalues.length != 3 || eigenvectors.length != 3) {
            throw new IllegalArgumentException(
                    "PCA lighting needs 3 eigenvalues and a 3×3 eigenvector matrix, got "
                            + eigenvalues.length
                            + " and "
                            + eigenvectors.length
                            + " rows");
        }
        for (double[] row : eigenvectors) {
            if (row.length != 3) {
                throw new IllegalArgumentException(
                        "the eigenvector matrix must be 3×3, got a row of " + row.length);
            }
            for (double v : row) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException(
                            "eigenvector components must be finite, got " + v);
                }
            }
        }
        for (double lambda : eigenvalues) {
            if (!(lambda >= 0) || !Double.isFinite(lambda)) {
                throw new IllegalArgumentException(
                        "eigenvalues of a covariance must be finite and non-negative, got "
                                + lambda);
            }
        }
        if (!(std >= 0) || !Double.isFinite(std)) {
            throw new IllegalArgumentException(
                    "the lighting standard deviation must be finite and non-negative, got " + std);
        }
        this.eigenvalues = eigenvalues.clone();
        this.eigenvectors = new double[3][];
        for (int c = 0; c < 3; c++) {
            this.eigenvectors[c] = eigenvectors[c].clone();
        }
        this.std = std;
    }

    /**
     * PCA lighting from a covariance of RGB pixel values (pixel / 255): its eigen-decomposition by
     * the cyclic Jacobi method, eigenvalues sorted descending, each eigenvector's largest component
     * positive (the sign of an eigenvector is arbitrary and α is symmetric).
     *
     * @param covariance 3×3 and symmetric
     * @param std σ
     * @throws IllegalArgumentException if the matrix is not 3×3 and symmetric, or not positive
     *     semi-definite beyond rounding
     */
    public static Lighting ofCovariance(double[][] covariance, double std) {
        if (covariance.length != 3) {
            throw new IllegalArgumentException(
                    "a covariance of RGB values is 3×3, got " + covariance.length + " rows");
        }
        double[][] a = new double[3][];
        double scale = 0;
        for (int i = 0; i < 3; i++) {
            if (covariance[i].length != 3) {
                throw new IllegalArgumentException(
                        "a covariance of RGB values is 3×3, got a row of " + covariance[i].length);
            }
            a[i] = covariance[i].clone();
            for (double v : a[i]) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("a covariance must be finite, got " + v);
                }
                scale = Math.max(scale, Math.abs(v));
            }
        }
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < i; j++) {
                if (Math.abs(a[i][j] - a[j][i]) > 1e-9 * scale) {
                    throw new IllegalArgumentException(
                            "a covariance must be symmetric, got "
                                    + a[i][j]
                                    + " and "
                                    + a[j][i]
                                    + " at ("
                                    + i
                                    + ", "
                                    + j
                                    + ")");
                }
            }
        }
        double[][] v = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
        jacobi(a, v);
        Integer[] order = {0, 1, 2};
        Arrays.sort(order, (p, q) -> Double.compare(a[q][q], a[p][p]));
        double[] values = new double[3];
        double[][] vectors = new double[3][3];
        for (int k = 0; k < 3; k++) {
            int i = order[k];
            double value = a[i][i];
            if (value < -1e-9 * scale) {
                throw new IllegalArgumentException(
                        "a covariance must be positive semi-definite, got eigenvalue " + value);
            }
            values[k] = Math.max(value, 0);
            int largest = 0;
            for (int c = 1; c < 3; c++) {
                if (Math.abs(v[c][i]) > Math.abs(v[largest][i])) {
                    largest = c;
                }
            }
            double sign = v[largest][i] < 0 ? -1 : 1;
            for (int c = 0; c < 3; c++) {
                vectors[c][k] = sign * v[c][i];
            }
        }
        return new Lighting(values, vectors, std);
    }

    /**
     * PCA lighting measured on a data set: the covariance of the RGB values (pixel / 255) of all
     * pixels of the center crops ({@link ImagePresets#centerCrop}) of a seeded sample of
     * min(sample, size) images, the same sample {@link ImageFolderMean#of} averages, and its
     * {@linkplain #ofCovariance eigen-decomposition}, with σ = {@link #ALEXNET_STD}. Sums are kept
     * in integers, so the result does not depend on the thread count. Unreadable images follow the
     * decoder's policy; under SKIP the sample takes the next readable images instead.
     *
     * @param sample how many images, {@link ImageFolderMean#DEFAULT_SAMPLE} for ImageNet
     * @param seed fixes the sample
     * @param threads decoding threads, at least 1
     */
    public static Lighting fromData(ImageDecoder images, int sample, long seed, int threads) {
        long[] sums =
                SamplePass.run(
                        images,
                        sample,
                        seed,
                        threads,
                        "lighting statistics",
                        () -> new long[10],
                        (acc, crop) -> {
                            int plane = crop.length / 3;
                            long r = 0,
                                    g = 0,
                                    b = 0,
                                    rr = 0,
                                    gg = 0,
                                    bb = 0,
                                    rg = 0,
                                    rb = 0,
                                    gb = 0;
                            for (int k = 0; k < plane; k++) {
                                long red = crop[k] & 0xFF;
                                long green = crop[plane + k] & 0xFF;
                                long blue = crop[2 * plane + k] & 0xFF;
                                r += red;
                                g += green;
                                b += blue;
                                rr += red * red;
                                gg += green * green;
                                bb += blue * blue;
                                rg += red * green;
                                rb += red * blue;
                                gb += green * blue;
                            }
                            long[] add = {plane, r, g, b, rr, gg, bb, rg, rb, gb};
                            for (int i = 0; i < add.length; i++) {
                                acc[i] += add[i];
                            }
                        },
                        (x, y) -> {
                            for (int i = 0; i < x.length; i++) {
                                x[i] += y[i];
                            }
                            return x;
                        });
        double n = sums[0];
        double[] mean = {sums[1] / n, sums[2] / n, sums[3] / n};
        int[][] products = {{4, 7, 8}, {7, 5, 9}, {8, 9, 6}};
        double[][] covariance = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                covariance[i][j] = (sums[products[i][j]] / n - mean[i] * mean[j]) / (255.0 * 255.0);
            }
        }
        Lighting lighting = ofCovariance(covariance, ALEXNET_STD);
        LOG.info(
                "PCA lighting from {} pixels: eigenvalues {}",
                sums[0],
                Arrays.toString(lighting.eigenvalues));
        return lighting;
    }

    /** The same decomposition with σ = {@code std}. */
    public Lighting withStd(double std) {
        return new Lighting(eigenvalues, eigenvectors, std);
    }

    /** σ, the standard deviation of each αᵢ. */
    public double std() {
        return std;
    }

    /** A copy of λ₁, λ₂, λ₃. */
    public double[] eigenvalues() {
        return eigenvalues.clone();
    }

    /** A copy of the eigenvector matrix: rows R, G, B, column i the eigenvector of λᵢ. */
    public double[][] eigenvectors() {
        double[][] copy = new double[3][];
        for (int c = 0; c < 3; c++) {
            copy[c] = eigenvectors[c].clone();
        }
        return copy;
    }

    /** Whether this adds anything: σ > 0 and some λᵢ > 0. */
    public boolean enabled() {
        return std > 0 && (eigenvalues[0] > 0 || eigenvalues[1] > 0 || eigenvalues[2] > 0);
    }

    /**
     * Draws the offsets of one image: α₁, α₂, α₃ from {@code random} ({@code nextGaussian}, in that
     * order), then δ_c = Σᵢ V[c][i] · αᵢ · λᵢ.
     *
     * @return {δ_R, δ_G, δ_B}; zeros, with nothing drawn, if not {@link #enabled}
     */
    public float[] draw(RandomGenerator random) {
        float[] offsets = new float[3];
        if (!enabled()) {
            return offsets;
        }
        double[] scaled = new double[3];
        for (int i = 0; i < 3; i++) {
            scaled[i] = std * random.nextGaussian() * eigenvalues[i];
        }
        for (int c = 0; c < 3; c++) {
            offsets[c] =
                    (float)
                            (eigenvectors[c][0] * scaled[0]
                                    + eigenvectors[c][1] * scaled[1]
                                    + eigenvectors[c][2] * scaled[2]);
        }
        return offsets;
    }

    /** What a checkpoint records: σ, the eigenvalues and the eigenvector matrix (rows R, G, B). */
    public Map<String, Object> describe() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("type", "pca_lighting");
        map.put("std", std);
        map.put("eigenvalues", List.of(eigenvalues[0], eigenvalues[1], eigenvalues[2]));
        List<List<Double>> rows = new ArrayList<>();
        for (double[] row : eigenvectors) {
            rows.add(List.of(row[0], row[1], row[2]));
        }
        map.put("eigenvectors_rgb_rows", rows);
        return map;
    }

    @Override
    public String toString() {
        return "Lighting" + describe();
    }

    /**
     * Diagonalizes the symmetric {@code a} in place by cyclic Jacobi rotations, accumulating them
     * in {@code v}: afterwards a is diagonal (the eigenvalues) and column i of v is the eigenvector
     * of a[i][i]. Each rotation zeroes one off-diagonal pair exactly; a few sweeps reach rounding
     * level for 3×3.
     */
    private static void jacobi(double[][] a, double[][] v) {
        for (int sweep = 0; sweep < JACOBI_SWEEPS; sweep++) {
            double off = a[0][1] * a[0][1] + a[0][2] * a[0][2] + a[1][2] * a[1][2];
            double diagonal = a[0][0] * a[0][0] + a[1][1] * a[1][1] + a[2][2] * a[2][2];
            if (off <= 1e-30 * diagonal || off == 0) {
                return;
            }
            for (int p = 0; p < 2; p++) {
                for (int q = p + 1; q < 3; q++) {
                    if (a[p][q] == 0) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t =
                            Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < 3; k++) {
                        double akp = a[k][p];
                        double akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < 3; k++) {
                        double apk = a[p][k];
                        double aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < 3; k++) {
                        double vkp = v[k][p];
                        double vkq = v[k][q];
                        v[k][p] = c * vkp - s * vkq;
                        v[k][q] = s * vkp + c * vkq;
                    }
                }
            }
        }
    }
}
