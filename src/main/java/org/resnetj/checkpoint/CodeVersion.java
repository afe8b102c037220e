package org.resnetj.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version of this code, recorded in every checkpoint and run configuration. */
public final class CodeVersion {

    private static final String VERSION = load();

    private CodeVersion() {}

    /** The project version and commit, for example {@code 0.1.0-SNAPSHOT+73c2b41-dirty}. */
    public static String get() {
        return VERSION;
    }

    private static String load() {
        Properties git = new Properties();
        try (InputStream in = CodeVersion.class.getResourceAsStream("/git.properties")) {
            if (in != null) {
                git.load(in);
            }
        } catch (IOException e) {
            return "unknown";
        }
        String version = git.getProperty("git.build.version", "unknown");
        String commit = git.getProperty("git.commit.id.abbrev");
        if (commit == null || commit.isEmpty()) {
            return version;
        }
        return version
                + "+"
                + commit
                + ("true".equals(git.getProperty("git.dirty")) ? "-dirty" : "");
    }
}
