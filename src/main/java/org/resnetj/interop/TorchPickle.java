package org.resnetj.interop;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A restricted pickle machine: it reads the {@code data.pkl} of a {@code .pth} file that holds a
 * state_dict, and nothing else.
 *
 * <p>The rule is that of {@code torch.load(weights_only=True)}, narrowed to what a state_dict of
 * dense tensors needs. What {@code torch.save(model.state_dict())} writes (PyTorch 1.13 and 2.x,
 * pickle protocol 2) uses only these globals:
 *
 * <ul>
 *   <li>{@code collections.OrderedDict}, called with no arguments (the state_dict itself, each
 *       tensor's empty backward hooks, and the {@code _metadata} that {@code BUILD} attaches);
 *   <li>{@code torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
 *       backward_hooks[, metadata])}, and {@code torch._utils._rebuild_parameter} and {@code
 *       _rebuild_parameter_with_state} for a dict saved with {@code keep_vars=True};
 *   <li>the storage types {@code torch.FloatStorage}, {@code torch.HalfStorage} and the other
 *       {@link StorageType}s, which appear only inside persistent ids {@code ('storage', type, key,
 *       location, numel)} and are never called.
 * </ul>
 *
 * <p>Any other global (for example {@code os.system} or {@code builtins.eval}) is refused where the
 * pickle names it, before anything could call it. Opcodes that create arbitrary objects ({@code
 * INST}, {@code OBJ}, {@code NEWOBJ}, extension registries, text persistent ids) are refused too.
 * {@code torch.serialization._get_layout}, {@code torch.Size} and the other entries of torch's
 * allow-list serve sparse, quantized or nested tensors, which no ResNet state_dict holds. Nothing
 * is ever executed: an allowed call builds a {@link TensorRef} record or an empty map, and storages
 * are only described by {@link StorageRef}s for the caller to read.
 *
 * <p>Values: {@code None} is null, ints are {@link Long}, floats {@link Double}, booleans {@link
 * Boolean}, strings {@link String}, tuples {@link Tuple}, lists {@link ArrayList}, dicts and
 * OrderedDicts {@link LinkedHashMap}.
 */
final class TorchPickle {

    /** A storage named by a persistent id; the caller reads its bytes from the archive. */
    record StorageRef(StorageType type, String key, String location, long numel) {}

    /** A dense tensor: a strided view of a storage, as {@code _rebuild_tensor_v2} describes it. */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {}

    /** A Python tuple. */
    record Tuple(List<Object> items) {
        Tuple {
            items = List.copyOf(items);
        }
    }

    /** A class or function the pickle names; only an allowed one is ever made into this. */
    private record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /** An OrderedDict; its attributes (torch's {@code _metadata}) are set by {@code BUILD}. */
    private static final class OrderedDict extends LinkedHashMap<Object, Object> {
        final Map<Object, Object> attributes = new LinkedHashMap<>();
    }

    private static final Global ORDERED_DICT = new Global("collections", "OrderedDict");
    private static final Global REBUILD_TENSOR = new Global("torch._utils", "_rebuild_tensor_v2");
    private static final Global REBUILD_PARAMETER =
            new Global("torch._utils", "_rebuild_parameter");
    private static final Global REBUILD_PARAMETER_WITH_STATE =
            new Global("torch._utils", "_rebuild_parameter_with_state");
    private static final Set<Global> CALLABLE =
            Set.of(ORDERED_DICT, REBUILD_TENSOR, REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE);
    private static final String ALLOWED =
            "collections.OrderedDict, torch._utils._rebuild_tensor_v2,"
                + " torch._utils._rebuild_parameter, torch._utils._rebuild_parameter_with_state and"
                + " the torch.*Storage types";

