package org.resnetj.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.resnetj.data.RgbImage;

/** The protocols' command-line names and the paper's numbers of views: 1, 10 and 10. */
class ProtocolTest {

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void parsesItsCommandLineNameInAnyCase(Protocol protocol) {
        assertThat(Protocol.parse(protocol.cliName())).isSameAs(protocol);
        assertThat(Protocol.parse(" " + protocol.cliName().toUpperCase() + " ")).isSameAs(protocol);
        assertThat(protocol.toString()).isEqualTo(protocol.cliName());
        assertThat(protocol.description()).isNotBlank().doesNotContain("\n");
    }

    @Test
    void theNamesAreThePapersProtocols() {
        assertThat(Protocol.CENTER.cliName()).isEqualTo("center");
        assertThat(Protocol.TEN_CROP.cliName()).isEqualTo("10-crop");
        assertThat(Protocol.MULTI_SCALE.cliName()).isEqualTo("multi-scale");
    }

    @Test
    void anUnknownNameIsRejectedWithTheValidNames() {
        assertThatThrownBy(() -> Protocol.parse("144-crop"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "unknown testing protocol '144-crop': expected one of center, 10-crop,"
                                + " multi-scale");
    }

    @ParameterizedTest
    @CsvSource({"CENTER, 1", "TEN_CROP, 10", "MULTI_SCALE, 10"})
    void givesThePapersNumberOfViews(Protocol protocol, int views) {
        byte[] chw = new byte[3 * 40 * 30];
        new Random(7).nextBytes(chw);

        assertThat(protocol.viewsPerImage()).isEqualTo(views);
        assertThat(protocol.views(RgbImage.of(40, 30, chw))).hasSize(views);
    }
}
