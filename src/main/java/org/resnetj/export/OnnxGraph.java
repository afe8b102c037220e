package org.resnetj.export;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * An ONNX model under construction: nodes, initializers, one input and one output, written as a
 * {@code ModelProto}. The field numbers are those of {@code onnx/onnx.proto}; only the fields used
 * here are named.
 *
 * <p>Initializers are written as they are produced, one at a time, so that exporting a large
 * network (VGG's fc6 alone holds 400 MB at 224×224) never holds a second copy of all its weights.
 */
final class OnnxGraph {

    // ModelProto
    private static final int MODEL_IR_VERSION = 1;
    private static final int MODEL_PRODUCER_NAME = 2;
    private static final int MODEL_PRODUCER_VERSION = 3;
    private static final int MODEL_DOC_STRING = 6;
    private static final int MODEL_GRAPH = 7;
    private static final int MODEL_OPSET_IMPORT = 8;
    private static final int MODEL_METADATA_PROPS = 14;
    // OperatorSetIdProto (the default domain, ai.onnx, is the empty string and left out)
    private static final int OPSET_VERSION = 2;
    // StringStringEntryProto
    private static final int ENTRY_KEY = 1;
    private static final int ENTRY_VALUE = 2;
    // GraphProto
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_NAME = 2;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_DOC_STRING = 10;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    // NodeProto
    private static final int NODE_INPUT = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_NAME = 3;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_ATTRIBUTE = 5;
    private static final int NODE_DOC_STRING = 6;
    // AttributeProto and its AttributeType enum
    private static final int ATTRIBUTE_NAME = 1;
    private static final int ATTRIBUTE_F = 2;
    private static final int ATTRIBUTE_I = 3;
    private static final int ATTRIBUTE_INTS = 8;
    private static final int ATTRIBUTE_TYPE = 20;
    private static final int TYPE_FLOAT = 1;
    private static final int TYPE_INT = 2;
    private static final int TYPE_INTS = 7;
    // TensorProto and its DataType enum
    private static final int TENSOR_DIMS = 1;
    private static final int TENSOR_DATA_TYPE = 2;
    private static final int TENSOR_NAME = 8;
    private static final int TENSOR_RAW_DATA = 9;
    private static final int FLOAT = 1;
    private static final int INT64 = 7;
    // ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto, TensorShapeProto.Dimension
    private static final int VALUE_NAME = 1;
    private static final int VALUE_TYPE = 2;
    private static final int TYPE_TENSOR_TYPE = 1;
    private static final int TENSOR_TYPE_ELEM_TYPE = 1;
    private static final int TENSOR_TYPE_SHAPE = 2;
    private static final int SHAPE_DIM = 1;
    private static final int DIM_VALUE = 1;
    private static final int DIM_PARAM = 2;

    /** The IR version that each opset first shipped with (onnx/helper.py, VERSION_TABLE). */
    private static final Map<Integer, Integer> IR_VERSION =
            Map.ofEntries(
                    Map.entry(11, 6),
                    Map.entry(12, 7),
                    Map.entry(13, 7),
                    Map.entry(14, 7),
                    Map.entry(15, 8),
                    Map.entry(16, 8),
                    Map.entry(17, 8),
                    Map.entry(18, 8),
                    Map.entry(19, 9),
                    Map.entry(20, 9),
                    Map.entry(21, 10));

    /**
     * One dimension of a tensor's shape: a fixed size, or a named symbolic one such as {@code
     * batch}.
     */
    record Dim(long value, String param) {
        static Dim of(long value) {
            return new Dim(value, null);
        }

        static Dim named(String param) {
            return new Dim(0, param);
        }
    }

    /**
     * A tensor of the graph: float values computed only when it is written, or a few int64s.
     * Exactly one of {@code floats} and {@code longs} is set.
     */
    private record Initializer(String name, long[] dims, Supplier<float[]> floats, long[] longs) {
        long count() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }

        long byteLength() {
            return count() * (floats != null ? Float.BYTES : Long.BYTES);
        }

        Protobuf header() {
            return new Protobuf()
                    .int64s(TENSOR_DIMS, dims)
                    .int64(TENSOR_DATA_TYPE, floats != null ? FLOAT : INT64)
                    .string(TENSOR_NAME, name);
        }

        /** Writes the values little-endian, as raw_data must hold them, in small chunks. */
        void writeData(OutputStream out) throws IOException {
            ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            if (floats != null) {
                float[] v = floats.get();
                if (v.length != count()) {
                    throw new IllegalStateException(
                            name + " has " + v.length + " values, expected " + count());
                }
                for (float f : v) {
                    if (!chunk.hasRemaining()) {
                        out.write(chunk.array(), 0, chunk.position());
                        chunk.clear();
                    }
                    chunk.putFloat(f);
                }
            } else {
                for (long l : longs) {
                    if (!chunk.hasRemaining()) {
                        out.write(chunk.array(), 0, chunk.position());
                        chunk.clear();
                    }
                    chunk.putLong(l);
                }
            }
            out.write(chunk.array(), 0, chunk.position());
        }
    }

    private record Node(
            String opType,
            String name,
            List<String> inputs,
            String output,
            List<Protobuf> attributes,
            String doc) {}

    private final String name;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Initializer> initializers = new LinkedHashMap<>();
    private final Set<String> values = new HashSet<>();
    private Protobuf input;
    private Protobuf output;

    OnnxGraph(String name) {
        this.name = name;
    }

    /** The opsets this writer supports: from 11, where Pad takes its pads as an input, to 21. */
    static boolean supportsOpset(int opset) {
        return IR_VERSION.containsKey(opset);
    }

    /** Declares the graph's input, the value {@code valueName}. */
    void input(String valueName, List<Dim> shape) {
        values.add(valueName);
        input = valueInfo(valueName, shape);
    }

    /** Declares the graph's output; the value must have been produced by a node. */
    void output(String valueName, List<Dim> shape) {
        if (!values.contains(valueName)) {
            throw new IllegalStateException("no node produces " + valueName);
        }
        output = valueInfo(valueName, shape);
    }

    /**
     * A value name not yet used, {@code base} or {@code base_2}, {@code base_3}, ...: the node that
     * produces a value takes its name too, and both must be unique in a graph.
     */
    String fresh(String base) {
        String candidate = base;
        for (int i = 2; values.contains(candidate); i++) {
            candidate = base + "_" + i;
        }
        values.add(candidate);
        return candidate;
    }

    /** Adds a node whose output value {@code output} comes from {@link #fresh}. */
    void node(
            String opType,
            String output,
            List<String> inputs,
            List<Protobuf> attributes,
            String doc) {
        nodes.add(
                new Node(
                        opType, output, List.copyOf(inputs), output, List.copyOf(attributes), doc));
    }

    /** Renames the value a node produces, and the node with it. */
    void rename(String from, String to) {
        if (values.contains(to)) {
            throw new IllegalStateException("the value " + to + " already exists");
        }
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (n.inputs().contains(from)) {
                throw new IllegalStateException(from + " is consumed by " + n.name());
            }
            if (n.output().equals(from)) {
                nodes.set(i, new Node(n.opType(), to, n.inputs(), to, n.attributes(), n.doc()));
            }
        }
        values.remove(from);
        values.add(to);
    }

    /** Adds a float initializer; {@code data} runs when the model is written. */
    void floats(String tensorName, long[] dims, Supplier<float[]> data) {
        initializer(new Initializer(tensorName, dims.clone(), data, null));
    }

    /**
     * Adds a one-dimensional int64 initializer, once: a second call with the same name reuses it.
     */
    void int64s(String tensorName, long... data) {
        if (!initializers.containsKey(tensorName)) {
            initializer(new Initializer(tensorName, new long[] {data.length}, null, data.clone()));
        }
    }

    private void initializer(Initializer tensor) {
        if (initializers.putIfAbsent(tensor.name(), tensor) != null || !values.add(tensor.name())) {
            throw new IllegalStateException("two tensors named " + tensor.name());
        }
    }

    static Protobuf ints(String attribute, long... values) {
        return new Protobuf()
                .string(ATTRIBUTE_NAME, attribute)
                .int64(ATTRIBUTE_TYPE, TYPE_INTS)
                .int64s(ATTRIBUTE_INTS, values);
    }

    static Protobuf integer(String attribute, long value) {
        return new Protobuf()
                .string(ATTRIBUTE_NAME, attribute)
                .int64(ATTRIBUTE_TYPE, TYPE_INT)
                .int64(ATTRIBUTE_I, value);
    }

    static Protobuf real(String attribute, float value) {
        return new Protobuf()
                .string(ATTRIBUTE_NAME, attribute)
                .int64(ATTRIBUTE_TYPE, TYPE_FLOAT)
                .float32(ATTRIBUTE_F, value);
    }

    /**
     * Writes the model: a {@code ModelProto} whose graph is streamed, its length computed from the
     * shapes before any initializer's values are.
     */
    void write(
            OutputStream out,
            int opset,
            String producerVersion,
            String doc,
            Map<String, String> metadata)
            throws IOException {
        if (input == null || output == null) {
            throw new IllegalStateException("the graph needs an input and an output");
        }
        Protobuf head =
                new Protobuf()
                        .int64(MODEL_IR_VERSION, IR_VERSION.get(opset))
                        .string(MODEL_PRODUCER_NAME, "resnetj")
                        .string(MODEL_PRODUCER_VERSION, producerVersion)
                        .string(MODEL_DOC_STRING, doc)
                        .message(MODEL_OPSET_IMPORT, new Protobuf().int64(OPSET_VERSION, opset));
        metadata.forEach(
                (k, v) ->
                        head.message(
                                MODEL_METADATA_PROPS,
                                new Protobuf().string(ENTRY_KEY, k).string(ENTRY_VALUE, v)));
        Protobuf graphHead = new Protobuf().string(GRAPH_NAME, name);
        for (Node n : nodes) {
            graphHead.message(GRAPH_NODE, node(n));
        }
        Protobuf graphTail =
                new Protobuf()
                        .string(GRAPH_DOC_STRING, doc)
                        .message(GRAPH_INPUT, input)
                        .message(GRAPH_OUTPUT, output);
        long graphLength = graphHead.size() + graphTail.size();
        for (Initializer t : initializers.values()) {
            long length = tensorLength(t);
            graphLength += Protobuf.lengthPrefixSize(GRAPH_INITIALIZER, length) + length;
        }
        head.writeTo(out);
        Protobuf.lengthPrefix(out, MODEL_GRAPH, graphLength);
        graphHead.writeTo(out);
        for (Initializer t : initializers.values()) {
            Protobuf.lengthPrefix(out, GRAPH_INITIALIZER, tensorLength(t));
            t.header().writeTo(out);
            Protobuf.lengthPrefix(out, TENSOR_RAW_DATA, t.byteLength());
            t.writeData(out);
        }
        graphTail.writeTo(out);
    }

    private static long tensorLength(Initializer t) {
        return t.header().size()
                + Protobuf.lengthPrefixSize(TENSOR_RAW_DATA, t.byteLength())
                + t.byteLength();
    }

    private static Protobuf node(Node n) {
        Protobuf p = new Protobuf();
        n.inputs().forEach(i -> p.string(NODE_INPUT, i));
        p.string(NODE_OUTPUT, n.output())
                .string(NODE_NAME, n.name())
                .string(NODE_OP_TYPE, n.opType());
        n.attributes().forEach(a -> p.message(NODE_ATTRIBUTE, a));
        if (n.doc() != null) {
            p.string(NODE_DOC_STRING, n.doc());
        }
        return p;
    }

    private static Protobuf valueInfo(String valueName, List<Dim> shape) {
        Protobuf dims = new Protobuf();
        for (Dim d : shape) {
            dims.message(
                    SHAPE_DIM,
                    d.param() == null
                            ? new Protobuf().int64(DIM_VALUE, d.value())
                            : new Protobuf().string(DIM_PARAM, d.param()));
        }
        Protobuf tensor =
                new Protobuf().int64(TENSOR_TYPE_ELEM_TYPE, FLOAT).message(TENSOR_TYPE_SHAPE, dims);
        return new Protobuf()
                .string(VALUE_NAME, valueName)
                .message(VALUE_TYPE, new Protobuf().message(TYPE_TENSOR_TYPE, tensor));
    }
}
