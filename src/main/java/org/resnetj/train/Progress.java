package org.resnetj.train;

import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shows a run's progress: a progress bar with iteration, loss, training error, LR, images/s and ETA
 * on a console, and a log line per logging interval without one (CI, redirected output), so that
 * logs are not flooded.
 */
public final class Progress implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Progress.class);

    private final ProgressBar bar;
    private final int total;
    private final long started = System.nanoTime();
    private final int first;

    public Progress(String task, int first, int total) {
        this.total = total;
        this.first = first;
        this.bar =
                System.console() == null
                        ? null
                        : new ProgressBarBuilder()
                                .setTaskName(task)
                                .setInitialMax(total)
                                .startsFrom(first, Duration.ZERO)
                                .setStyle(ProgressBarStyle.ASCII)
                                .setUpdateIntervalMillis(500)
                                .continuousUpdate()
                                .showSpeed()
                                .build();
    }

    /** Reports one finished logging interval. */
    public void interval(int iteration, double loss, double error, float lr, double imagesPerSec) {
        String text =
                String.format(
                        Locale.ROOT,
                        "loss %.3f err %.1f%% lr %.4g %.0f img/s",
                        loss,
                        100 * error,
                        lr,
                        imagesPerSec);
        if (bar != null) {
            bar.stepTo(iteration);
            bar.setExtraMessage(text);
        } else {
            LOG.info("iter {}/{} {} eta {}", iteration, total, text, eta(iteration));
        }
    }

    /** Reports a finished iteration. */
    public void step(int iteration) {
        if (bar != null) {
            bar.stepTo(iteration);
        }
    }

    /** Reports a message without breaking the bar. */
    public void message(String text) {
        if (bar != null) {
            bar.pause();
            System.err.println();
        }
        LOG.info(text);
        if (bar != null) {
            bar.resume();
        }
    }

    private String eta(int iteration) {
        int done = iteration - first;
        if (done <= 0) {
            return "?";
        }
        long nanos = (System.nanoTime() - started) / done * (total - iteration);
        Duration d = Duration.ofNanos(nanos);
        return String.format(
                Locale.ROOT, "%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
