"""Cross-checks libzenrt against independent numpy implementations.

Loads libzenrt through ctypes (exercising the C ABI from a non-C++ caller)
and compares it, in both directions, with test/reference/safetensors_io.py
(safetensors), numpy's own np.save/np.load (.npy) and numpy's float16 and a
separate bfloat16 rounding (conversions). Prints one "OK <case>" line per
case; any mismatch raises.

usage: interop.py LIBZENRT SRC_ROOT WORK_DIR
"""

import ctypes as C
import os
import shutil
import sys

import numpy as np

lib_path, src_root, work = sys.argv[1:4]
sys.path.insert(0, os.path.join(src_root, "test", "reference"))
import safetensors_io as st  # noqa: E402

shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
zen = C.CDLL(lib_path)

F32, BF16, F16, I64, I32 = 1, 2, 3, 4, 5
NAMES = {F32: "F32", BF16: "BF16", F16: "F16", I64: "I64", I32: "I32"}
NP = {F32: np.float32, I64: np.int64, I32: np.int32}


class TensorInfo(C.Structure):
    _fields_ = [
        ("name", C.c_char_p),
        ("dtype", C.c_int),
        ("rank", C.c_int32),
        ("shape", C.POINTER(C.c_int64)),
        ("num_elements", C.c_uint64),
        ("num_bytes", C.c_uint64),
        ("file", C.c_char_p),
    ]


class NpyArray(C.Structure):
    _fields_ = [
        ("dtype", C.c_int),
        ("rank", C.c_int32),
        ("shape", C.c_int64 * 8),
        ("num_elements", C.c_uint64),
        ("data", C.c_void_p),
    ]


Status = C.c_void_p
zen.zen_status_message.restype = C.c_char_p
zen.zen_status_message.argtypes = [Status]
zen.zen_status_code.argtypes = [Status]
zen.zen_status_free.argtypes = [Status]
for fn, args in {
    "zen_safetensors_open": [C.c_char_p, C.POINTER(C.c_void_p)],
    "zen_safetensors_count": [C.c_void_p, C.POINTER(C.c_size_t)],
    "zen_safetensors_info": [C.c_void_p, C.c_size_t, C.POINTER(TensorInfo)],
    "zen_safetensors_data": [C.c_void_p, C.c_size_t, C.POINTER(C.c_void_p), C.POINTER(C.c_uint64)],
    "zen_safetensors_read_f32": [C.c_void_p, C.c_size_t, C.c_void_p, C.c_uint64],
    "zen_safetensors_metadata_get": [C.c_void_p, C.c_char_p, C.POINTER(C.c_char_p)],
    "zen_safetensors_file_count": [C.c_void_p, C.POINTER(C.c_size_t)],
    "zen_safetensors_writer_create": [C.POINTER(C.c_void_p)],
    "zen_safetensors_writer_add_metadata": [C.c_void_p, C.c_char_p, C.c_char_p],
    "zen_safetensors_writer_add_tensor": [C.c_void_p, C.c_char_p, C.c_int, C.c_int32,
                                          C.POINTER(C.c_int64), C.c_void_p, C.c_uint64],
    "zen_safetensors_writer_write": [C.c_void_p, C.c_char_p],
    "zen_npy_read": [C.c_char_p, C.POINTER(NpyArray)],
    "zen_npy_write": [C.c_char_p, C.c_int, C.c_int32, C.POINTER(C.c_int64), C.c_void_p],
    "zen_convert_from_f32": [C.c_int, C.c_void_p, C.c_void_p, C.c_size_t],
    "zen_convert_to_f32": [C.c_int, C.c_void_p, C.c_void_p, C.c_size_t],
}.items():
    getattr(zen, fn).argtypes = args
    getattr(zen, fn).restype = Status
zen.zen_safetensors_close.argtypes = [C.c_void_p]
zen.zen_safetensors_close.restype = None
zen.zen_safetensors_writer_free.argtypes = [C.c_void_p]
zen.zen_safetensors_writer_free.restype = None
zen.zen_npy_array_release.argtypes = [C.POINTER(NpyArray)]
zen.zen_npy_array_release.restype = None


def check(status):
    if status:
        message = zen.zen_status_message(status).decode()
        zen.zen_status_free(status)
        raise AssertionError("libzenrt error: " + message)


def expect_error(status, fragment):
    assert status, "expected an error mentioning " + fragment
    message = zen.zen_status_message(status).decode()
    zen.zen_status_free(status)
    assert fragment in message, message
    return message


