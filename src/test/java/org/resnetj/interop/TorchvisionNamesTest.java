package org.resnetj.interop;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Network;
import org.resnetj.model.Shortcut;
import org.resnetj.model.StridePlacement;

/** The naming rule, over every registered network that torchvision has weights for. */
class TorchvisionNamesTest {

    static Stream<String> torchvisionNets() {
        return ModelRegistry.named().stream()
                .filter(s -> s.family() == ModelSpec.Family.IMAGENET && s.residual())
                .map(ModelSpec::name);
    }

    /**
     * Our network's tensors, renamed by the rule, are exactly the keys of torchvision's state_dict
     * for the same depth (listed by {@code bench/torchvision_keys.py}) with the same shapes, the BN
     * step counters aside; and the rule maps each back.
     */
    @ParameterizedTest
    @MethodSource("torchvisionNets")
    void everyTensorOfTheNetworkIsTheTensorOfTorchvisionsStateDictThatItsNameMapsTo(String model) {
        ModelSpec spec = ModelRegistry.get(model);
        Map<String, long[]> ours = new LinkedHashMap<>();
        try (NDManager manager = NDManager.newBaseManager();
                Network network =
                        Network.create(
                                spec.plan(
                                        spec.defaults()
                                                .withShortcut(Shortcut.B)
                                                .withStridePlacement(StridePlacement.MIDDLE_3X3),
                                        spec.inputSize()),
                                manager)) {
            network.parameters()
                    .forEach((name, array) -> ours.put(name, array.getShape().getShape()));
            network.state().forEach((name, array) -> ours.put(name, array.getShape().getShape()));
        }
        Map<String, long[]> theirs = new LinkedHashMap<>();
        List<String> stepCounters = new ArrayList<>();
        for (TorchvisionStateDicts.Key key : TorchvisionStateDicts.keys(model)) {
            if (key.dtype().equals("int64")) {
                stepCounters.add(key.name());
            } else {
                theirs.put(key.name(), key.shape());
            }
        }

        Map<String, long[]> renamed = new LinkedHashMap<>();
        ours.forEach(
                (name, shape) ->
                        renamed.put(
                                TorchvisionNames.toTorchvision(name)
                                        .orElseThrow(
                                                () ->
                                                        new AssertionError(
                                                                "no torchvision name for " + name)),
                                shape));
        assertThat(renamed.keySet()).containsExactlyInAnyOrderElementsOf(theirs.keySet());
        theirs.forEach(
                (name, shape) -> assertThat(renamed.get(name)).as(name).containsExactly(shape));
        theirs.keySet()
                .forEach(
                        name ->
                                assertThat(
                                                TorchvisionNames.toOurs(name)
                                                        .flatMap(TorchvisionNames::toTorchvision))
                                        .as(name)
                                        .contains(name));
        assertThat(ours.keySet())
                .allSatisfy(
                        name ->
                                assertThat(
                                                TorchvisionNames.toTorchvision(name)
                                                        .flatMap(TorchvisionNames::toOurs))
                                        .contains(name));
        assertThat(stepCounters)
                .isNotEmpty()
                .allSatisfy(
                        name -> {
                            assertThat(TorchvisionNames.isStepCounter(name)).as(name).isTrue();
                            assertThat(TorchvisionNames.toOurs(name)).as(name).isEmpty();
                        });
    }

    @ParameterizedTest
    @CsvSource({
        "conv1.weight, conv1.weight",
        "bn1.weight, conv1.bn.gamma",
        "bn1.bias, conv1.bn.beta",
        "bn1.running_mean, conv1.bn.running_mean",
        "bn1.running_var, conv1.bn.running_var",
        "layer1.0.conv1.weight, conv2_1.branch2a.weight",
        "layer2.3.conv3.weight, conv3_4.branch2c.weight",
        "layer3.5.bn2.weight, conv4_6.branch2b.bn.gamma",
        "layer4.0.downsample.0.weight, conv5_1.branch1.weight",
        "layer4.0.downsample.1.running_var, conv5_1.branch1.bn.running_var",
        "fc.weight, fc.weight",
        "fc.bias, fc.bias"
    })
    void namesFollowTheRule(String torchvision, String ours) {
        assertThat(TorchvisionNames.toOurs(torchvision)).contains(ours);
        assertThat(TorchvisionNames.toTorchvision(ours)).contains(torchvision);
    }

    @Test
    void namesOutsideTheRuleHaveNoCounterpart() {
        assertThat(TorchvisionNames.toOurs("layer1.0.conv4.weight")).isEmpty();
        assertThat(TorchvisionNames.toOurs("layer1.0.bn1.num_batches_tracked")).isEmpty();
        assertThat(TorchvisionNames.toOurs("head.weight")).isEmpty();
        assertThat(TorchvisionNames.toOurs("layer1.0.downsample.2.weight")).isEmpty();
        assertThat(TorchvisionNames.isStepCounter("layer1.0.bn1.num_batches_tracked")).isTrue();
        assertThat(TorchvisionNames.toTorchvision("conv1_1.branch2a.weight")).isEmpty();
    }
}
