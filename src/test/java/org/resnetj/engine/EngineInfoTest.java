package org.resnetj.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@link EngineInfo}: the versions it reports are the ones the build declares in pom.xml and the
 * ones DJL's engine reports, and the host is this machine as Linux describes it.
 */
class EngineInfoTest {

    private static final EngineInfo INFO = EngineInfo.current();

    @Test
    void theVersionsAreThoseThePomDeclaresAndTheEngineReports() throws IOException {
        String pom = Files.readString(Path.of(System.getProperty("basedir", "."), "pom.xml"));
        String djl = first(pom, "<djl\\.version>([^<]+)</djl\\.version>");
        String libtorch =
                first(pom, "<artifactId>pytorch-native-cpu</artifactId>\\s*<version>([^<]+)<");

        assertThat(INFO.djl()).isEqualTo(djl).isEqualTo(Engine.getDjlVersion());
        assertThat(INFO.libtorch())
                .isEqualTo(libtorch)
                .isEqualTo(Engine.getInstance().getVersion());
        assertThat(INFO.versions()).isEqualTo("DJL " + djl + ", libtorch " + libtorch);
    }

    @Test
    void theJdkIsTheRunningOne() {
        assertThat(INFO.jdk()).startsWith(System.getProperty("java.specification.version"));
        assertThat(Runtime.Version.parse(INFO.jdk()).feature())
                .isEqualTo(Integer.parseInt(System.getProperty("java.specification.version")));
    }

    @Test
    void theHostIsThisMachine() throws IOException {
        assertThat(INFO.host().cachesReported())
                .isEqualTo(Files.isDirectory(Path.of("/sys/devices/system/cpu/cpu0/cache")));
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (Files.isReadable(cpuinfo)) {
            Matcher model =
                    Pattern.compile("(?m)^model name\\s*:\\s*(.+?)\\s*$")
                            .matcher(Files.readString(cpuinfo));
            if (model.find()) {
                assertThat(INFO.host().cpu()).isEqualTo(model.group(1));
            }
        }
    }

    private static String first(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as("pom.xml has %s", regex).isTrue();
        return m.group(1);
    }
}
