package org.resnetj.bench;

import java.util.List;

/**
 * The workloads of {@code ./resnet bench}, one declaration each. A new workload is a line here, a
 * {@link Workload.Kind} if it runs something new, and the same kind in {@link Worker} and {@code
 * bench/peer.py}.
 */
final class Workloads {

    /** Every workload, in the order of the report. */
    static final List<Workload> ALL =
            List.of(
                    // Section 4.2: CIFAR-10 nets, mini-batch 128.
                    Workload.training("train-resnet20", "resnet20", 128),
                    Workload.training("train-resnet56", "resnet56", 128),
                    // Table 1's ResNet-50 with torchvision's layout, one image and a small batch.
                    Workload.inference("infer-resnet50-b1", "resnet50", 1),
                    Workload.inference("infer-resnet50-b16", "resnet50", 16),
                    // What feeds the training workloads, alone.
                    Workload.cifarData("data-cifar", 128),
                    // Section 3.4's ImageNet pipeline from JPEG files; batch 32, a size both sides
                    // keep
                    // within memory on a small machine (the paper's 256 only scales the batch, not
                    // the work per image).
                    Workload.imagenetData("data-imagenet", 32),
                    // Appendix A: Faster R-CNN with a ResNet-101 C4 backbone at 600×1000. Minutes
                    // per measurement on a small machine: not in the default set.
                    Workload.detectionTraining("train-detect-resnet101", "resnet101", 600),
                    Workload.detectionInference("infer-detect-resnet101", "resnet101", 600));

    /**
     * What runs without {@code --only}: every workload but the detectors, whose iterations take
     * seconds each at 600×1000.
     */
    static List<Workload> defaults() {
        return ALL.stream().filter(w -> !w.kind().detection()).toList();
    }

    /**
     * The targets on this machine, against PyTorch; the data pipelines' 3× is in the
     * report's headroom lines.
     */
    static final List<Goal> GOALS =
            List.of(
                    Goal.speed("train-resnet20", 1.1),
                    Goal.speed("train-resnet56", 1.1),
                    Goal.speed("infer-resnet50-b1", 1.0),
                    Goal.memory("infer-resnet50-b1"),
                    Goal.speed("infer-resnet50-b16", 1.2),
                    Goal.memory("infer-resnet50-b16"),
                    Goal.speedVersusOnnx("infer-resnet50-b1", 1.0),
                    Goal.speedVersusOnnx("infer-resnet50-b16", 1.0),
                    Goal.speed("train-detect-resnet101", 1.0),
                    Goal.speed("infer-detect-resnet101", 1.0));

    /** The matrix product whose best time gives the machine's peak flops. */
    static final Workload PEAK = Workload.matmul(2048);

    private Workloads() {}
}
