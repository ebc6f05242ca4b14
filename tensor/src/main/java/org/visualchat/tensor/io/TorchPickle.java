package org.visualchat.tensor.io;

import java.util.LinkedHashMap;
import java.util.Map;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.io.Unpickler.PickleException;
import org.visualchat.tensor.io.Unpickler.Tuple;

/**
 * What the names in a {@code torch.save} pickle mean: an allow-list of the globals torch's own
 * serializer emits (torch/serialization.py {@code _save}, torch/_tensor.py {@code _reduce_ex_internal}).
 * Nothing is imported or executed; a tensor becomes a {@link TensorRef} describing where its elements
 * lie in which storage, and any other global is refused by name — a pickle can otherwise run arbitrary
 * code ({@code os.system}), which is why torch itself now defaults to {@code weights_only=True}.
 */
final class TorchPickle implements Unpickler.Semantics {
    /** A torch element type; {@code dtype} is null for types this library does not compute with. */
    record TorchType(String name, DType dtype, int elementBytes) {}

    /** A storage class global: {@code torch.FloatStorage} and friends, or {@code torch.storage.UntypedStorage} (bytes). */
    record StorageClass(String name, TorchType type) {
        boolean untyped() { return type == null; }
    }

    /** A persistent id {@code ('storage', class, key, location, numel)}; the bytes are entry {@code data/<key>}. */
    record StorageRef(String key, StorageClass storageClass, long numel) {
        long byteSize() { return storageClass.untyped() ? numel : numel * storageClass.type().elementBytes(); }
    }

    /** {@code torch._utils._rebuild_tensor_v2/v3}: elements {@code offset + Σ index[i]·stride[i]} of the storage, typed {@code type}. */
    record TensorRef(StorageRef storage, TorchType type, long offset, long[] shape, long[] stride) {}

    private enum Callable { ORDERED_DICT, REBUILD_TENSOR_V2, REBUILD_TENSOR_V3, REBUILD_PARAMETER }

    private static final Map<String, TorchType> DTYPES = new LinkedHashMap<>();
    private static final Map<String, StorageClass> STORAGE_CLASSES = new LinkedHashMap<>();

    private static void type(String dtypeName, String storageClass, DType dtype, int bytes) {
        TorchType t = new TorchType("torch." + dtypeName, dtype, bytes);
        DTYPES.put(dtypeName, t);
        if (storageClass != null) STORAGE_CLASSES.put(storageClass, new StorageClass("torch." + storageClass, t));
    }

    static {
        type("float32", "FloatStorage", DType.F32, 4);
        type("float16", "HalfStorage", DType.F16, 2);
        type("bfloat16", "BFloat16Storage", DType.BF16, 2);
        type("int64", "LongStorage", DType.I64, 8);
        type("int32", "IntStorage", DType.I32, 4);
        // Legitimate torch types without a DType here: listed, refused only when such a tensor is asked for.
        type("float64", "DoubleStorage", null, 8);
        type("int16", "ShortStorage", null, 2);
        type("int8", "CharStorage", null, 1);
        type("uint8", "ByteStorage", null, 1);
        type("bool", "BoolStorage", null, 1);
        // torch.storage._new_dtypes(): saved through _rebuild_tensor_v3 with an UntypedStorage
        type("uint16", null, null, 2);
        type("uint32", null, null, 4);
        type("uint64", null, null, 8);
        type("float8_e4m3fn", null, null, 1);
        type("float8_e5m2", null, null, 1);
    }

    @Override
    public Object global(String module, String name) {
        Object g = switch (module) {
            case "collections" -> name.equals("OrderedDict") ? Callable.ORDERED_DICT : null;
            case "torch._utils" -> switch (name) {
                case "_rebuild_tensor_v2" -> Callable.REBUILD_TENSOR_V2;
                case "_rebuild_tensor_v3" -> Callable.REBUILD_TENSOR_V3;
                case "_rebuild_parameter" -> Callable.REBUILD_PARAMETER;
                default -> null;
            };
            case "torch.storage" -> name.equals("UntypedStorage") ? new StorageClass("torch.storage.UntypedStorage", null) : null;
            case "torch" -> STORAGE_CLASSES.containsKey(name) ? STORAGE_CLASSES.get(name) : DTYPES.get(name);
            default -> null;
        };
        if (g == null) throw new PickleException("global '" + module + "." + name + "' is not allowed: only the names torch.save emits for tensors and dicts are");
        return g;
    }

