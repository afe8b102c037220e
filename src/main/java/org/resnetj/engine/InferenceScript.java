package org.resnetj.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.resnetj.model.Layer;

/**
 * A layer plan's inference pass written as TorchScript source, for {@link InferenceNetwork}.
 *
 * <p>The script keeps the maps in oneDNN's own blocked layout from the first convolution to the
 * global pooling ({@code torch.to_mkldnn}), and runs every convolution with its BN folded in and
 * its weights reordered once, ahead of time, into the layout oneDNN's kernels read. The eager
 * engine instead reorders every map and every weight to and from that layout around each
 * convolution, for each batch. Otherwise the script runs the plan's operations in its order.
 *
 * <p>The module's methods: {@code forward(x, w)} runs an NCHW float batch {@code x} with the packed
 * weights {@code w}, in the order of {@link #weights()}, and returns the logits as an ordinary
 * tensor. {@code to_mkldnn(t)} copies a tensor into oneDNN's plain layout, and {@code
 * reorder_conv(weight, padding, stride)} reorders such a convolution weight into the blocked layout
 * oneDNN's kernels read: two steps, so that the caller can free each copy once the next exists.
 *
 * <p>Where oneDNN's 1×1 convolution and sum cannot run ({@link HiddenCaches}), the script keeps its
 * maps dense and channels-last instead ({@link Layout#CHANNELS_LAST}): the 3×3 and 7×7 convolutions
 * still run on oneDNN, reading channels-last maps without reordering them, while every 1×1
 * convolution is a matrix product over each pixel's channels ({@code torch.linear} on the NHWC
 * view), and every residual addition the engine's own. Its weights are the BN-folded dense ones, a
 * 1×1 convolution's as an out×in matrix. A single image runs through a second method, {@code
 * forward_single}, on the same weights, with NCHW maps: there the 1×1 convolution is W times the
 * image's C×HW matrix.
 */
final class InferenceScript {

    /** The module's name in the archive: the class {@code __torch__.resnetj.Inference}. */
    static final String MODULE = "resnetj";

    /** The module's class name. */
    static final String CLASS = "Inference";

    /**
     * What one pair of the weight list holds: a convolution with the BN after it, if any, or a
     * fully connected layer.
     */
    sealed interface PackedWeights {}

    /**
     * A convolution's weight and bias, with {@code bn} (null for none) folded in: packed for oneDNN
     * in the blocked layout, dense in the channels-last one, a 1×1 convolution's weight then as an
     * out×in matrix.
     */
    record ConvWeights(Layer.Conv conv, Layer.BatchNorm bn) implements PackedWeights {
        /**
         * Whether the script runs this convolution as a matrix product (channels-last layout only).
         */
        boolean pointwise() {
            return conv.kernel() == 1 && conv.padding() == 0;
        }
    }

    /** A fully connected layer's weight and bias, as they are. */
    record LinearWeights(Layer.Linear linear) implements PackedWeights {}

    /** How the script keeps the maps between its first convolution and the global pooling. */
    enum Layout {
        /** oneDNN's blocked layout: the fastest, where oneDNN runs every operation. */
        BLOCKED,
        /**
         * Dense channels-last maps, with 1×1 convolutions and additions outside oneDNN ({@link
         * HiddenCaches}).
         */
        CHANNELS_LAST;

        /** The layout for this host and setting. */
        static Layout current() {
            return HiddenCaches.active() ? CHANNELS_LAST : BLOCKED;
        }
    }

    private final Layout layout;

    /**
     * Whether the maps stay NCHW (one image, channels-last layout): what {@code forward_single}
     * runs.
     */
    private final boolean nchw;

    /**
     * In the channels-last layout, the body of {@code forward_single}, which runs a single image.
     */
    private String single;

    private final List<PackedWeights> weights = new ArrayList<>();
    private final StringBuilder body = new StringBuilder();
    private int variables;

