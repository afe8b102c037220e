package org.resnetj.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The {@code resnet} command as a user calls it, through {@link Main#run}: what it prints on stdout
 * and stderr and the exit status. System.out and System.err are swapped for buffers for the length
 * of one call; picocli takes its error stream from System.err when Main builds it.
 *
 * @param status the exit status
 * @param out what it printed on stdout
 * @param err what it printed on stderr
 */
record CommandRun(int status, String out, String err) {

    /** The lines printed on stderr. */
    List<String> errLines() {
        return err.lines().toList();
    }

    /** Runs {@code resnet args...} and captures what it printed. */
    static CommandRun of(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        int status;
        try (PrintStream capturedOut = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
                PrintStream capturedErr = new PrintStream(errBytes, true, StandardCharsets.UTF_8)) {
            System.setOut(capturedOut);
            System.setErr(capturedErr);
            status = Main.run(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new CommandRun(
                status,
                outBytes.toString(StandardCharsets.UTF_8),
                errBytes.toString(StandardCharsets.UTF_8));
    }
}
