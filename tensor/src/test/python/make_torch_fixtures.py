#!/usr/bin/env python3
"""Writes the torch.save-format fixtures used by TorchCheckpointTest (no torch needed).

torch.save (torch/serialization.py, _save) pickles the object with the standard pickle module at
protocol 2, replacing every storage by a persistent id ('storage', <torch.XStorage class>, key,
location, numel), and every tensor by the reduce tuple of Tensor._reduce_ex_internal (torch/_tensor.py):
torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, OrderedDict())
(or _rebuild_tensor_v3 with an UntypedStorage and a trailing dtype for the newer dtypes). The pickle
goes to <prefix>/data.pkl and storage `key` to <prefix>/data/<key> of an uncompressed zip whose entries
start on 64-byte boundaries (caffe2/serialize/inline_container.cc pads the local header's extra field).

Here stand-in modules named torch, torch._utils and torch.storage make Python's own C pickler emit
exactly the GLOBAL names torch emits, so data.pkl is byte-for-byte the stream torch would write for
the same state dict. Run: python3 make_torch_fixtures.py <output-dir>
"""
import collections
import pickle
import struct
import sys
import types
import zipfile
import zlib

import numpy as np


def fake_module(name):
    m = types.ModuleType(name)
    sys.modules[name] = m
    return m


torch = fake_module("torch")
torch_utils = fake_module("torch._utils")
torch_storage = fake_module("torch.storage")
torch._utils = torch_utils
torch.storage = torch_storage


def fake_function(module, name):
    def f(*args):
        raise RuntimeError("fixture stand-in, never called")
    f.__module__, f.__name__, f.__qualname__ = module.__name__, name, name
    setattr(module, name, f)
    return f


rebuild_v2 = fake_function(torch_utils, "_rebuild_tensor_v2")
rebuild_v3 = fake_function(torch_utils, "_rebuild_tensor_v3")
rebuild_parameter = fake_function(torch_utils, "_rebuild_parameter")


def fake_class(module, name):
    cls = type(name, (), {"__module__": module.__name__})
    setattr(module, name, cls)
    return cls


STORAGE_CLASSES = {name: fake_class(torch, name) for name in
                   ["FloatStorage", "HalfStorage", "BFloat16Storage", "LongStorage", "IntStorage", "DoubleStorage"]}
UntypedStorage = fake_class(torch_storage, "UntypedStorage")


class dtype:
    """torch.dtype pickles as a global: its __reduce__ returns its name (torch/csrc/Dtype.cpp)."""
    __module__ = "torch"

    def __init__(self, name):
        self.name = name
        setattr(torch, name, self)

    def __reduce__(self):
        return self.name


bfloat16 = dtype("bfloat16")
float32 = dtype("float32")
uint16 = dtype("uint16")


class Storage:
    def __init__(self, cls, key, values, np_dtype, bf16=False):
        self.cls, self.key = cls, key
        a = np.asarray(values, dtype=np.float32 if bf16 else np_dtype)
        # numpy has no bfloat16: keep the upper half of each float32 (exact for the fixture values)
        self.data = (a.view(np.uint32) >> 16).astype("<u2").tobytes() if bf16 else a.astype(np.dtype(np_dtype).newbyteorder("<")).tobytes()
        self.numel = len(self.data) if cls is UntypedStorage else a.size


class Tensor:
    def __init__(self, storage, offset, size, stride, v3_dtype=None, parameter=False):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)
        self.v3_dtype, self.parameter = v3_dtype, parameter

    def __reduce_ex__(self, proto):
        if self.parameter:  # torch/nn/parameter.py Parameter.__reduce_ex__
            plain = Tensor(self.storage, self.offset, self.size, self.stride, self.v3_dtype)
            return rebuild_parameter, (plain, True, collections.OrderedDict())
        args = (self.storage, self.offset, self.size, self.stride, False, collections.OrderedDict())
        if self.v3_dtype is not None:
            return rebuild_v3, args + (self.v3_dtype,)
        return rebuild_v2, args


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", obj.cls, obj.key, "cpu", obj.numel)
        return None


def dumps(obj, protocol=2):
    buf = __import__("io").BytesIO()
    TorchPickler(buf, protocol=protocol).dump(obj)
    return buf.getvalue()


