package org.resnetj.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code metrics.jsonl}: one JSON object per line, flushed as it is written. A resumed run first
 * cuts the file back to the lines of the iterations its checkpoint covers, so that the file of a
 * resumed run reads like that of an uninterrupted one.
 */
public final class MetricsWriter implements AutoCloseable {

    /** The file name inside a run directory. */
    static final String FILE = "metrics.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final BufferedWriter out;

    private MetricsWriter(BufferedWriter out) {
        this.out = out;
    }

    /**
     * Opens the log of {@code runDir} for appending, keeping only the complete lines whose
     * iteration is at most {@code upTo}.
     */
    public static MetricsWriter open(Path runDir, int upTo) throws IOException {
        Path file = runDir.resolve(FILE);
        if (Files.exists(file)) {
            List<String> kept = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                try {
                    Map<?, ?> row = JSON.readValue(line, Map.class);
                    if (((Number) row.get("iteration")).intValue() <= upTo) {
                        kept.add(line);
                    }
                } catch (IOException | RuntimeException e) {
                    // a line cut short by a kill: everything after the checkpoint is rewritten
                }
            }
            Path tmp = runDir.resolve(FILE + ".tmp");
            Files.write(tmp, kept, StandardCharsets.UTF_8);
            Files.move(
                    tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        return new MetricsWriter(
                Files.newBufferedWriter(
                        file,
                        StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND));
    }

    /** A log that writes nowhere: the metrics of a rank other than 0, which writes them. */
    static MetricsWriter discard() {
        return new MetricsWriter(new BufferedWriter(Writer.nullWriter()));
    }

    /** Appends one line and flushes it. */
    public void write(Map<String, Object> row) throws IOException {
        out.write(JSON.writeValueAsString(row));
        out.write('\n');
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
