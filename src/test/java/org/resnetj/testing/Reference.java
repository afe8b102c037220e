package org.resnetj.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The tests' independent references (Debian's python3-torch and python3-torchvision, the bench's
 * peer): a test that needs one skips where it is missing on a developer's machine, but fails under
 * {@code CI=true}, where {@code .ci/run} installs it. The strongest oracles then run in every CI
 * run, not only where someone installed them by hand.
 */
public final class Reference {

    private Reference() {}

    /**
     * Skips the calling test unless {@code available}; under {@code CI=true}, fails it instead.
     *
     * @param what the missing reference, named for the message
     */
    public static void require(boolean available, String what) {
        if (available) {
            return;
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(what + " (CI=true, and .ci/run installs the references)");
        }
        assumeTrue(false, what);
    }
}
