package org.resnetj.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading and writing COCO's JSON and its results file, and one clear line for broken ones. */
class CocoDatasetTest {

    @TempDir Path dir;

    private static final String JSON =
            """
            {"images": [{"id": 42, "file_name": "a.jpg", "width": 640, "height": 480},
                        {"id": 7, "file_name": "b.jpg", "width": 320, "height": 240}],
             "annotations": [
               {"id": 1, "image_id": 42, "category_id": 18, "bbox": [10, 20, 30.5, 40],
                "area": 900.25, "iscrowd": 0},
               {"id": 2, "image_id": 42, "category_id": 1, "bbox": [0, 0, 100, 50],
                "area": 3000, "iscrowd": 1}],
             "categories": [{"id": 1, "name": "person"}, {"id": 18, "name": "dog"}]}
            """;

    private Path file(String text) throws IOException {
        Path file = dir.resolve("instances_test.json");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void readsBoxesAreasCrowdsAndSparseIds() throws IOException {
        CocoDataset coco = CocoDataset.read(file(JSON), dir.resolve("images"));
        assertThat(coco.set().classes()).containsExactly("person", "dog");
        assertThat(coco.categoryIds()).containsExactly(1, 18);
        assertThat(coco.imageIds()).containsExactly(42L, 7L);
        AnnotatedImage a = coco.set().images().get(0);
        assertThat(a.id()).isEqualTo("42");
        assertThat(a.file()).isEqualTo(dir.resolve("images/a.jpg"));
        GroundTruth dog = a.objects().get(0);
        assertThat(dog.label()).isEqualTo(1);
        assertThat(dog.box()).isEqualTo(new Box(10, 20, 39.5, 59));
        assertThat(dog.area()).isEqualTo(900.25);
        assertThat(dog.crowd()).isFalse();
        assertThat(a.objects().get(1).crowd()).isTrue();
        assertThat(coco.set().images().get(1).objects()).isEmpty();
    }

    @Test
    void writtenFilesReadBackUnchanged() throws IOException {
        CocoDataset coco = CocoDataset.read(file(JSON), dir);
        Path copy = dir.resolve("copy.json");
        coco.write(copy);
        CocoDataset back = CocoDataset.read(copy, dir);
        assertThat(back.set().images()).isEqualTo(coco.set().images());
        assertThat(back.categoryIds()).isEqualTo(coco.categoryIds());
        assertThat(back.imageIds()).isEqualTo(coco.imageIds());
    }

    @Test
    void resultsAreTheStandardArrayWithXywhBoxes() throws IOException {
        CocoDataset coco = CocoDataset.read(file(JSON), dir);
        List<Detection> detections =
                List.of(new Detection("42", 1, 0.875, Box.fromXywh(1.5, 2, 3, 4)));
        Path results = dir.resolve("results.json");
        coco.writeResults(detections, results);
        JsonNode written = new ObjectMapper().readTree(results.toFile());
        assertThat(written.toString())
                .isEqualTo(
                        "[{\"image_id\":42,\"category_id\":18,\"bbox\":[1.5,2.0,3.0,4.0],"
                                + "\"score\":0.875}]");
        assertThat(coco.readResults(results)).isEqualTo(detections);
    }

    @Test
    void aVocStyleSetKeepsItsNumericIds() {
        DetectionSet set =
                new DetectionSet(
                        "s",
                        List.of("a", "b"),
                        List.of(new AnnotatedImage("000005", Path.of("x.jpg"), 5, 5, List.of())));
        CocoDataset coco = CocoDataset.of(set);
        assertThat(coco.imageIds()).containsExactly(5L);
        assertThat(coco.categoryIds()).containsExactly(1, 2);
    }

    private void assertMalformed(String json, String expected) throws IOException {
        Path file = file(json);
        assertThatThrownBy(() -> CocoDataset.read(file, dir))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("instances_test.json")
                .hasMessageContaining(expected)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void badJsonIsNamedWithItsPlace() throws IOException {
        assertMalformed(JSON.substring(0, 120), "not valid JSON at line");
    }

    @Test
    void anUnknownCategoryIdIsNamed() throws IOException {
        assertMalformed(
                JSON.replace("\"category_id\": 18", "\"category_id\": 99"),
                "unknown category id 99, expected one of [1, 18]");
    }

    @Test
    void aNegativeOrMissingBoxIsNamed() throws IOException {
        assertMalformed(JSON.replace("[10, 20, 30.5, 40]", "[10, 20, -3, 40]"), "negative size");
        assertMalformed(
                JSON.replace("\"bbox\": [10, 20, 30.5, 40],", ""), "\"bbox\": [x, y, w, h]");
        assertMalformed(
                JSON.replace(
                        "\"image_id\": 42, \"category_id\": 18",
                        "\"image_id\": 3, \"category_id\": 18"),
                "unknown image id 3");
    }

    @Test
    void resultsOnUnknownImagesAreRefused() throws IOException {
        CocoDataset coco = CocoDataset.read(file(JSON), dir);
        Path results = dir.resolve("r.json");
        Files.writeString(
                results,
                "[{\"image_id\": 5, \"category_id\": 1, \"bbox\": [0,0,1,1], \"score\": 1}]");
        assertThatThrownBy(() -> coco.readResults(results))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("r.json")
                .hasMessageContaining("image id 5");
    }
}
