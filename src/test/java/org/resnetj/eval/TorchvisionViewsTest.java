package org.resnetj.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.resnetj.data.ImagePresets;
import org.resnetj.data.RgbImage;

/**
 * The views of every testing protocol equal torchvision's, pixel for pixel, but for the one
 * documented difference. The expected views are torchvision 0.14's transforms on Pillow 9.4 images
 * ({@code Resize}, {@code CenterCrop}, {@code TenCrop}, {@code hflip}, {@code ToTensor}), written
 * to {@code torchvision-views.bin} by {@code /usr/bin/python3 bench/torchvision_views.py}, which
 * regenerates it and describes its format: each row of each view pinned by the CRC-32 of its bytes.
 * Three images: A (64×48) and B (48×64), random bytes that 10-crop upscales to 341×256 and 256×341,
 * and C (500×375), whose multi-scale views are downscaled at 224 and 256 and upscaled at 384, 480
 * and 640.
 */
class TorchvisionViewsTest {

    private static final String GOLDEN = "torchvision-views.bin";

    /** Ours in Caffe's order (five windows, then their mirrors) → torchvision's TenCrop index. */
    private static final int[] TORCHVISION_INDEX = {0, 1, 2, 3, 4, 6, 5, 8, 7, 9};

    private static final String[] VIEW_NAMES = {
        "top-left", "top-right", "bottom-left", "bottom-right", "center",
        "mirrored top-left", "mirrored top-right", "mirrored bottom-left", "mirrored bottom-right",
                "mirrored center"
    };

    /**
     * One record of the golden file: a source image, its CRC, a view's row CRCs or a view's bytes.
     */
    private record Golden(char kind, int width, int height, int[] crcs, byte[] bytes) {}

    private static Map<String, Golden> golden;

    @BeforeAll
    static void readGolden() throws IOException {
        golden = new HashMap<>();
        try (InputStream resource = TorchvisionViewsTest.class.getResourceAsStream(GOLDEN)) {
            assertThat(resource).as(GOLDEN + " on the test class path").isNotNull();
            DataInputStream in = new DataInputStream(resource);
            byte[] magic = in.readNBytes(4);
            assertThat(new String(magic, StandardCharsets.US_ASCII)).isEqualTo("RJV1");
            int count = in.readInt();
            for (int r = 0; r < count; r++) {
                String name = in.readUTF();
                char kind = (char) in.readByte();
                int width = in.readInt();
                int height = in.readInt();
                int[] crcs = null;
                byte[] bytes = null;
                switch (kind) {
                    case 'S', 'P' -> bytes = in.readNBytes(3 * width * height);
                    case 'F' -> crcs = new int[] {in.readInt()};
                    case 'R' -> {
                        crcs = new int[height];
                        for (int y = 0; y < height; y++) {
                            crcs[y] = in.readInt();
                        }
                    }
                    default ->
                            throw new IOException(
                                    GOLDEN + ": record " + name + " of unknown kind " + kind);
                }
                golden.put(name, new Golden(kind, width, height, crcs, bytes));
            }
            assertThat(in.read()).as("the end of " + GOLDEN).isEqualTo(-1);
        }
    }

    private static Golden record(String name) {
        Golden record = golden.get(name);
        assertThat(record).as("record %s of %s", name, GOLDEN).isNotNull();
        return record;
    }