    private static final int MARK = '(';
    private static final int STOP = '.';
    private static final int POP = '0';
    private static final int POP_MARK = '1';
    private static final int BININT = 'J';
    private static final int BININT1 = 'K';
    private static final int BININT2 = 'M';
    private static final int NONE = 'N';
    private static final int BINPERSID = 'Q';
    private static final int REDUCE = 'R';
    private static final int BINUNICODE = 'X';
    private static final int APPEND = 'a';
    private static final int BUILD = 'b';
    private static final int GLOBAL = 'c';
    private static final int APPENDS = 'e';
    private static final int BINGET = 'h';
    private static final int LONG_BINGET = 'j';
    private static final int BINPUT = 'q';
    private static final int LONG_BINPUT = 'r';
    private static final int SETITEM = 's';
    private static final int TUPLE = 't';
    private static final int SETITEMS = 'u';
    private static final int BINFLOAT = 'G';
    private static final int EMPTY_TUPLE = ')';
    private static final int EMPTY_LIST = ']';
    private static final int EMPTY_DICT = '}';
    private static final int PROTO = 0x80;
    private static final int TUPLE1 = 0x85;
    private static final int TUPLE2 = 0x86;
    private static final int TUPLE3 = 0x87;
    private static final int NEWTRUE = 0x88;
    private static final int NEWFALSE = 0x89;
    private static final int LONG1 = 0x8a;
    private static final int SHORT_BINUNICODE = 0x8c;
    private static final int BINUNICODE8 = 0x8d;
    private static final int STACK_GLOBAL = 0x93;
    private static final int MEMOIZE = 0x94;
    private static final int FRAME = 0x95;

    /** Names of refused opcodes that can create objects, for the error message. */
    private static final Map<Integer, String> REFUSED_NAMES =
            Map.ofEntries(
                    Map.entry((int) 'i', "INST"),
                    Map.entry((int) 'o', "OBJ"),
                    Map.entry(0x81, "NEWOBJ"),
                    Map.entry(0x92, "NEWOBJ_EX"),
                    Map.entry(0x82, "EXT1"),
                    Map.entry(0x83, "EXT2"),
                    Map.entry(0x84, "EXT4"),
                    Map.entry((int) 'P', "PERSID"),
                    Map.entry((int) 'I', "INT"),
                    Map.entry((int) 'L', "LONG"),
                    Map.entry((int) 'F', "FLOAT"),
                    Map.entry((int) 'S', "STRING"),
                    Map.entry((int) 'V', "UNICODE"),
                    Map.entry((int) 'g', "GET"),
                    Map.entry((int) 'p', "PUT"),
                    Map.entry((int) 'd', "DICT"),
                    Map.entry((int) 'l', "LIST"),
                    Map.entry(0x96, "BYTEARRAY8"),
                    Map.entry(0x97, "NEXT_BUFFER"),
                    Map.entry(0x98, "READONLY_BUFFER"));

    private static final Object MARK_OBJECT = new Object();

    private final byte[] data;
    private int pos;
    private final List<Object> stack = new ArrayList<>();
    private final Deque<Integer> marks = new ArrayDeque<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private final Map<String, StorageRef> storages = new HashMap<>();

    private TorchPickle(byte[] data) {
        this.data = data;
    }

    /**
     * Runs the pickle and returns its top-level object.
     *
     * @throws IOException if the pickle is malformed, or names a global or uses an opcode that a
     *     state_dict does not need; the message names it
     */
    static Object load(byte[] pickle) throws IOException {
        return new TorchPickle(pickle).run();
    }

