package org.resnetj.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.resnetj.data.Cifar10;
import org.resnetj.data.SyntheticCifar;
import org.resnetj.train.DataKind;

/** The embedded default data set: synthetic CIFAR-10-format data, generated once. */
final class SyntheticDefault {

    /** Where the default set lives, relative to the working directory. */
    static final String DIR = "data/synthetic";

    /** The kind of the default set: the commands fall back to it when --data is not given. */
    static final DataKind KIND = DataKind.CIFAR10;

    static final int TRAIN = 50_000;
    static final int TEST = 10_000;
    static final long SEED = 0;

    private SyntheticDefault() {}

    /** The default set's directory, generating it on first use. */
    static Path ensure() throws IOException {
        Path dir = Path.of(DIR);
        if (!Files.exists(dir.resolve(Cifar10.SYNTHETIC_MARKER))) {
            System.out.println(
                    "generating the synthetic default data set in "
                            + dir
                            + " ("
                            + TRAIN
                            + " train, "
                            + TEST
                            + " test images)");
            SyntheticCifar.write(dir, TRAIN, TEST, SEED);
        }
        return dir;
    }
}
