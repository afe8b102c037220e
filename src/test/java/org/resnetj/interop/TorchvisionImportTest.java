package org.resnetj.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.checkpoint.Checkpoint;
import org.resnetj.checkpoint.LoadedModel;
import org.resnetj.data.Preprocessing;
import org.resnetj.model.ModelOptions;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Network;
import org.resnetj.model.Shortcut;
import org.resnetj.model.StridePlacement;

/**
 * Importing torchvision state_dicts that the tests write in torch.save's format, under the names
 * torchvision's own state_dict has ({@link TorchvisionStateDicts}), and refusing bad ones by name.
 */
class TorchvisionImportTest {

    @TempDir Path dir;

    /**
     * Every tensor of the file, except the step counters, is in the checkpoint with equal values,
     * under the name of the network's tensor at the same place. torchvision's state_dict and our
     * network list their learned tensors module by module in the same order (conv weight, BN scale
     * and shift), and the BN running statistics likewise, so the pairing does not come from the
     * rule under test ({@link TorchvisionNames}).
     */
    private static void assertImported(
            Map<String, TorchSave.Tensor> written, String model, Path checkpoint)
            throws IOException {
        List<String> theirLearned = new ArrayList<>();
        List<String> theirStatistics = new ArrayList<>();
        for (String name : written.keySet()) {
            if (name.endsWith(".running_mean") || name.endsWith(".running_var")) {
                theirStatistics.add(name);
            } else if (!name.endsWith(".num_batches_tracked")) {
                theirLearned.add(name);
            }
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            Checkpoint.Contents contents = Checkpoint.read(checkpoint, manager);
            ModelSpec spec = ModelRegistry.get(model);
            ModelOptions options =
                    spec.defaults()
                            .withShortcut(Shortcut.B)
                            .withStridePlacement(StridePlacement.MIDDLE_3X3)
                            .withClasses(Math.toIntExact(written.get("fc.weight").shape()[0]));
            Map<String, String> pairs = new LinkedHashMap<>();
            try (Network network = Network.create(spec.plan(options, spec.inputSize()), manager)) {
                assertThat(network.parameters()).hasSameSizeAs(theirLearned);
                assertThat(network.state()).hasSameSizeAs(theirStatistics);
                zip(theirLearned, network.parameters().keySet(), pairs);
                zip(theirStatistics, network.state().keySet(), pairs);
            }
            pairs.forEach(
                    (theirs, ours) -> {
                        NDArray array = contents.model().get(ours);
                        assertThat(array).as("%s as %s", theirs, ours).isNotNull();
                        assertThat(array.getShape().getShape())
                                .as(ours)
                                .containsExactly(written.get(theirs).shape());
                        assertThat(array.toFloatArray())
                                .as("%s as %s", theirs, ours)
                                .isEqualTo(written.get(theirs).values());
                    });
            assertThat(contents.model()).hasSameSizeAs(pairs);
            assertThat(contents.optimizer()).isEmpty();
        }
    }

    private static void zip(List<String> theirs, Iterable<String> ours, Map<String, String> pairs) {
        int i = 0;
        for (String name : ours) {
            pairs.put(theirs.get(i++), name);
        }
    }

