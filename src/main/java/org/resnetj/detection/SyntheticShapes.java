package org.resnetj.detection;

import static org.resnetj.data.Draws.clamp01;
import static org.resnetj.data.Draws.colour;
import static org.resnetj.data.Draws.distance;
import static org.resnetj.data.Draws.uniform;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.resnetj.data.Seeds;
import org.resnetj.data.StagedDirectory;

/**
 * A procedurally drawn detection set, written as real PASCAL VOC, for machines without VOC or COCO:
 * the default of the detection commands, labelled synthetic in every annotation ({@link #DATABASE})
 * and in a README.txt beside them.
 *
 * <p>Each image, 160 to 240 pixels a side, has a two-colour gradient background cluttered with thin
 * lines and specks, per-pixel noise, and two to six objects of five shape classes (circle, square,
 * triangle, cross, ring) with their own size (16 pixels to half the image), aspect (0.7 to 1.4) and
 * colour. Later objects are drawn over earlier ones; a placement that would hide more than 70% of
 * an earlier object is drawn again. An object's box is the tight box of the pixels its shape covers
 * at least half (hidden pixels included, as VOC annotates the object's extent); it is difficult
 * when its short side is under {@link #SMALL} pixels or less than half of it is visible.
 *
 * <p>Image i is a pure function of (seed, i), so the same arguments give the same files whatever
 * the thread count.
 */
public final class SyntheticShapes {

    /** The classes, in label order. */
    public static final List<String> CLASSES =
            List.of("circle", "square", "triangle", "cross", "ring");

    /** Bumped whenever a change to the drawing changes the files written for the same arguments. */
    public static final int GENERATOR_VERSION = 2;

    /** Each annotation's {@code source/database}, so a set read back says what it is. */
    public static final String DATABASE = "resnetj SYNTHETIC shapes v" + GENERATOR_VERSION;

    /** Objects whose box has a shorter side (in pixels) are difficult. */
    public static final int SMALL = 20;

    /** Objects of which a smaller visible fraction remains are difficult. */
    public static final double VISIBLE = 0.5;

    /**
     * The smallest object's size in pixels: at the C4 trunk's stride 16, with the synthetic
     * setting's upscaling to shorter side 320, a 16-pixel object spans 1.6 cells of the map.
     */
    static final int MIN_OBJECT = 16;

    static final int MIN_SIDE = 160;
    static final int MAX_SIDE = 240;
    private static final double MIN_KEPT = 0.3;
    private static final int PLACEMENT_TRIES = 20;
    private static final float JPEG_QUALITY = 0.92f;

    private SyntheticShapes() {}

    /**
     * Writes the set to {@code outDir} in VOC's layout, with image sets train, val, trainval and
     * test (ids 000001... in that order), and a README.txt. {@code outDir} must not exist or be
     * empty; an interrupted run leaves nothing that looks complete.
     *
     * @throws IllegalArgumentException if a count is negative or all are zero
     * @throws IOException if {@code outDir} is in the way or a write fails
     */
    public static void write(Path outDir, int train, int val, int test, long seed)
            throws IOException {
        if (train < 0 || val < 0 || test < 0 || train + val + test == 0) {
            throw new IllegalArgumentException(
                    "synthetic shapes needs non-negative image counts, not all zero; got train "
                            + train
                            + ", val "
                            + val
                            + ", test "
                            + test);
        }
        int total = train + val + test;
        StagedDirectory.write(
                outDir,
                "synthetic shapes",
                dir -> {
                    Files.createDirectories(dir.resolve(VocDataset.ANNOTATIONS));
                    Files.createDirectories(dir.resolve(VocDataset.IMAGES));
                    Files.createDirectories(dir.resolve(VocDataset.IMAGE_SETS));
                    try {
                        IntStream.range(0, total).parallel().forEach(i -> writeImage(dir, seed, i));
                    } catch (UncheckedIOException e) {
                        throw e.getCause();
                    }
                    List<String> ids =
                            IntStream.range(0, total).mapToObj(SyntheticShapes::id).toList();
                    Map<String, List<String>> sets = new LinkedHashMap<>();
                    sets.put("train", ids.subList(0, train));
                    sets.put("val", ids.subList(train, train + val));
                    sets.put("trainval", ids.subList(0, train + val));
                    sets.put("test", ids.subList(train + val, total));
                    for (Map.Entry<String, List<String>> set : sets.entrySet()) {
                        Files.write(
                                dir.resolve(VocDataset.IMAGE_SETS).resolve(set.getKey() + ".txt"),
                                set.getValue(),
                                StandardCharsets.UTF_8);
                    }
                    Files.writeString(
                            dir.resolve("README.txt"),
                            readme(train, val, test, seed),
                            StandardCharsets.UTF_8);
                });
    }

