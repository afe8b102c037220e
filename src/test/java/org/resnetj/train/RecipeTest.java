package org.resnetj.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.checkpoint.Provenance;
import org.resnetj.data.BadImages;

class RecipeTest {

    @TempDir Path dir;

    @Test
    void defaultsAreThePapersCifarRecipe() {
        Recipe r = Recipe.cifar10();
        assertThat(r.lr()).isEqualTo(0.1f);
        assertThat(r.momentum()).isEqualTo(0.9f);
        assertThat(r.weightDecay()).isEqualTo(1e-4f);
        assertThat(r.batch()).isEqualTo(128);
        assertThat(r.iterations()).isEqualTo(64_000);
        assertThat(r.lrSteps()).containsExactly(0.5, 0.75);
        assertThat(r.warmupLr()).isEqualTo(0.01f);
        assertThat(r.warmupUntilError()).isEqualTo(0.8f);
    }

    @Test
    void overridesAreTypedAndRoundTrip() {
        Recipe r =
                Recipe.cifar10()
                        .with(
                                List.of(
                                        "lr=0.05",
                                        "batch=64",
                                        "lr_steps=0.3,0.6,0.9",
                                        "validation=true"));
        assertThat(r.lr()).isEqualTo(0.05f);
        assertThat(r.batch()).isEqualTo(64);
        assertThat(r.lrSteps()).containsExactly(0.3, 0.6, 0.9);
        assertThat(r.validation()).isTrue();
        assertThat(Recipe.fromMap(r.toMap())).isEqualTo(r);
    }

