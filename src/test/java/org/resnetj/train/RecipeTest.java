package org.resnetj.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RecipeTest {

    @Test
    void defaultsAreThePapersCifarRecipe() {
        Recipe r = Recipe.paper();
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
                Recipe.paper()
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
        assertThatThrownBy(() -> Recipe.paper().with("learning_rate", "0.1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown recipe key 'learning_rate'");
        assertThatThrownBy(() -> Recipe.paper().with("batch", "big"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batch")
                .hasMessageContaining("an integer");
        assertThatThrownBy(() -> Recipe.paper().with("momentum", "1.5"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("momentum");
        assertThatThrownBy(() -> Recipe.paper().with(List.of("lr")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key=value");
    }
}
