package org.resnetj.interop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * State_dicts of torchvision's ResNets with random values, in torchvision's names and order (module
 * by module: conv and BN weights, BN bias, running statistics and {@code num_batches_tracked}),
 * with the {@code _metadata} torchvision's modules record.
 *
 * <p>The names, dtypes and shapes are those of {@code torchvision.models.resnetN().state_dict()},
 * listed in the committed {@code torchvision-resnetN.keys} next to this class (written by {@code
 * bench/torchvision_keys.py}): they come from torchvision, not from the rule under test ({@link
 * TorchvisionNames}).
 */
public final class TorchvisionStateDicts {

    private static final Pattern BLOCK = Pattern.compile("(layer\\d+\\.\\d+)\\..*");

    /**
     * One tensor of torchvision's state_dict.
     *
     * @param name its key
     * @param dtype {@code float32}, or {@code int64} for a BN step counter
     * @param shape its dimensions, none for a scalar
     */
    public record Key(String name, String dtype, long[] shape) {}

    private TorchvisionStateDicts() {}

    /**
     * The keys of {@code torchvision.models.<model>().state_dict()} (resnet18 ... resnet152, 1000
     * classes), in its order, as the committed list records them.
     */
    public static List<Key> keys(String model) {
        String resource = "torchvision-" + model + ".keys";
        InputStream in = TorchvisionStateDicts.class.getResourceAsStream(resource);
        if (in == null) {
            throw new AssertionError(
                    "no "
                            + resource
                            + " next to "
                            + TorchvisionStateDicts.class.getName()
                            + ": torchvision has no "
                            + model
                            + ", or bench/torchvision_keys.py has not listed it");
        }
        List<Key> keys = new ArrayList<>();
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] fields = line.strip().split(" ");
                long[] shape =
                        Arrays.stream(fields, 2, fields.length)
                                .mapToLong(Long::parseLong)
                                .toArray();
                keys.add(new Key(fields[0], fields[1], shape));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return keys;
    }

    /**
     * The state_dict of torchvision's {@code model} (resnet18 ... resnet152) with {@code classes}
     * outputs: Gaussian weights, positive running variances, step counters of 100.
     */
    public static Map<String, TorchSave.Tensor> random(String model, int classes, long seed) {
        Random random = new Random(seed);
        Map<String, TorchSave.Tensor> out = new LinkedHashMap<>();
        for (Key key : keys(model)) {
            String name = key.name();
            long[] shape = key.shape().clone();
            if (name.startsWith("fc.")) {
                shape[0] = classes;
            }
            if (key.dtype().equals("int64")) {
                out.put(name, new TorchSave.Tensor("LongStorage", shape, new float[] {100}));
            } else if (name.endsWith(".running_var")) {
                float[] var = new float[(int) shape[0]];
                for (int i = 0; i < var.length; i++) {
                    var[i] = 0.5f + random.nextFloat();
                }
                out.put(name, new TorchSave.Tensor("FloatStorage", shape, var));
            } else if (name.startsWith("fc.")) {
                put(out, name, shape, random, 0.05f, 0f);
            } else if (shape.length == 4) {
                put(out, name, shape, random, 0.1f, 0f); // a convolution's weight
            } else if (name.endsWith(".weight")) {
                put(out, name, shape, random, 0.2f, 1f); // a BN's scale
            } else {
                put(out, name, shape, random, 0.1f, 0f); // a BN's shift or running mean
            }
        }
        return out;
    }

    /** Writes {@link #random} as torch.save would and returns it. */
    public static Map<String, TorchSave.Tensor> writePth(
            Path file, String model, int classes, long seed) throws IOException {
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

    private static void put(
            Map<String, TorchSave.Tensor> out,
            String name,
            long[] shape,
            Random random,
            float std,
            float mean) {
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
