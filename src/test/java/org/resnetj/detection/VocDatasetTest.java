package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading and writing VOC's layout, and one clear line for each kind of broken annotation. */
class VocDatasetTest {

    @TempDir Path dir;

    private static final String OBJECT =
            "<object><name>cat</name><difficult>1</difficult>"
                    + "<bndbox><xmin>1</xmin><ymin>2</ymin><xmax>10</xmax><ymax>20</ymax></bndbox>"
                    + "</object>";

    /** A one-image VOC tree with the given annotation text. */
    private Path voc(String annotation) throws IOException {
        Path root = dir.resolve("voc");
        Files.createDirectories(root.resolve("Annotations"));
        Files.createDirectories(root.resolve("JPEGImages"));
        Files.createDirectories(root.resolve("ImageSets/Main"));
        Files.writeString(root.resolve("Annotations/000005.xml"), annotation);
        Files.write(root.resolve("JPEGImages/000005.jpg"), new byte[] {1});
        Files.writeString(root.resolve("ImageSets/Main/test.txt"), "000005\n");
        return root;
    }

    private static String annotation(String objects) {
        return "<annotation><source><database>The VOC2007 Database</database></source>"
                + "<size><width>500</width><height>375</height><depth>3</depth></size>"
                + objects
                + "</annotation>";
    }

    @Test
    void readsOneBasedBoxesAsZeroBasedWithTheDifficultFlag() throws IOException {
        DetectionSet set =
                VocDataset.read(
                        voc(
                                annotation(
                                        OBJECT
                                                + "<object><name>dog</name><bndbox><xmin>5</xmin>"
                                                + "<ymin>6</ymin><xmax>5</xmax><ymax>6</ymax>"
                                                + "</bndbox></object>")),
                        "test",
                        VocDataset.VOC_CLASSES);
        assertThat(set.name()).isEqualTo("The VOC2007 Database test");
        AnnotatedImage image = set.images().get(0);
        assertThat(image.width()).isEqualTo(500);
        assertThat(image.height()).isEqualTo(375);
        GroundTruth cat = image.objects().get(0);
        assertThat(cat.box()).isEqualTo(new Box(0, 1, 9, 19));
        assertThat(cat.label()).isEqualTo(VocDataset.VOC_CLASSES.indexOf("cat"));
        assertThat(cat.difficult()).isTrue();
        assertThat(cat.area()).isEqualTo(10 * 19);
        // No <difficult>: not difficult, as pascal_voc.py reads it; a one-pixel box is allowed.
        GroundTruth dog = image.objects().get(1);
        assertThat(dog.difficult()).isFalse();
        assertThat(dog.box().area()).isEqualTo(1);
    }

    @Test
    void writtenSetsReadBackUnchangedAndJoinAs0712Does() throws IOException {
        DetectionSet set = VocDataset.read(voc(annotation(OBJECT)), "test", VocDataset.VOC_CLASSES);
        Path copy = dir.resolve("copy");
        VocDataset.write(set, copy, Map.of("trainval", List.of("000005")), "copy");
        DetectionSet back = VocDataset.read(copy, "trainval", VocDataset.VOC_CLASSES);
        assertThat(back.images().get(0).objects()).isEqualTo(set.images().get(0).objects());
        assertThat(Files.readAllBytes(back.images().get(0).file())).containsExactly(1);
        assertThat(back.name()).isEqualTo("copy trainval");

        AnnotatedImage other =
                new AnnotatedImage("2008_000002", Path.of("x.jpg"), 10, 10, List.of());
        DetectionSet voc12 = new DetectionSet("voc12", VocDataset.VOC_CLASSES, List.of(other));
        DetectionSet joined = set.union(voc12);
        assertThat(joined.images()).hasSize(2);
        assertThat(joined.objectCount()).isEqualTo(1);
        assertThatThrownBy(() -> set.union(back))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("000005 twice");
    }

    private void assertMalformed(String annotation, String... expected) throws IOException {
        Path root = voc(annotation);
        assertThatThrownBy(() -> VocDataset.read(root, "test", VocDataset.VOC_CLASSES))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("000005.xml")
                .hasMessageContainingAll(expected)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void aTruncatedAnnotationIsNamed() throws IOException {
        String full = annotation(OBJECT);
        assertMalformed(full.substring(0, full.length() / 2), "not well-formed XML");
    }

    @Test
    void aMissingBoxFieldIsNamed() throws IOException {
        assertMalformed(annotation(OBJECT.replace("<xmax>10</xmax>", "")), "missing <bndbox/xmax>");
    }

    @Test
    void aBoxWithXmaxBelowXminIsNamed() throws IOException {
        assertMalformed(
                annotation(OBJECT.replace("<xmax>10</xmax>", "<xmax>0</xmax>")), "xmax < xmin");
    }

    @Test
    void anUnknownClassOrANonNumberIsNamed() throws IOException {
        assertMalformed(
                annotation(OBJECT.replace(">cat<", ">unicorn<")), "unknown class 'unicorn'");
        Files.walk(dir)
                .sorted(java.util.Comparator.reverseOrder())
                .forEach(p -> p.toFile().delete());
        assertMalformed(
                annotation(OBJECT.replace(">1</xmin>", ">one</xmin>")), "expected a number");
    }

    @Test
    void externalEntitiesAreRefused() throws IOException {
        Path secret = dir.resolve("secret.txt");
        Files.writeString(secret, "dog", StandardCharsets.UTF_8);
        String xxe =
                "<?xml version=\"1.0\"?><!DOCTYPE annotation [<!ENTITY x SYSTEM \""
                        + secret.toUri()
                        + "\">]>"
                        + annotation(OBJECT.replace(">cat<", ">&x;<"));
        assertMalformed(xxe, "DOCTYPE");
    }

    @Test
    void aMissingImageSetOrImageIsNamed() throws IOException {
        Path root = voc(annotation(OBJECT));
        assertThatThrownBy(() -> VocDataset.read(root, "trainval", VocDataset.VOC_CLASSES))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("trainval.txt");
        Files.delete(root.resolve("JPEGImages/000005.jpg"));
        assertThatThrownBy(() -> VocDataset.read(root, "test", VocDataset.VOC_CLASSES))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("000005.jpg");
    }
}
