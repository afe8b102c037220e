package org.resnetj.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.resnetj.analysis.Curves;
import org.resnetj.analysis.RunMetrics;
import org.resnetj.train.RunConfig;

/**
 * The report of a run directory or an experiment directory: one self-contained HTML page ({@code
 * report.html}) with the resolved configuration, the curves (PNG embedded as data URIs), the table
 * of final errors with the paper's numbers beside ours, the checks of the paper's claims, and a
 * banner wherever the data was synthetic. It needs no network and no other file.
 *
 * <p>The page is well-formed XML (XHTML syntax in an HTML5 document), so that any XML parser can
 * read it back.
 */
public final class Report {

    /** The report's file name inside the directory it describes. */
    public static final String FILE = "report.html";

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String STYLE =
            String.join(
                    "\n",
                    "body{font-family:system-ui,-apple-system,'Segoe"
                            + " UI',sans-serif;max-width:60em;margin:2em auto;padding:0"
                            + " 1em;color:#222;line-height:1.45}",
                    "h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px"
                        + " solid #ddd}",
                    ".meta{color:#555}.note{color:#333}",
                    ".synthetic{background:#fff3cd;border:2px solid"
                        + " #d39e00;color:#5c4400;padding:.7em 1em;font-weight:600;margin:1em 0}",
                    ".holds{color:#1b6e20}.fails{color:#b00020}",
                    ".verdict{font-size:1.1em;font-weight:600}",
                    "table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid"
                            + " #ccc;padding:.3em .6em;text-align:left}",
                    "th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}",
                    "img{max-width:100%;border:1px solid #eee}",
                    "pre{background:#f7f7f7;padding:.6em;overflow-x:auto;font-size:.85em}",
                    "details{margin:.3em 0}summary{cursor:pointer}",
                    "footer{margin-top:2em;color:#777;font-size:.85em}");

    private Report() {}

