package org.resnetj.interop;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rule between torchvision's ResNet parameter names and ours (the paper's, see {@link
 * org.resnetj.model.Network}); no model has a list of its own.
 *
 * <pre>
 *   conv1.weight                      conv1.weight
 *   bn1.X                             conv1.bn.X'
 *   layer{s}.{i}.conv{j}.weight       conv{s+1}_{i+1}.branch2{a,b,c for j = 1,2,3}.weight
 *   layer{s}.{i}.bn{j}.X              conv{s+1}_{i+1}.branch2{a,b,c}.bn.X'
 *   layer{s}.{i}.downsample.0.weight  conv{s+1}_{i+1}.branch1.weight
 *   layer{s}.{i}.downsample.1.X       conv{s+1}_{i+1}.branch1.bn.X'
 *   fc.weight, fc.bias                fc.weight, fc.bias
 * </pre>
 *
 * where X' is X for {@code running_mean} and {@code running_var}, {@code gamma} for {@code weight}
 * and {@code beta} for {@code bias}. torchvision's {@code layer1..layer4} are the paper's {@code
 * conv2_x..conv5_x}, and its blocks count from 0 where Table 1's count from 1. A BN's {@code
 * num_batches_tracked} has no counterpart: it counts training steps and matters only to BN with
 * {@code momentum=None}, which torchvision's ResNets do not use.
 */
final class TorchvisionNames {

    private static final Map<String, String> BN_TO_OURS =
            Map.of(
                    "weight",
                    "gamma",
                    "bias",
                    "beta",
                    "running_mean",
                    "running_mean",
                    "running_var",
                    "running_var");
    private static final Map<String, String> BN_TO_TORCHVISION =
            Map.of(
                    "gamma",
                    "weight",
                    "beta",
                    "bias",
                    "running_mean",
                    "running_mean",
                    "running_var",
                    "running_var");
    private static final String BRANCHES = "abc";

    private static final Pattern STEM_BN = Pattern.compile("bn1\\.(\\w+)");
    private static final Pattern BLOCK_CONV =
            Pattern.compile("layer(\\d{1,4})\\.(\\d{1,4})\\.conv(\\d)\\.weight");
    private static final Pattern BLOCK_BN =
            Pattern.compile("layer(\\d{1,4})\\.(\\d{1,4})\\.bn(\\d)\\.(\\w+)");
    private static final Pattern DOWNSAMPLE_CONV =
            Pattern.compile("layer(\\d{1,4})\\.(\\d{1,4})\\.downsample\\.0\\.weight");
    private static final Pattern DOWNSAMPLE_BN =
            Pattern.compile("layer(\\d{1,4})\\.(\\d{1,4})\\.downsample\\.1\\.(\\w+)");

    private static final Pattern OUR_STEM_BN = Pattern.compile("conv1\\.bn\\.(\\w+)");
    private static final Pattern OUR_BRANCH2_CONV =
            Pattern.compile("conv(\\d{1,4})_(\\d{1,4})\\.branch2([abc])\\.weight");
    private static final Pattern OUR_BRANCH2_BN =
            Pattern.compile("conv(\\d{1,4})_(\\d{1,4})\\.branch2([abc])\\.bn\\.(\\w+)");
    private static final Pattern OUR_BRANCH1_CONV =
            Pattern.compile("conv(\\d{1,4})_(\\d{1,4})\\.branch1\\.weight");
    private static final Pattern OUR_BRANCH1_BN =
            Pattern.compile("conv(\\d{1,4})_(\\d{1,4})\\.branch1\\.bn\\.(\\w+)");

    private TorchvisionNames() {}

    /** Whether torchvision's tensor {@code name} is a BN step counter, which has no counterpart. */
    static boolean isStepCounter(String name) {
        return name.endsWith(".num_batches_tracked");
    }