    @Test
    void importsATorchSavedResnet18WithEveryTensorAtItsName() throws IOException {
        Path pth = dir.resolve("resnet18.pth");
        Map<String, TorchSave.Tensor> written =
                TorchvisionStateDicts.writePth(pth, "resnet18", 7, 1);
        Path out = dir.resolve("imported.zip");

        TorchvisionImport.Result result = TorchvisionImport.run(pth, "resnet18", null, out);

        assertThat(result.options().classes()).isEqualTo(7);
        assertThat(result.options().stridePlacement()).isEqualTo(StridePlacement.MIDDLE_3X3);
        assertThat(result.format()).isEqualTo("pth");
        assertThat(result.skipped()).isEqualTo(20);
        assertThat(result.tensors()).isEqualTo(written.size() - 20);
        assertImported(written, "resnet18", out);
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, Object> meta = Checkpoint.read(out, manager).meta();
            assertThat(meta.get("model")).isEqualTo("resnet18");
            assertThat(meta.get("options"))
                    .isEqualTo(
                            Map.of(
                                    "shortcut",
                                    "B",
                                    "stride_placement",
                                    "MIDDLE_3X3",
                                    "classes",
                                    7));
            assertThat(meta.get("preprocessing"))
                    .isEqualTo(Preprocessing.Torchvision.IMAGENET.describe());
            assertThat(meta.get("imported").toString()).contains("resnet18.pth", "sha256");
        }
    }

    @Test
    void importsABottleneckNetWithItsProjectionShortcuts() throws IOException {
        Path pth = dir.resolve("resnet50.pth");
        Map<String, TorchSave.Tensor> written =
                TorchvisionStateDicts.writePth(pth, "resnet50", 3, 2);
        Path out = dir.resolve("r50.zip");

        TorchvisionImport.run(pth, "resnet50", 3, out);

        assertImported(written, "resnet50", out);
    }

    @Test
    void importsASafetensorsFile() throws IOException {
        Map<String, TorchSave.Tensor> written = TorchvisionStateDicts.random("resnet18", 5, 3);
        Path file = dir.resolve("resnet18.safetensors");
        try (NDManager manager = NDManager.newBaseManager();
                OutputStream out = Files.newOutputStream(file)) {
            NDList list = new NDList();
            written.forEach(
                    (name, t) -> {
                        NDArray array =
                                t.storageType().equals("LongStorage")
                                        ? manager.create(new long[] {(long) t.values()[0]})
                                                .reshape(new Shape())
                                        : manager.create(t.values(), new Shape(t.shape()));
                        array.setName(name);
                        list.add(array);
                    });
            list.encode(out, NDList.Encoding.SAFETENSORS);
        }
        Path out = dir.resolve("from-safetensors.zip");

        TorchvisionImport.Result result = TorchvisionImport.run(file, "resnet18", null, out);

        assertThat(result.format()).isEqualTo("safetensors");
        assertImported(written, "resnet18", out);
    }

    @Test
    void theImportedCheckpointLoadsWithTorchvisionPreprocessing() throws IOException {
        Path pth = dir.resolve("resnet18.pth");
        TorchvisionStateDicts.writePth(pth, "resnet18", 4, 4);
        Path out = dir.resolve("imported.zip");
        TorchvisionImport.run(pth, "resnet18", null, out);

        try (NDManager manager = NDManager.newBaseManager();
                LoadedModel model = LoadedModel.load(out, manager)) {
            Preprocessing.Torchvision p = (Preprocessing.Torchvision) model.preprocessing();
            assertThat(p.mean()).containsExactly(0.485f, 0.456f, 0.406f);
            assertThat(p.std()).containsExactly(0.229f, 0.224f, 0.225f);
            assertThat(p.side()).isEqualTo(224);
            assertThatThrownBy(model::pixelMean)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("records torchvision preprocessing");
            NDArray logits =
                    model.classifier().logits(manager.randomNormal(new Shape(2, 3, 224, 224)));
            assertThat(logits.getShape()).isEqualTo(new Shape(2, 4));
        }
    }

    @Test
    void aPickleNamingAnotherGlobalIsRefusedAndNothingIsWritten() throws IOException {
        Path pth = dir.resolve("evil.pth");
        TorchSave.writeRaw(pth, TorchPickleTest.OS_SYSTEM, Map.of());
        Path out = dir.resolve("never.zip");

        assertThatThrownBy(() -> TorchvisionImport.run(pth, "resnet18", null, out))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("evil.pth")
                .hasMessageContaining("refused global posix.system");
        assertThat(out).doesNotExist();
    }

    @Test
    void aMissingTensorIsNamed() throws IOException {
        Map<String, TorchSave.Tensor> tensors = TorchvisionStateDicts.random("resnet18", 10, 5);
        tensors.remove("layer4.1.bn2.running_var");

        assertThatThrownBy(() -> importTensors(tensors))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(
                        "missing layer4.1.bn2.running_var (conv5_2.branch2b.bn.running_var)");
    }

    @Test
    void anUnexpectedTensorIsNamed() throws IOException {
        Map<String, TorchSave.Tensor> tensors = TorchvisionStateDicts.random("resnet18", 10, 6);
        tensors.put(
                "layer1.0.downsample.0.weight",
                new TorchSave.Tensor(
                        "FloatStorage", new long[] {64, 64, 1, 1}, new float[64 * 64]));
        tensors.put(
                "head.weight", new TorchSave.Tensor("FloatStorage", new long[] {1}, new float[1]));

        assertThatThrownBy(() -> importTensors(tensors))
                .hasMessageContaining(
                        "unexpected layer1.0.downsample.0.weight (would be conv2_1.branch1.weight)")
                .hasMessageContaining("unexpected head.weight");
    }

    @Test
    void aShapeMismatchIsNamedWithBothShapes() throws IOException {
        Map<String, TorchSave.Tensor> tensors = TorchvisionStateDicts.random("resnet18", 10, 7);
        tensors.put(
                "layer2.0.conv1.weight",
                new TorchSave.Tensor(
                        "FloatStorage", new long[] {128, 64, 1, 1}, new float[128 * 64]));

        assertThatThrownBy(() -> importTensors(tensors))
                .hasMessageContaining(
                        "layer2.0.conv1.weight has shape [128, 64, 1, 1], resnet18 expects [128,"
                                + " 64, 3, 3] (conv3_1.branch2a.weight)")
                .hasMessageNotContaining("missing");
    }

    @Test
    void classesThatDisagreeWithTheFileNameFcWeight() throws IOException {
        Path pth = dir.resolve("resnet18.pth");
        TorchvisionStateDicts.writePth(pth, "resnet18", 10, 8);

        assertThatThrownBy(() -> TorchvisionImport.run(pth, "resnet18", 1000, dir.resolve("x.zip")))
                .hasMessageContaining(
                        "fc.weight has shape [10, 512], resnet18 expects [1000, 512]");
    }

    @Test
    void onlyTheImageNetResNetsTakeTorchvisionWeights() throws IOException {
        Path pth = dir.resolve("resnet18.pth");
        TorchvisionStateDicts.writePth(pth, "resnet18", 10, 9);

        assertThatThrownBy(() -> TorchvisionImport.run(pth, "resnet20", null, dir.resolve("x.zip")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("resnet20 is not one");
        assertThatThrownBy(() -> TorchvisionImport.run(pth, "plain18", null, dir.resolve("x.zip")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TorchvisionImport.run(pth, "resnet34", null, dir.resolve("x.zip")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("missing layer1.2.conv1.weight");
    }

    private void importTensors(Map<String, TorchSave.Tensor> tensors) throws IOException {
        Path pth = dir.resolve("edited.pth");
        TorchSave.write(pth, new LinkedHashMap<>(tensors), TorchvisionStateDicts.metadata(tensors));
        TorchvisionImport.run(pth, "resnet18", null, dir.resolve("edited.zip"));
    }
}
