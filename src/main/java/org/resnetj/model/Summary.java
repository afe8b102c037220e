package org.resnetj.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A network's size and cost, laid out like the paper's Table 1: one row per stage with its output
 * size and block configuration, then the parameters and multiply-adds.
 *
 * @param spec the registered network
 * @param options the options it was built with
 * @param inputSize the side of the square input image
 * @param report the counted size and cost
 */
public record Summary(
        ModelSpec spec, ModelOptions options, int inputSize, Complexity.Report report) {

    /** Counts {@code spec} built with {@code options} for {@code inputSize}×{@code inputSize}. */
    public static Summary of(ModelSpec spec, ModelOptions options, int inputSize) {
        Layer.Sequence plan = spec.plan(options, inputSize);
        return new Summary(spec, options, inputSize, Complexity.of(plan, inputSize));
    }

    /** The layer table, parameters and multiply-adds as text. */
    public String table() {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"layer name", "output size", spec.name()});
        List<String> head = new ArrayList<>();
        Complexity.Dims headDims = null;
        for (Complexity.Part part : report.parts()) {
            if (part.layer() instanceof Layer.Sequence s && !s.name().equals("fc")) {
                List<String> lines = describe(s.layers());
                for (int i = 0; i < lines.size(); i++) {
                    rows.add(
                            new String[] {
                                i == 0 ? s.name() : "",
                                i == 0 ? part.output().toString() : "",
                                lines.get(i)
                            });
                }
            } else {
                head.addAll(describe(List.of(part.layer())));
                headDims = part.output();
            }
        }
        head.add("softmax");
        rows.add(new String[] {"", headDims == null ? "" : "1×1", String.join(", ", head)});

        int nameWidth = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0) + 2;
        int sizeWidth = rows.stream().mapToInt(r -> r[1].length()).max().orElse(0) + 2;
        StringBuilder out = new StringBuilder();
        out.append(title()).append("\n\n");
        for (String[] row : rows) {
            out.append(pad(row[0], nameWidth))
                    .append(pad(row[1], sizeWidth))
                    .append(row[2])
                    .append('\n');
        }
        out.append('\n');
        out.append(shortcutLine()).append('\n');
        out.append(String.format(Locale.ROOT, "parameters     %,d%n", report.params()));
        out.append(
                String.format(
                        Locale.ROOT,
                        "multiply-adds  %.2f×10^9 (%,d) per %d×%d image%n",
                        report.multAdds() / 1e9,
                        report.multAdds(),
                        inputSize,
                        inputSize));
        return out.toString();
    }

    /** The summary as a map for JSON output. */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", spec.name());
        json.put("family", spec.family().toString());
        json.put("shortcut", spec.residual() ? options.shortcut().name() : "none");
        json.put("stride_placement", options.stridePlacement().name());
        json.put("classes", options.classes());
        json.put("input_size", inputSize);
        json.put("params", report.params());
        json.put("mult_adds", report.multAdds());
        List<Map<String, Object>> parts = new ArrayList<>();
        for (Complexity.Part part : report.parts()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", partName(part.layer()));
            Complexity.Dims d = part.output();
            row.put("output", List.of(d.channels(), d.height(), d.width()));
            row.put("params", part.params());
            row.put("mult_adds", part.multAdds());
            parts.add(row);
        }
        json.put("layers", parts);
        return json;
    }

    private String title() {
        String shortcut = spec.residual() ? "shortcut " + options.shortcut() : "no shortcuts";
        String stride =
                spec.family() == ModelSpec.Family.IMAGENET
                        ? ", stride on "
                                + (options.stridePlacement() == StridePlacement.FIRST_1X1
                                        ? "first 1×1"
                                        : "3×3")
                        : "";
        return String.format(
                Locale.ROOT,
                "%s: %s%n%s%s, %d classes, input %d×%d",
                spec.name(),
                spec.description(),
                shortcut,
                stride,
                options.classes(),
                inputSize,
                inputSize);
    }

    private String shortcutLine() {
        int identity = 0;
        List<String> padded = new ArrayList<>();
        List<String> projected = new ArrayList<>();
        List<String> downsampling = new ArrayList<>();
        for (Complexity.Part part : report.parts()) {
            if (!(part.layer() instanceof Layer.Sequence s)) {
                continue;
            }
            for (Layer layer : s.layers()) {
                if (layer instanceof Layer.Block b) {
                    if (b.shortcut() instanceof Layer.Identity) {
                        identity++;
                    } else if (b.shortcut() instanceof Layer.ZeroPad) {
                        padded.add(b.name());
                    } else if (b.shortcut() instanceof Layer.Projection) {
                        projected.add(b.name());
                    }
                    if (strided(b.branch())) {
                        downsampling.add(b.name());
                    }
                }
            }
        }
        StringBuilder line = new StringBuilder();
        line.append("down-sampling by ")
                .append(downsampling.isEmpty() ? "none" : String.join(", ", downsampling));
        line.append(" with a stride of 2\n");
        if (!spec.residual()) {
            return line.append("shortcuts      none (plain network)").toString();
        }
        line.append("shortcuts      ").append(identity).append(" identity");
        if (!padded.isEmpty()) {
            line.append(", zero-padded at ").append(String.join(", ", padded));
        }
        if (!projected.isEmpty()) {
            line.append(", ")
                    .append(projected.size())
                    .append(projected.size() == 1 ? " projection" : " projections");
            if (projected.size() <= 4) {
                line.append(" at ").append(String.join(", ", projected));
            }
        }
        return line.toString();
    }

    private static boolean strided(Layer.Sequence branch) {
        return branch.layers().stream().anyMatch(l -> l instanceof Layer.Conv c && c.stride() > 1);
    }

    /** Describes layers in Table 1's notation, repeated blocks grouped as "[...] × n". */
    private static List<String> describe(List<Layer> layers) {
        List<String> lines = new ArrayList<>();
        String last = null;
        int count = 0;
        for (Layer layer : layers) {
            String text = describe(layer);
            if (text == null) {
                continue;
            }
            if (text.equals(last)) {
                count++;
                continue;
            }
            if (last != null) {
                lines.add(count > 1 ? last + " × " + count : last);
            }
            last = text;
            count = 1;
        }
        if (last != null) {
            lines.add(count > 1 ? last + " × " + count : last);
        }
        return lines;
    }

    private static String describe(Layer layer) {
        if (layer instanceof Layer.Conv c) {
            return c.kernel()
                    + "×"
                    + c.kernel()
                    + ", "
                    + c.out()
                    + (c.stride() > 1 ? ", stride " + c.stride() : "");
        }
        if (layer instanceof Layer.MaxPool p) {
            return p.kernel() + "×" + p.kernel() + " max pool, stride " + p.stride();
        }
        if (layer instanceof Layer.GlobalAvgPool) {
            return "average pool";
        }
        if (layer instanceof Layer.Linear l) {
            return l.out() + "-d fc";
        }
        if (layer instanceof Layer.Block b) {
            List<String> convs = new ArrayList<>();
            for (Layer inner : b.branch().layers()) {
                if (inner instanceof Layer.Conv c) {
                    convs.add(c.kernel() + "×" + c.kernel() + ", " + c.out());
                }
            }
            return "[" + String.join("; ", convs) + "]";
        }
        if (layer instanceof Layer.Sequence s) {
            return String.join(", ", describe(s.layers()));
        }
        return null;
    }

    private static String partName(Layer layer) {
        if (layer instanceof Layer.Sequence s) {
            return s.name();
        }
        if (layer instanceof Layer.Linear l) {
            return l.name();
        }
        return layer.getClass().getSimpleName().toLowerCase(Locale.ROOT);
    }

    private static String pad(String text, int width) {
        return text.length() >= width ? text + " " : text + " ".repeat(width - text.length());
    }
}