    @Test
    void unknownKeysAndBadValuesAreRejectedWithTheirName() {
        assertThatThrownBy(() -> Recipe.cifar10().with("learning_rate", "0.1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown recipe key 'learning_rate'");
        assertThatThrownBy(() -> Recipe.cifar10().with("batch", "big"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batch")
                .hasMessageContaining("an integer");
        assertThatThrownBy(() -> Recipe.cifar10().with("momentum", "1.5"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("momentum");
        assertThatThrownBy(() -> Recipe.cifar10().with(List.of("lr")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key=value");
    }

    @Test
    void numbersThatAreNotFiniteAreRefused() {
        for (String key : List.of("lr", "momentum", "warmup_lr", "lr_steps")) {
            for (String value : List.of("Infinity", "NaN", "-Infinity")) {
                assertThatThrownBy(() -> Recipe.cifar10().with(key, value))
                        .as("%s=%s", key, value)
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageStartingWith("bad value '" + value + "' for " + key)
                        .hasMessageNotContaining("\n");
            }
        }
    }

    @Test
    void wordChoicesAreEnumsStoredInLowerCase() {
        Recipe r =
                Recipe.cifar10()
                        .with(
                                List.of(
                                        "lr_policy=PLATEAU",
                                        "warmup=off",
                                        "lighting_pca=Data",
                                        "bad_images=skip"));
        assertThat(r.lrPolicy()).isEqualTo(Recipe.LrPolicy.PLATEAU);
        assertThat(r.warmup()).isEqualTo(Recipe.Warmup.OFF);
        assertThat(r.lightingPca()).isEqualTo(Recipe.LightingPca.DATA);
        assertThat(r.badImages()).isEqualTo(BadImages.SKIP);
        assertThat(r.toMap())
                .containsEntry("lr_policy", "plateau")
                .containsEntry("warmup", "off")
                .containsEntry("lighting_pca", "data")
                .containsEntry("bad_images", "skip");
        assertThatThrownBy(() -> Recipe.cifar10().with("bad_images", "maybe"))
                .hasMessage("bad value 'maybe' for bad_images: expected stop or skip");
        assertThatThrownBy(() -> Recipe.cifar10().with("warmup", "sometimes"))
                .hasMessage("bad value 'sometimes' for warmup: expected auto, on or off");
    }

    @Test
    void runSettingsAreSetBesideTheRecipeButAreNotPartOfIt() {
        assertThat(Recipe.keys()).doesNotContain("log_every", "threads");
        assertThatThrownBy(() -> Recipe.cifar10().with("log_every", "10"))
                .hasMessageContaining("unknown recipe key 'log_every'");
        Setup setup = Setup.cifar10().with(List.of("log_every=10", "threads=3", "lr=0.2"));
        assertThat(setup.run().logEvery()).isEqualTo(10);
        assertThat(setup.run().threads()).isEqualTo(3);
        assertThat(setup.recipe()).isEqualTo(Recipe.cifar10().with("lr", "0.2"));
        assertThat(Setup.keys()).containsAll(Recipe.keys()).contains("log_every", "threads");
    }

    /** The plateau policy watches evaluations: it needs some, once every assignment is applied. */
    @Test
    void aRuleBetweenTwoKeysJudgesTheSetupOnceAllAssignmentsAreApplied() {
        assertThatThrownBy(() -> Setup.cifar10().with(List.of("eval_every=0", "lr_policy=plateau")))
                .hasMessageContaining("lr_policy=plateau watches the evaluation error");
        Setup fine =
                Setup.cifar10().with(List.of("eval_every=0", "lr_policy=plateau", "eval_every=10"));
        assertThat(fine.run().evalEvery()).isEqualTo(10);
        assertThat(Setup.imagenet().recipe().lrPolicy()).isEqualTo(Recipe.LrPolicy.PLATEAU);
        assertThat(Setup.imagenet().run().evalEvery()).isEqualTo(5000);
        assertThat(Setup.imagenet().run().checkpointEvery()).isEqualTo(5000);
    }

    /** The README's tables are the declarations' own, row for row. */
    @Test
    void readmeTablesAreGeneratedFromTheDeclarations() throws IOException {
        List<String> readme = Files.readAllLines(Path.of("README.md"), StandardCharsets.UTF_8);
        assertThat(table(readme, "| recipe key |")).isEqualTo(Setup.recipeTable());
        assertThat(table(readme, "| run setting |")).isEqualTo(Setup.runSettingsTable());
    }

    /**
     * A configuration written before the run settings had a section of their own (everything in
     * {@code recipe}, no {@code warmup_window}), before the engine and host were recorded, and with
     * the iterations and batch size repeated outside the recipe still reads: its run settings are
     * taken from the recipe's map, the new key has its default, its provenance is its code version
     * alone, and written again it reads back the same, with the iterations and batch size only in
     * the recipe.
     */
    @Test
    void configurationInTheOlderLayoutStillReads() throws IOException {
        Path run = Files.createDirectories(dir.resolve("old"));
        Files.writeString(
                run.resolve(RunConfig.FILE),
                """
                {
                  "model" : "resnet110",
                  "options" : { "shortcut" : "A", "stride_placement" : "FIRST_1X1", "classes" : 10 },
                  "data" : "/data/cifar",
                  "synthetic" : false,
                  "iterations" : 64000,
                  "batch" : 128,
                  "recipe" : {
                    "lr" : 0.1, "momentum" : 0.9, "weight_decay" : 1.0E-4, "batch" : 128,
                    "iterations" : 64000, "lr_policy" : "steps", "lr_steps" : [ 0.5, 0.75 ],
                    "lr_decay" : 0.1, "plateau_patience" : 3, "plateau_threshold" : 0.002,
                    "warmup" : "auto", "warmup_lr" : 0.01, "warmup_until_error" : 0.8,
                    "validation" : false, "log_every" : 50, "eval_every" : 1000,
                    "checkpoint_every" : 500, "keep_checkpoints" : 2, "grad_norm_every" : 0,
                    "seed" : 3, "threads" : 2, "lighting" : 0.1, "lighting_pca" : "imagenet",
                    "bad_images" : "stop"
                  },
                  "code_version" : "old"
                }
                """);
        RunConfig config = RunConfig.read(run);
        assertThat(config.spec().depth()).isEqualTo(110);
        assertThat(config.run())
                .isEqualTo(
                        RunSettings.defaults()
                                .with("log_every", "50")
                                .with("eval_every", "1000")
                                .with("checkpoint_every", "500")
                                .with("keep_checkpoints", "2")
                                .with("threads", "2"));
        assertThat(config.recipe()).isEqualTo(Recipe.cifar10().with("seed", "3"));
        assertThat(config.provenance()).isEqualTo(new Provenance("old", null));
        config.write(run);
        assertThat(RunConfig.read(run)).isEqualTo(config);
        String written = Files.readString(run.resolve(RunConfig.FILE));
        assertThat(written).contains("\"run\" :").contains("\"code_version\" : \"old\"");
        assertThat(written.split("\"iterations\"", -1)).hasSize(2);
        assertThat(written.split("\"batch\"", -1)).hasSize(2);
    }

    private static String table(List<String> lines, String header) {
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(header)) {
                assertThat(start).as("one table headed %s", header).isEqualTo(-1);
                start = i;
            }
        }
        assertThat(start).as("the README has a table headed %s", header).isNotNegative();
        StringBuilder table = new StringBuilder();
        for (int i = start; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            table.append(lines.get(i)).append('\n');
        }
        return table.toString();
    }
}
