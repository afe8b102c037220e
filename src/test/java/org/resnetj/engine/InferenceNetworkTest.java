package org.resnetj.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.resnetj.model.ModelOptions;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Network;
import org.resnetj.model.Shortcut;
import org.resnetj.model.StridePlacement;
import org.resnetj.testing.Networks;

/**
 * {@link InferenceNetwork}: the compiled TorchScript path (BN folded, oneDNN's layout, packed
 * weights) gives the logits of the eager, unfolded network, for every kind of layer and shortcut
 * the plans have, at batch 1 and above.
 */
class InferenceNetworkTest {

    /** Largest allowed |compiled − eager| over the largest |eager| logit. */
    private static final double RELATIVE_TOLERANCE = 1e-4;

    @BeforeEach
    void seed() {
        Engine.getInstance().setRandomSeed(Networks.SEED);
    }

    @ParameterizedTest(name = "{0}, shortcut {1}, stride on {2}, {3}×{3}, batch {4}")
    @CsvSource({
        "resnet50, B, 3x3, 64, 1",
        "resnet50, B, 1x1, 64, 3",
        "resnet18, C, 1x1, 64, 2",
        "resnet34, A, 1x1, 64, 1",
        "plain18, B, 1x1, 64, 1",
        "resnet20, A, 1x1, 32, 4",
        "resnet20, B, 1x1, 32, 1",
        "plain20, A, 1x1, 32, 2",
        "vgg16, B, 1x1, 32, 2"
    })
    void compiledLogitsEqualEagerLogits(
            String model, String shortcut, String strideOn, int size, int batch) {
        ModelSpec spec = ModelRegistry.get(model);
        ModelOptions options =
                spec.defaults()
                        .withShortcut(Shortcut.valueOf(shortcut))
                        .withStridePlacement(
                                strideOn.equals("3x3")
                                        ? StridePlacement.MIDDLE_3X3
                                        : StridePlacement.FIRST_1X1)
                        .withClasses(100);
        try (NDManager manager = NDManager.newBaseManager()) {
            Network network = Network.create(spec.plan(options, size), manager);
            Networks.randomiseBatchNorm(network, manager, size);
            NDArray x = manager.randomNormal(new Shape(batch, 3, size, size));
            float[] eager = network.forward(x, false).toFloatArray();

            try (InferenceNetwork compiled = InferenceNetwork.compile(network)) {
                NDArray logits = compiled.logits(x);

                assertThat(logits.getShape()).isEqualTo(new Shape(batch, 100));
                assertThat(logits.getManager()).isSameAs(x.getManager());
                float[] values = logits.toFloatArray();
                assertThat(Networks.relativeDifference(values, eager))
                        .isLessThan(RELATIVE_TOLERANCE);
                assertThat(Networks.maxAbs(eager))
                        .as("logits of a sane scale")
                        .isBetween(1e-2, 1e3);
                assertThat(compiled.logits(x).toFloatArray())
                        .as("a second batch through the same weights")
                        .containsExactly(values);
            }
        }
    }

    @Test
    void aNetworkThatWasTrainingCompilesToItsInferenceLogits() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Network network = Network.create(ModelRegistry.get("resnet20").plan(), manager);
            network.requireGradients();
            Networks.randomiseBatchNorm(network, manager, 32);
            NDArray x = manager.randomNormal(new Shape(2, 3, 32, 32));
            float[] eager = network.forward(x, false).toFloatArray();

            try (InferenceNetwork compiled = InferenceNetwork.compile(network)) {
                assertThat(Networks.relativeDifference(compiled.logits(x).toFloatArray(), eager))
                        .isLessThan(RELATIVE_TOLERANCE);
            }
        }
    }

    /**
     * The module's temporary file is written to {@code java.io.tmpdir} and deleted once loaded:
     * watched in a directory of this test's own, since the shared one may hold other processes'
     * files of the same name.
     */
    @Test
    void compilingConsumesTheNetworkAndTheCompiledOneOwnsItsWeights(@TempDir Path tmp)
            throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Network network = Network.create(ModelRegistry.get("resnet20").plan(), manager);
            NDArray conv1 = network.parameters().get("conv1.weight");
            NDArray fc = network.parameters().get("fc.weight");
            InferenceNetwork compiled;
            List<String> events;
            String shared = System.getProperty("java.io.tmpdir");
            try (WatchService watch = tmp.getFileSystem().newWatchService()) {
                tmp.register(
                        watch,
                        StandardWatchEventKinds.ENTRY_CREATE,
                        StandardWatchEventKinds.ENTRY_DELETE);
                System.setProperty("java.io.tmpdir", tmp.toString());
                try {
                    compiled = InferenceNetwork.compile(network);
                } finally {
                    System.setProperty("java.io.tmpdir", shared);
                }
                events = events(watch, 2);
            }

            assertThat(events).hasSize(2);
            assertThat(events.get(0)).matches("ENTRY_CREATE resnetj-inference-\\d+\\.pt");
            assertThat(events.get(1))
                    .isEqualTo(events.get(0).replace("ENTRY_CREATE", "ENTRY_DELETE"));
            assertThat(tmp).isEmptyDirectory();

            if (HiddenCaches.active()) {
                assertThat(conv1.getManager())
                        .as("the folded dense weights move to the compiled network")
                        .isSameAs(compiled.manager());
            } else {
                assertThat(conv1.isReleased())
                        .as("the dense weights are freed once packed")
                        .isTrue();
            }
            assertThat(network.manager().isOpen()).isFalse();
            assertThat(fc.getManager()).isSameAs(compiled.manager());
            assertThat(compiled.plan()).isSameAs(network.plan());

            compiled.close();
            assertThat(fc.isReleased()).isTrue();
            assertThat(conv1.isReleased()).isTrue();
            assertThat(compiled.manager().isOpen()).isFalse();
        }
    }

    /**
     * The first {@code count} events of {@code watch} as "KIND name", waiting up to 10 s for them.
     */
    private static List<String> events(WatchService watch, int count) throws InterruptedException {
        List<String> events = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (events.size() < count && System.nanoTime() < deadline) {
            WatchKey key = watch.poll(100, TimeUnit.MILLISECONDS);
            if (key != null) {
                key.pollEvents().forEach(e -> events.add(e.kind().name() + " " + e.context()));
                key.reset();
            }
        }
        return events;
    }
}