    private Object run() throws IOException {
        while (true) {
            int at = pos;
            int op = u8();
            switch (op) {
                case PROTO -> {
                    int protocol = u8();
                    if (protocol > 5) {
                        throw new IOException("unsupported pickle protocol " + protocol);
                    }
                }
                case FRAME -> skip(8);
                case STOP -> {
                    if (stack.size() != 1 || !marks.isEmpty()) {
                        throw malformed(at, "STOP with " + stack.size() + " values on the stack");
                    }
                    return stack.get(0);
                }
                case MARK -> marks.push(stack.size());
                case POP -> pop(at);
                case POP_MARK -> popMark(at);
                case NONE -> stack.add(null);
                case NEWTRUE -> stack.add(Boolean.TRUE);
                case NEWFALSE -> stack.add(Boolean.FALSE);
                case BININT -> stack.add((long) (u8() | u8() << 8 | u8() << 16 | u8() << 24));
                case BININT1 -> stack.add((long) u8());
                case BININT2 -> stack.add((long) (u8() | u8() << 8));
                case LONG1 -> stack.add(long1(at));
                case BINFLOAT -> stack.add(Double.longBitsToDouble(bigEndianLong()));
                case BINUNICODE -> stack.add(string(uint32()));
                case SHORT_BINUNICODE -> stack.add(string(u8()));
                case BINUNICODE8 -> stack.add(string(littleEndianLong()));
                case EMPTY_TUPLE -> stack.add(new Tuple(List.of()));
                case TUPLE -> stack.add(new Tuple(popMark(at)));
                case TUPLE1, TUPLE2, TUPLE3 -> stack.add(new Tuple(popN(op - TUPLE1 + 1, at)));
                case EMPTY_LIST -> stack.add(new ArrayList<>());
                case APPEND -> {
                    Object value = pop(at);
                    list(top(at), at).add(value);
                }
                case APPENDS -> {
                    List<Object> values = popMark(at);
                    list(top(at), at).addAll(values);
                }
                case EMPTY_DICT -> stack.add(new LinkedHashMap<>());
                case SETITEM -> {
                    Object value = pop(at);
                    Object key = pop(at);
                    dict(top(at), at).put(key, value);
                }
                case SETITEMS -> {
                    List<Object> items = popMark(at);
                    if (items.size() % 2 != 0) {
                        throw malformed(at, "SETITEMS with an odd number of values");
                    }
                    Map<Object, Object> dict = dict(top(at), at);
                    for (int i = 0; i < items.size(); i += 2) {
                        dict.put(items.get(i), items.get(i + 1));
                    }
                }
                case GLOBAL -> {
                    String module = line(at);
                    String name = line(at);
                    stack.add(global(module, name));
                }
                case STACK_GLOBAL -> {
                    Object name = pop(at);
                    Object module = pop(at);
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw malformed(at, "STACK_GLOBAL needs two strings");
                    }
                    stack.add(global(m, n));
                }
                case REDUCE -> {
                    Object args = pop(at);
                    Object callable = pop(at);
                    stack.add(call(callable, args, at));
                }
                case BUILD -> {
                    Object state = pop(at);
                    build(top(at), state, at);
                }
                case BINPERSID -> stack.add(persistentLoad(pop(at), at));
                case BINPUT -> memo.put((long) u8(), top(at));
                case LONG_BINPUT -> memo.put(uint32(), top(at));
                case MEMOIZE -> memo.put((long) memo.size(), top(at));
                case BINGET -> stack.add(memoGet(u8(), at));
                case LONG_BINGET -> stack.add(memoGet(uint32(), at));
                default ->
                        throw new IOException(
                                String.format(
                                        Locale.ROOT,
                                        "refused pickle opcode %s at byte %d: a state_dict needs"
                                                + " none",
                                        REFUSED_NAMES.containsKey(op)
                                                ? REFUSED_NAMES.get(op)
                                                : String.format(Locale.ROOT, "0x%02x", op),
                                        at));
            }
        }
    }

    private static Object global(String module, String name) throws IOException {
        Global global = new Global(module, name);
        if (CALLABLE.contains(global)) {
            return global;
        }
        if (module.equals("torch")) {
            var type = StorageType.ofTorchName(name);
            if (type.isPresent()) {
                return type.get();
            }
        }
        throw new IOException(
                "refused global "
                        + global.qualified()
                        + ": a state_dict needs only "
                        + ALLOWED
                        + " (the rule of torch.load(weights_only=True))");
    }

    private Object call(Object callable, Object args, int at) throws IOException {
        if (callable instanceof StorageType type) {
            throw new IOException(
                    "refused call of torch."
                            + type.torchName()
                            + " at byte "
                            + at
                            + ": a storage type is allowed only inside a persistent id");
        }
        if (!(callable instanceof Global global) || !CALLABLE.contains(global)) {
            throw new IOException(
                    "refused call at byte "
                            + at
                            + " of a "
                            + describe(callable)
                            + ": only "
                            + ALLOWED
                            + " may be named");
        }
        if (!(args instanceof Tuple tuple)) {
            throw malformed(
                    at,
                    global.qualified()
                            + " called with a "
                            + describe(args)
                            + " instead of a tuple");
        }
        List<Object> a = tuple.items();
        if (global.equals(ORDERED_DICT)) {
            if (!a.isEmpty()) {
                throw malformed(at, "collections.OrderedDict called with arguments");
            }
            return new OrderedDict();
        }
        if (global.equals(REBUILD_TENSOR)) {
            if (a.size() != 6 && a.size() != 7) {
                throw malformed(at, "_rebuild_tensor_v2 takes 6 or 7 arguments, got " + a.size());
            }
            return tensor(a, at);
        }
        int arity = global.equals(REBUILD_PARAMETER) ? 3 : 4;
        if (a.size() != arity || !(a.get(0) instanceof TensorRef)) {
            throw malformed(
                    at, global.name() + " takes a tensor and " + (arity - 1) + " more arguments");
        }
        return a.get(0);
    }

    private static TensorRef tensor(List<Object> a, int at) throws IOException {
        if (!(a.get(0) instanceof StorageRef storage)) {
            throw malformed(at, "_rebuild_tensor_v2 needs a storage, got a " + describe(a.get(0)));
        }
        long offset = integer(a.get(1), "storage offset", at);
        long[] size = integers(a.get(2), "size", at);
        long[] stride = integers(a.get(3), "stride", at);
        if (size.length != stride.length) {
            throw malformed(
                    at,
                    "size "
                            + Arrays.toString(size)
                            + " and stride "
                            + Arrays.toString(stride)
                            + " differ in rank");
        }
        if (!(a.get(4) instanceof Boolean)) {
            throw malformed(at, "requires_grad is a " + describe(a.get(4)));
        }
        if (!(a.get(5) instanceof Map)) {
            throw malformed(at, "backward_hooks is a " + describe(a.get(5)));
        }
        long last = offset;
        long numel = 1;
        for (int d = 0; d < size.length; d++) {
            if (size[d] < 0 || stride[d] < 0) {
                throw malformed(
                        at,
                        "negative size or stride "
                                + Arrays.toString(size)
                                + " "
                                + Arrays.toString(stride));
            }
            numel = Math.multiplyExact(numel, size[d]);
            last = Math.addExact(last, Math.multiplyExact(Math.max(size[d] - 1, 0), stride[d]));
        }
        if (offset < 0 || (numel > 0 && last >= storage.numel())) {
            throw malformed(
                    at,
                    "tensor of size "
                            + Arrays.toString(size)
                            + " at offset "
                            + offset
                            + " reaches past its storage of "
                            + storage.numel()
                            + " elements");
        }
        return new TensorRef(storage, offset, size, stride);
    }

    private static void build(Object target, Object state, int at) throws IOException {
        if (!(target instanceof OrderedDict dict) || !(state instanceof Map<?, ?> attributes)) {
            throw new IOException(
                    "refused BUILD at byte "
                            + at
                            + " on a "
                            + describe(target)
                            + ": only an OrderedDict's attributes (torch's _metadata) may be set");
        }
        dict.attributes.putAll(attributes);
    }

    private Object persistentLoad(Object pid, int at) throws IOException {
        if (!(pid instanceof Tuple tuple)
                || tuple.items().size() != 5
                || !"storage".equals(tuple.items().get(0))
                || !(tuple.items().get(1) instanceof StorageType type)
                || !(tuple.items().get(2) instanceof String key)
                || !(tuple.items().get(3) instanceof String location)) {
            throw new IOException(
                    "refused persistent id at byte "
                            + at
                            + ": expected ('storage', torch.<Type>Storage, key, location, numel)");
        }
        long numel = integer(tuple.items().get(4), "storage size", at);
        StorageRef seen = storages.get(key);
        if (seen != null) {
            if (seen.type() != type || seen.numel() != numel) {
                throw malformed(at, "storage " + key + " is named with two types or sizes");
            }
            return seen;
        }
        StorageRef storage = new StorageRef(type, key, location, numel);
        storages.put(key, storage);
        return storage;
    }

    private Object memoGet(long index, int at) throws IOException {
        if (!memo.containsKey(index)) {
            throw malformed(at, "memo entry " + index + " was never stored");
        }
        return memo.get(index);
    }

    private static long integer(Object value, String what, int at) throws IOException {
        if (!(value instanceof Long l)) {
            throw malformed(at, what + " is a " + describe(value) + ", expected an int");
        }
        return l;
    }

    private static long[] integers(Object value, String what, int at) throws IOException {
        if (!(value instanceof Tuple tuple)) {
            throw malformed(at, what + " is a " + describe(value) + ", expected a tuple of ints");
        }
        long[] out = new long[tuple.items().size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = integer(tuple.items().get(i), what, at);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value, int at) throws IOException {
        if (!(value instanceof ArrayList)) {
            throw malformed(at, "APPEND to a " + describe(value));
        }
        return (List<Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> dict(Object value, int at) throws IOException {
        if (!(value instanceof LinkedHashMap)) {
            throw malformed(at, "SETITEM on a " + describe(value));
        }
        return (Map<Object, Object>) value;
    }

    /** The Python names of the value types the unpickler builds, for {@link #describe}. */
    private static final List<Map.Entry<Class<?>, String>> PYTHON_TYPES =
            List.of(
                    Map.entry(TensorRef.class, "tensor"),
                    Map.entry(Tuple.class, "tuple"),
                    Map.entry(List.class, "list"),
                    Map.entry(Map.class, "dict"),
                    Map.entry(String.class, "str"),
                    Map.entry(Long.class, "int"),
                    Map.entry(Double.class, "float"),
                    Map.entry(Boolean.class, "bool"));

    /** A Python-ish name of a value's type, for messages. */
    static String describe(Object value) {
        if (value == null) {
            return "None";
        }
        if (value instanceof Global g) {
            return g.qualified();
        }
        if (value instanceof StorageType t) {
            return "torch." + t.torchName();
        }
        for (Map.Entry<Class<?>, String> type : PYTHON_TYPES) {
            if (type.getKey().isInstance(value)) {
                return type.getValue();
            }
        }
        return value.getClass().getSimpleName();
    }

    private Object pop(int at) throws IOException {
        if (stack.size() <= floor()) {
            throw malformed(at, "pop from an empty stack");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object top(int at) throws IOException {
        if (stack.size() <= floor()) {
            throw malformed(at, "no value on the stack");
        }
        return stack.get(stack.size() - 1);
    }

    private int floor() {
        return marks.isEmpty() ? 0 : marks.peek();
    }

    private List<Object> popN(int n, int at) throws IOException {
        if (stack.size() - floor() < n) {
            throw malformed(at, "tuple of " + n + " from a stack of " + (stack.size() - floor()));
        }
        List<Object> top = stack.subList(stack.size() - n, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private List<Object> popMark(int at) throws IOException {
        if (marks.isEmpty()) {
            throw malformed(at, "no MARK to pop to");
        }
        int mark = marks.pop();
        List<Object> top = stack.subList(mark, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private int u8() throws IOException {
        if (pos >= data.length) {
            throw new IOException(
                    "truncated pickle: it ends at byte " + data.length + " without STOP");
        }
        return data[pos++] & 0xFF;
    }

    private void skip(long n) throws IOException {
        ensure(n);
        pos += (int) n;
    }

    private void ensure(long n) throws IOException {
        if (n < 0 || n > data.length - pos) {
            throw new IOException(
                    "truncated pickle: "
                            + n
                            + " bytes wanted at byte "
                            + pos
                            + " of "
                            + data.length);
        }
    }

    private long uint32() throws IOException {
        return (u8() | u8() << 8 | u8() << 16 | (long) u8() << 24);
    }

    private long littleEndianLong() throws IOException {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v |= (long) u8() << (8 * i);
        }
        return v;
    }

    private long bigEndianLong() throws IOException {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | u8();
        }
        return v;
    }

    /** LONG1: n little-endian two's-complement bytes; a state_dict's ints fit in 64 bits. */
    private Object long1(int at) throws IOException {
        int n = u8();
        if (n > 8) {
            throw malformed(at, "integer of " + n + " bytes");
        }
        long v = 0;
        for (int i = 0; i < n; i++) {
            v |= (long) u8() << (8 * i);
        }
        if (n > 0 && n < 8 && (v & (1L << (8 * n - 1))) != 0) {
            v -= 1L << (8 * n);
        }
        return v;
    }

    private String string(long length) throws IOException {
        ensure(length);
        String s = utf8(data, pos, (int) length);
        pos += (int) length;
        return s;
    }

    private String line(int at) throws IOException {
        int end = pos;
        while (end < data.length && data[end] != '\n') {
            end++;
        }
        if (end == data.length) {
            throw malformed(at, "GLOBAL without its newline");
        }
        String s = utf8(data, pos, end - pos);
        pos = end + 1;
        return s;
    }

    private static String utf8(byte[] bytes, int from, int length) throws IOException {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes, from, length))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IOException("malformed pickle: a string at byte " + from + " is not UTF-8");
        }
    }

    private static IOException malformed(int at, String why) {
        return new IOException("malformed state_dict pickle at byte " + at + ": " + why);
    }
}
