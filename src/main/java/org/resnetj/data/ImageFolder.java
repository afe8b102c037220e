package org.resnetj.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A data set stored as folders of image files, one folder per class, the layout of most copies of
 * ImageNet (and of torchvision's {@code ImageFolder}):
 *
 * <pre>
 * ROOT/train/n01440764/n01440764_10026.JPEG
 * ROOT/train/n01443537/...
 * ROOT/val/n01440764/ILSVRC2012_val_00000293.JPEG
 * ROOT/labels.txt            (optional: readable class names)
 * </pre>
 *
 * <ul>
 *   <li>The classes are the folders of {@code train/}; class index = position of the folder name in
 *       their sorted list (String natural order, as Python's {@code sorted} orders ASCII names), so
 *       that an index means the same class as in torchvision.
 *   <li>The images of a class are the files with extension jpg, jpeg, png, bmp or gif (any case)
 *       anywhere below its folder, sorted by path. Other files are ignored, and so is anything
 *       hidden (a name starting with a dot, at any depth).
 *   <li>{@code val/} is optional. Its class folders must be classes of {@code train/} and take
 *       their indices; it may hold fewer classes.
 * </ul>
 *
 * <p>Opening lists the files and decodes nothing; each {@link Split} decodes on demand.
 */
public final class ImageFolder {

    /** The image file extensions, lower case; matched regardless of case. */
    public static final List<String> EXTENSIONS = List.of("jpg", "jpeg", "png", "bmp", "gif");

    /** The labels file read from the root when none is given. */
    public static final String DEFAULT_LABELS_FILE = "labels.txt";

    private static final Logger LOG = LoggerFactory.getLogger(ImageFolder.class);

    private static final String LAYOUT =
            "expected ROOT/train/CLASS/*.jpg and optionally ROOT/val/CLASS/*.jpg, one folder per"
                    + " class";

    private final Path root;
    private final List<String> classNames;
    private final List<String> labels;
    private final Path labelsFile;
    private final Split train;
    private final Split val;

    private ImageFolder(
            Path root,
            List<String> classNames,
            List<String> labels,
            Path labelsFile,
            Split train,
            Split val) {
        this.root = root;
        this.classNames = classNames;
        this.labels = labels;
        this.labelsFile = labelsFile;
        this.train = train;
        this.val = val;
    }

    /**
     * Whether {@code root} looks like an image folder: it has a {@code train} or {@code val}
     * subfolder holding at least one folder. Cheap: lists two directories at most.
     */
    public static boolean looksLike(Path root) {
        return hasSubfolder(root.resolve("train")) || hasSubfolder(root.resolve("val"));
    }

    /**
     * Lists the image folder at {@code root}.
     *
     * @param root the folder holding {@code train/} and optionally {@code val/}
     * @param labelsFile readable class names (see {@link #labels}); null to use {@code
     *     ROOT/labels.txt} if it exists, else the folder names
     * @throws IOException in one line naming the folder or file and what was expected, if the root
     *     or {@code train/} is missing, a class folder holds no images, {@code val/} has a class
     *     {@code train/} lacks, or the labels file matches neither of its forms
     */
    public static ImageFolder open(Path root, Path labelsFile) throws IOException {
        if (!Files.exists(root)) {
            throw new IOException("image folder " + root + " does not exist (" + LAYOUT + ")");
        }
        if (!Files.isDirectory(root)) {
            throw new IOException("image folder " + root + " is not a directory (" + LAYOUT + ")");
        }
        Path trainDir = root.resolve("train");
        if (!Files.isDirectory(trainDir)) {
            throw new IOException("image folder " + root + " has no train/ folder: " + LAYOUT);
        }
        List<String> classNames = classFolders(trainDir);
        if (classNames.isEmpty()) {
            throw new IOException(trainDir + " holds no class folders: " + LAYOUT);
        }
        Map<String, Integer> indices = new HashMap<>();
        for (int i = 0; i < classNames.size(); i++) {
            indices.put(classNames.get(i), i);
        }
        Path valDir = root.resolve("val");
        List<String> valClasses = Files.isDirectory(valDir) ? classFolders(valDir) : null;
        if (valClasses != null && valClasses.isEmpty()) {
            throw new IOException(
                    valDir
                            + " holds no class folders: expected ROOT/val/CLASS/*.jpg with the"
                            + " class folders of train/ (the official ImageNet validation archive"
                            + " is flat: sort it into class folders first)");
        }
        for (String name : valClasses == null ? List.<String>of() : valClasses) {
            if (!indices.containsKey(name)) {
                throw new IOException(
                        "val/ class folder "
                                + valDir.resolve(name)
                                + " has no counterpart in "
                                + trainDir
                                + ": every class of val/ must be a class of train/");
            }
        }
        Path labels = labelsFile;
        if (labels == null && Files.isRegularFile(root.resolve(DEFAULT_LABELS_FILE))) {
            labels = root.resolve(DEFAULT_LABELS_FILE);
        }
        // The cheap checks come first: listing ImageNet's 1.28 million files takes a while.
        List<String> readable =
                labels == null ? classNames : ClassLabels.read(labels, classNames, trainDir);
        Split train = Split.list("train", trainDir, classNames, indices, classNames.size());
        Split val =
                valClasses == null
                        ? null
                        : Split.list("val", valDir, valClasses, indices, classNames.size());
        LOG.info(
                "image folder {}: {} classes, {} training images{}",
                root,
                classNames.size(),
                train.size(),
                val == null ? ", no val/" : ", " + val.size() + " validation images");
        return new ImageFolder(root, classNames, readable, labels, train, val);
    }

    /** The folder this data set was opened from. */
    public Path root() {
        return root;
    }

    /** The class folder names, in class-index order. */
    public List<String> classNames() {
        return classNames;
    }

    /**
     * The readable name of each class, in class-index order: from the labels file if there is one
     * (for ImageNet, {@code n01440764} becomes {@code tench, Tinca tinca}), else the folder names.
     */
    public List<String> labels() {
        return labels;
    }

    /** The labels file the readable names came from, if any. */
    public Optional<Path> labelsFile() {
        return Optional.ofNullable(labelsFile);
    }

    /** The training images, {@code train/}. */
    public Split train() {
        return train;
    }

    /**
     * The validation images, {@code val/}, which {@code use} needs.
     *
     * @param use what the images are for, in the message: "evaluation uses val/CLASS/*.jpg"
     * @throws IOException naming the folder if it has no {@code val/}
     */
    public Split requireVal(String use) throws IOException {
        if (val == null) {
            throw new IOException("image folder " + root + " has no val/ split: " + use);
        }
        return val;
    }

    /** The layout of an image folder, for messages. */
    public static String layout() {
        return "DIR/train/CLASS/*.jpg, DIR/val/CLASS/*.jpg";
    }

    /** The validation images, {@code val/}, if the folder has one. */
    public Optional<Split> val() {
        return Optional.ofNullable(val);
    }

    private static boolean hasSubfolder(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (!hidden(entry) && Files.isDirectory(entry)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    /** The names of the visible subfolders of {@code dir}, sorted. */
    private static List<String> classFolders(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (!hidden(entry) && Files.isDirectory(entry)) {
                    names.add(entry.getFileName().toString());
                }
            }
        }
        names.sort(null);
        return List.copyOf(names);
    }

    private static boolean hidden(Path path) {
        return path.getFileName().toString().startsWith(".");
    }

    private static boolean isImageName(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /**
     * The images of one folder of the data set ({@code train/} or {@code val/}), in class order
     * and, within a class, sorted by path. Immutable and safe to read from several threads; each
     * {@link #image} call decodes its file anew.
     */
    public static final class Split implements ImageSource {

        private final String name;
        private final Path directory;
        private final String[] files;
        private final int[] labels;
        private final int classes;

        private Split(String name, Path directory, String[] files, int[] labels, int classes) {
            this.name = name;
            this.directory = directory;
            this.files = files;
            this.labels = labels;
            this.classes = classes;
        }

        /**
         * Lists the images of the given class folders of {@code directory}; paths are kept relative
         * to it, as strings, which holds 1.28 million of them in about 100 MB.
         */
        static Split list(
                String name,
                Path directory,
                List<String> classFolders,
                Map<String, Integer> indices,
                int classes)
                throws IOException {
            List<String> files = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            for (String folder : classFolders) {
                Path classDir = directory.resolve(folder);
                List<Path> images = images(classDir);
                if (images.isEmpty()) {
                    throw new IOException(
                            "class folder "
                                    + classDir
                                    + " holds no images: expected files ending in ."
                                    + String.join(", .", EXTENSIONS)
                                    + " (any case)");
                }
                int label = indices.get(folder);
                for (Path image : images) {
                    files.add(directory.relativize(image).toString());
                    labels.add(label);
                }
            }
            return new Split(
                    name,
                    directory,
                    files.toArray(String[]::new),
                    labels.stream().mapToInt(Integer::intValue).toArray(),
                    classes);
        }

        private static List<Path> images(Path classDir) throws IOException {
            // find hands over the attributes the walk read anyway: one stat per file, not two.
            try (Stream<Path> found =
                    Files.find(
                            classDir,
                            Integer.MAX_VALUE,
                            (path, attributes) ->
                                    attributes.isRegularFile()
                                            && isImageName(path.getFileName().toString())
                                            && !hiddenBelow(classDir, path),
                            FileVisitOption.FOLLOW_LINKS)) {
                return found.sorted().toList();
            } catch (UncheckedIOException e) {
                throw new IOException(
                        "cannot list class folder " + classDir + ": " + e.getCause().getMessage(),
                        e.getCause());
            }
        }

        private static boolean hiddenBelow(Path classDir, Path path) {
            for (Path part : classDir.relativize(path)) {
                if (part.toString().startsWith(".")) {
                    return true;
                }
            }
            return false;
        }

        /** {@code train} or {@code val}. */
        public String name() {
            return name;
        }

        /** The folder holding this split's class folders. */
        public Path directory() {
            return directory;
        }

        /** The file of image {@code index}. */
        public Path file(int index) {
            return directory.resolve(files[checkIndex(index)]);
        }

        @Override
        public int size() {
            return files.length;
        }

        @Override
        public int label(int index) {
            return labels[checkIndex(index)];
        }

        /**
         * The number of classes of the data set (of {@code train/}, even if this split has fewer).
         */
        @Override
        public int classes() {
            return classes;
        }

        /** The path of image {@code index}. */
        @Override
        public String describe(int index) {
            return file(index).toString();
        }

        @Override
        public RgbImage image(int index) throws IOException {
            return RgbImage.read(file(index));
        }

        private int checkIndex(int index) {
            if (index < 0 || index >= files.length) {
                throw new IndexOutOfBoundsException(
                        "image " + index + " of " + files.length + " in " + directory);
            }
            return index;
        }

        @Override
        public String toString() {
            return directory + " (" + files.length + " images)";
        }
    }
}