    /**
     * Reads an image set ("train", "val", "trainval", "test") of a directory {@link #write} made.
     */
    public static DetectionSet read(Path dir, String imageSet) throws IOException {
        return VocDataset.read(dir, imageSet, CLASSES);
    }

    /** An image's VOC id: its 1-based number, six digits. */
    static String id(int index) {
        return String.format("%06d", index + 1);
    }

    private static void writeImage(Path dir, long seed, int index) {
        Drawn drawn = draw(seed, index);
        String id = id(index);
        Path jpeg = dir.resolve(VocDataset.IMAGES).resolve(id + ".jpg");
        try {
            writeJpeg(drawn.image(), jpeg);
            VocDataset.writeAnnotation(
                    dir.resolve(VocDataset.ANNOTATIONS).resolve(id + ".xml"),
                    new AnnotatedImage(
                            id,
                            jpeg,
                            drawn.image().getWidth(),
                            drawn.image().getHeight(),
                            drawn.objects()),
                    CLASSES,
                    DATABASE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeJpeg(BufferedImage image, Path file) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(JPEG_QUALITY);
            writer.setOutput(out);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
    }

    /** One image and its objects. */
    record Drawn(BufferedImage image, List<GroundTruth> objects) {}

    /** One placed shape: class, centre, half extents and colour. */
    private record Shape(int label, double cx, double cy, double hx, double hy, double[] colour) {

        /**
         * Signed distance, in pixels and negative inside, from the pixel centre (x, y) to the
         * shape's edge; exact for the circle and square, close elsewhere.
         */
        double distance(double x, double y) {
            double u = (x - cx) / hx;
            double v = (y - cy) / hy;
            double d =
                    switch (label) {
                        case 0 -> Math.hypot(u, v) - 1;
                        case 1 -> Math.max(Math.abs(u), Math.abs(v)) - 1;
                        // apex up at v = -1, base of half-width 1 at v = 1
                        case 2 ->
                                Math.max(Math.abs(v) - 1, (2 * Math.abs(u) - v - 1) / Math.sqrt(5));
                        case 3 ->
                                Math.min(
                                        Math.max(Math.abs(u) - 0.3, Math.abs(v) - 1),
                                        Math.max(Math.abs(u) - 1, Math.abs(v) - 0.3));
                        case 4 -> Math.abs(Math.hypot(u, v) - 0.72) - 0.28;
                        default -> throw new IllegalStateException("no shape class " + label);
                    };
            return d * Math.min(hx, hy);
        }

        /** Anti-aliased coverage of the pixel centred at (x, y), in [0, 1]. */
        double coverage(double x, double y) {
            return clamp01(0.5 - distance(x, y));
        }
    }

    /** Draws image {@code index} of the set made from {@code seed}. */
    static Drawn draw(long seed, int index) {
        SplittableRandom r = Seeds.random(seed, Seeds.SYNTHETIC_SHAPES, index);
        int width = MIN_SIDE + r.nextInt(MAX_SIDE - MIN_SIDE + 1);
        int height = MIN_SIDE + r.nextInt(MAX_SIDE - MIN_SIDE + 1);
        double[][] pixels = background(r, width, height);
        double[] meanBackground = mean(pixels);
        int count = 2 + r.nextInt(5);
        List<Shape> shapes = new ArrayList<>();
        List<boolean[]> masks = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            for (int attempt = 0; attempt < PLACEMENT_TRIES; attempt++) {
                Shape shape = shape(r, width, height, meanBackground);
                boolean[] mask = mask(shape, width, height);
                if (visibleFraction(mask, List.of()) > 0 && keepsOthersVisible(mask, masks)) {
                    shapes.add(shape);
                    masks.add(mask);
                    break;
                }
            }
        }
        for (Shape shape : shapes) {
            paint(pixels, shape, width, height);
        }
        List<GroundTruth> objects = new ArrayList<>();
        for (int k = 0; k < shapes.size(); k++) {
            objects.add(annotate(shapes.get(k), k, masks, width));
        }
        return new Drawn(image(pixels, width, height, r.nextLong()), objects);
    }

    private static Shape shape(SplittableRandom r, int width, int height, double[] background) {
        int label = r.nextInt(CLASSES.size());
        // Log-uniform size: as many small objects as large ones, per octave.
        double size =
                Math.exp(uniform(r, Math.log(MIN_OBJECT), Math.log(0.5 * Math.min(width, height))));
        double aspect = uniform(r, 0.7, 1.4);
        double hx = Math.min(size / 2 * Math.sqrt(aspect), width / 2.0 - 2);
        double hy = Math.min(size / 2 / Math.sqrt(aspect), height / 2.0 - 2);
        double cx = uniform(r, hx + 1, width - hx - 1);
        double cy = uniform(r, hy + 1, height - hy - 1);
        double[] colour = colour(r);
        while (distance(colour, background) < 0.5) {
            colour = colour(r);
        }
        return new Shape(label, cx, cy, hx, hy, colour);
    }

    /** The pixels the shape covers at least half. */
    private static boolean[] mask(Shape s, int width, int height) {
        boolean[] mask = new boolean[width * height];
        forEachPixel(s, width, height, (p, cover) -> mask[p] = cover >= 0.5);
        return mask;
    }

    /**
     * Whether every earlier shape keeps {@link #MIN_KEPT} of its pixels once this one is on top.
     */
    private static boolean keepsOthersVisible(boolean[] top, List<boolean[]> earlier) {
        for (int k = 0; k < earlier.size(); k++) {
            List<boolean[]> above = new ArrayList<>(earlier.subList(k + 1, earlier.size()));
            above.add(top);
            if (visibleFraction(earlier.get(k), above) < MIN_KEPT) {
                return false;
            }
        }
        return true;
    }

    private static double visibleFraction(boolean[] mask, List<boolean[]> above) {
        int own = 0;
        int visible = 0;
        for (int p = 0; p < mask.length; p++) {
            if (mask[p]) {
                own++;
                boolean hidden = false;
                for (boolean[] a : above) {
                    hidden |= a[p];
                }
                if (!hidden) {
                    visible++;
                }
            }
        }
        return own == 0 ? 0 : (double) visible / own;
    }

    private static GroundTruth annotate(Shape shape, int k, List<boolean[]> masks, int width) {
        boolean[] mask = masks.get(k);
        int x1 = Integer.MAX_VALUE;
        int y1 = Integer.MAX_VALUE;
        int x2 = -1;
        int y2 = -1;
        for (int p = 0; p < mask.length; p++) {
            if (mask[p]) {
                x1 = Math.min(x1, p % width);
                x2 = Math.max(x2, p % width);
                y1 = Math.min(y1, p / width);
                y2 = Math.max(y2, p / width);
            }
        }
        Box box = new Box(x1, y1, x2, y2);
        double visible = visibleFraction(mask, masks.subList(k + 1, masks.size()));
        boolean difficult = Math.min(box.width(), box.height()) < SMALL || visible < VISIBLE;
        return new GroundTruth(box, shape.label(), difficult, false, box.area());
    }

    /** A gradient between two colours, thin lines and specks of other colours: RGB planes. */
    private static double[][] background(SplittableRandom r, int width, int height) {
        double[] from = colour(r);
        double[] to = colour(r);
        double angle = uniform(r, 0, 2 * Math.PI);
        double dx = Math.cos(angle) / width;
        double dy = Math.sin(angle) / height;
        double[][] pixels = new double[3][width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double t = clamp01(0.5 + (x - width / 2.0) * dx + (y - height / 2.0) * dy);
                for (int c = 0; c < 3; c++) {
                    pixels[c][y * width + x] = from[c] + (to[c] - from[c]) * t;
                }
            }
        }
        int lines = 6 + r.nextInt(10);
        for (int i = 0; i < lines; i++) {
            double x0 = uniform(r, 0, width);
            double y0 = uniform(r, 0, height);
            double length = uniform(r, 10, 60);
            double direction = uniform(r, 0, Math.PI);
            double half = uniform(r, 0.4, 1.2);
            double[] colour = colour(r);
            double ux = Math.cos(direction);
            double uy = Math.sin(direction);
            int steps = (int) Math.ceil(length * 2);
            for (int s = 0; s <= steps; s++) {
                double px = x0 + ux * length * s / steps;
                double py = y0 + uy * length * s / steps;
                disc(pixels, width, height, px, py, half, colour);
            }
        }
        int specks = 10 + r.nextInt(20);
        for (int i = 0; i < specks; i++) {
            disc(
                    pixels,
                    width,
                    height,
                    uniform(r, 0, width),
                    uniform(r, 0, height),
                    uniform(r, 0.8, 2.5),
                    colour(r));
        }
        return pixels;
    }

