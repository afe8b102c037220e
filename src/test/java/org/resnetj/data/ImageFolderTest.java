package org.resnetj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Listing an image folder: classes, files, the two splits and the labels file. */
class ImageFolderTest {

    @TempDir Path dir;

    private static List<String> relativeFiles(ImageFolder.Split split) {
        List<String> files = new ArrayList<>();
        for (int i = 0; i < split.size(); i++) {
            files.add(split.directory().relativize(split.file(i)).toString());
        }
        return files;
    }

    @Test
    void classIndicesAreThePositionsOfTheSortedTrainFolders() throws IOException {
        Path root = dir.resolve("set");
        for (String name : List.of("n02", "B", "a", "n01", "A10", "A9")) {
            ImageFolderFiles.rgbJpeg(
                    Files.createDirectories(root.resolve("train").resolve(name)).resolve("x.jpg"),
                    40,
                    30,
                    1);
        }

        ImageFolder folder = ImageFolder.open(root, null);

        // String natural order, as Python's sorted(): upper case before lower, "A10" before "A9".
        assertThat(folder.classNames()).containsExactly("A10", "A9", "B", "a", "n01", "n02");
        assertThat(folder.labels()).isEqualTo(folder.classNames());
        assertThat(folder.train().classes()).isEqualTo(6);
        for (int i = 0; i < 6; i++) {
            assertThat(folder.train().label(i)).isEqualTo(i);
            assertThat(folder.train().file(i).getParent().getFileName().toString())
                    .isEqualTo(folder.classNames().get(i));
        }
        assertThat(folder.val()).isEmpty();
    }

    @Test
    void imagesAreTheImageFilesBelowEachClassSortedByPathIgnoringHiddenAndOtherFiles()
            throws IOException {
        ImageFolder folder = ImageFolder.open(ImageFolderFiles.threeClasses(dir), null);
        ImageFolder.Split train = folder.train();

        assertThat(folder.classNames()).containsExactly("ant", "bee", "cat");
        assertThat(relativeFiles(train))
                .containsExactly(
                        "ant/a.jpeg",
                        "ant/nested/b.jpg",
                        "bee/c.JPG",
                        "bee/d.png",
                        "bee/e.bmp",
                        "cat/f.jpg",
                        "cat/g.jpg");
        assertThat(
                        List.of(
                                train.label(0),
                                train.label(1),
                                train.label(2),
                                train.label(4),
                                train.label(5),
                                train.label(6)))
                .containsExactly(0, 0, 1, 1, 2, 2);
        assertThat(train.describe(3)).isEqualTo(dir.resolve("train/bee/d.png").toString());
        assertThat(train.name()).isEqualTo("train");
    }

    @Test
    void valTakesTheTrainIndicesOfItsClassesAndMayHoldFewer() throws IOException {
        ImageFolder folder = ImageFolder.open(ImageFolderFiles.threeClasses(dir), null);

        ImageFolder.Split val = folder.val().orElseThrow();

        assertThat(val.name()).isEqualTo("val");
        assertThat(relativeFiles(val)).containsExactly("ant/v1.jpg", "cat/v2.jpg");
        assertThat(val.label(0)).isEqualTo(0);
        assertThat(val.label(1)).isEqualTo(2);
        assertThat(val.classes()).isEqualTo(3);
    }

    @Test
    void everyImageDecodesWhateverItsFormatAndColourModel() throws IOException {
        ImageFolder.Split train =
                ImageFolder.open(ImageFolderFiles.threeClasses(dir), null).train();
        int[][] sizes = {{300, 200}, {64, 48}, {40, 30}, {50, 50}, {45, 35}, {60, 80}, {120, 90}};

        for (int i = 0; i < train.size(); i++) {
            RgbImage image = train.image(i);
            assertThat(new int[] {image.width(), image.height()})
                    .as(train.describe(i))
                    .containsExactly(sizes[i]);
        }
        RgbImage gray = train.image(5);
        assertThat(gray.sample(0, 10, 10))
                .isEqualTo(gray.sample(1, 10, 10))
                .isEqualTo(gray.sample(2, 10, 10));
        RgbImage cmyk = train.image(2);
        assertThat(cmyk.sample(0, 15, 5)).as("red half of the CMYK JPEG").isGreaterThan(200);
    }