    @Override
    public Object reduce(Object callable, Tuple args) {
        if (!(callable instanceof Callable c)) throw new PickleException(describe(callable) + " is not callable");
        return switch (c) {
            case ORDERED_DICT -> {
                arity("collections.OrderedDict", args, 0, 0);
                yield new LinkedHashMap<>();
            }
            case REBUILD_TENSOR_V2 -> {
                // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
                arity("torch._utils._rebuild_tensor_v2", args, 6, 7);
                StorageRef s = storage(args.get(0));
                if (s.storageClass().untyped()) throw new PickleException("_rebuild_tensor_v2 over an UntypedStorage (no dtype)");
                yield tensor(s, s.storageClass().type(), args);
            }
            case REBUILD_TENSOR_V3 -> {
                // (storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype[, metadata])
                arity("torch._utils._rebuild_tensor_v3", args, 7, 8);
                if (!(args.get(6) instanceof TorchType t)) throw new PickleException("_rebuild_tensor_v3 dtype is " + describe(args.get(6)));
                yield tensor(storage(args.get(0)), t, args);
            }
            case REBUILD_PARAMETER -> {
                // nn.Parameter: (data, requires_grad, backward_hooks)
                arity("torch._utils._rebuild_parameter", args, 3, 3);
                if (!(args.get(0) instanceof TensorRef t)) throw new PickleException("_rebuild_parameter data is " + describe(args.get(0)));
                yield t;
            }
        };
    }

    private static TensorRef tensor(StorageRef storage, TorchType type, Tuple args) {
        long offset = integer(args.get(1), "storage_offset");
        long[] shape = integers(args.get(2), "size");
        long[] stride = integers(args.get(3), "stride");
        if (shape.length != stride.length) throw new PickleException("size has " + shape.length + " dims but stride has " + stride.length);
        return new TensorRef(storage, type, offset, shape, stride);
    }

    @Override
    public Object persistentLoad(Object pid) {
        if (!(pid instanceof Tuple t) || t.size() != 5 || !"storage".equals(t.get(0))) {
            throw new PickleException("persistent id " + describe(pid) + " is not ('storage', class, key, location, numel)");
        }
        if (!(t.get(1) instanceof StorageClass c)) throw new PickleException("persistent id names " + describe(t.get(1)) + ", not a storage class");
        if (!(t.get(2) instanceof String key)) throw new PickleException("storage key is " + describe(t.get(2)));
        if (!(t.get(3) instanceof String)) throw new PickleException("storage location is " + describe(t.get(3)));
        long numel = integer(t.get(4), "storage numel");
        if (numel < 0) throw new PickleException("storage " + key + " has negative numel " + numel);
        return new StorageRef(key, c, numel);
    }

    /** BUILD on a dict: {@code state_dict()} results carry a {@code _metadata} attribute (module versions), not needed here. */
    @Override
    public void build(Object target, Object state) {
        if (!(target instanceof Map<?, ?>) || !(state instanceof Map<?, ?>)) {
            throw new PickleException("BUILD of " + describe(target) + " with " + describe(state) + " is not supported");
        }
    }

    private static void arity(String function, Tuple args, int min, int max) {
        if (args.size() < min || args.size() > max) {
            throw new PickleException(function + " takes " + (min == max ? min : min + " to " + max) + " arguments, got " + args.size());
        }
    }

    private static StorageRef storage(Object o) {
        if (o instanceof StorageRef s) return s;
        throw new PickleException("tensor storage is " + describe(o) + ", not a persistent storage reference");
    }

    private static long integer(Object o, String what) {
        if (o instanceof Long l) return l;
        throw new PickleException(what + " is " + describe(o) + ", not an int");
    }

    private static long[] integers(Object o, String what) {
        if (!(o instanceof Tuple t)) throw new PickleException(what + " is " + describe(o) + ", not a tuple");
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) out[i] = integer(t.get(i), what + "[" + i + "]");
        return out;
    }

    private static String describe(Object o) {
        return switch (o) {
            case TorchType t -> t.name();
            case StorageClass c -> c.name();
            case Callable c -> c.name();
            case String s -> "'" + s + "'";
            case null -> "None";
            default -> "a " + Unpickler.typeName(o);
        };
    }
}
