package org.resnetj.data;

import static org.resnetj.data.Draws.clamp01;
import static org.resnetj.data.Draws.colour;
import static org.resnetj.data.Draws.distance;
import static org.resnetj.data.Draws.uniform;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One synthetic image before rendering: its class, the pattern's centre and sizes, colours,
 * lighting, clutter and noise.
 *
 * <p>Every class pattern is mirror-symmetric about the vertical line through its centre, so a
 * horizontal flip of a rendered scene is the rendering of {@link #mirrored()}, a scene of the same
 * class whose parameters the generator draws with the same probability (every horizontal range is
 * symmetric about the image's centre). That is what keeps each class intact under the training
 * augmentation's flip: no class is the mirror image of another.
 *
 * @param label the class, 0..9, in the order of {@link SyntheticCifar#CLASS_NAMES}
 * @param cx the pattern's centre, x, in pixel units (0..32, pixel i covers [i, i+1))
 * @param cy the pattern's centre, y
 * @param size the pattern's main length: period, radius, half side, height or arm length
 * @param detail the pattern's second length or shape factor (edge sharpness of textures, dot
 *     radius, triangle half-base, bar half-thickness)
 * @param fg the pattern's colour, RGB in [0, 1]
 * @param bg the background's colour, RGB in [0, 1]
 * @param gx left-to-right lighting slope (relative brightness change from centre to edge)
 * @param gy top-to-bottom lighting slope
 * @param specks small distractor discs drawn over the pattern
 * @param noise the standard deviation of the per-pixel, per-channel noise, in [0, 1] units
 * @param noiseSeed the seed of the noise field
 */
record Scene(
        int label,
        double cx,
        double cy,
        double size,
        double detail,
        double[] fg,
        double[] bg,
        double gx,
        double gy,
        List<Speck> specks,
        double noise,
        long noiseSeed) {

    /** A distractor: a small disc of its own colour. */
    record Speck(double x, double y, double radius, double[] colour) {}

    static final int HORIZONTAL_STRIPES = 0;
    static final int VERTICAL_STRIPES = 1;
    static final int CHECKERBOARD = 2;
    static final int RINGS = 3;
    static final int DOTS = 4;
    static final int DISC = 5;
    static final int SQUARE = 6;
    static final int TRIANGLE = 7;
    static final int PLUS = 8;
    static final int CROSS = 9;

    private static final int SIDE = CifarImages.SIDE;
    private static final double CENTRE = SIDE / 2.0;
    private static final double SQRT_HALF = Math.sqrt(0.5);

    /**
     * Draws a scene of class {@code label}. Sizes keep the classes apart at every scale (stripes
     * and checks are finer than the shapes; dots are smaller than the disc and come in a lattice),
     * and shapes stay within 5 px of the centre so that the training crop, which shifts by at most
     * 4 px, keeps most of them in view.
     */
    static Scene draw(int label, SplittableRandom r) {
        double size;
        double detail;
        double cx;
        double cy;
        switch (label) {
            case HORIZONTAL_STRIPES, VERTICAL_STRIPES, RINGS -> {
                size = uniform(r, 4.0, 8.5);
                detail = uniform(r, 1.0, 3.0);
            }
            case CHECKERBOARD -> {
                size = uniform(r, 3.0, 5.5);
                detail = uniform(r, 1.5, 3.0);
            }
            case DOTS -> {
                size = uniform(r, 6.0, 9.0);
                detail = uniform(r, 1.3, 0.3 * size);
            }
            case DISC -> {
                size = uniform(r, 5.0, 10.0);
                detail = 0;
            }
            case SQUARE -> {
                size = uniform(r, 4.5, 8.5);
                detail = 0;
            }
            case TRIANGLE -> {
                size = uniform(r, 12.0, 21.0);
                detail = size * uniform(r, 0.45, 0.65);
            }
            case PLUS, CROSS -> {
                size = uniform(r, 6.5, 11.0);
                detail = uniform(r, 1.2, 2.4);
            }
            default -> throw new IllegalArgumentException("no synthetic class " + label);
        }
        // Textures fill the image, so their centre only sets the phase; shapes and rings are
        // placed near the middle.
        double spread = label <= DOTS && label != RINGS ? size : 5.0;
        cx = CENTRE + uniform(r, -spread, spread);
        cy = CENTRE + uniform(r, -spread, spread);
        double[] fg = colour(r);
        double[] bg = colour(r);
        while (distance(fg, bg) < 0.5) {
            bg = colour(r);
        }
        double gx = uniform(r, -0.15, 0.15);
        double gy = uniform(r, -0.15, 0.15);
        int count = r.nextInt(4);
        List<Speck> specks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            specks.add(
                    new Speck(
                            uniform(r, 2, SIDE - 2),
                            uniform(r, 2, SIDE - 2),
                            uniform(r, 0.7, 1.6),
                            colour(r)));
        }
        double noise = uniform(r, 0.02, 0.08);
        return new Scene(
                label,
                cx,
                cy,
                size,
                detail,
                fg,
                bg,
                gx,
                gy,
                List.copyOf(specks),
                noise,
                r.nextLong());
    }

    /**
     * The same scene seen in a mirror: rendering it gives this scene's rendering flipped left to
     * right.
     */
    Scene mirrored() {
        List<Speck> flipped = new ArrayList<>(specks.size());
        for (Speck s : specks) {
            flipped.add(new Speck(SIDE - s.x(), s.y(), s.radius(), s.colour()));
        }
        return new Scene(
                label,
                SIDE - cx,
                cy,
                size,
                detail,
                fg,
                bg,
                -gx,
                gy,
                List.copyOf(flipped),
                noise,
                noiseSeed);
    }

    /**
     * Renders the scene as CIFAR-10 pixel bytes, CHW, into {@code out} from {@code offset}. The
     * noise field is drawn in raster order, so only a noise-free scene renders exactly mirrored;
     * the noise itself is independent per pixel and so has no handedness.
     */
    void render(byte[] out, int offset) {
        SplittableRandom random = new SplittableRandom(noiseSeed);
        double amplitude =
                noise * Math.sqrt(6.0); // two summed uniforms in [-1, 1] have variance 1/6
        int plane = SIDE * SIDE;
        for (int y = 0; y < SIDE; y++) {
            double v = y + 0.5;
            for (int x = 0; x < SIDE; x++) {
                double u = x + 0.5;
                double f = coverage(u - cx, v - cy);
                double light = 1 + gx * (u - CENTRE) / CENTRE + gy * (v - CENTRE) / CENTRE;
                double[] speckColour = null;
                double speckCover = 0;
                for (Speck s : specks) {
                    double cover = clamp01(0.5 - (Math.hypot(u - s.x(), v - s.y()) - s.radius()));
                    if (cover > speckCover) {
                        speckCover = cover;
                        speckColour = s.colour();
                    }
                }
                int bits = random.nextInt();
                for (int c = 0; c < 3; c++) {
                    double value = bg[c] + (fg[c] - bg[c]) * f;
                    if (speckColour != null) {
                        value += (speckColour[c] - value) * speckCover;
                    }
                    // One 32-bit draw gives the red noise; green and blue take fresh draws.
                    int draw = c == 0 ? bits : random.nextInt();
                    double n = ((draw & 0xFFFF) + (draw >>> 16)) / 65535.0 - 1.0;
                    value = value * light + amplitude * n;
                    out[offset + c * plane + y * SIDE + x] =
                            (byte) Math.round(255 * clamp01(value));
                }
            }
        }
    }

    /**
     * How much of the pattern's colour covers the point (dx, dy) from its centre, in [0, 1]; even
     * in dx.
     */
    private double coverage(double dx, double dy) {
        switch (label) {
            case HORIZONTAL_STRIPES:
                return texture(Math.cos(2 * Math.PI * dy / size));
            case VERTICAL_STRIPES:
                return texture(Math.cos(2 * Math.PI * dx / size));
            case CHECKERBOARD:
                return texture(2 * Math.cos(Math.PI * dx / size) * Math.cos(Math.PI * dy / size));
            case RINGS:
                return texture(Math.cos(2 * Math.PI * Math.hypot(dx, dy) / size));
            case DOTS:
                {
                    double ox = dx - size * Math.rint(dx / size);
                    double oy = dy - size * Math.rint(dy / size);
                    return edge(Math.hypot(ox, oy) - detail);
                }
            case DISC:
                return edge(Math.hypot(dx, dy) - size);
            case SQUARE:
                return edge(Math.max(Math.abs(dx), Math.abs(dy)) - size);
            case TRIANGLE:
                {
                    // Apex up at dy = -size/2, base of half-width detail at dy = +size/2.
                    double halfWidth = detail * (dy + size / 2) / size;
                    double side = (Math.abs(dx) - halfWidth) * size / Math.hypot(size, detail);
                    return edge(Math.max(dy - size / 2, side));
                }
            case PLUS:
                return edge(bars(dx, dy));
            case CROSS:
                return edge(bars((dx + dy) * SQRT_HALF, (dx - dy) * SQRT_HALF));
            default:
                throw new IllegalStateException("no synthetic class " + label);
        }
    }

    /**
     * Signed distance (negative inside) to a plus sign of arm length size and half-thickness
     * detail.
     */
    private double bars(double a, double b) {
        double along = Math.max(Math.abs(a) - detail, Math.abs(b) - size);
        double across = Math.max(Math.abs(a) - size, Math.abs(b) - detail);
        return Math.min(along, across);
    }

    /**
     * A periodic wave in [-1, 1] (or [-2, 2]) made into soft-edged bands; detail sets the edge
     * sharpness.
     */
    private double texture(double wave) {
        return clamp01(0.5 + 0.5 * detail * wave);
    }

    /** Anti-aliased coverage from a signed distance in pixels: a one-pixel ramp across the edge. */
    private static double edge(double signedDistance) {
        return clamp01(0.5 - signedDistance);
    }
}
