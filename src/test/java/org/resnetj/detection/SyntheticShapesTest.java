package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The synthetic default set: real VOC files, labelled synthetic, deterministic from its seed. */
class SyntheticShapesTest {

    @TempDir Path dir;

    @Test
    void writesAVocSetThatSaysItIsSynthetic() throws IOException {
        Path out = dir.resolve("shapes");
        SyntheticShapes.write(out, 24, 4, 6, 3);
        DetectionSet trainval = SyntheticShapes.read(out, "trainval");
        DetectionSet test = VocDataset.read(out, "test", SyntheticShapes.CLASSES);
        assertThat(trainval.images()).hasSize(28);
        assertThat(test.images()).hasSize(6);
        assertThat(SyntheticShapes.read(out, "train").images()).hasSize(24);
        assertThat(trainval.name()).contains("SYNTHETIC");
        assertThat(Files.readString(out.resolve("README.txt")))
                .contains("NOT PASCAL VOC", "seed 3");

        Set<Integer> labels = new HashSet<>();
        int difficult = 0;
        int overlapping = 0;
        for (AnnotatedImage image : trainval.union(test).images()) {
            BufferedImage pixels = ImageIO.read(image.file().toFile());
            assertThat(pixels.getWidth()).isEqualTo(image.width()).isBetween(160, 240);
            assertThat(pixels.getHeight()).isEqualTo(image.height()).isBetween(160, 240);
            assertThat(image.objects()).hasSizeBetween(1, 6);
            List<GroundTruth> objects = image.objects();
            for (int i = 0; i < objects.size(); i++) {
                Box b = objects.get(i).box();
                assertThat(b.x1()).isGreaterThanOrEqualTo(0);
                assertThat(b.y1()).isGreaterThanOrEqualTo(0);
                assertThat(b.x2()).isLessThan(image.width());
                assertThat(b.y2()).isLessThan(image.height());
                assertThat(b.width()).isGreaterThanOrEqualTo(4);
                labels.add(objects.get(i).label());
                difficult += objects.get(i).difficult() ? 1 : 0;
                for (int j = 0; j < i; j++) {
                    overlapping += VocEvaluation.iou(b, objects.get(j).box()) > 0 ? 1 : 0;
                }
            }
        }
        assertThat(labels).hasSize(SyntheticShapes.CLASSES.size());
        assertThat(difficult).isPositive();
        assertThat(overlapping).isPositive();
    }

    @Test
    void theSameSeedGivesTheSameFilesAndAnotherSeedOthers() throws IOException {
        SyntheticShapes.write(dir.resolve("a"), 3, 0, 1, 7);
        SyntheticShapes.write(dir.resolve("b"), 3, 0, 1, 7);
        SyntheticShapes.write(dir.resolve("c"), 3, 0, 1, 8);
        for (String file : List.of("Annotations/000002.xml", "JPEGImages/000004.jpg")) {
            assertThat(Files.readAllBytes(dir.resolve("b").resolve(file)))
                    .isEqualTo(Files.readAllBytes(dir.resolve("a").resolve(file)));
            assertThat(Files.readAllBytes(dir.resolve("c").resolve(file)))
                    .isNotEqualTo(Files.readAllBytes(dir.resolve("a").resolve(file)));
        }
    }

    @Test
    void smallObjectsAreDifficult() {
        for (int i = 0; i < 20; i++) {
            for (GroundTruth object : SyntheticShapes.draw(0, i).objects()) {
                if (Math.min(object.box().width(), object.box().height()) < SyntheticShapes.SMALL) {
                    assertThat(object.difficult()).isTrue();
                }
            }
        }
    }

    @Test
    void anOccupiedDirectoryIsLeftAlone() throws IOException {
        Path out = dir.resolve("taken");
        Files.createDirectories(out);
        Files.writeString(out.resolve("keep.txt"), "mine");
        assertThatThrownBy(() -> SyntheticShapes.write(out, 1, 0, 0, 0))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not an empty directory");
        assertThat(Files.readString(out.resolve("keep.txt"))).isEqualTo("mine");
    }
}
