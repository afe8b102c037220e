package org.resnetj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.interop.TorchvisionStateDicts;
import picocli.CommandLine;

/** {@code resnet import} as a user calls it. */
class ImportCommandTest {

    @TempDir Path dir;

    private record Outcome(int status, String out, Exception thrown) {}

    private static Outcome run(String... args) {
        AtomicReference<Exception> thrown = new AtomicReference<>();
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new ImportCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setExecutionExceptionHandler(
                (e, command, parsed) -> {
                    thrown.set(e);
                    return 1;
                });
        return new Outcome(cli.execute(args), out.toString(), thrown.get());
    }

    @Test
    void importsAPthAndSaysWhatItWrote() throws IOException {
        Path pth = dir.resolve("resnet18.pth");
        TorchvisionStateDicts.writePth(pth, "resnet18", 1000, 3);
        Path out = dir.resolve("resnet18.zip");

        Outcome outcome =
                run("--from", pth.toString(), "--model", "resnet18", "--out", out.toString());

        assertThat(outcome.thrown()).isNull();
        assertThat(outcome.status()).isZero();
        assertThat(outcome.out())
                .startsWith("imported 102 tensors of " + pth + " (pth) into " + out)
                .contains("resnet18, shortcut B, stride on the 3x3, 1000 classes")
                .contains("20 num_batches_tracked skipped");
        assertThat(out).isRegularFile();
    }

    @Test
    void userErrorsAreExceptionsMainReportsInOneLine() throws IOException {
        Path text = dir.resolve("weights.pth");
        Files.writeString(text, "not torch");

        assertThat(
                        run(
                                        "--from",
                                        text.toString(),
                                        "--model",
                                        "resnet18",
                                        "--out",
                                        dir.resolve("a.zip").toString())
                                .thrown())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("weights.pth is neither");
        assertThat(
                        run(
                                        "--from",
                                        text.toString(),
                                        "--model",
                                        "resnet7",
                                        "--out",
                                        dir.resolve("a.zip").toString())
                                .thrown())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown model 'resnet7'");
        assertThat(
                        run(
                                        "--from",
                                        text.toString(),
                                        "--model",
                                        "resnet18",
                                        "--out",
                                        dir.toString())
                                .thrown())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is a directory");
    }
}
