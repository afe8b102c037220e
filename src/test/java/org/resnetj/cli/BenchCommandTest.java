package org.resnetj.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.engine.HiddenCaches;
import org.resnetj.testing.Reference;

/**
 * {@code resnet bench} at its tiny {@code --quick} size: it runs end to end and reports what it
 * should, on both sides when PyTorch is installed. These tests pin the structure of the report,
 * never a speed.
 */
class BenchCommandTest {

    private static final List<String> WORKLOADS =
            List.of(
                    "train-resnet20",
                    "train-resnet56",
                    "infer-resnet50-b1",
                    "infer-resnet50-b16",
                    "data-cifar",
                    "data-imagenet");

    private static CommandRun run(String... args) {
        return CommandRun.of(args);
    }

    private static JsonNode json(CommandRun outcome) throws IOException {
        assertThat(outcome.status()).as("exit status; stderr: %s", outcome.err()).isZero();
        return new ObjectMapper().readTree(outcome.out());
    }

    @Test
    void quickRunWithoutThePeerMeasuresEveryWorkloadOnOurSide() throws IOException {
        JsonNode report = json(run("bench", "--quick", "--no-peer", "--threads", "2", "--json"));

        assertThat(report.get("quick").asBoolean()).isTrue();
        assertThat(report.get("peer").isNull()).isTrue();
        assertThat(report.get("peer_status").asText()).contains("--no-peer");
        assertThat(report.get("peak").get("machine_gflops").asDouble()).isPositive();
        List<String> names = new ArrayList<>();
        for (JsonNode w : report.get("workloads")) {
            names.add(w.get("name").asText());
            JsonNode ours = w.get("ours");
            assertThat(ours.get("images_per_sec").asDouble())
                    .as(w.get("name").asText())
                    .isPositive();
            assertThat(ours.get("runs_images_per_sec")).hasSize(1);
            assertThat(w.get("peer").isNull()).isTrue();
            boolean runsANetwork =
                    !List.of("data", "imagenet-data").contains(w.get("kind").asText());
            assertThat(ours.get("utilisation").isNull()).isEqualTo(!runsANetwork);
            boolean infers = w.get("kind").asText().equals("infer");
            assertThat(w.get("onnxruntime").isNull())
                    .as("ONNX Runtime runs the inference workloads only")
                    .isEqualTo(!infers);
            if (infers) {
                assertThat(w.get("onnxruntime").get("images_per_sec").asDouble()).isPositive();
                assertThat(w.get("onnxruntime_ratio").asDouble())
                        .isCloseTo(
                                ours.get("images_per_sec").asDouble()
                                        / w.get("onnxruntime").get("images_per_sec").asDouble(),
                                within(1e-9));
            }
        }
        assertThat(report.get("host").asText())
                .contains(
                        HiddenCaches.hostHidesCaches() ? "caches HIDDEN" : "caches reported",
                        "oneDNN ISA");
        assertThat(names).containsExactlyElementsOf(WORKLOADS);
        assertThat(report.get("data_headroom").asText()).contains("data-cifar prepares");
        assertThat(report.get("imagenet_data_headroom").asText())
                .contains("data-imagenet prepares", "x what ResNet-50 training consumes");
    }

    @Test
    void quickRunWithThePeerGivesBothFiguresTheirRatioAndMemory() throws Exception {
        Reference.require(
                torchInstalled(),
                "Debian's python3-torch and python3-torchvision are not installed");

        CommandRun outcome =
                run(
                        "bench",
                        "--quick",
                        "--only",
                        "infer-resnet50-b1",
                        "--peer",
                        peerScript().toString(),
                        "--json");

        JsonNode report = json(outcome);
        assertThat(outcome.err()).contains("[1/1] infer-resnet50-b1: ours", "PyTorch");
        JsonNode row = report.get("workloads").get(0);
        assertThat(report.get("peer").asText()).startsWith("PyTorch ");
        assertThat(row.get("peer").get("images_per_sec").asDouble()).isPositive();
        assertThat(row.get("peer").get("workload_peak_mb").asDouble()).isPositive();
        assertThat(row.get("ratio").asDouble()).isPositive();
        assertThat(row.get("peer").get("utilisation").asDouble()).isPositive();
    }

    @Test
    void aMissingPeerIsReportedAndOursIsStillMeasured(@TempDir Path dir) throws IOException {
        Path peer = dir.resolve("peer");
        Files.writeString(peer, "#!/bin/sh\necho 'peer: no torch here' >&2\nexit 3\n");
        Files.setPosixFilePermissions(peer, PosixFilePermissions.fromString("rwx------"));

        CommandRun outcome =
                run("bench", "--quick", "--only", "data-cifar", "--peer", peer.toString());

        assertThat(outcome.status()).as("stderr: %s", outcome.err()).isZero();
        assertThat(outcome.err())
                .contains("PyTorch peer missing, measuring ours alone", "no torch here");
        assertThat(outcome.out()).contains("no peer (missing", "data-cifar");
    }

    @Test
    void badFlagsAreOneLineErrorsThatNameTheFlag() {
        CommandRun threads = run("bench", "--threads", "0", "--no-peer");
        CommandRun only = run("bench", "--only", "train-resnet99", "--no-peer");
        CommandRun peer = run("bench", "--peer", "/no/such/peer");

        assertThat(threads.status()).isEqualTo(1);
        assertThat(threads.err().lines().toList())
                .containsExactly("error: --threads must be at least 1, got 0");
        assertThat(only.status()).isEqualTo(1);
        assertThat(only.err().lines().toList()).hasSize(1);
        assertThat(only.err()).contains("unknown workload 'train-resnet99'", "train-resnet20");
        assertThat(peer.status()).isEqualTo(1);
        assertThat(peer.err().lines().toList()).hasSize(1);
        assertThat(peer.err()).contains("--peer /no/such/peer");
    }

    @Test
    void thePeerAlonePrintsPyTorchsFiguresAsATable() throws Exception {
        Reference.require(
                torchInstalled(),
                "Debian's python3-torch and python3-torchvision are not installed");

        Process peer =
                new ProcessBuilder(
                                peerScript().toString(),
                                "--only",
                                "infer-resnet50-b1,data-imagenet",
                                "--seconds",
                                "0",
                                "--threads",
                                "2")
                        .redirectErrorStream(true)
                        .start();
        String out =
                new String(
                        peer.getInputStream().readAllBytes(),
                        java.nio.charset.StandardCharsets.UTF_8);

        assertThat(peer.waitFor()).as(out).isZero();
        assertThat(out)
                .startsWith("PyTorch ")
                .contains("2 threads", "workload", "images/s", "peak MB");
        assertThat(out).containsPattern("infer-resnet50-b1 +\\d+\\.\\d +\\d+");
        assertThat(out).contains("data-imagenet", "skipped: needs --images DIR");
        assertThat(out).doesNotContain("train-resnet20");
    }

    private static Path peerScript() {
        return Path.of("bench", "peer").toAbsolutePath();
    }

    private static boolean torchInstalled() throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of("/usr/bin/python3"))) {
            return false;
        }
        Process check =
                new ProcessBuilder("/usr/bin/python3", "-c", "import torch, torchvision")
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
        if (!check.waitFor(2, TimeUnit.MINUTES)) {
            check.destroyForcibly().waitFor();
            return false;
        }
        return check.exitValue() == 0;
    }
}