    @Test
    void looksLikeWantsATrainOrValFolderHoldingAFolder() throws IOException {
        assertThat(ImageFolder.looksLike(ImageFolderFiles.threeClasses(dir.resolve("full"))))
                .isTrue();
        Files.createDirectories(dir.resolve("valonly/val/n01"));
        assertThat(ImageFolder.looksLike(dir.resolve("valonly"))).isTrue();
        Files.createDirectories(dir.resolve("flat/train"));
        Files.writeString(dir.resolve("flat/train/x.jpg"), "x");
        assertThat(ImageFolder.looksLike(dir.resolve("flat"))).isFalse();
        assertThat(ImageFolder.looksLike(dir.resolve("missing"))).isFalse();
        Files.createDirectories(dir.resolve("cifar"));
        Files.writeString(dir.resolve("cifar/data_batch_1.bin"), "x");
        assertThat(ImageFolder.looksLike(dir.resolve("cifar"))).isFalse();
    }

    @Test
    void aMissingRootIsAOneLineError() {
        Path root = dir.resolve("nowhere");

        assertThatThrownBy(() -> ImageFolder.open(root, null))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(root.toString())
                .hasMessageContaining("does not exist")
                .hasMessageNotContaining("\n");
    }

    @Test
    void aRootWithoutTrainSaysWhatLayoutIsExpected() throws IOException {
        ImageFolderFiles.rgbJpeg(
                Files.createDirectories(dir.resolve("val/ant")).resolve("v.jpg"), 40, 30, 1);

        assertThatThrownBy(() -> ImageFolder.open(dir, null))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("no train/ folder")
                .hasMessageContaining("ROOT/train/CLASS/*.jpg");
    }

    @Test
    void aClassFolderWithoutImagesIsNamed() throws IOException {
        ImageFolderFiles.threeClasses(dir);
        Path empty = Files.createDirectories(dir.resolve("train/dog"));
        Files.writeString(empty.resolve("labels.csv"), "not an image");

        assertThatThrownBy(() -> ImageFolder.open(dir, null))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(empty.toString())
                .hasMessageContaining("holds no images")
                .hasMessageContaining(".jpg");
    }

    @Test
    void aValClassAbsentFromTrainIsNamed() throws IOException {
        ImageFolderFiles.threeClasses(dir);
        ImageFolderFiles.rgbJpeg(
                Files.createDirectories(dir.resolve("val/dog")).resolve("v.jpg"), 40, 30, 1);

        assertThatThrownBy(() -> ImageFolder.open(dir, null))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(dir.resolve("val/dog").toString())
                .hasMessageContaining("no counterpart in " + dir.resolve("train"));
    }

    @Test
    void aFlatValFolderIsExplained() throws IOException {
        ImageFolderFiles.rgbJpeg(
                Files.createDirectories(dir.resolve("train/ant")).resolve("a.jpg"), 40, 30, 1);
        ImageFolderFiles.rgbJpeg(
                Files.createDirectories(dir.resolve("val")).resolve("ILSVRC2012_val_00000001.JPEG"),
                40,
                30,
                2);

        assertThatThrownBy(() -> ImageFolder.open(dir, null))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(dir.resolve("val").toString())
                .hasMessageContaining("holds no class folders")
                .hasMessageContaining("flat");
    }

