package org.resnetj.detection;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A COCO set: an {@code instances_*.json} (images, annotations with {@code bbox [x, y, w, h]},
 * {@code area}, {@code iscrowd} and {@code category_id}, categories) with its image directory, and
 * the ids COCO gives images and categories, which its results files refer to.
 *
 * <p>A box {@code [x, y, w, h]} is {@code Box.fromXywh} and written back as {@code [x1, y1,
 * width(), height()]}, as py-faster-rcnn's {@code coco.py} converts them. Segmentations are not
 * kept: only boxes are read, and each written annotation's segmentation is its box's polygon, as
 * pycocotools' {@code loadRes} makes one for box results.
 *
 * @param set the images and objects; an image's id is its COCO id as text
 * @param imageIds the COCO id of each of {@code set.images()}, in order
 * @param categoryIds the COCO id of each class, in label order
 */
public record CocoDataset(DetectionSet set, List<Long> imageIds, List<Integer> categoryIds) {

    private static final ObjectMapper JSON =
            new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT);

    public CocoDataset {
        imageIds = List.copyOf(imageIds);
        categoryIds = List.copyOf(categoryIds);
        if (imageIds.size() != set.images().size() || categoryIds.size() != set.classes().size()) {
            throw new IllegalArgumentException(
                    "a COCO set needs one id per image and one per category");
        }
    }

    /**
     * Gives a set COCO ids: an image keeps its id where every id is a number (VOC's "000005" is
     * image 5), else images are numbered from 1 in order; categories are numbered from 1.
     */
    public static CocoDataset of(DetectionSet set) {
        List<Long> ids = new ArrayList<>();
        boolean numeric = true;
        for (AnnotatedImage image : set.images()) {
            try {
                ids.add(Long.parseLong(image.id()));
            } catch (NumberFormatException e) {
                numeric = false;
                break;
            }
        }
        if (!numeric || ids.stream().distinct().count() != ids.size()) {
            ids.clear();
            for (long i = 1; i <= set.images().size(); i++) {
                ids.add(i);
            }
        }
        List<Integer> categories = new ArrayList<>();
        for (int c = 1; c <= set.classes().size(); c++) {
            categories.add(c);
        }
        return new CocoDataset(set, ids, categories);
    }

    /**
     * Reads a COCO annotation file; image {@code file_name}s are resolved against {@code imageDir}.
     *
     * @throws IOException naming the file, if it is missing, not JSON, or malformed (a missing
     *     field, a negative box size, an annotation of an unknown image or category)
     */
    public static CocoDataset read(Path annotations, Path imageDir) throws IOException {
        JsonNode root = parse(annotations);
        Map<Long, Integer> categoryIndex = new HashMap<>();
        List<String> classes = new ArrayList<>();
        List<Integer> categoryIds = new ArrayList<>();
        for (JsonNode category : array(annotations, root, "categories")) {
            int id = (int) integer(annotations, category, "id", "a category");
            categoryIndex.put((long) id, classes.size());
            categoryIds.add(id);
            classes.add(string(annotations, category, "name", "category " + id));
        }
        Map<Long, Integer> imageIndex = new LinkedHashMap<>();
        List<JsonNode> imageNodes = new ArrayList<>();
        for (JsonNode image : array(annotations, root, "images")) {
            long id = integer(annotations, image, "id", "an image");
            if (imageIndex.put(id, imageNodes.size()) != null) {
                throw VocDataset.malformed(annotations, "image id " + id + " appears twice");
            }
            imageNodes.add(image);
        }
        List<List<GroundTruth>> objects = new ArrayList<>();
        for (int i = 0; i < imageNodes.size(); i++) {
            objects.add(new ArrayList<>());
        }
        for (JsonNode annotation : array(annotations, root, "annotations")) {
            String what = "annotation " + annotation.path("id").asText("?");
            long imageId = integer(annotations, annotation, "image_id", what);
            Integer image = imageIndex.get(imageId);
            if (image == null) {
                throw VocDataset.malformed(
                        annotations, what + " refers to unknown image id " + imageId);
            }
            long categoryId = integer(annotations, annotation, "category_id", what);
            Integer label = categoryIndex.get(categoryId);
            if (label == null) {
                throw VocDataset.malformed(
                        annotations,
                        what
                                + " has unknown category id "
                                + categoryId
                                + ", expected one of "
                                + categoryIds);
            }
            Box box = box(annotations, annotation, what);
            JsonNode area = annotation.get("area");
            double objectArea =
                    area == null ? box.area() : real(annotations, annotation, "area", what);
            boolean crowd = annotation.path("iscrowd").asInt(0) != 0;
            objects.get(image).add(new GroundTruth(box, label, false, crowd, objectArea));
        }
        List<AnnotatedImage> images = new ArrayList<>();
        List<Long> imageIds = new ArrayList<>(imageIndex.keySet());
        for (int i = 0; i < imageNodes.size(); i++) {
            JsonNode image = imageNodes.get(i);
            String what = "image " + imageIds.get(i);
            images.add(
                    new AnnotatedImage(
                            Long.toString(imageIds.get(i)),
                            imageDir.resolve(string(annotations, image, "file_name", what)),
                            positive(annotations, image, "width", what),
                            positive(annotations, image, "height", what),
                            objects.get(i)));
        }
        String name = annotations.getFileName().toString().replaceFirst("\\.json$", "");
        return new CocoDataset(new DetectionSet(name, classes, images), imageIds, categoryIds);
    }

    /** Writes the annotation file (images by file name, annotations numbered from 1). */
    public void write(Path annotations) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode images = root.putArray("images");
        ArrayNode objects = root.putArray("annotations");
        long annotationId = 1;
        for (int i = 0; i < set.images().size(); i++) {
            AnnotatedImage image = set.images().get(i);
            images.addObject()
                    .put("id", imageIds.get(i))
                    .put("file_name", image.file().getFileName().toString())
                    .put("width", image.width())
                    .put("height", image.height());
            for (GroundTruth object : image.objects()) {
                Box b = object.box();
                ObjectNode annotation = objects.addObject();
                annotation.put("id", annotationId++);
                annotation.put("image_id", imageIds.get(i));
                annotation.put("category_id", categoryIds.get(object.label()));
                annotation.set("bbox", xywh(b));
                annotation.put("area", object.area());
                annotation.put("iscrowd", object.crowd() ? 1 : 0);
                double x2 = b.x1() + b.width();
                double y2 = b.y1() + b.height();
                annotation
                        .putArray("segmentation")
                        .addArray()
                        .add(b.x1())
                        .add(b.y1())
                        .add(b.x1())
                        .add(y2)
                        .add(x2)
                        .add(y2)
                        .add(x2)
                        .add(b.y1());
            }
        }
        ArrayNode categories = root.putArray("categories");
        for (int c = 0; c < set.classes().size(); c++) {
            categories
                    .addObject()
                    .put("id", categoryIds.get(c))
                    .put("name", set.classes().get(c))
                    .put("supercategory", "none");
        }
        JSON.writeValue(annotations.toFile(), root);
    }

    /** The COCO id of the image whose {@link AnnotatedImage#id()} is {@code id}. */
    public long imageId(String id) {
        for (int i = 0; i < set.images().size(); i++) {
            if (set.images().get(i).id().equals(id)) {
                return imageIds.get(i);
            }
        }
        throw new IllegalArgumentException(
                "detection on image " + id + ", which is not in " + set.name());
    }

    /**
     * Writes detections as COCO's standard results file: an array of {@code {image_id, category_id,
     * bbox: [x, y, w, h], score}}.
     */
    public void writeResults(List<Detection> detections, Path file) throws IOException {
        Map<String, Long> ids = new HashMap<>();
        for (int i = 0; i < set.images().size(); i++) {
            ids.put(set.images().get(i).id(), imageIds.get(i));
        }
        ArrayNode results = JSON.createArrayNode();
        for (Detection d : detections) {
            Long imageId = ids.get(d.imageId());
            if (imageId == null) {
                imageId(d.imageId()); // throws, naming the image
            }
            if (d.label() >= categoryIds.size()) {
                throw new IllegalArgumentException(
                        "detection of class index "
                                + d.label()
                                + ", expected < "
                                + categoryIds.size());
            }
            ObjectNode result = results.addObject();
            result.put("image_id", imageId);
            result.put("category_id", categoryIds.get(d.label()));
            result.set("bbox", xywh(d.box()));
            result.put("score", d.score());
        }
        JSON.writeValue(file.toFile(), results);
    }

    /**
     * Reads a results file written by {@link #writeResults} or any COCO tool.
     *
     * @throws IOException naming the file, if it is not a JSON array of results or a result names
     *     an image or category this set lacks (pycocotools' {@code loadRes} refuses the former)
     */
    public List<Detection> readResults(Path file) throws IOException {
        JsonNode root = parse(file);
        if (!root.isArray()) {
            throw VocDataset.malformed(file, "expected a JSON array of results");
        }
        Map<Long, String> images = new HashMap<>();
        for (int i = 0; i < imageIds.size(); i++) {
            images.put(imageIds.get(i), set.images().get(i).id());
        }
        List<Detection> detections = new ArrayList<>(root.size());
        int index = 0;
        for (JsonNode result : root) {
            String what = "result " + index++;
            long imageId = integer(file, result, "image_id", what);
            String image = images.get(imageId);
            if (image == null) {
                throw VocDataset.malformed(
                        file, what + " refers to image id " + imageId + ", not in " + set.name());
            }
            int label = categoryIds.indexOf((int) integer(file, result, "category_id", what));
            if (label < 0) {
                throw VocDataset.malformed(
                        file,
                        what
                                + " has unknown category id "
                                + result.get("category_id")
                                + ", expected one of "
                                + categoryIds);
            }
            detections.add(
                    new Detection(
                            image,
                            label,
                            real(file, result, "score", what),
                            box(file, result, what)));
        }
        return detections;
    }

    private static ArrayNode xywh(Box b) {
        ArrayNode bbox = JSON.createArrayNode();
        return bbox.add(b.x1()).add(b.y1()).add(b.width()).add(b.height());
    }

    private static JsonNode parse(Path file) throws IOException {
        try {
            return JSON.readTree(file.toFile());
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": no such file");
        } catch (JsonProcessingException e) {
            throw VocDataset.malformed(
                    file,
                    "not valid JSON at line "
                            + e.getLocation().getLineNr()
                            + ", column "
                            + e.getLocation().getColumnNr()
                            + " ("
                            + e.getOriginalMessage()
                            + ")");
        }
    }

    private static Box box(Path file, JsonNode node, String what) throws IOException {
        JsonNode bbox = node.get("bbox");
        if (bbox == null || !bbox.isArray() || bbox.size() != 4) {
            throw VocDataset.malformed(file, what + ": expected \"bbox\": [x, y, w, h]");
        }
        double[] v = new double[4];
        for (int i = 0; i < 4; i++) {
            if (!bbox.get(i).isNumber() || !Double.isFinite(bbox.get(i).asDouble())) {
                throw VocDataset.malformed(file, what + ": bbox " + bbox + " holds a non-number");
            }
            v[i] = bbox.get(i).asDouble();
        }
        if (v[2] < 0 || v[3] < 0) {
            throw VocDataset.malformed(file, what + ": bbox " + bbox + " has a negative size");
        }
        return Box.fromXywh(v[0], v[1], v[2], v[3]);
    }

    private static ArrayNode array(Path file, JsonNode root, String field) throws IOException {
        JsonNode node = root.get(field);
        if (node == null || !node.isArray()) {
            throw VocDataset.malformed(file, "expected an array \"" + field + "\"");
        }
        return (ArrayNode) node;
    }

    private static long integer(Path file, JsonNode node, String field, String what)
            throws IOException {
        JsonNode value = node.get(field);
        if (value == null || !value.canConvertToLong() || !value.isIntegralNumber()) {
            throw VocDataset.malformed(
                    file, what + ": expected an integer \"" + field + "\", got " + value);
        }
        return value.asLong();
    }

    private static int positive(Path file, JsonNode node, String field, String what)
            throws IOException {
        long value = integer(file, node, field, what);
        if (value <= 0 || value > Integer.MAX_VALUE) {
            throw VocDataset.malformed(file, what + ": " + field + " " + value + ", expected > 0");
        }
        return (int) value;
    }

    private static double real(Path file, JsonNode node, String field, String what)
            throws IOException {
        JsonNode value = node.get(field);
        if (value == null || !value.isNumber() || !Double.isFinite(value.asDouble())) {
            throw VocDataset.malformed(
                    file, what + ": expected a number \"" + field + "\", got " + value);
        }
        return value.asDouble();
    }

    private static String string(Path file, JsonNode node, String field, String what)
            throws IOException {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw VocDataset.malformed(
                    file, what + ": expected a string \"" + field + "\", got " + value);
        }
        return value.asText();
    }
}
