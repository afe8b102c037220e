package org.resnetj.detection;

import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * PASCAL VOC's layout: {@code Annotations/<id>.xml} (bndbox {@code xmin ymin xmax ymax}, 1-based
 * and inclusive; the {@code difficult} flag), {@code JPEGImages/<id>.jpg} and {@code
 * ImageSets/Main/<set>.txt}, one image id a line.
 *
 * <p>Boxes become the package's 0-based convention as py-faster-rcnn's {@code pascal_voc.py} reads
 * them: {@code x1 = xmin - 1} (and {@code xmin = x1 + 1} on writing). An object with no {@code
 * difficult} element is not difficult, as there. The parser refuses DOCTYPEs, so no annotation can
 * pull in an external entity.
 */
public final class VocDataset {

    /** The 20 PASCAL VOC classes, in the devkit's order. */
    public static final List<String> VOC_CLASSES =
            List.of(
                    "aeroplane",
                    "bicycle",
                    "bird",
                    "boat",
                    "bottle",
                    "bus",
                    "car",
                    "cat",
                    "chair",
                    "cow",
                    "diningtable",
                    "dog",
                    "horse",
                    "motorbike",
                    "person",
                    "pottedplant",
                    "sheep",
                    "sofa",
                    "train",
                    "tvmonitor");

    static final String ANNOTATIONS = "Annotations";
    static final String IMAGES = "JPEGImages";
    static final String IMAGE_SETS = "ImageSets/Main";

    private VocDataset() {}

