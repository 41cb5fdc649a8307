"""An independent numpy reader/writer for the safetensors format.

Written from the format specification (https://github.com/huggingface/safetensors,
"Format"), not from libzenrt, so that tests can cross-check the two
implementations and so that the numpy references in this directory can save
random weights as checkpoints without torch or the safetensors package:

    8 bytes      little-endian u64 N, the header size
    N bytes      UTF-8 JSON: {"__metadata__": {str: str},      (optional)
                              name: {"dtype": "F32", "shape": [2, 3],
                                     "data_offsets": [begin, end]}, ...}
                 (may be padded at the end with spaces)
    rest         the data section; tensor bytes are data[begin:end],
                 little-endian, row-major; ranges tile the section exactly.

numpy has no bfloat16, so BF16 tensors are passed around as `BF16` wrappers
of their uint16 bit patterns; `bf16_from_f32` rounds to nearest even.

    save_file(path, {"w": np.ones((2, 3), np.float32), "b": bf16_from_f32(x)},
              metadata={"format": "pt"})
    tensors, metadata = load_file(path)          # BF16 comes back as BF16
    save_sharded(directory, tensors, max_shard_bytes=...)  # + index.json

Command line:
    python3 safetensors_io.py dump FILE      prints the metadata, then each
                                              tensor's name, dtype, shape, sum
"""

import json
import os
import struct
import sys

import numpy as np

MAX_HEADER_BYTES = 100_000_000