    /** Image C, the bytes bench/torchvision_views.py's {@code formula_image} computes. */
    private static byte[] formulaImage(int width, int height) {
        byte[] chw = new byte[3 * width * height];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    chw[(c * height + y) * width + x] =
                            (byte) ((x * x + 3 * y * y + 7 * x * y + 61 * c + (x ^ (5 * y))) % 256);
                }
            }
        }
        return chw;
    }

    private static RgbImage source(String name) {
        Golden record = record(name);
        if (record.kind() == 'S') {
            return RgbImage.of(record.width(), record.height(), record.bytes());
        }
        byte[] chw = formulaImage(record.width(), record.height());
        CRC32 crc = new CRC32();
        crc.update(chw);
        assertThat((int) crc.getValue())
                .as("image %s as the script generated it", name)
                .isEqualTo(record.crcs()[0]);
        return RgbImage.of(record.width(), record.height(), chw);
    }

    /**
     * The bytes of a view, after checking that each value is exactly byte / 255, as ToTensor gives.
     */
    private static byte[] bytes(ImagePresets.View view) {
        float[] pixels = view.pixels();
        byte[] out = new byte[pixels.length];
        for (int k = 0; k < pixels.length; k++) {
            int b = Math.round(pixels[k] * 255);
            if (pixels[k] != b / 255f) {
                fail("value " + k + " of the view is " + pixels[k] + ", not a byte / 255");
            }
            out[k] = (byte) b;
        }
        return out;
    }

    /**
     * The CRC-32 of each row of columns {@code from..from+columns−1}: its red values, then green,
     * then blue.
     */
    private static int[] rowCrcs(byte[] chw, int width, int height, int from, int columns) {
        int[] crcs = new int[height];
        CRC32 crc = new CRC32();
        for (int y = 0; y < height; y++) {
            crc.reset();
            for (int c = 0; c < 3; c++) {
                crc.update(chw, (c * height + y) * width + from, columns);
            }
            crcs[y] = (int) crc.getValue();
        }
        return crcs;
    }

    private static List<Integer> differingRows(int[] ours, int[] theirs) {
        List<Integer> rows = new ArrayList<>();
        for (int y = 0; y < ours.length; y++) {
            if (ours[y] != theirs[y]) {
                rows.add(y);
            }
        }
        return rows;
    }

    /**
     * Checks that columns {@code from..} of {@code view} are torchvision's view {@code name}, row
     * by row.
     */
    private static void assertSameRows(String what, ImagePresets.View view, int from, String name) {
        Golden theirs = record(name);
        assertThat(view.height()).as("height of " + what).isEqualTo(theirs.height());
        assertThat(view.width() - from)
                .as("width of " + what)
                .isGreaterThanOrEqualTo(theirs.width());
        int[] ours = rowCrcs(bytes(view), view.width(), view.height(), from, theirs.width());
        List<Integer> rows = differingRows(ours, theirs.crcs());
        if (!rows.isEmpty()) {
            fail(
                    what
                            + " differs from torchvision's "
                            + name
                            + " in "
                            + rows.size()
                            + " of "
                            + ours.length
                            + " rows: "
                            + rows.subList(0, Math.min(rows.size(), 12))
                            + (rows.size() > 12 ? "..." : ""));
        }
    }

    private static void assertSameView(String what, ImagePresets.View view, String name) {
        assertThat(view.width()).as("width of " + what).isEqualTo(record(name).width());
        assertSameRows(what, view, 0, name);
    }

    /** Column {@code x} of a view, CHW: the red values top to bottom, then green, then blue. */
    private static byte[] column(ImagePresets.View view, int x) {
        byte[] all = bytes(view);
        byte[] out = new byte[3 * view.height()];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < view.height(); y++) {
                out[c * view.height() + y] = all[(c * view.height() + y) * view.width() + x];
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"A", "B", "C"})
    void theCenterViewIsTorchvisionsResizeThenCenterCrop(String image) {
        List<ImagePresets.View> views = Protocol.CENTER.views(source(image));

        assertSameView("image " + image + "'s center view", views.get(0), image + "/center");
    }

    /**
     * torchvision mirrors the whole image before cropping, so its mirrored top-left window is our
     * mirrored top-right one, and so on; the mirrored center is the same view where the horizontal
     * margin is even (B's is 32).
     */
    @ParameterizedTest
    @ValueSource(strings = {"A", "B", "C"})
    void tenCropViewsAreTorchvisionsTenCropInCaffesOrder(String image) {
        List<ImagePresets.View> views = Protocol.TEN_CROP.views(source(image));
        // A and C resize to 341×256, a horizontal margin of 117; B to 256×341, a margin of 32.
        boolean oddMargin = !image.equals("B");

        assertThat(views).hasSize(10);
        for (int k = 0; k < 10; k++) {
            if (k == 9 && oddMargin) {
                continue;
            }
            assertSameView(
                    "image " + image + "'s 10-crop view " + k + " (" + VIEW_NAMES[k] + ")",
                    views.get(k),
                    image + "/10-crop/" + TORCHVISION_INDEX[k]);
        }
        assertThat(golden.containsKey(image + "/10-crop/9/column 0"))
                .as("the script saw an odd margin")
                .isEqualTo(oddMargin);
    }

    /**
     * The documented difference (README, "Fidelity notes"; {@link ImagePresets}): at 341×256 the
     * margin is 117 and the center window starts at column 58 (58.5 rounded half to even). We
     * mirror columns 58..281 of the resized image; torchvision crops its mirrored image at 58,
     * which is columns 59..282 of the original mirrored. So our columns 0..222 are its columns
     * 1..223, our last column (original column 58) is column 0 of the unmirrored center view, and
     * its column 0 (original column 282) lies outside our mirrored center.
     */
    @ParameterizedTest
    @ValueSource(strings = {"A", "C"})
    void onAnOddMarginTheMirroredCenterIsTorchvisionsShiftedByOneColumn(String image) {
        ImagePresets.View ours = Protocol.TEN_CROP.views(source(image)).get(9);
        String theirs = image + "/10-crop/9";

        assertSameRows(
                "columns 0..222 of image " + image + "'s mirrored center",
                ours,
                0,
                theirs + "/columns 1-223");
        assertThat(column(ours, 223))
                .as("our last column: original column 58")
                .isEqualTo(record(image + "/10-crop/4/column 0").bytes());
        assertThat(column(ours, 223))
                .as("torchvision's first column: original column 282")
                .isNotEqualTo(record(theirs + "/column 0").bytes());
        int[] whole = rowCrcs(bytes(ours), 224, 224, 0, 224);
        assertThat(differingRows(whole, record(theirs).crcs()))
                .as("rows where the whole views differ")
                .hasSize(224);
    }

    /**
     * PIL's upscaling included: B is upscaled about 5 to 13 times, C 1.02 to 1.7 times at 384, 480
     * and 640.
     */
    @ParameterizedTest
    @ValueSource(strings = {"B", "C"})
    void multiScaleViewsAreTorchvisionsResizeAndItsMirrorAtEachScale(String image) {
        List<ImagePresets.View> views = Protocol.MULTI_SCALE.views(source(image));

        assertThat(views).hasSize(2 * ImagePresets.SCALES.size());
        for (int s = 0; s < ImagePresets.SCALES.size(); s++) {
            int scale = ImagePresets.SCALES.get(s);
            String name = image + "/multi-scale/" + scale;
            assertSameView("image " + image + " at shorter side " + scale, views.get(2 * s), name);
            assertSameView(
                    "image " + image + "'s mirror at shorter side " + scale,
                    views.get(2 * s + 1),
                    name + "/mirror");
        }
    }

    @Test
    void theImagesCoverUpscalingAndDownscalingAtEveryScaleThatMatters() {
        assertThat(source("B").width()).isLessThan(224);
        assertThat(source("C").height()).isEqualTo(375).isBetween(256, 384);
        assertThat(record("C/multi-scale/640").width()).isEqualTo(853);
        assertThat(record("B/multi-scale/640").height()).isEqualTo(853);
    }
}