    /**
     * Writes {@code dir/report.html} for an experiment directory (one holding {@code
     * experiment.json}) or a run directory (one holding {@code config.json}).
     *
     * @return the report's path
     * @throws NoSuchFileException if {@code dir} is neither
     */
    public static Path write(Path dir) throws IOException {
        String html;
        if (Files.isRegularFile(dir.resolve(Reproduction.SUMMARY))) {
            html = experiment(dir);
        } else if (Files.isRegularFile(dir.resolve(RunConfig.FILE))) {
            html = run(dir);
        } else {
            throw new NoSuchFileException(
                    dir.toString(),
                    null,
                    "not a run or experiment directory: expected "
                            + RunConfig.FILE
                            + " or "
                            + Reproduction.SUMMARY);
        }
        Path file = dir.resolve(FILE);
        Path tmp = dir.resolve("." + FILE + ".tmp");
        Files.writeString(tmp, html, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return file;
    }

    private static String experiment(Path dir) throws IOException {
        JsonNode summary = readJson(dir.resolve(Reproduction.SUMMARY));
        String title = summary.path("reference").asText() + ": " + summary.path("title").asText();
        boolean synthetic = summary.path("synthetic").asBoolean(false);
        Page page = new Page(title);
        page.heading(1, title);
        if (synthetic) {
            page.syntheticBanner();
        }
        page.paragraph(
                "meta",
                "experiment "
                        + summary.path("experiment").asText()
                        + " · "
                        + summary.path("dataset").asText()
                        + " · data "
                        + summary.path("data").asText());
        if (!summary.path("note").asText().isEmpty()) {
            page.paragraph("note", summary.path("note").asText());
        }

        JsonNode checks = summary.path("checks");
        if (checks.size() > 0) {
            page.heading(2, "The paper's claims, checked on our runs");
            boolean phenomenon = summary.path("phenomenon").asBoolean(false);
            page.paragraph(
                    "verdict " + (phenomenon ? "holds" : "fails"),
                    summary.path("verdict").asText());
            page.open("ul");
            for (JsonNode check : checks) {
                page.element(
                        "li",
                        check.path("holds").asBoolean() ? "holds" : "fails",
                        check.path("text").asText());
            }
            page.close("ul");
            page.paragraph(
                    "meta",
                    "Final training error: "
                            + summary.path("final_train_error_definition").asText()
                            + ".");
        }

        page.heading(2, "Training curves");
        page.image(dir.resolve(Reproduction.FIGURE_PNG), "Training and test error of " + title);
        page.paragraph(
                "meta", "Dashed: training error; bold: test error. Each run in its own colour.");

        if (summary.path("drawing").asText().equals(Experiment.Drawing.LAYER_RESPONSES.name())) {
            page.heading(2, "Layer responses (Fig. 7)");
            Path responses = dir.resolve(Reproduction.RESPONSES_DIR).resolve("responses.png");
            if (Files.isRegularFile(responses)) {
                page.image(responses, "Standard deviations of the 3×3 layers' responses");
            } else {
                page.paragraph(
                        "note",
                        "The layer responses of Fig. 7 come from ./resnet responses on these runs'"
                                + " checkpoints:");
                page.pre(summary.path("responses_command").asText());
            }
        }

        page.heading(2, "Final errors, with the paper's");
        table(page, summary.path("table"));
        String metric = summary.path("paper_metric").asText();
        page.paragraph(
                "meta",
                metric.isEmpty()
                        ? "The paper gives no numbers for this experiment."
                        : "Paper: "
                                + metric
                                + (synthetic
                                        ? ". Ours are on synthetic data, so they are not comparable"
                                                + " with the paper's."
                                        : "."));

        page.heading(2, "Resolved configuration");
        page.paragraph(
                "meta",
                "Recipe changes of the experiment: "
                        + list(summary.path("recipe_changes"))
                        + "; overrides: "
                        + list(summary.path("overrides"))
                        + ".");
        for (JsonNode name : summary.path("run_dirs")) {
            Path config = dir.resolve(name.asText()).resolve(RunConfig.FILE);
            if (Files.isRegularFile(config)) {
                page.details(name.asText() + "/" + RunConfig.FILE, pretty(config));
            }
        }
        return page.end();
    }

    private static String run(Path dir) throws IOException {
        Path config = dir.resolve(RunConfig.FILE);
        JsonNode json = readJson(config);
        String model = json.path("model").asText();
        String name = String.valueOf(dir.toAbsolutePath().normalize().getFileName());
        String title = "Run " + name + ": " + model;
        boolean hasMetrics = Files.isRegularFile(dir.resolve(RunMetrics.METRICS_FILE));
        Results.RunResult result =
                hasMetrics
                        ? Results.RunResult.read(
                                dir, name, json.path("recipe").path("seed").asLong())
                        : null;
        boolean synthetic =
                json.path("synthetic").asBoolean(false) || (result != null && result.synthetic());

        Page page = new Page(title);
        page.heading(1, title);
        if (synthetic) {
            page.syntheticBanner();
        }
        page.paragraph(
                "meta",
                "data "
                        + json.path("data").asText()
                        + " · code "
                        + json.path("code_version").asText());

        page.heading(2, "Final errors, with the paper's");
        Optional<Experiments.Citation> citation = Optional.empty();
        try {
            citation = Experiments.cited(model, RunConfig.read(dir).options());
        } catch (IOException | IllegalArgumentException e) {
            // A configuration this build cannot resolve has no paper number to show.
        }
        // The recipe's iterations; a configuration of an older layout also repeated them at the
        // top.
        JsonNode planned = json.path("recipe").has("iterations") ? json.path("recipe") : json;
        page.open("table");
        page.raw(
                "<tr><th>iterations</th><th>training error (%)</th><th>test top-1 error"
                        + " (%)</th><th>paper</th></tr>\n");
        page.open("tr");
        page.element(
                "td",
                "num",
                result == null
                        ? "0"
                        : result.iterations() + " of " + planned.path("iterations").asText());
        page.element("td", "num", result == null ? "n/a" : Results.percent(result.trainError()));
        page.element("td", "num", result == null ? "n/a" : Results.percent(result.testError()));
        page.element("td", "num", citation.map(c -> c.value().top1Text()).orElse(""));
        page.close("tr");
        page.close("table");
        page.paragraph(
                "meta",
                citation.map(
                                c ->
                                        "Paper: "
                                                + c.metric()
                                                + (synthetic
                                                        ? ". This run is on synthetic data, so it"
                                                                + " is not comparable."
                                                        : "."))
                        .orElse("The paper gives no number for this network with these options."));
        page.paragraph(
                "meta",
                "Training error: mean over the last 10% of logged intervals; test error: at the"
                        + " last evaluation.");

        page.heading(2, "Training curves");
        if (hasMetrics) {
            Path curves = dir.resolve(Curves.RUN_PNG);
            if (Files.isRegularFile(curves)) {
                page.image(curves, "Training and test error of " + name);
            } else {
                Path tmp = Files.createTempFile("report-curves", ".png");
                try {
                    Curves.write(List.of(RunMetrics.read(dir)), tmp, null);
                    page.image(tmp, "Training and test error of " + name);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
        } else {
            page.paragraph("note", "No metrics yet.");
        }

        page.heading(2, "Resolved configuration");
        page.pre(pretty(config));
        return page.end();
    }

    private static void table(Page page, JsonNode rows) {
        if (rows.size() == 0) {
            page.paragraph("note", "No runs.");
            return;
        }
        page.open("table");
        page.open("tr");
        List<String> columns = new ArrayList<>();
        rows.get(0).fieldNames().forEachRemaining(columns::add);
        for (String column : columns) {
            page.element("th", null, column);
        }
        page.close("tr");
        for (JsonNode row : rows) {
            page.open("tr");
            for (String column : columns) {
                boolean number =
                        column.contains("(%)")
                                || column.equals("iterations")
                                || column.equals("paper");
                page.element("td", number ? "num" : null, row.path(column).asText());
            }
            page.close("tr");
        }
        page.close("table");
    }

    private static String list(JsonNode array) {
        List<String> items = new ArrayList<>();
        array.forEach(item -> items.add(item.asText()));
        return items.isEmpty() ? "none" : String.join(", ", items);
    }

    private static JsonNode readJson(Path file) throws IOException {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException("unreadable " + file + ": " + e.getMessage());
        }
    }

    private static String pretty(Path json) throws IOException {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(readJson(json));
    }

    /** An HTML page under construction, escaping every text it is given. */
    private static final class Page {
        private final StringBuilder html = new StringBuilder();

        Page(String title) {
            html.append(
                            "<!DOCTYPE html>\n"
                                    + "<html lang=\"en\" xmlns=\"http://www.w3.org/1999/xhtml\">\n"
                                    + "<head>\n"
                                    + "<meta charset=\"utf-8\"/>\n")
                    .append("<title>")
                    .append(escape(title))
                    .append("</title>\n")
                    .append("<style>\n")
                    .append(STYLE)
                    .append("\n</style>\n</head>\n<body>\n");
        }

        void heading(int level, String text) {
            element("h" + level, null, text);
        }

        void paragraph(String cssClass, String text) {
            element("p", cssClass, text);
        }

        void syntheticBanner() {
            paragraph(
                    "synthetic",
                    "SYNTHETIC DATA: these results come from a procedurally drawn stand-in for"
                        + " CIFAR-10, not from CIFAR-10. Compare the runs with each other, not with"
                        + " the paper's numbers.");
        }

        void element(String tag, String cssClass, String text) {
            html.append('<').append(tag);
            if (cssClass != null) {
                html.append(" class=\"").append(escape(cssClass)).append('"');
            }
            html.append('>').append(escape(text)).append("</").append(tag).append(">\n");
        }

        void open(String tag) {
            html.append('<').append(tag).append(">\n");
        }

        void close(String tag) {
            html.append("</").append(tag).append(">\n");
        }

        void raw(String markup) {
            html.append(markup);
        }

        void pre(String text) {
            element("pre", null, text);
        }

        void details(String summary, String text) {
            html.append("<details><summary>").append(escape(summary)).append("</summary>\n");
            pre(text);
            html.append("</details>\n");
        }

        /** Embeds a PNG as a data URI, or says it is missing. */
        void image(Path png, String alt) throws IOException {
            if (!Files.isRegularFile(png)) {
                paragraph("note", "Missing figure: " + png);
                return;
            }
            String data = Base64.getEncoder().encodeToString(Files.readAllBytes(png));
            html.append("<p><img src=\"data:image/png;base64,")
                    .append(data)
                    .append("\" alt=\"")
                    .append(escape(alt))
                    .append("\"/></p>\n");
        }

        String end() {
            html.append("<footer>Written by resnet report on ")
                    .append(
                            escape(
                                    ZonedDateTime.now()
                                            .format(
                                                    DateTimeFormatter.ofPattern(
                                                            "yyyy-MM-dd HH:mm z", Locale.ROOT))))
                    .append(
                            ". Self-contained: the figures are embedded.</footer>\n"
                                    + "</body>\n"
                                    + "</html>\n");
            return html.toString();
        }

        private static String escape(String text) {
            return text.replace("&", "&amp;")
                    .replace("<", "&lt;")
                    .replace(">", "&gt;")
                    .replace("\"", "&quot;");
        }
    }
}