    @Test
    void aMappingLabelsFileIsMatchedByFolderNameInAnyOrder() throws IOException {
        ImageFolderFiles.threeClasses(dir);
        Path labels = dir.resolve("synset_words.txt");
        Files.writeString(
                labels,
                "\uFEFFn01440764 tench, Tinca tinca\n"
                        + "cat\tdomestic cat, house cat\n"
                        + "ant  ant, emmet, pismire\n"
                        + "\n"
                        + "bee bee\n",
                StandardCharsets.UTF_8);

        ImageFolder folder = ImageFolder.open(dir, labels);

        assertThat(folder.labels())
                .containsExactly("ant, emmet, pismire", "bee", "domestic cat, house cat");
        assertThat(folder.labelsFile()).contains(labels);
    }

    @Test
    void aPlainLabelsFileGivesOneNamePerClassInIndexOrder() throws IOException {
        ImageFolderFiles.threeClasses(dir);
        Path labels = dir.resolve("names.txt");
        Files.writeString(labels, "Ameise\nBiene\nKatze, Hauskatze\n\n", StandardCharsets.UTF_8);

        assertThat(ImageFolder.open(dir, labels).labels())
                .containsExactly("Ameise", "Biene", "Katze, Hauskatze");
    }

    @Test
    void labelsTxtInTheRootIsReadWhenNoFileIsGiven() throws IOException {
        ImageFolderFiles.threeClasses(dir);
        Files.writeString(
                dir.resolve("labels.txt"), "fourmi\nabeille\nchat\n", StandardCharsets.UTF_8);

        ImageFolder folder = ImageFolder.open(dir, null);

        assertThat(folder.labels()).containsExactly("fourmi", "abeille", "chat");
        assertThat(folder.labelsFile()).contains(dir.resolve("labels.txt"));
        assertThat(folder.classNames()).containsExactly("ant", "bee", "cat");
    }

    @Test
    void aPlainLabelsFileWithTheWrongNumberOfLinesSaysWhatWasExpected() throws IOException {
        ImageFolderFiles.threeClasses(dir);
        Path labels = dir.resolve("names.txt");
        Files.writeString(labels, "one\ntwo\n");

        assertThatThrownBy(() -> ImageFolder.open(dir, labels))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(labels.toString())
                .hasMessageContaining("matches neither form")
                .hasMessageContaining("3 plain lines")
                .hasMessageContaining("got 2 lines")
                .hasMessageNotContaining("\n");
    }

    @Test
    void aMappingThatMissesAClassNamesItAndTheUnknownFolder() throws IOException {
        ImageFolderFiles.threeClasses(dir);
        Path labels = dir.resolve("synsets.txt");
        Files.writeString(labels, "ant ant\nbee bee\nkat cat with a typo\n");

        assertThatThrownBy(() -> ImageFolder.open(dir, labels))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(labels.toString())
                .hasMessageContaining("no line for class folder cat")
                .hasMessageContaining("absent from train/, such as kat");
    }

    @Test
    void aMappingWithoutANameOrNamingAFolderTwiceIsRejected() throws IOException {
        ImageFolderFiles.threeClasses(dir);
        Path bare = dir.resolve("bare.txt");
        Files.writeString(bare, "ant ant\nbee\ncat cat\n");
        Path twice = dir.resolve("twice.txt");
        Files.writeString(twice, "ant ant\nbee bee\ncat cat\nbee honey bee\n");

        assertThatThrownBy(() -> ImageFolder.open(dir, bare))
                .hasMessageContaining(bare + " line 2: expected 'FOLDER readable name', got 'bee'");
        assertThatThrownBy(() -> ImageFolder.open(dir, twice))
                .hasMessageContaining("names class folder bee twice (lines 2 and 4)");
    }

    @Test
    void aMissingLabelsFileIsNamed() throws IOException {
        ImageFolderFiles.threeClasses(dir);
        Path labels = dir.resolve("nope.txt");

        assertThatThrownBy(() -> ImageFolder.open(dir, labels))
                .isInstanceOf(IOException.class)
                .hasMessage("labels file " + labels + " does not exist");
    }
}
