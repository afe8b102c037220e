package org.resnetj.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnetj.data.Cifar10;
import org.resnetj.data.ImageFolderFiles;
import org.resnetj.data.SyntheticCifar;
import org.resnetj.model.ModelRegistry;

/** Which kind of data a path holds, and what each kind trains. */
class DataKindTest {

    @TempDir Path dir;

    @Test
    void aFolderOfClassFoldersIsAnImageFolder() throws IOException {
        Path folder = ImageFolderFiles.threeClasses(dir.resolve("images"));

        assertThat(DataKind.of(folder)).isSameAs(DataKind.IMAGE_FOLDER);
        assertThat(DataKind.of(folder).open(folder).classes()).isEqualTo(3);
    }

    @Test
    void aDirectoryOfCifarBinaryFilesIsCifar10AndReadsAsSuch() throws IOException {
        Path cifar = dir.resolve("cifar");
        SyntheticCifar.write(cifar, 10, 20, 1);
        DataKind kind = DataKind.of(cifar);

        assertThat(kind).isSameAs(DataKind.CIFAR10);
        DataKind.Opened opened = kind.open(cifar);
        assertThat(opened.classes()).isEqualTo(10);
        assertThat(opened.evalImages()).isEqualTo(20);
    }

    @Test
    void theBatchesFolderOfTheOfficialArchiveIsCifar10() throws IOException {
        Path inside = Files.createDirectories(dir.resolve("data"));
        SyntheticCifar.write(inside.resolve(Cifar10.ARCHIVE_DIR), 10, 10, 1);

        assertThat(DataKind.of(inside)).isSameAs(DataKind.CIFAR10);
    }

    @Test
    void aDirectoryOfNeitherKindIsRefusedInOneLineNamingBothKinds() throws IOException {
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.writeString(other.resolve("notes.txt"), "not data");

        assertThatThrownBy(() -> DataKind.of(other))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(other + " holds no data of a known kind: expected ")
                .hasMessageContaining("CIFAR-10 binary files (a directory with data_batch_1.bin")
                .hasMessageContaining("an image folder (DIR/train/CLASS/*.jpg")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> DataKind.of(dir.resolve("missing")))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(dir.resolve("missing") + " does not exist: expected ");
    }

    @Test
    void everyKindTrainsItsDefaultModelAndOnlyItsOwnFamily() {
        for (DataKind kind : DataKind.ALL) {
            assertThat(kind.trains(ModelRegistry.get(kind.defaultModel())))
                    .as("%s trains %s", kind.description(), kind.defaultModel())
                    .isTrue();
        }
        assertThat(DataKind.CIFAR10.trains(ModelRegistry.get("plain56"))).isTrue();
        assertThat(DataKind.CIFAR10.trains(ModelRegistry.get("resnet50"))).isFalse();
        assertThat(DataKind.IMAGE_FOLDER.trains(ModelRegistry.get("vgg16"))).isTrue();
        assertThat(DataKind.IMAGE_FOLDER.trains(ModelRegistry.get("resnet110"))).isFalse();
    }

    @Test
    void aNetworkOfAnotherKindIsRefusedNamingWhatItTrainsOn() {
        Path folder = dir.resolve("images");

        assertThatThrownBy(
                        () ->
                                DataKind.IMAGE_FOLDER.checkTrains(
                                        ModelRegistry.get("resnet20"), folder))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        folder
                                + " is an image folder, which trains an ImageNet net (resnet18 ..."
                                + " resnet152, plain18, plain34); resnet20 is a CIFAR-10 net, which"
                                + " trains on CIFAR-10 binary files ("
                                + Cifar10.layout()
                                + ")");
    }
}
