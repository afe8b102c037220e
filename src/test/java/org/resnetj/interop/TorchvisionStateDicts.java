package org.resnetj.interop;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.resnetj.model.Layer;
import org.resnetj.model.ModelRegistry;
import org.resnetj.model.ModelSpec;
import org.resnetj.model.Shortcut;
import org.resnetj.model.StridePlacement;

/**
 * State_dicts of torchvision's ResNets with random values, in torchvision's names and order
 * (module by module: conv and BN weights, BN bias, running statistics and {@code
 * num_batches_tracked}), with the {@code _metadata} torchvision's modules record.
 */
public final class TorchvisionStateDicts {

    private static final Pattern BLOCK = Pattern.compile("(layer\\d+\\.\\d+)\\..*");

    private TorchvisionStateDicts() {}

    /**
     * The state_dict of torchvision's {@code model} (resnet18 ... resnet152) with {@code classes}
     * outputs: Gaussian weights, positive running variances, step counters of 100.
     */
    public static Map<String, TorchSave.Tensor> random(String model, int classes, long seed) {
        ModelSpec spec = ModelRegistry.get(model);
        Layer.Sequence plan = spec.plan(
                spec.defaults().withShortcut(Shortcut.B).withStridePlacement(StridePlacement.MIDDLE_3X3).withClasses(classes),
                spec.inputSize());
        Map<String, TorchSave.Tensor> out = new LinkedHashMap<>();
        add(plan, out, new Random(seed));
        return out;
    }

    /** Writes {@link #random} as torch.save would and returns it. */
    public static Map<String, TorchSave.Tensor> writePth(Path file, String model, int classes, long seed) throws IOException {
        Map<String, TorchSave.Tensor> tensors = random(model, classes, seed);
        TorchSave.write(file, tensors, metadata(tensors));
        return tensors;
    }

    /**
     * torchvision's modules in {@code named_modules()} order with their versions (2 for BN, 1
     * otherwise), as {@code state_dict()} records them in {@code _metadata}: the parameterless
     * ReLU, max pool and average pool included.
     */
    public static Map<String, Integer> metadata(Map<String, TorchSave.Tensor> tensors) {
        Map<String, Integer> modules = new LinkedHashMap<>();
        modules.put("", 1);
        modules.put("conv1", 1);
        modules.put("bn1", 2);
        modules.put("relu", 1);
        modules.put("maxpool", 1);
        for (String name : tensors.keySet()) {
            Matcher m = BLOCK.matcher(name);
            if (!m.matches() || modules.containsKey(m.group(1))) {
                continue;
            }
            String block = m.group(1);
            modules.put(block.substring(0, block.indexOf('.')), 1);
            modules.put(block, 1);
            boolean bottleneck = tensors.containsKey(block + ".conv3.weight");
            int convs = bottleneck ? 3 : 2;
            for (int j = 1; j <= convs; j++) {
                modules.put(block + ".conv" + j, 1);
                modules.put(block + ".bn" + j, 2);
                if (!bottleneck && j == 1) {
                    modules.put(block + ".relu", 1);
                }
            }
            if (bottleneck) {
                modules.put(block + ".relu", 1);
            }
            if (tensors.containsKey(block + ".downsample.0.weight")) {
                modules.put(block + ".downsample", 1);
                modules.put(block + ".downsample.0", 1);
                modules.put(block + ".downsample.1", 2);
            }
        }
        modules.put("avgpool", 1);
        modules.put("fc", 1);
        return modules;
    }

    private static void add(Layer layer, Map<String, TorchSave.Tensor> out, Random random) {
        if (layer instanceof Layer.Conv c) {
            put(out, torchName(c.name() + ".weight"), new long[] {c.out(), c.in(), c.kernel(), c.kernel()}, random, 0.1f, 0f);
        } else if (layer instanceof Layer.BatchNorm bn) {
            long[] shape = {bn.channels()};
            put(out, torchName(bn.name() + ".gamma"), shape, random, 0.2f, 1f);
            put(out, torchName(bn.name() + ".beta"), shape, random, 0.1f, 0f);
            put(out, torchName(bn.name() + ".running_mean"), shape, random, 0.1f, 0f);
            float[] var = new float[bn.channels()];
            for (int i = 0; i < var.length; i++) {
                var[i] = 0.5f + random.nextFloat();
            }
            out.put(torchName(bn.name() + ".running_var"), new TorchSave.Tensor("FloatStorage", shape, var));
            String weight = torchName(bn.name() + ".gamma");
            out.put(weight.substring(0, weight.length() - "weight".length()) + "num_batches_tracked",
                    new TorchSave.Tensor("LongStorage", new long[0], new float[] {100}));
        } else if (layer instanceof Layer.Linear l) {
            put(out, "fc.weight", new long[] {l.out(), l.in()}, random, 0.05f, 0f);
            put(out, "fc.bias", new long[] {l.out()}, random, 0.05f, 0f);
        } else if (layer instanceof Layer.Sequence s) {
            s.layers().forEach(child -> add(child, out, random));
        } else if (layer instanceof Layer.Block b) {
            add(b.branch(), out, random);
            if (b.shortcut() instanceof Layer.Projection p) {
                add(p.convBn(), out, random);
            }
        }
    }

    private static String torchName(String ours) {
        return TorchvisionNames.toTorchvision(ours).orElseThrow(() -> new AssertionError("no torchvision name for " + ours));
    }

    private static void put(Map<String, TorchSave.Tensor> out, String name, long[] shape, Random random, float std, float mean) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] values = new float[(int) n];
        for (int i = 0; i < values.length; i++) {
            values[i] = mean + std * (float) random.nextGaussian();
        }
        out.put(name, new TorchSave.Tensor("FloatStorage", shape, values));
    }
}
