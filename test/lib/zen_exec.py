"""Compile Zen IR with zen-cpu-pipeline and call it from numpy.

Used by the lowering parity tests under test/Conversion: a test writes a small
MLIR module whose public functions take and return tensors, this module lowers
it with `zen-opt --zen-cpu-pipeline` (parallel tasks through OpenMP, as in
model libraries), translates it to LLVM IR, builds a shared object with clang
linked to libomp, and calls the functions' C interfaces (_mlir_ciface_*)
through ctypes with memref descriptors built from numpy arrays.

bf16 tensors travel as numpy uint16 arrays (see to_bf16 / from_bf16).

Tool locations come from the environment lit sets up (ZEN_OPT, MLIR_TRANSLATE,
ZEN_CC); the defaults suit a local build tree.
"""

import ctypes
import os
import subprocess
import tempfile

import numpy as np

_TOOLS = {
    "zen-opt": os.environ.get("ZEN_OPT", "build/bin/zen-opt"),
    "mlir-translate": os.environ.get("MLIR_TRANSLATE",
                                     "/usr/lib/llvm-22/bin/mlir-translate"),
    "cc": os.environ.get("ZEN_CC", "clang-22"),
}

_libc = ctypes.CDLL(None)
_libc.free.argtypes = [ctypes.c_void_p]


def to_bf16(x):
    """float32 array -> bf16 bits (uint16), round to nearest even."""
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    rounding = ((bits >> 16) & 1) + 0x7FFF
    return ((bits + rounding) >> 16).astype(np.uint16)


def from_bf16(bits):
    """bf16 bits (uint16) -> float32."""
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16).view(
        np.float32)


def _descriptor_type(rank):
    fields = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
              ("offset", ctypes.c_int64)]
    if rank:
        fields += [("sizes", ctypes.c_int64 * rank),
                   ("strides", ctypes.c_int64 * rank)]
    return type("MemRef%dD" % rank, (ctypes.Structure,), {"_fields_": fields})


def _descriptor(array):
    array = np.ascontiguousarray(array)
    desc = _descriptor_type(array.ndim)()
    desc.allocated = desc.aligned = array.ctypes.data
    desc.offset = 0
    if array.ndim:
        for i, (size, stride) in enumerate(zip(array.shape, array.strides)):
            desc.sizes[i] = size
            desc.strides[i] = stride // array.itemsize
    return desc, array


class Kernel:
    """A compiled module; call functions with numpy arrays."""

    def __init__(self, mlir_text, extra_passes=()):
        self._dir = tempfile.TemporaryDirectory(prefix="zen-exec-")
        src = os.path.join(self._dir.name, "kernel.mlir")
        with open(src, "w") as f:
            f.write(mlir_text)
        llvm_dialect = subprocess.run(
            [_TOOLS["zen-opt"], src, "--zen-cpu-pipeline", *extra_passes],
            check=True, capture_output=True, text=True).stdout
        llvm_ir = subprocess.run(
            [_TOOLS["mlir-translate"], "--mlir-to-llvmir"], input=llvm_dialect,
            check=True, capture_output=True, text=True).stdout
        ll = os.path.join(self._dir.name, "kernel.ll")
        with open(ll, "w") as f:
            f.write(llvm_ir)
        so = os.path.join(self._dir.name, "kernel.so")
        # libomp: the kernels' parallel tasks (zen-cpu-pipeline's default)
        # call the LLVM OpenMP runtime, as model libraries do.
        subprocess.run([_TOOLS["cc"], "-O2", "-shared", "-fPIC",
                        "-Wno-override-module", ll, "-o", so, "-lm",
                        "-l:libomp.so.5"],
                       check=True, capture_output=True, text=True)
        self._lib = ctypes.CDLL(so)

    def call(self, name, inputs, results):
        """Calls `name` on `inputs` (numpy arrays, in argument order).

        `results` lists (dtype, rank) per result, in order. Returns copies of
        the result arrays; the buffers the kernel allocated are freed.
        """
        descs, keep = [], []
        for array in inputs:
            desc, contiguous = _descriptor(array)
            descs.append(desc)
            keep.append(contiguous)
        result_types = [_descriptor_type(rank) for _, rank in results]
        if len(results) == 1:
            out = result_types[0]()
        else:
            packed = type("Results", (ctypes.Structure,), {
                "_fields_": [("r%d" % i, t) for i, t in enumerate(result_types)]
            })
            out = packed()
        fn = getattr(self._lib, "_mlir_ciface_" + name)
        fn.restype = None
        fn(ctypes.byref(out), *[ctypes.byref(d) for d in descs])
        outs = [out] if len(results) == 1 else [
            getattr(out, "r%d" % i) for i in range(len(results))]
        arrays, freed = [], set()
        for desc, (dtype, rank) in zip(outs, results):
            shape = tuple(desc.sizes[i] for i in range(rank)) if rank else ()
            dtype = np.dtype(dtype)
            count = int(np.prod(shape)) if shape else 1
            address = desc.aligned + desc.offset * dtype.itemsize
            buffer = (ctypes.c_char * (count * dtype.itemsize)).from_address(
                address)
            arrays.append(np.frombuffer(buffer, dtype=dtype).reshape(shape).copy())
            if desc.allocated not in freed:
                freed.add(desc.allocated)
                _libc.free(desc.allocated)
        return arrays