    /**
     * Reads the images listed in {@code ImageSets/Main/<imageSet>.txt} under {@code root}.
     *
     * @param classes the class names; an object of any other name is an error
     * @throws IOException naming the file, if a file is missing or an annotation is malformed
     */
    public static DetectionSet read(Path root, String imageSet, List<String> classes)
            throws IOException {
        Path list = root.resolve(IMAGE_SETS).resolve(imageSet + ".txt");
        List<String> ids = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(list, StandardCharsets.UTF_8)) {
                String id = line.strip();
                if (!id.isEmpty()) {
                    ids.add(id.split("\\s+")[0]);
                }
            }
        } catch (NoSuchFileException e) {
            throw new IOException(
                    list
                            + ": no such image set (expected a VOC directory with "
                            + IMAGE_SETS
                            + ")");
        }
        DocumentBuilder parser = parser();
        List<AnnotatedImage> images = new ArrayList<>(ids.size());
        String database = null;
        for (String id : ids) {
            Path xml = root.resolve(ANNOTATIONS).resolve(id + ".xml");
            Element annotation = parse(parser, xml);
            if (database == null) {
                database = optionalText(annotation, "source/database");
            }
            images.add(image(root, id, xml, annotation, classes));
        }
        String source = database == null ? root.getFileName().toString() : database;
        return new DetectionSet(source + " " + imageSet, classes, images);
    }

    /**
     * Writes {@code set} under {@code root} in VOC's layout: one annotation per image, its JPEG
     * (copied unless it is already in place), and an image-set file for each entry of {@code
     * imageSets} (a name such as "trainval" and its image ids).
     *
     * @param database written as each annotation's {@code source/database}
     * @throws IOException if an image is not a JPEG or a write fails
     */
    public static void write(
            DetectionSet set, Path root, Map<String, List<String>> imageSets, String database)
            throws IOException {
        Files.createDirectories(root.resolve(ANNOTATIONS));
        Files.createDirectories(root.resolve(IMAGES));
        Files.createDirectories(root.resolve(IMAGE_SETS));
        for (AnnotatedImage image : set.images()) {
            Path jpeg = root.resolve(IMAGES).resolve(image.id() + ".jpg");
            if (!Files.exists(jpeg) || !Files.isSameFile(jpeg, image.file())) {
                String name = image.file().getFileName().toString().toLowerCase(Locale.ROOT);
                if (!name.endsWith(".jpg") && !name.endsWith(".jpeg")) {
                    throw new IOException(
                            image.file() + ": VOC stores JPEG images, expected a .jpg file");
                }
                Files.copy(image.file(), jpeg);
            }
            writeAnnotation(
                    root.resolve(ANNOTATIONS).resolve(image.id() + ".xml"),
                    image,
                    set.classes(),
                    database);
        }
        for (Map.Entry<String, List<String>> entry : imageSets.entrySet()) {
            Files.write(
                    root.resolve(IMAGE_SETS).resolve(entry.getKey() + ".txt"),
                    entry.getValue(),
                    StandardCharsets.UTF_8);
        }
    }

    /** Writes one image's annotation in VOC's XML. */
    static void writeAnnotation(
            Path xml, AnnotatedImage image, List<String> classes, String database)
            throws IOException {
        try (Writer out = Files.newBufferedWriter(xml, StandardCharsets.UTF_8)) {
            out.write("<annotation>\n");
            out.write("\t<folder>" + escape(database) + "</folder>\n");
            out.write("\t<filename>" + escape(image.id()) + ".jpg</filename>\n");
            out.write("\t<source>\n\t\t<database>" + escape(database) + "</database>\n");
            out.write("\t</source>\n");
            out.write("\t<size>\n");
            out.write("\t\t<width>" + image.width() + "</width>\n");
            out.write("\t\t<height>" + image.height() + "</height>\n");
            out.write("\t\t<depth>3</depth>\n");
            out.write("\t</size>\n");
            out.write("\t<segmented>0</segmented>\n");
            for (GroundTruth object : image.objects()) {
                Box box = object.box();
                out.write("\t<object>\n");
                out.write("\t\t<name>" + escape(classes.get(object.label())) + "</name>\n");
                out.write("\t\t<pose>Unspecified</pose>\n");
                out.write("\t\t<truncated>0</truncated>\n");
                out.write("\t\t<difficult>" + (object.difficult() ? 1 : 0) + "</difficult>\n");
                out.write("\t\t<bndbox>\n");
                out.write("\t\t\t<xmin>" + number(box.x1() + 1) + "</xmin>\n");
                out.write("\t\t\t<ymin>" + number(box.y1() + 1) + "</ymin>\n");
                out.write("\t\t\t<xmax>" + number(box.x2() + 1) + "</xmax>\n");
                out.write("\t\t\t<ymax>" + number(box.y2() + 1) + "</ymax>\n");
                out.write("\t\t</bndbox>\n");
                out.write("\t</object>\n");
            }
            out.write("</annotation>\n");
        }
    }

    private static AnnotatedImage image(
            Path root, String id, Path xml, Element annotation, List<String> classes)
            throws IOException {
        int width = (int) number(xml, annotation, "size/width");
        int height = (int) number(xml, annotation, "size/height");
        if (width <= 0 || height <= 0) {
            throw malformed(xml, "image size " + width + "x" + height + ", expected positive");
        }
        List<GroundTruth> objects = new ArrayList<>();
        for (Node n = annotation.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element object && object.getTagName().equals("object")) {
                String name = text(xml, object, "name");
                int label = classes.indexOf(name);
                if (label < 0) {
                    throw malformed(
                            xml, "unknown class '" + name + "', expected one of " + classes);
                }
                double xmin = number(xml, object, "bndbox/xmin");
                double ymin = number(xml, object, "bndbox/ymin");
                double xmax = number(xml, object, "bndbox/xmax");
                double ymax = number(xml, object, "bndbox/ymax");
                if (xmax < xmin || ymax < ymin) {
                    throw malformed(
                            xml,
                            "box ("
                                    + number(xmin)
                                    + ", "
                                    + number(ymin)
                                    + ", "
                                    + number(xmax)
                                    + ", "
                                    + number(ymax)
                                    + ") of '"
                                    + name
                                    + "' has xmax < xmin or ymax < ymin");
                }
                String difficult = optionalText(object, "difficult");
                Box box = new Box(xmin - 1, ymin - 1, xmax - 1, ymax - 1);
                objects.add(
                        new GroundTruth(
                                box,
                                label,
                                difficult != null && !difficult.equals("0"),
                                false,
                                box.area()));
            }
        }
        Path jpeg = root.resolve(IMAGES).resolve(id + ".jpg");
        if (!Files.isRegularFile(jpeg)) {
            throw new IOException(jpeg + ": missing image for annotation " + xml);
        }
        return new AnnotatedImage(id, jpeg, width, height, objects);
    }

    /** A DOM parser that refuses DOCTYPEs and so every external entity. */
    static DocumentBuilder parser() {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setXIncludeAware(false);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            // The default handler prints "[Fatal Error]" lines; the exception says it once.
            builder.setErrorHandler(
                    new ErrorHandler() {
                        @Override
                        public void warning(SAXParseException e) {}

                        @Override
                        public void error(SAXParseException e) throws SAXException {
                            throw e;
                        }

                        @Override
                        public void fatalError(SAXParseException e) throws SAXException {
                            throw e;
                        }
                    });
            return builder;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK's XML parser lacks a standard feature", e);
        }
    }

    private static Element parse(DocumentBuilder parser, Path xml) throws IOException {
        try (InputStream in = Files.newInputStream(xml)) {
            Document document = parser.parse(in);
            Element root = document.getDocumentElement();
            if (!root.getTagName().equals("annotation")) {
                throw malformed(
                        xml, "root element <" + root.getTagName() + ">, expected <annotation>");
            }
            return root;
        } catch (NoSuchFileException e) {
            throw new IOException(xml + ": missing annotation");
        } catch (SAXException e) {
            throw malformed(xml, "not well-formed XML (" + e.getMessage() + ")");
        }
    }

    /** The text of the element at a slash-separated path of child names, or null if absent. */
    private static String optionalText(Element element, String path) {
        Element current = element;
        for (String name : path.split("/")) {
            Element next = null;
            for (Node n = current.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && e.getTagName().equals(name)) {
                    next = e;
                    break;
                }
            }
            if (next == null) {
                return null;
            }
            current = next;
        }
        return current.getTextContent().strip();
    }

    private static String text(Path xml, Element element, String path) throws IOException {
        String text = optionalText(element, path);
        if (text == null || text.isEmpty()) {
            throw malformed(xml, "missing <" + path + ">");
        }
        return text;
    }

    private static double number(Path xml, Element element, String path) throws IOException {
        String text = text(xml, element, path);
        try {
            double value = Double.parseDouble(text);
            if (Double.isFinite(value)) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below, with the file
        }
        throw malformed(xml, "<" + path + "> is '" + text + "', expected a number");
    }

    static IOException malformed(Path file, String what) {
        return new IOException(file + ": malformed annotation: " + what);
    }

    /** A coordinate as VOC writes it: an integer where it is one. */
    private static String number(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