    private InferenceScript(Layout layout, boolean nchw) {
        this.layout = layout;
        this.nchw = nchw;
    }

    /**
     * Writes the script of {@code plan}.
     *
     * @throws IllegalArgumentException if the plan has a BN that does not directly follow a
     *     convolution, which no network of the paper has
     */
    static InferenceScript of(Layer.Sequence plan, Layout layout) {
        InferenceScript script = new InferenceScript(layout, false).write(plan);
        if (layout == Layout.CHANNELS_LAST) {
            // One image runs faster in NCHW on such a host (ResNet-50: 14.3 against 11.2 images/s,
            // where 16 run at 12.4 channels-last and 7.7 NCHW): the same weights, another body.
            script.single = new InferenceScript(layout, true).write(plan).body.toString();
        }
        return script;
    }

    private InferenceScript write(Layer.Sequence plan) {
        Value out = sequence(plan, new Value("x", false), false);
        line("return %s", dense(out));
        return this;
    }

    /** How the script keeps its maps. */
    Layout layout() {
        return layout;
    }

    /**
     * The weight pairs {@code forward} takes, in order: pair i is {@code w[2i]} and {@code w[2i +
     * 1]}.
     */
    List<PackedWeights> weights() {
        return List.copyOf(weights);
    }

    /**
     * The module's source, as TorchScript stores it in a module archive's {@code code/__torch__/}
     * folder.
     */
    String source() {
        String self = "self: __torch__." + MODULE + "." + CLASS;
        return "class "
                + CLASS
                + "(Module):\n"
                + "  __parameters__ = []\n"
                + "  __buffers__ = []\n"
                + "  training : bool\n"
                + "  def forward("
                + self
                + ",\n"
                + "    x: Tensor,\n"
                + "    w: List[Tensor]) -> Tensor:\n"
                + (single == null
                        ? ""
                        : "    if x.size(0) == 1:\n      return self.forward_single(x, w)\n")
                + body
                + (single == null
                        ? ""
                        : "  def forward_single("
                                + self
                                + ",\n    x: Tensor,\n    w: List[Tensor]) -> Tensor:\n"
                                + single)
                + "  def to_mkldnn("
                + self
                + ",\n"
                + "    x: Tensor) -> Tensor:\n"
                + "    return torch.to_mkldnn(x)\n"
                + "  def reorder_conv("
                + self
                + ",\n"
                + "    weight: Tensor,\n"
                + "    padding: List[int],\n"
                + "    stride: List[int]) -> Tensor:\n"
                + "    return torch.mkldnn_reorder_conv2d_weight(weight, padding, stride, [1, 1],"
                + " 1)\n";
    }

