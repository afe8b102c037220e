package org.resnetj.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;

/**
 * The {@code resnet} command as a user calls it ({@link CommandRun}): output, errors, exit status.
 */
class MainTest {

    private static CommandRun run(String... args) {
        return CommandRun.of(args);
    }

    private static JsonNode json(CommandRun outcome) throws Exception {
        assertThat(outcome.status()).as("exit status; stderr: %s", outcome.err()).isZero();
        assertThat(outcome.out().strip().lines()).as("one JSON object on one line").hasSize(1);
        return new ObjectMapper().readTree(outcome.out());
    }

    @Test
    void summaryJsonOfResnet50GivesTable1ParamsAndMultAdds() throws Exception {
        JsonNode summary = json(run("summary", "resnet50", "--json"));

        assertThat(summary.get("params").asLong()).isEqualTo(25_557_032L);
        assertThat(summary.get("mult_adds").asDouble()).isCloseTo(3.8e9, withinPercentage(3));
        assertThat(summary.get("model").asText()).isEqualTo("resnet50");
        assertThat(summary.get("shortcut").asText()).isEqualTo("B");
    }

    @Test
    void summaryJsonFollowsTheShortcutClassesAndStrideFlags() throws Exception {
        // Option B on ResNet-20 adds the projections 16→32 and 32→64 (1×1 conv and BN each).
        assertThat(
                        json(run("summary", "resnet20", "--shortcut", "B", "--json"))
                                .get("params")
                                .asLong())
                .isEqualTo(269_722L + (16 * 32 + 2 * 32) + (32 * 64 + 2 * 64));
        // Ten classes instead of 1000 shrink resnet50's fc from 2048·1000+1000 to 2048·10+10.
        assertThat(
                        json(run("summary", "resnet50", "--classes", "10", "--json"))
                                .get("params")
                                .asLong())
                .isEqualTo(25_557_032L - 2048L * 990 - 990);
        // torchvision's layout: stride on the 3×3, 4.1×10^9 multiply-adds.
        assertThat(
                        json(run("summary", "resnet50", "--stride-on", "3x3", "--json"))
                                .get("mult_adds")
                                .asDouble())
                .isCloseTo(4.1e9, withinPercentage(3));
        assertThat(
                        json(run("summary", "resnet18", "--input-size", "112", "--json"))
                                .get("input_size")
                                .asInt())
                .isEqualTo(112);
    }

    @Test
    void summaryTablePrintsTheStagesOfTable1AndTheTotals() {
        CommandRun outcome = run("summary", "resnet34");

        assertThat(outcome.status()).isZero();
        assertThat(outcome.err()).isEmpty();
        assertThat(outcome.out())
                .contains("conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x", "56×56", "7×7")
                .contains("21,797,672");
    }

    @Test
    void modelsListsEveryNamedModelWithADescription() {
        CommandRun outcome = run("models");

        assertThat(outcome.status()).isZero();
        List<String> lines = outcome.out().lines().toList();
        for (ModelSpec spec : ModelRegistry.named()) {
            assertThat(lines)
                    .as("a line for %s", spec.name())
                    .anyMatch(
                            line ->
                                    line.startsWith(spec.name() + " ")
                                            && line.contains(spec.description()));
        }
    }

    @Test
    void helpListsTheSubcommands() {
        CommandRun outcome = run("--help");

        assertThat(outcome.status()).isZero();
        assertThat(outcome.out()).contains("models", "summary");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "summary resnet999        | resnet999",
                "summary vggnet           | vggnet",
                "summary resnet50 --classes 0 | --classes",
                "summary resnet50 --stride-on 2x2 | --stride-on",
                "summary plain34 --shortcut B | plain34",
                "summary vgg16 --input-size 100 | 100",
                "summary resnet50 --input-size 0 | --input-size"
            })
    void userErrorIsOneLineOnStderrWithoutAStackTrace(String command, String named) {
        CommandRun outcome = run(command.strip().split("\\s+"));

        assertThat(outcome.status()).isNotZero();
        assertThat(outcome.errLines()).hasSize(1);
        assertThat(outcome.errLines().get(0)).startsWith("error: ").contains(named);
        assertThat(outcome.out()).isEmpty();
    }

    /**
     * Values that picocli itself rejects (a wrong enum constant, a non-number, an unknown flag):
     * the first line names the flag and the value, and no stack trace follows.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "summary resnet50 --shortcut D | --shortcut",
                "summary resnet50 --input-size abc | --input-size",
                "summary resnet50 --bogus | --bogus"
            })
    void badFlagValueIsReportedFirstOnStderrWithoutAStackTrace(String command, String flag) {
        CommandRun outcome = run(command.strip().split("\\s+"));

        assertThat(outcome.status()).isNotZero();
        assertThat(outcome.errLines()).isNotEmpty();
        assertThat(outcome.errLines().get(0)).contains(flag);
        assertThat(outcome.err())
                .doesNotContain("Exception")
                .doesNotContainPattern("\\n\\s+at [\\w.$]+\\(");
        assertThat(outcome.out()).isEmpty();
    }
}
