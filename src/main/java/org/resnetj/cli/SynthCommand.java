package org.resnetj.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.resnetj.data.Cifar10;
import org.resnetj.data.SyntheticCifar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code resnet synth}: writes a synthetic stand-in for CIFAR-10 in the official binary layout. */
@Command(
        name = "synth",
        mixinStandardHelpOptions = true,
        description = {
            "Write a procedurally drawn stand-in for CIFAR-10 in the official binary layout"
                    + " (data_batch_1..5.bin, test_batch.bin, batches.meta.txt), marked SYNTHETIC.",
            "Ten mirror-symmetric pattern classes, so the training flip keeps every class."
        })
final class SynthCommand implements Callable<Integer> {

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            description = "directory to create; must not exist or be empty")
    Path out;

    @Option(
            names = "--train",
            paramLabel = "N",
            defaultValue = "50000",
            description = "training images, at least 5 (default: ${DEFAULT-VALUE}, as CIFAR-10)")
    int train;

    @Option(
            names = "--test",
            paramLabel = "M",
            defaultValue = "10000",
            description = "test images, at least 1 (default: ${DEFAULT-VALUE}, as CIFAR-10)")
    int test;

    @Option(
            names = "--seed",
            paramLabel = "S",
            defaultValue = "0",
            description =
                    "generator seed; the same arguments always write the same bytes (default:"
                            + " ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws IOException {
        if (train < SyntheticCifar.MIN_TRAIN) {
            throw new IllegalArgumentException(
                    "--train must be at least "
                            + SyntheticCifar.MIN_TRAIN
                            + " (one image per data_batch file), got "
                            + train);
        }
        if (test < 1) {
            throw new IllegalArgumentException("--test must be at least 1, got " + test);
        }
        long start = System.nanoTime();
        SyntheticCifar.write(out, train, test, seed);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                Locale.ROOT,
                "wrote SYNTHETIC CIFAR-10 (seed %d) to %s in %.1f s: %d training images in %s..%s,"
                        + " %d test images in %s, class names in %s%n",
                seed,
                out.toAbsolutePath().normalize(),
                seconds,
                train,
                Cifar10.TRAIN_FILES.get(0),
                Cifar10.TRAIN_FILES.get(Cifar10.TRAIN_FILES.size() - 1),
                test,
                Cifar10.TEST_FILE,
                Cifar10.META_FILE);
        return 0;
    }
}