    private static void disc(
            double[][] pixels,
            int width,
            int height,
            double cx,
            double cy,
            double radius,
            double[] colour) {
        for (int y = Math.max(0, (int) (cy - radius) - 1);
                y <= Math.min(height - 1, (int) (cy + radius) + 1);
                y++) {
            for (int x = Math.max(0, (int) (cx - radius) - 1);
                    x <= Math.min(width - 1, (int) (cx + radius) + 1);
                    x++) {
                double cover = clamp01(0.5 + radius - Math.hypot(x + 0.5 - cx, y + 0.5 - cy));
                blend(pixels, y * width + x, colour, cover);
            }
        }
    }

    private static void paint(double[][] pixels, Shape s, int width, int height) {
        forEachPixel(s, width, height, (p, cover) -> blend(pixels, p, s.colour(), cover));
    }

    /** A pixel's index (y * width + x) and the shape's coverage of it. */
    private interface PixelCover {
        void accept(int p, double cover);
    }

    /** Visits every pixel of the image near the shape (its extent and one pixel around it). */
    private static void forEachPixel(Shape s, int width, int height, PixelCover visit) {
        int x0 = Math.max(0, (int) Math.floor(s.cx() - s.hx()) - 1);
        int x1 = Math.min(width - 1, (int) Math.ceil(s.cx() + s.hx()) + 1);
        int y0 = Math.max(0, (int) Math.floor(s.cy() - s.hy()) - 1);
        int y1 = Math.min(height - 1, (int) Math.ceil(s.cy() + s.hy()) + 1);
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                visit.accept(y * width + x, s.coverage(x + 0.5, y + 0.5));
            }
        }
    }

    private static void blend(double[][] pixels, int p, double[] colour, double cover) {
        for (int c = 0; c < 3; c++) {
            pixels[c][p] += (colour[c] - pixels[c][p]) * cover;
        }
    }

    /** The RGB image with noise of standard deviation 0.03 added to every channel. */
    private static BufferedImage image(double[][] pixels, int width, int height, long noiseSeed) {
        SplittableRandom noise = new SplittableRandom(noiseSeed);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = 0;
                for (int c = 0; c < 3; c++) {
                    double v = pixels[c][y * width + x] + 0.03 * noise.nextGaussian();
                    rgb = rgb << 8 | (int) Math.round(255 * clamp01(v));
                }
                image.setRGB(x, y, rgb);
            }
        }
        return image;
    }

    private static String readme(int train, int val, int test, long seed) {
        StringBuilder text = new StringBuilder();
        text.append(DATABASE)
                .append(", seed ")
                .append(seed)
                .append(": ")
                .append(train)
                .append(" train / ")
                .append(val)
                .append(" val / ")
                .append(test)
                .append(" test images\n");
        text.append(
                "This is NOT PASCAL VOC: a procedurally drawn detection set in VOC's layout.\n");
        text.append("Label every result obtained on it as synthetic.\n");
        text.append("Classes: ").append(String.join(", ", CLASSES)).append('\n');
        text.append("Difficult: box side under ")
                .append(SMALL)
                .append(" px, or under ")
                .append((int) (100 * VISIBLE))
                .append("% visible.\n");
        return text.toString();
    }

    private static double[] mean(double[][] pixels) {
        double[] mean = new double[3];
        for (int c = 0; c < 3; c++) {
            double sum = 0;
            for (double v : pixels[c]) {
                sum += v;
            }
            mean[c] = sum / pixels[c].length;
        }
        return mean;
    }
}