    /**
     * The module as a TorchScript archive, the zip that {@code torch.jit.save} writes and {@code
     * torch.jit.load} reads: the source, the pickled module object (an {@code Inference} whose only
     * attribute is {@code training = False}), an empty constants table, and format version 3, that
     * of an archive without tensors.
     */
    byte[] archive() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            store(zip, "data.pkl", modulePickle());
            store(
                    zip,
                    "code/__torch__/" + MODULE + ".py",
                    source().getBytes(StandardCharsets.UTF_8));
            store(
                    zip,
                    "constants.pkl",
                    new byte[] {(byte) 0x80, 2, ')', '.'}); // PROTO 2, EMPTY_TUPLE, STOP
            store(zip, "version", "3\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to a byte array does not fail
        }
        return bytes.toByteArray();
    }

    /**
     * Pickle protocol 2: {@code __torch__.resnetj.Inference.__new__()} with the state {@code
     * {"training": False}}.
     */
    private static byte[] modulePickle() {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80); // PROTO 2
        p.write(2);
        p.write('c'); // GLOBAL "module\nname\n"
        p.writeBytes(
                ("__torch__." + MODULE + "\n" + CLASS + "\n").getBytes(StandardCharsets.US_ASCII));
        p.write(')'); // EMPTY_TUPLE
        p.write(0x81); // NEWOBJ
        p.write('}'); // EMPTY_DICT
        byte[] key = "training".getBytes(StandardCharsets.US_ASCII);
        p.write('X'); // BINUNICODE, with a 4-byte little-endian length
        p.writeBytes(new byte[] {(byte) key.length, 0, 0, 0});
        p.writeBytes(key);
        p.write(0x89); // NEWFALSE
        p.write('s'); // SETITEM
        p.write('b'); // BUILD
        p.write('.'); // STOP
        return p.toByteArray();
    }

    /** Adds an entry under the archive's one top folder, as PyTorch's writer lays them out. */
    private static void store(ZipOutputStream zip, String name, byte[] content) throws IOException {
        zip.putNextEntry(new ZipEntry(MODULE + "/" + name));
        zip.write(content);
        zip.closeEntry();
    }

    /** A variable of the script; {@code working} when it holds a map in the script's layout. */
    private record Value(String name, boolean working) {}

    /**
     * Writes the layers of {@code s}.
     *
     * @param inputOwned whether in-place operations may change {@code input}: false where something
     *     after the sequence still reads it (a block's shortcut)
     */
    private Value sequence(Layer.Sequence s, Value input, boolean inputOwned) {
        Value x = input;
        boolean owned = inputOwned;
        List<Layer> layers = s.layers();
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            if (layer instanceof Layer.Conv c) {
                Layer.BatchNorm bn =
                        i + 1 < layers.size() && layers.get(i + 1) instanceof Layer.BatchNorm b
                                ? b
                                : null;
                if (bn != null) {
                    i++;
                }
                x = convolution(c, bn, x);
            } else if (layer instanceof Layer.BatchNorm bn) {
                throw new IllegalArgumentException(
                        "BN "
                                + bn.name()
                                + " follows no convolution; only a convolution's BN can be folded");
            } else if (layer instanceof Layer.Relu) {
                // In place only on a map this sequence made: the input may still be read by a
                // shortcut.
                x =
                        owned
                                ? assign(x, "torch.relu_(%s)", x.name())
                                : assign(x, "torch.relu(%s)", x.name());
            } else if (layer instanceof Layer.MaxPool p) {
                x =
                        assign(
                                x,
                                "torch.max_pool2d(%s, [%d, %d], [%d, %d], [%d, %d])",
                                x.name(),
                                p.kernel(),
                                p.kernel(),
                                p.stride(),
                                p.stride(),
                                p.padding(),
                                p.padding());
            } else if (layer instanceof Layer.GlobalAvgPool) {
                Value pooled = assign(x, "torch.adaptive_avg_pool2d(%s, [1, 1])", x.name());
                x = assign(false, "torch.flatten(%s, 1)", dense(pooled)); // NCHW to NC
            } else if (layer instanceof Layer.Flatten) {
                x = assign(false, "torch.flatten(%s, 1)", dense(x));
            } else if (layer instanceof Layer.Dropout) {
                continue; // the identity in inference
            } else if (layer instanceof Layer.Linear l) {
                int w = add(new LinearWeights(l));
                x = assign(false, "torch.linear(%s, w[%d], w[%d])", dense(x), w, w + 1);
            } else if (layer instanceof Layer.Sequence inner) {
                x = sequence(inner, x, owned);
            } else {
                x = block((Layer.Block) layer, x);
            }
            owned = true;
        }
        return x;
    }

    private Value block(Layer.Block b, Value x) {
        // The branch starts with a convolution, so its output is a new map: the shortcut adds into
        // it in place.
        Value y = sequence(b.branch(), x, false);
        Layer.ShortcutPath path = b.shortcut();
        if (path instanceof Layer.Identity) {
            line("%s.add_(%s)", y.name(), working(x));
        } else if (path instanceof Layer.Projection p) {
            Value shortcut = sequence(p.convBn(), x, false);
            line("%s.add_(%s)", y.name(), working(shortcut));
        } else if (path instanceof Layer.ZeroPad z) {
            // Every stride-th pixel, then zero channels after the existing ones: in NCHW, then
            // back.
            Value padded =
                    assign(
                            false,
                            "torch.constant_pad_nd(%s[:, :, ::%d, ::%d], [0, 0, 0, 0, 0, %d])",
                            dense(x),
                            z.stride(),
                            z.stride(),
                            z.outChannels() - z.inChannels());
            line("%s.add_(%s)", y.name(), working(padded));
        }
        return assign(y, "torch.relu_(%s)", y.name());
    }

    private Value convolution(Layer.Conv c, Layer.BatchNorm bn, Value x) {
        ConvWeights pair = new ConvWeights(c, bn);
        int w = add(pair);
        if (layout == Layout.BLOCKED) {
            return assign(
                    true,
                    "torch.mkldnn_convolution(%s, w[%d], w[%d], [%d, %d], [%d, %d], [1, 1], 1)",
                    working(x),
                    w,
                    w + 1,
                    c.padding(),
                    c.padding(),
                    c.stride(),
                    c.stride());
        }
        if (!pair.pointwise()) {
            return assign(
                    true,
                    "torch.conv2d(%s, w[%d], w[%d], [%d, %d], [%d, %d])",
                    working(x),
                    w,
                    w + 1,
                    c.stride(),
                    c.stride(),
                    c.padding(),
                    c.padding());
        }
        // Every stride-th pixel's channels times the out×in matrix: a GEMM on the dense NHWC view,
        // whose result, viewed as NCHW, is channels-last again.
        String in =
                c.stride() == 1
                        ? working(x)
                        : String.format(
                                Locale.ROOT,
                                "%s[:, :, ::%d, ::%d]",
                                working(x),
                                c.stride(),
                                c.stride());
        if (nchw) {
            // W times each image's C×HW matrix.
            Value sub = assign(true, "%s", in);
            return assign(
                    true,
                    "torch.reshape(torch.add(torch.matmul(w[%d], torch.flatten(%s, 2)),"
                        + " torch.unsqueeze(w[%d], 1)), [%s.size(0), %d, %s.size(2), %s.size(3)])",
                    w,
                    sub.name(),
                    w + 1,
                    sub.name(),
                    c.out(),
                    sub.name(),
                    sub.name());
        }
        return assign(
                true,
                "torch.permute(torch.linear(torch.permute(%s, [0, 2, 3, 1]), w[%d], w[%d]), [0, 3,"
                        + " 1, 2])",
                in,
                w,
                w + 1);
    }

    private int add(PackedWeights pair) {
        weights.add(pair);
        return 2 * (weights.size() - 1);
    }

    /** {@code x} as an expression in the script's layout. */
    private String working(Value x) {
        if (x.working()) {
            return x.name();
        }
        return layout == Layout.BLOCKED
                ? assign(true, "torch.to_mkldnn(%s)", x.name()).name()
                : nchw
                        ? x.name()
                        : assign(true, "torch.contiguous(%s, memory_format=2)", x.name())
                                .name(); // 2: torch.channels_last
    }

    /** {@code x} as an expression in the ordinary strided layout. */
    private String dense(Value x) {
        return x.working() && layout == Layout.BLOCKED
                ? assign(false, "torch.to_dense(%s)", x.name()).name()
                : x.name();
    }

    private Value assign(Value like, String format, Object... args) {
        return assign(like.working(), format, args);
    }

    private Value assign(boolean mkldnn, String format, Object... args) {
        Value v = new Value("x" + ++variables, mkldnn);
        line("%s = " + format, prepend(v.name(), args));
        return v;
    }

    private void line(String format, Object... args) {
        body.append("    ").append(String.format(Locale.ROOT, format, args)).append('\n');
    }

    private static Object[] prepend(Object first, Object[] rest) {
        Object[] all = new Object[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
