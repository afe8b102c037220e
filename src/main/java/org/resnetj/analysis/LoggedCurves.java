package org.resnetj.analysis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The curves in a {@code metrics.jsonl}: one JSON object per line, {@code "type":"train"} lines
 * carrying {@code train_error} and {@code "type":"eval"} lines carrying {@code top1_error} of a
 * {@code split} ({@code "test"}, or {@code "val"} for a run that held out a validation set). Lines
 * of other types are not curves and are skipped.
 *
 * <p>Two things a real run leaves behind are expected: a killed process may leave a partial last
 * line, which is ignored; and a run resumed from a checkpoint logs the iterations after that
 * checkpoint again. The later line wins, and when a type's iterations go back, that type's points
 * from the iteration onwards are dropped, so the abandoned attempt never mixes with the resumed
 * one.
 */
record LoggedCurves(
        List<RunMetrics.Point> train,
        Map<String, List<RunMetrics.Point>> evals,
        boolean synthetic) {

    private static final Logger LOG = LoggerFactory.getLogger(LoggedCurves.class);

    /** Diverged runs can log a bare NaN loss; that must not make the line unreadable. */
    private static final ObjectMapper JSON =
            JsonMapper.builder()
                    .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .build();

    static LoggedCurves read(Path file) throws IOException {
        // Decoding leniently: a partial last line may end inside a multi-byte character.
        String[] lines =
                new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n", -1);
        int last = lines.length - 1;
        while (last >= 0 && lines[last].isBlank()) {
            last--;
        }
        Curve train = new Curve();
        Map<String, Curve> evals = new TreeMap<>();
        boolean synthetic = false;
        for (int i = 0; i <= last; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            String where = file + ":" + (i + 1);
            JsonNode line;
            try {
                line = JSON.readTree(lines[i]);
            } catch (JsonProcessingException e) {
                if (i == last) {
                    LOG.warn("{}: ignoring the incomplete last line", where);
                    break;
                }
                throw new IllegalArgumentException(
                        where + ": not a JSON object: " + e.getOriginalMessage());
            }
            if (line == null || !line.isObject()) {
                throw new IllegalArgumentException(where + ": expected one JSON object per line");
            }
            synthetic |= line.path("synthetic").asBoolean(false);
            String type = line.path("type").asText("");
            if (type.equals("train")) {
                train.add(iteration(line, where), fraction(line, "train_error", where) * 100);
            } else if (type.equals("eval")) {
                evals.computeIfAbsent(split(line, where), split -> new Curve())
                        .add(iteration(line, where), fraction(line, "top1_error", where) * 100);
            }
        }
        Map<String, List<RunMetrics.Point>> evalPoints = new TreeMap<>();
        evals.forEach((split, curve) -> evalPoints.put(split, curve.points()));
        return new LoggedCurves(train.points(), evalPoints, synthetic);
    }

    private static long iteration(JsonNode line, String where) {
        JsonNode value = line.get("iteration");
        if (value == null
                || !value.isIntegralNumber()
                || !value.canConvertToLong()
                || value.asLong() < 0) {
            throw new IllegalArgumentException(
                    where + ": expected a non-negative integer \"iteration\", got " + value);
        }
        return value.asLong();
    }

    private static double fraction(JsonNode line, String field, String where) {
        JsonNode value = line.get(field);
        if (value == null
                || !value.isNumber()
                || !(value.asDouble() >= 0 && value.asDouble() <= 1)) {
            throw new IllegalArgumentException(
                    where
                            + ": expected \""
                            + field
                            + "\" to be a fraction in [0, 1], got "
                            + value);
        }
        return value.asDouble();
    }

    private static String split(JsonNode line, String where) {
        JsonNode value = line.get("split");
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException(
                    where + ": expected an eval line to name its \"split\", got " + value);
        }
        return value.asText();
    }

    /** One curve, kept in iteration order, with the resume rule of the class comment. */
    private static final class Curve {
        private final TreeMap<Long, Double> points = new TreeMap<>();
        private long lastIteration = -1;

        void add(long iteration, double errorPercent) {
            if (iteration < lastIteration) {
                points.tailMap(iteration, true).clear();
            }
            points.put(iteration, errorPercent);
            lastIteration = iteration;
        }

        List<RunMetrics.Point> points() {
            List<RunMetrics.Point> list = new ArrayList<>(points.size());
            for (Map.Entry<Long, Double> e : points.entrySet()) {
                list.add(new RunMetrics.Point(e.getKey(), e.getValue()));
            }
            return list;
        }
    }
}