_NUMPY_DTYPES = {
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "BF16": np.dtype("<u2"),  # bit patterns
}
_ELEMENT_SIZE = {"F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4}


class BF16:
    """A bfloat16 array held as its uint16 bit patterns."""

    def __init__(self, bits):
        bits = np.asarray(bits)
        if bits.dtype != np.uint16:
            raise TypeError("BF16 wraps a uint16 array of bit patterns")
        self.bits = bits

    @property
    def shape(self):
        return self.bits.shape

    def to_f32(self):
        """Exact widening: the bf16 bits are the top half of a float32."""
        return (self.bits.astype(np.uint32) << 16).view(np.float32)

    def __repr__(self):
        return f"BF16(shape={self.shape})"


def bf16_from_f32(values):
    """Rounds float32 values to bfloat16, nearest even; NaN stays NaN."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    bits = bits.astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    is_nan = (bits & 0x7FFFFFFF) > 0x7F800000
    rounded = np.where(is_nan, (bits >> 16) | 0x40, rounded)
    return BF16(rounded.astype(np.uint16))


def _dtype_name(array):
    if isinstance(array, BF16):
        return "BF16"
    for name, dt in _NUMPY_DTYPES.items():
        if name != "BF16" and array.dtype == dt.newbyteorder("="):
            return name
    raise TypeError(f"unsupported numpy dtype {array.dtype}")


def _raw_bytes(array):
    if isinstance(array, BF16):
        return np.ascontiguousarray(array.bits, dtype="<u2").tobytes()
    return np.ascontiguousarray(array, dtype=_NUMPY_DTYPES[_dtype_name(array)]).tobytes()


def serialize(tensors, metadata=None):
    """Returns the bytes of a safetensors file (reference layout: tensors by
    decreasing element size, then name; header padded to 8 bytes)."""
    names = sorted(tensors, key=lambda n: (-_ELEMENT_SIZE[_dtype_name(tensors[n])], n))
    header = {}
    if metadata:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise TypeError("metadata must map str to str")
        header["__metadata__"] = dict(metadata)
    chunks, offset = [], 0
    for name in names:
        if name == "__metadata__":
            raise ValueError("'__metadata__' cannot name a tensor")
        data = _raw_bytes(tensors[name])
        header[name] = {
            "dtype": _dtype_name(tensors[name]),
            "shape": [int(d) for d in tensors[name].shape],
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def save_file(path, tensors, metadata=None):
    with open(path, "wb") as f:
        f.write(serialize(tensors, metadata))


def _reject_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r} in safetensors header")
        seen[key] = value
    return seen


def deserialize(blob, label="<bytes>"):
    """Parses and validates safetensors bytes. Returns (tensors, metadata):
    numpy arrays (BF16 wrappers for BF16) and a dict of str."""
    if len(blob) < 8:
        raise ValueError(f"{label}: file too small for the header length")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > MAX_HEADER_BYTES:
        raise ValueError(f"{label}: header length {n} exceeds the limit")
    if 8 + n > len(blob):
        raise ValueError(f"{label}: header length {n} extends beyond the file")
    text = blob[8 : 8 + n].decode("utf-8")
    if not text.startswith("{"):
        raise ValueError(f"{label}: header does not start with '{{'")
    header = json.loads(text, object_pairs_hook=_reject_duplicates)
    data = memoryview(blob)[8 + n :]
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(
        isinstance(v, str) for v in metadata.values()
    ):
        raise ValueError(f"{label}: __metadata__ must map str to str")
    tensors, spans = {}, []
    for name, info in header.items():
        dtype = info["dtype"]
        if dtype not in _NUMPY_DTYPES:
            raise ValueError(f"{label}: tensor {name!r}: unsupported dtype {dtype}")
        shape = info["shape"]
        if not all(type(d) is int and d >= 0 for d in shape):
            raise ValueError(f"{label}: tensor {name!r}: bad shape {shape}")
        begin, end = info["data_offsets"]
        if not (type(begin) is int and type(end) is int and 0 <= begin <= end <= len(data)):
            raise ValueError(f"{label}: tensor {name!r}: bad data_offsets")
        count = int(np.prod(shape, dtype=object)) if shape else 1
        if count * _ELEMENT_SIZE[dtype] != end - begin:
            raise ValueError(f"{label}: tensor {name!r}: byte size mismatch")
        array = np.frombuffer(data[begin:end], dtype=_NUMPY_DTYPES[dtype], count=count)
        array = array.reshape(shape).copy()
        tensors[name] = BF16(array) if dtype == "BF16" else array
        spans.append((begin, end, name))
    covered = 0
    for begin, end, name in sorted(spans):
        if begin != covered:
            raise ValueError(f"{label}: tensor {name!r}: overlap or hole at {begin}")
        covered = end
    if covered != len(data):
        raise ValueError(f"{label}: trailing bytes after the last tensor")
    return tensors, dict(metadata)


def load_file(path):
    with open(path, "rb") as f:
        return deserialize(f.read(), label=path)


def save_sharded(directory, tensors, max_shard_bytes, metadata=None):
    """Writes model-0000i-of-0000n.safetensors shards of at most
    max_shard_bytes of tensor data each (one tensor may exceed it), and a
    model.safetensors.index.json as transformers does."""
    shards, current, size = [], {}, 0
    for name in sorted(tensors):
        nbytes = len(_raw_bytes(tensors[name]))
        if current and size + nbytes > max_shard_bytes:
            shards.append(current)
            current, size = {}, 0
        current[name] = tensors[name]
        size += nbytes
    if current or not shards:
        shards.append(current)
    weight_map, total = {}, 0
    for i, shard in enumerate(shards):
        file_name = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        save_file(os.path.join(directory, file_name), shard, metadata)
        for name in shard:
            weight_map[name] = file_name
            total += len(_raw_bytes(shard[name]))
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    with open(os.path.join(directory, "model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=2, sort_keys=True)


def load_sharded(index_path):
    """Loads every tensor listed in a model.safetensors.index.json."""
    with open(index_path) as f:
        index = json.load(f)
    directory = os.path.dirname(index_path)
    loaded, tensors = {}, {}
    for name, shard in index["weight_map"].items():
        if shard not in loaded:
            loaded[shard] = load_file(os.path.join(directory, shard))[0]
        tensors[name] = loaded[shard][name]
    return tensors


def _summary(array):
    values = array.to_f32() if isinstance(array, BF16) else array
    flat = values.reshape(-1).astype(np.float64)
    total = float(flat.sum()) if flat.size else 0.0
    return f"sum={total:.6g}"


def main(argv):
    if len(argv) == 3 and argv[1] == "dump":
        tensors, metadata = load_file(argv[2])
        for key in sorted(metadata):
            print(f"metadata {key}={metadata[key]}")
        for name in sorted(tensors):
            t = tensors[name]
            print(f"{name} {_dtype_name(t)} {list(t.shape)} {_summary(t)}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