def zen_read_all(path):
    """Every tensor of a checkpoint as numpy (BF16 -> st.BF16), plus metadata."""
    handle = C.c_void_p()
    check(zen.zen_safetensors_open(path.encode(), C.byref(handle)))
    try:
        count = C.c_size_t()
        check(zen.zen_safetensors_count(handle, C.byref(count)))
        out = {}
        for i in range(count.value):
            info = TensorInfo()
            check(zen.zen_safetensors_info(handle, i, C.byref(info)))
            shape = [info.shape[d] for d in range(info.rank)]
            data, nbytes = C.c_void_p(), C.c_uint64()
            check(zen.zen_safetensors_data(handle, i, C.byref(data), C.byref(nbytes)))
            raw = C.string_at(data, nbytes.value) if nbytes.value else b""
            dtype = {F32: "<f4", BF16: "<u2", F16: "<f2", I64: "<i8", I32: "<i4"}[info.dtype]
            array = np.frombuffer(raw, dtype=dtype).reshape(shape)
            if info.dtype in (F32, BF16, F16):
                # read_f32 must agree with the independent widening.
                converted = np.empty(shape, np.float32)
                check(zen.zen_safetensors_read_f32(handle, i, converted.ctypes.data, converted.size))
                reference = st.BF16(array).to_f32() if info.dtype == BF16 else array.astype(np.float32)
                assert converted.tobytes() == reference.tobytes(), info.name
            out[info.name.decode()] = (NAMES[info.dtype], st.BF16(array.copy()) if info.dtype == BF16 else array.copy())
        files = C.c_size_t()
        check(zen.zen_safetensors_file_count(handle, C.byref(files)))
        return out, handle, files.value
    except BaseException:
        zen.zen_safetensors_close(handle)
        raise


def same(a, b):
    if isinstance(a, st.BF16) or isinstance(b, st.BF16):
        return isinstance(a, st.BF16) and isinstance(b, st.BF16) and a.shape == b.shape and \
            a.bits.tobytes() == b.bits.tobytes()
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


rng = np.random.default_rng(7)
tensors = {
    "model.embed_tokens.weight": rng.standard_normal((16, 8)).astype(np.float32),
    "model.layers.0.self_attn.q_proj.weight": st.bf16_from_f32(rng.standard_normal((8, 8))),
    "model.layers.0.mlp.up_proj.weight": rng.standard_normal((12, 8)).astype(np.float16),
    "input_ids": np.arange(10, dtype=np.int64).reshape(2, 5) * 1000003,
    "attention_mask": np.array([[0, 1, 1], [1, 1, 1]], dtype=np.int32),
    "scalar": np.array(3.5, dtype=np.float32),
    "empty": np.zeros((0, 4), dtype=np.float32),
    "名前.ünïcode": np.array([1.0, -2.0], dtype=np.float16),
}
metadata = {"format": "pt", "note": 'quotes " and \\ and\nnewline'}

# 1. numpy writes, libzenrt reads.
path = os.path.join(work, "from_python.safetensors")
st.save_file(path, tensors, metadata)
got, handle, _ = zen_read_all(path)
assert sorted(got) == sorted(tensors), sorted(got)
for name, value in tensors.items():
    assert same(got[name][1], value), name
value = C.c_char_p()
check(zen.zen_safetensors_metadata_get(handle, b"note", C.byref(value)))
assert value.value.decode() == metadata["note"]
zen.zen_safetensors_close(handle)
print("OK python-writes-zen-reads")

# 2. libzenrt writes, numpy reads.
writer = C.c_void_p()
check(zen.zen_safetensors_writer_create(C.byref(writer)))
keep_alive = []
for name, value in tensors.items():
    raw = value.bits if isinstance(value, st.BF16) else value
    raw = np.require(raw, requirements="C")  # (ascontiguousarray would make 0-d arrays 1-d)
    keep_alive.append(raw)
    dtype = {"F32": F32, "BF16": BF16, "F16": F16, "I64": I64, "I32": I32}[st._dtype_name(value)]
    shape = (C.c_int64 * max(1, raw.ndim))(*raw.shape)
    check(zen.zen_safetensors_writer_add_tensor(writer, name.encode(), dtype, raw.ndim, shape,
                                                raw.ctypes.data, raw.nbytes))
for k, v in metadata.items():
    check(zen.zen_safetensors_writer_add_metadata(writer, k.encode(), v.encode()))
out_path = os.path.join(work, "from_zen.safetensors")
check(zen.zen_safetensors_writer_write(writer, out_path.encode()))
zen.zen_safetensors_writer_free(writer)
back, back_meta = st.load_file(out_path)
assert back_meta == metadata, back_meta
assert sorted(back) == sorted(tensors)
for name, value in tensors.items():
    assert same(back[name], value), name
# Same layout rules, so the two writers agree byte for byte.
with open(out_path, "rb") as f:
    assert f.read() == st.serialize(tensors, metadata), "writers disagree"
