package org.resnetj.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntConsumer;
import org.resnetj.checkpoint.LoadedModel;
import org.resnetj.data.ImageFolder;
import org.resnetj.eval.Protocol;
import org.resnetj.eval.ProtocolEvaluator;
import org.resnetj.model.ModelSpec;

/**
 * An image folder ({@code train/CLASS/*.jpg}, {@code val/CLASS/*.jpg}) in ImageNet's layout
 * (Section 3.4): the Table 1 nets and the VGG references, with the ImageNet recipe, tested on
 * {@code val/} by the protocols of Section 3.4.
 */
final class ImageFolderKind extends DataKind {

    /** The protocol name that asks for every protocol. */
    private static final String ALL_PROTOCOLS = "all";

    ImageFolderKind() {
        super(
                new Traits(
                        "an image folder",
                        ImageFolder.layout(),
                        ImageFolder::looksLike,
                        Set.of(ModelSpec.Family.IMAGENET, ModelSpec.Family.REFERENCE),
                        "an ImageNet net (resnet18 ... resnet152, plain18, plain34)",
                        "resnet18",
                        50));
    }

    @Override
    public Setup setup() {
        return Setup.imagenet();
    }

    @Override
    public List<String> protocols(List<String> names, Path data) {
        Set<String> chosen = new LinkedHashSet<>();
        for (String name : names) {
            if (name.trim().equalsIgnoreCase(ALL_PROTOCOLS)) {
                for (Protocol protocol : Protocol.values()) {
                    chosen.add(protocol.cliName());
                }
            } else {
                chosen.add(Protocol.parse(name.trim()).cliName());
            }
        }
        return chosen.isEmpty() ? List.of(Protocol.CENTER.cliName()) : List.copyOf(chosen);
    }

    @Override
    public Opened open(Path data) throws IOException {
        ImageFolder folder = ImageFolder.open(data, null);
        return new Opened() {
            @Override
            public int classes() {
                return folder.classNames().size();
            }

            @Override
            public String evalDescription() throws IOException {
                return String.format(
                        Locale.ROOT,
                        "an image folder: %d classes, %d val images",
                        folder.classNames().size(),
                        evalImages());
            }

            @Override
            public int evalImages() throws IOException {
                return val().size();
            }

            @Override
            public TrainingData training(Recipe recipe, int threads) throws IOException {
                return FolderTraining.open(folder, recipe, threads);
            }

            @Override
            public Evaluated evaluate(Ensemble ensemble, String protocol, IntConsumer progress)
                    throws IOException {
                List<ProtocolEvaluator.Model> members = new ArrayList<>();
                for (int i = 0; i < ensemble.models().size(); i++) {
                    LoadedModel model = ensemble.models().get(i);
                    members.add(
                            new ProtocolEvaluator.Model(
                                    ensemble.names().get(i),
                                    model.classifier(),
                                    model.preprocessing()));
                }
                ProtocolEvaluator.Result result =
                        ProtocolEvaluator.evaluate(
                                members,
                                val(),
                                Protocol.parse(protocol),
                                ensemble.batchSize(),
                                ensemble.threads(),
                                ensemble.badImages(),
                                progress);
                return new Evaluated(result.errors(), result.skipped(), false);
            }

            private ImageFolder.Split val() throws IOException {
                return folder.requireVal("evaluation uses val/CLASS/*.jpg");
            }
        };
    }
}
