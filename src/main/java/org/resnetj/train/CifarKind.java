package org.resnetj.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntConsumer;
import org.resnetj.checkpoint.LoadedModel;
import org.resnetj.data.Cifar10;
import org.resnetj.data.Cifar10Data;
import org.resnetj.data.CifarImages;
import org.resnetj.eval.Evaluator;
import org.resnetj.model.Classifier;
import org.resnetj.model.ModelSpec;

/**
 * CIFAR-10 binary files (Section 4.2): CIFAR-10 nets with the recipe of Section 4.2, tested on a
 * single view of each original 32×32 test image.
 */
final class CifarKind extends DataKind {

    /** The one protocol of CIFAR-10 testing. */
    static final String SINGLE_VIEW = "single-view";

    CifarKind() {
        super(
                new Traits(
                        "CIFAR-10 binary files",
                        Cifar10.layout(),
                        Cifar10::looksLike,
                        Set.of(ModelSpec.Family.CIFAR10),
                        "a CIFAR-10 net (resnet20, plain56, ...)",
                        "resnet20",
                        250));
    }

    @Override
    public Setup setup() {
        return Setup.cifar10();
    }

    @Override
    public List<String> protocols(List<String> names, Path data) {
        if (!names.isEmpty()) {
            throw new IllegalArgumentException(
                    "--protocol applies to image folders: "
                            + data
                            + " is taken as CIFAR-10 data, which is tested on a single view of"
                            + " each original 32×32 image");
        }
        return List.of(SINGLE_VIEW);
    }

    @Override
    public Opened open(Path data) throws IOException {
        Cifar10Data cifar = Cifar10.read(data);
        return new Opened() {
            @Override
            public int classes() {
                return CifarImages.CLASSES;
            }

            @Override
            public String evalDescription() {
                return String.format(
                        Locale.ROOT,
                        "CIFAR-10 binary files: %d test images%s",
                        cifar.test().size(),
                        cifar.synthetic() ? " (synthetic data)" : "");
            }

            @Override
            public int evalImages() {
                return cifar.test().size();
            }

            @Override
            public TrainingData training(Recipe recipe, int threads) {
                return CifarTraining.open(cifar, recipe, threads);
            }

            @Override
            public Evaluated evaluate(Ensemble ensemble, String protocol, IntConsumer progress) {
                List<Classifier> networks = new ArrayList<>();
                List<float[]> means = new ArrayList<>();
                for (LoadedModel model : ensemble.models()) {
                    networks.add(model.classifier());
                    means.add(model.pixelMean());
                }
                Evaluator.Result result =
                        Evaluator.evaluate(networks, means, cifar.test(), ensemble.batchSize());
                progress.accept(cifar.test().size());
                return new Evaluated(result, 0, cifar.synthetic());
            }
        };
    }
}
