package org.resnetj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.resnetj.distributed.World;
import org.resnetj.testing.Reference;

/** {@code bench --distributed}: 2 ranks × 1 thread under mpirun against 1 rank × 2 threads. */
class DistributedBenchCommandTest {

    /**
     * Both layouts are measured and reported; the gradient averaged per step is ResNet-20's 0.27M
     * parameters (Table 6) as float32, 1.1 MB.
     */
    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void reportsBothLayoutsAndTheGradientOfResNet20() {
        Reference.require(
                World.mpirun().isPresent(),
                "mpirun is not installed (apt-get install openmpi-bin)");
        CommandRun run = CommandRun.of("bench", "--distributed", "--quick");
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("distributed training, resnet20, global batch 4")
                .containsPattern(
                        "2 rank\\(s\\) x 1 thread\\(s\\) +[0-9.]+ +[0-9.]+ +[0-9.]+% +\\d+")
                .containsPattern("1 rank\\(s\\) x 2 thread\\(s\\) +[0-9.]+ +[0-9.]+ +0\\.0% +-")
                .contains("gradient per step: 1.1 MB");
    }
}