    /** Our name for torchvision's tensor {@code name}, if the rule covers it. */
    static Optional<String> toOurs(String name) {
        if (name.equals("conv1.weight") || name.equals("fc.weight") || name.equals("fc.bias")) {
            return Optional.of(name);
        }
        Matcher stemBn = STEM_BN.matcher(name);
        if (stemBn.matches()) {
            return bnField(stemBn.group(1), BN_TO_OURS).map(f -> "conv1.bn." + f);
        }
        Matcher conv = BLOCK_CONV.matcher(name);
        if (conv.matches()) {
            String block = block(conv);
            return branch2(conv.group(3)).map(b -> block + ".branch2" + b + ".weight");
        }
        Matcher bn = BLOCK_BN.matcher(name);
        if (bn.matches()) {
            String block = block(bn);
            Optional<String> field = bnField(bn.group(4), BN_TO_OURS);
            return branch2(bn.group(3))
                    .flatMap(b -> field.map(f -> block + ".branch2" + b + ".bn." + f));
        }
        Matcher downsampleConv = DOWNSAMPLE_CONV.matcher(name);
        if (downsampleConv.matches()) {
            return Optional.of(block(downsampleConv) + ".branch1.weight");
        }
        Matcher downsampleBn = DOWNSAMPLE_BN.matcher(name);
        if (downsampleBn.matches()) {
            String block = block(downsampleBn);
            return bnField(downsampleBn.group(3), BN_TO_OURS).map(f -> block + ".branch1.bn." + f);
        }
        return Optional.empty();
    }

    /** torchvision's name for our tensor {@code name}, if the rule covers it. */
    static Optional<String> toTorchvision(String name) {
        if (name.equals("conv1.weight") || name.equals("fc.weight") || name.equals("fc.bias")) {
            return Optional.of(name);
        }
        Matcher stemBn = OUR_STEM_BN.matcher(name);
        if (stemBn.matches()) {
            return bnField(stemBn.group(1), BN_TO_TORCHVISION).map(f -> "bn1." + f);
        }
        Matcher conv = OUR_BRANCH2_CONV.matcher(name);
        if (conv.matches()) {
            int j = BRANCHES.indexOf(conv.group(3)) + 1;
            return layer(conv).map(l -> l + ".conv" + j + ".weight");
        }
        Matcher bn = OUR_BRANCH2_BN.matcher(name);
        if (bn.matches()) {
            int j = BRANCHES.indexOf(bn.group(3)) + 1;
            Optional<String> field = bnField(bn.group(4), BN_TO_TORCHVISION);
            return layer(bn).flatMap(l -> field.map(f -> l + ".bn" + j + "." + f));
        }
        Matcher projection = OUR_BRANCH1_CONV.matcher(name);
        if (projection.matches()) {
            return layer(projection).map(l -> l + ".downsample.0.weight");
        }
        Matcher projectionBn = OUR_BRANCH1_BN.matcher(name);
        if (projectionBn.matches()) {
            Optional<String> field = bnField(projectionBn.group(3), BN_TO_TORCHVISION);
            return layer(projectionBn).flatMap(l -> field.map(f -> l + ".downsample.1." + f));
        }
        return Optional.empty();
    }

    /** {@code conv{s+1}_{i+1}} from torchvision's {@code layer{s}.{i}} in groups 1 and 2. */
    private static String block(Matcher m) {
        return "conv"
                + (Integer.parseInt(m.group(1)) + 1)
                + "_"
                + (Integer.parseInt(m.group(2)) + 1);
    }

    /** {@code layer{S-1}.{I-1}} from our {@code conv{S}_{I}} in groups 1 and 2. */
    private static Optional<String> layer(Matcher m) {
        int stage = Integer.parseInt(m.group(1));
        int block = Integer.parseInt(m.group(2));
        return stage >= 2 && block >= 1
                ? Optional.of("layer" + (stage - 1) + "." + (block - 1))
                : Optional.empty();
    }

    /** Branch letter a, b or c for torchvision's conv or bn index 1, 2 or 3. */
    private static Optional<Character> branch2(String index) {
        int j = Integer.parseInt(index);
        return j >= 1 && j <= BRANCHES.length()
                ? Optional.of(BRANCHES.charAt(j - 1))
                : Optional.empty();
    }

    private static Optional<String> bnField(String field, Map<String, String> rename) {
        return Optional.ofNullable(rename.get(field));
    }
}