print("OK zen-writes-python-reads")

# 3. A sharded checkpoint written by numpy, opened by directory.
sharded = os.path.join(work, "sharded")
os.makedirs(sharded)
st.save_sharded(sharded, tensors, max_shard_bytes=300, metadata={"format": "pt"})
got, handle, files = zen_read_all(sharded)
assert files >= 3, files
for name, value in tensors.items():
    assert same(got[name][1], value), name
zen.zen_safetensors_close(handle)
print("OK sharded", files >= 3)

# 4. Corrupt input is reported, naming the file.
with open(path, "rb") as f:
    blob = f.read()
truncated = os.path.join(work, "truncated.safetensors")
with open(truncated, "wb") as f:
    f.write(blob[:-3])
handle = C.c_void_p()
message = expect_error(zen.zen_safetensors_open(truncated.encode(), C.byref(handle)), truncated)
assert "data section" in message or "beyond" in message, message
print("OK corrupt-rejected")

# 5. .npy both ways.
arrays = {
    "f32.npy": rng.standard_normal((2, 3, 5)).astype(np.float32),
    "i64.npy": np.array([[1, 2, 3], [4, 5, 2**40]], dtype=np.int64),
    "i32.npy": np.arange(7, dtype=np.int32),
    "scalar.npy": np.array(1.25, dtype=np.float32),
    "empty.npy": np.zeros((3, 0), dtype=np.int64),
}
for file_name, array in arrays.items():
    p = os.path.join(work, file_name)
    np.save(p, array)
    out = NpyArray()
    check(zen.zen_npy_read(p.encode(), C.byref(out)))
    shape = tuple(out.shape[d] for d in range(out.rank))
    assert shape == array.shape, (file_name, shape)
    assert out.num_elements == array.size
    raw = C.string_at(out.data, array.nbytes) if array.nbytes else b""
    assert np.frombuffer(raw, dtype=array.dtype).reshape(shape).tobytes() == array.tobytes()
    assert out.data % 64 == 0
    dtype = out.dtype
    zen.zen_npy_array_release(C.byref(out))
    q = os.path.join(work, "zen_" + file_name)
    shape_c = (C.c_int64 * max(1, array.ndim))(*array.shape)
    check(zen.zen_npy_write(q.encode(), dtype, array.ndim, shape_c, array.ctypes.data))
    again = np.load(q)
    assert again.dtype == array.dtype and again.shape == array.shape
    assert again.tobytes() == array.tobytes(), file_name
    with open(q, "rb") as f:
        head = f.read(10)
    header_len = int.from_bytes(head[8:10], "little")
    assert (10 + header_len) % 64 == 0
big = os.path.join(work, "f64.npy")
np.save(big, np.zeros(3))
out = NpyArray()
expect_error(zen.zen_npy_read(big.encode(), C.byref(out)), "'<f8'")
print("OK npy")

# 6. Conversions against numpy's float16 and the reference bf16 rounding.
special = np.array([0.0, -0.0, 1.0, -2.5, 65504.0, 65519.0, 65520.0, 1e9, -1e9,
                    2.0**-24, 2.0**-25, 3 * 2.0**-25, 2.0**-14 - 2.0**-25, 1e-8,
                    np.inf, -np.inf, 3.4028235e38], dtype=np.float32)
values = np.concatenate([special, rng.standard_normal(4096).astype(np.float32) * 100,
                         (rng.standard_normal(4096) * 1e-5).astype(np.float32),
                         rng.standard_normal(4096).astype(np.float32).view(np.uint32)
                         .__and__(np.uint32(0x7F7FFFFF)).view(np.float32)])
h = np.empty(values.size, np.uint16)
check(zen.zen_convert_from_f32(F16, values.ctypes.data, h.ctypes.data, values.size))
with np.errstate(over="ignore"):  # values beyond 65520 become inf, as intended
    numpy_f16 = values.astype(np.float16)
assert h.tobytes() == numpy_f16.tobytes(), "f16 rounding differs from numpy"
b = np.empty(values.size, np.uint16)
check(zen.zen_convert_from_f32(BF16, values.ctypes.data, b.ctypes.data, values.size))
assert b.tobytes() == st.bf16_from_f32(values).bits.tobytes(), "bf16 rounding differs"
all_bits = np.arange(65536, dtype=np.uint32).astype(np.uint16)
widened = np.empty(65536, np.float32)
check(zen.zen_convert_to_f32(F16, all_bits.ctypes.data, widened.ctypes.data, 65536))
assert widened.tobytes() == all_bits.view(np.float16).astype(np.float32).tobytes(), \
    "f16 widening differs from numpy"
print("OK conversions")
