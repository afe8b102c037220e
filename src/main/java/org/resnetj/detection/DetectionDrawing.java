package org.resnetj.detection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.resnetj.data.RgbImage;

/** Draws detections on their image: one coloured box per detection, labelled "class 0.97". */
public final class DetectionDrawing {

    private static final Color[] PALETTE = {
        new Color(0xE6194B),
        new Color(0x3CB44B),
        new Color(0x4363D8),
        new Color(0xF58231),
        new Color(0x911EB4),
        new Color(0x42D4F4),
        new Color(0xF032E6),
        new Color(0xBFEF45),
        new Color(0x469990),
        new Color(0x9A6324)
    };

    private DetectionDrawing() {}

    /**
     * The image with the detections drawn on it, each in its class's colour.
     *
     * @param classNames the labels' names
     */
    public static BufferedImage draw(
            RgbImage image, List<Detection> detections, List<String> classNames) {
        int w = image.width();
        int h = image.height();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                out.setRGB(
                        x,
                        y,
                        image.sample(0, y, x) << 16
                                | image.sample(1, y, x) << 8
                                | image.sample(2, y, x));
            }
        }
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            int stroke = Math.max(1, Math.min(w, h) / 200);
            g.setStroke(new BasicStroke(stroke));
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, Math.max(10, Math.min(w, h) / 30)));
            FontMetrics metrics = g.getFontMetrics();
            for (Detection d : detections) {
                Color colour = PALETTE[d.label() % PALETTE.length];
                Box b = d.box();
                int x1 = (int) Math.round(b.x1());
                int y1 = (int) Math.round(b.y1());
                int bw = (int) Math.round(b.width());
                int bh = (int) Math.round(b.height());
                g.setColor(colour);
                g.drawRect(x1, y1, bw - 1, bh - 1);
                String name =
                        d.label() < classNames.size()
                                ? classNames.get(d.label())
                                : String.valueOf(d.label());
                String text = String.format(Locale.ROOT, "%s %.2f", name, d.score());
                int tw = metrics.stringWidth(text) + 4;
                int th = metrics.getHeight();
                int ty = y1 - th >= 0 ? y1 - th : y1;
                g.fillRect(x1, ty, tw, th);
                g.setColor(Color.WHITE);
                g.drawString(text, x1 + 2, ty + metrics.getAscent());
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /** Writes a drawing as PNG, atomically. */
    public static void writePng(BufferedImage image, Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        if (!ImageIO.write(image, "png", tmp.toFile())) {
            throw new IOException("no PNG writer for " + file);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