def storages_of(obj, out):
    if isinstance(obj, Tensor):
        out[obj.storage.key] = obj.storage
    elif isinstance(obj, dict):
        for v in obj.values():
            storages_of(v, out)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            storages_of(v, out)
    return out


# ---------------------------------------------------------------- zip writers

def write_zip64(path, entries, align=64):
    """Uncompressed zip with zip64 extra fields and zip64 end records, entries padded to `align` with an
    'FB' extra field: the layout of the miniz writer torch uses (MZ_ZIP_FLAG_WRITE_ZIP64)."""
    out, central = bytearray(), bytearray()
    for name, data in entries:
        n = name.encode()
        crc = zlib.crc32(data)
        offset = len(out)
        z64 = struct.pack("<HHQQ", 1, 16, len(data), len(data))
        pad = (-(offset + 30 + len(n) + len(z64) + 4)) % align
        extra = z64 + struct.pack("<HH", 0x4246, pad) + b"Z" * pad
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF, len(n), len(extra))
        out += n + extra
        assert len(out) % align == 0
        out += data
        cz64 = struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                               len(n), len(cz64), 0, 0, 0, 0, 0xFFFFFFFF)
        central += n + cz64
    cd_offset = len(out)
    out += central
    z64_eocd = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(entries), len(entries), len(central), cd_offset)
    out += struct.pack("<IIQI", 0x07064B50, 0, z64_eocd, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    with open(path, "wb") as f:
        f.write(out)


def write_plain_zip(path, entries, align=64, deflate=()):
    """Python's zipfile: classic (non-zip64) records; `deflate` names entries to compress."""
    with zipfile.ZipFile(path, "w") as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            if name in deflate:
                info.compress_type = zipfile.ZIP_DEFLATED
            else:
                pad = (-(z.fp.tell() + 30 + len(name.encode()) + 4)) % align
                info.extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad
            z.writestr(info, data)


def checkpoint_entries(obj, prefix="archive", protocol=2, pickle_bytes=None, byteorder=b"little", extra_storages=()):
    entries = [(prefix + "/data.pkl", pickle_bytes if pickle_bytes is not None else dumps(obj, protocol))]
    if byteorder is not None:
        entries.append((prefix + "/byteorder", byteorder))
    for key, s in sorted(storages_of(obj, {}).items()) + list(extra_storages):
        entries.append((prefix + "/data/" + key, s.data))
    entries.append((prefix + "/version", b"3\n"))
    return entries


# ---------------------------------------------------------------- fixture contents

def pattern(n):
    """Storage element i holds ((7 i) mod 23) / 2 - 5: exact in F16 and BF16; TorchCheckpointTest recomputes it."""
    return [((7 * i) % 23) * 0.5 - 5.0 for i in range(n)]


def long_pattern(n):
    return [i * 3_000_000_000 - 5 for i in range(n)]


def state_dict():
    f32 = Storage(STORAGE_CLASSES["FloatStorage"], "0", pattern(15), np.float32)
    sd = collections.OrderedDict()
    sd["w_f32"] = Tensor(f32, 0, [3, 5], [5, 1])
    sd["w_f16"] = Tensor(Storage(STORAGE_CLASSES["HalfStorage"], "1", pattern(32), np.float16), 0, [4, 8], [8, 1])
    sd["w_bf16"] = Tensor(Storage(STORAGE_CLASSES["BFloat16Storage"], "2", pattern(24), None, bf16=True), 0, [2, 3, 4], [12, 4, 1])
    sd["ids"] = Tensor(Storage(STORAGE_CLASSES["LongStorage"], "3", long_pattern(7), np.int64), 0, [7], [1])
    sd["i32"] = Tensor(Storage(STORAGE_CLASSES["IntStorage"], "4", [i * -7 + 1 for i in range(4)], np.int32), 0, [2, 2], [2, 1])
    sd["rows_1_2"] = Tensor(f32, 5, [2, 5], [5, 1])          # shares storage 0, offset 5
    sd["transposed"] = Tensor(f32, 0, [5, 3], [1, 5])        # w_f32.t()
    sd["column"] = Tensor(f32, 2, [3], [5])                  # w_f32[:, 2]
    sd["expanded"] = Tensor(f32, 4, [2, 3], [0, 1])          # w_f32.view(-1)[4:7].expand(2, 3): stride 0
    sd["scalar"] = Tensor(Storage(STORAGE_CLASSES["FloatStorage"], "5", [2.5], np.float32), 0, [], [])
    sd["empty"] = Tensor(Storage(STORAGE_CLASSES["FloatStorage"], "6", [], np.float32), 0, [0, 4], [4, 1])
    sd["f64"] = Tensor(Storage(STORAGE_CLASSES["DoubleStorage"], "7", pattern(3), np.float64), 0, [3], [1])
    # nn.Module.state_dict() sets _metadata on the OrderedDict, which pickles as a BUILD after the items
    sd._metadata = collections.OrderedDict([("", {"version": 1}), ("layer", {"version": 2})])
    return sd


def nested():
    """A training-script checkpoint: tensors two levels down, non-tensor values, a Parameter, a list,
    and a v3 tensor (UntypedStorage + trailing dtype)."""
    emb = Storage(STORAGE_CLASSES["HalfStorage"], "0", pattern(12), np.float16)
    raw = Storage(UntypedStorage, "1", None, None)
    raw.data = (np.asarray(pattern(6), np.float32).view(np.uint32) >> 16).astype("<u2").tobytes()
    raw.numel = len(raw.data)
    return {
        "model": {
            "tok_embeddings.weight": Tensor(emb, 0, [3, 4], [4, 1], parameter=True),
            "layers": {"0": {"norm": Tensor(emb, 8, [4], [1])}},
            "v3": Tensor(raw, 1, [5], [1], v3_dtype=bfloat16),
        },
        "epoch": 3,
        "big": 2**40 + 1,
        "neg": -70000,
        "args": {"lr": 0.5, "name": "run", "flags": [True, False, None], "pair": (1, 2, 3, 4)},
        "history": [Tensor(emb, 1, [2], [2])],
    }


def main(out):
    sd = state_dict()
    write_zip64(f"{out}/state_dict.pth", checkpoint_entries(sd))
    write_plain_zip(f"{out}/nested.pth", checkpoint_entries(nested(), prefix="consolidated"))
    write_plain_zip(f"{out}/protocol4.pth", checkpoint_entries(sd, protocol=4))

    small = {"w": Tensor(Storage(STORAGE_CLASSES["FloatStorage"], "0", pattern(6), np.float32), 0, [2, 3], [3, 1])}
    good_pickle = dumps(small)
    # bad opcode: INST ('i'), a protocol-0 opcode torch never emits, in place of the first EMPTY_DICT
    assert good_pickle[2:3] == b"}"
    write_plain_zip(f"{out}/bad_opcode.pth", checkpoint_entries(small, pickle_bytes=good_pickle[:2] + b"i" + good_pickle[3:]))
    evil = b"\x80\x02cos\nsystem\nq\x00X\x04\x00\x00\x00echoq\x01\x85q\x02Rq\x03."
    write_plain_zip(f"{out}/evil_global.pth", checkpoint_entries({}, pickle_bytes=evil))
    write_plain_zip(f"{out}/deflated.pth", checkpoint_entries(small), deflate=("archive/data/0",))
    out_of_range = {"w": Tensor(small["w"].storage, 1, [2, 3], [3, 1])}
    write_plain_zip(f"{out}/out_of_range.pth", checkpoint_entries(out_of_range))
    missing = checkpoint_entries(small)
    write_plain_zip(f"{out}/missing_storage.pth", [e for e in missing if not e[0].endswith("/data/0")])
    wrong_size = checkpoint_entries(small)
    write_plain_zip(f"{out}/storage_size.pth", [(n, d[:-4] if n.endswith("/data/0") else d) for n, d in wrong_size])
    write_plain_zip(f"{out}/big_endian.pth", checkpoint_entries(small, byteorder=b"big"))
    with open(f"{out}/legacy.pth", "wb") as f:   # torch.save(..., _use_new_zipfile_serialization=False) starts with a pickle
        f.write(b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19.")

    for name in ["state_dict.pth", "nested.pth", "protocol4.pth"]:   # the zips are well-formed for Python too
        with zipfile.ZipFile(f"{out}/{name}") as z:
            assert z.testzip() is None


if __name__ == "__main__":
    main(sys.argv[1])
