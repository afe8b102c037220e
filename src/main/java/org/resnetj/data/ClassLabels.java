package org.resnetj.data;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the readable class names of an image folder from a labels file: UTF-8, one class per line,
 * blank lines ignored, in one of two forms.
 *
 * <ul>
 *   <li>Mapping: {@code FOLDER<whitespace>readable name}, matched by folder name, in any order.
 *       ImageNet's {@code synset_words.txt} and {@code LOC_synset_mapping.txt} have this form
 *       ({@code n01440764 tench, Tinca tinca}). Every class folder needs a line; lines for folders
 *       that {@code train/} lacks are ignored, so the file of all 1,000 classes also serves a copy
 *       holding a subset of them.
 *   <li>Plain: one readable name per line, one line per class, in class-index order (the sorted
 *       order of the folders).
 * </ul>
 *
 * The file is read as a mapping as soon as one line starts with a class folder name followed by
 * more text; it then has to name every class, so that a mapping with a typo fails instead of
 * passing as plain names.
 */
final class ClassLabels {

    private static final Logger LOG = LoggerFactory.getLogger(ClassLabels.class);

    /** Folder names listed in an error before it says "and N more". */
    private static final int LISTED = 5;

    private ClassLabels() {}

    /**
     * The readable name of each class of {@code classNames}, in their order.
     *
     * @param trainDir the folder holding the class folders, for messages
     * @throws IOException in one line naming the file and what was expected
     */
    static List<String> read(Path file, List<String> classNames, Path trainDir) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("labels file " + file + " does not exist");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new IOException("labels file " + file + " is not UTF-8 text", e);
        }
        if (!lines.isEmpty() && lines.get(0).startsWith("\uFEFF")) {
            lines.set(0, lines.get(0).substring(1));
        }
        Map<String, Integer> indices = new HashMap<>();
        for (int i = 0; i < classNames.size(); i++) {
            indices.put(classNames.get(i), i);
        }
        boolean mapping = false;
        int entries = 0;
        for (String line : lines) {
            if (!line.isBlank()) {
                entries++;
                String[] parts = split(line);
                mapping |= parts.length == 2 && indices.containsKey(parts[0]);
            }
        }
        if (mapping) {
            return mapping(file, lines, classNames, indices, trainDir);
        }
        if (entries != classNames.size()) {
            throw new IOException(
                    "labels file "
                            + file
                            + " matches neither form: expected "
                            + classNames.size()
                            + " lines 'FOLDER readable name' naming the class folders of "
                            + trainDir
                            + " (such as '"
                            + classNames.get(0)
                            + " ...'), or "
                            + classNames.size()
                            + " plain lines, one name per class in the sorted order of the folders;"
                            + " got "
                            + entries
                            + " lines, none starting with a class folder name");
        }
        List<String> names = new ArrayList<>(entries);
        for (String line : lines) {
            if (!line.isBlank()) {
                names.add(line.strip());
            }
        }
        return List.copyOf(names);
    }

    private static List<String> mapping(
            Path file,
            List<String> lines,
            List<String> classNames,
            Map<String, Integer> indices,
            Path trainDir)
            throws IOException {
        String[] names = new String[classNames.size()];
        int[] lineOf = new int[classNames.size()];
        List<String> unknown = new ArrayList<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            if (line.isBlank()) {
                continue;
            }
            String[] parts = split(line);
            if (parts.length < 2) {
                throw new IOException(
                        "labels file "
                                + file
                                + " line "
                                + (n + 1)
                                + ": expected 'FOLDER readable name', got '"
                                + line.strip()
                                + "'");
            }
            Integer index = indices.get(parts[0]);
            if (index == null) {
                unknown.add(parts[0]);
                continue;
            }
            if (names[index] != null) {
                throw new IOException(
                        "labels file "
                                + file
                                + " names class folder "
                                + parts[0]
                                + " twice (lines "
                                + lineOf[index]
                                + " and "
                                + (n + 1)
                                + "): expected one line per class folder");
            }
            names[index] = parts[1];
            lineOf[index] = n + 1;
        }
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            if (names[i] == null) {
                missing.add(classNames.get(i));
            }
        }
        if (!missing.isEmpty()) {
            String listed =
                    String.join(", ", missing.subList(0, Math.min(LISTED, missing.size())))
                            + (missing.size() > LISTED
                                    ? " and " + (missing.size() - LISTED) + " more"
                                    : "");
            throw new IOException(
                    "labels file "
                            + file
                            + " has no line for class folder"
                            + (missing.size() > 1 ? "s " : " ")
                            + listed
                            + " of "
                            + trainDir
                            + ": expected a line 'FOLDER readable name' for each of the "
                            + classNames.size()
                            + " class folders"
                            + (unknown.isEmpty()
                                    ? ""
                                    : " (it names "
                                            + unknown.size()
                                            + " folder"
                                            + (unknown.size() > 1 ? "s" : "")
                                            + " absent from train/, such as "
                                            + unknown.get(0)
                                            + ")"));
        }
        if (!unknown.isEmpty()) {
            LOG.info(
                    "labels file {}: ignoring the names of {} folder(s) absent from {}",
                    file,
                    unknown.size(),
                    trainDir);
        }
        return List.of(names);
    }

    /** The first word and the stripped rest, or the stripped line alone if it is one word. */
    private static String[] split(String line) {
        String stripped = line.strip();
        for (int i = 0; i < stripped.length(); i++) {
            if (Character.isWhitespace(stripped.charAt(i))) {
                return new String[] {stripped.substring(0, i), stripped.substring(i).strip()};
            }
        }
        return new String[] {stripped};
    }
}
