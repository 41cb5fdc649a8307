"""Through the C API (ctypes, libzenrt loaded RTLD_LOCAL as Python does):
opens a CUDA model library, binds random weights and calls `forward`
without a usable driver. Prints each status message; never crashes.

  call_without_driver.py LIBZENRT MODEL.so
"""
import ctypes as C
import sys

zen = C.CDLL(sys.argv[1])
zen.zen_status_message.restype = C.c_char_p
zen.zen_status_message.argtypes = [C.c_void_p]
zen.zen_status_free.argtypes = [C.c_void_p]
for name in ["zen_model_open", "zen_model_bind_random", "zen_model_call",
             "zen_model_target", "zen_cuda_init"]:
    getattr(zen, name).restype = C.c_void_p


def show(what, status):
    print("%s: %s" % (what, zen.zen_status_message(status).decode()))
    if status:
        zen.zen_status_free(status)


class Tensor(C.Structure):
    _fields_ = [("dtype", C.c_int), ("rank", C.c_int32),
                ("shape", C.c_int64 * 8), ("data", C.c_void_p)]


model = C.c_void_p()
status = zen.zen_model_open(sys.argv[2].encode(), C.byref(model))
show("open", status)
if not model:
    sys.exit(1)
target = C.c_char_p()
show("target", zen.zen_model_target(model, C.byref(target)))
print("target is", target.value.decode())
show("init", zen.zen_cuda_init())
show("bind", zen.zen_model_bind_random(model, C.c_uint64(1)))
ids = (C.c_int64 * 2)(1, 2)
inputs = (Tensor * 3)()
for t in inputs:
    t.dtype, t.rank, t.data = 4, 2, C.cast(ids, C.c_void_p)  # ZEN_DTYPE_I64
    t.shape[0], t.shape[1] = 1, 2
results = (Tensor * 1)()
show("call", zen.zen_model_call(model, b"forward", 3, inputs, 1, results))
