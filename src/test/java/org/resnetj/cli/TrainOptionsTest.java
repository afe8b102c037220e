package org.resnetj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.train.Setup;

/**
 * How {@code train} reads its recipe keys and run settings: {@code --help} lists every one, a key
 * given both by a flag and by {@code --set} is refused, and bad values are one line. The refusals
 * come before any data is read and leave nothing behind.
 */
class TrainOptionsTest {

    @TempDir Path dir;

    @Test
    void helpListsEveryKeyWithItsDefault() {
        CommandRun help = CommandRun.of("train", "--help");
        assertThat(help.status()).isZero();
        for (String key : Setup.keys()) {
            assertThat(help.out()).as(key).containsPattern("(?m)^ +" + key + " +\\S");
        }
        assertThat(help.out()).containsPattern("(?m)^ +lr +0\\.1 +base learning rate");
    }

    @Test
    void aKeyGivenByAFlagAndBySetIsRefused() {
        for (String[] conflict :
                new String[][] {
                    {"--iterations", "100", "--set", "iterations=200"},
                    {"--threads", "2", "--set", "threads=2"},
                    {"--bad-images", "skip", "--set", "bad_images=stop"},
                    {"--set", "lr=0.1", "--set", "lr=0.2"}
                }) {
            List<String> options = new ArrayList<>(List.of("--out", dir.resolve("run").toString()));
            options.addAll(List.of(conflict));
            CommandRun run = train(options.toArray(String[]::new));
            assertThat(run.status()).as(String.join(" ", conflict)).isEqualTo(1);
            assertThat(run.errLines()).hasSize(1);
            assertThat(run.err()).contains("is given twice").contains("give it once");
        }
        assertThat(dir.resolve("run")).doesNotExist();
    }

    @Test
    void aLearningRateThatIsNotFiniteIsRefusedInOneLine() {
        for (String lr : new String[] {"Infinity", "NaN", "-Infinity", "1e39"}) {
            CommandRun run = train("--set", "lr=" + lr);
            assertThat(run.status()).as(lr).isEqualTo(1);
            assertThat(run.errLines())
                    .containsExactly(
                            "error: bad value '" + lr + "' for lr: expected a number above 0");
        }
    }

    @Test
    void aRuleBetweenTwoKeysIsOneLine() {
        CommandRun run = train("--set", "lr_policy=plateau", "--set", "eval_every=0");
        assertThat(run.status()).isEqualTo(1);
        assertThat(run.errLines())
                .containsExactly(
                        "error: lr_policy=plateau watches the evaluation error: set eval_every"
                                + " above 0");
    }

    /** {@code train} on CIFAR-10 data that is never read: every refusal comes before. */
    private CommandRun train(String... options) {
        List<String> args =
                new ArrayList<>(List.of("train", "--data", dir.resolve("cifar").toString()));
        args.addAll(List.of(options));
        return CommandRun.of(args.toArray(String[]::new));
    }
}
