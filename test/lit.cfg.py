# -*- Python -*-
# Lit configuration for the Zen regression suite (target check-zen).

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "ZEN"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".yaml", ".json"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.zen_obj_root, "test")
# Inputs/ hold data for other tests; unit/ is a GoogleTest suite of its own.
config.excludes = ["Inputs", "unit", "CMakeLists.txt", "README.md", "lit.cfg.py",
                   "lit.site.cfg.py", "reference", "lib"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%zen_src_root", config.zen_src_root))
config.substitutions.append(("%zen_obj_root", config.zen_obj_root))
config.substitutions.append(("%python", config.python_executable))
# The C compiler of the build, for tests that link model libraries.
config.substitutions.append(("%clang", config.zen_c_compiler))
# The bundled model specs (specs/models, specs/tiny).
config.substitutions.append(("%specs", os.path.join(config.zen_src_root, "specs")))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tool_dirs = [config.zen_tools_dir, config.llvm_tools_dir]
tools = ["zen-opt", "zen-compile", "zen-run", "zen-train-bench"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# Python parity tests import test/lib (zen_exec) and test/reference (numpy
# references) and find the tools through these variables.
config.environment["PYTHONPATH"] = os.pathsep.join([
    os.path.join(config.zen_src_root, "test", "lib"),
    os.path.join(config.zen_src_root, "test"),
])
config.environment["ZEN_OPT"] = os.path.join(config.zen_tools_dir, "zen-opt")
config.environment["MLIR_TRANSLATE"] = os.path.join(config.llvm_tools_dir,
                                                    "mlir-translate")
config.environment["ZEN_CC"] = config.zen_c_compiler

# CUDA (test/GPU, docs/cuda.md). `cuda-toolkit`: ptxas and libdevice exist,
# so zen-cuda-pipeline can build cubins and ptxas -v can inspect kernels.
# `cuda-gpu`: the driver loads and sees a GPU, so kernels can run. CI has
# neither; tests needing them say REQUIRES and are skipped there.
cuda_home = os.environ.get("CUDA_HOME", "/usr/local/cuda")
if (os.path.isfile(os.path.join(cuda_home, "bin", "ptxas")) and
        os.path.isdir(os.path.join(cuda_home, "nvvm", "libdevice"))):
    config.available_features.add("cuda-toolkit")
    config.substitutions.append(("%ptxas", os.path.join(cuda_home, "bin", "ptxas")))


def _has_cuda_gpu():
    import ctypes
    try:
        driver = ctypes.CDLL("libcuda.so.1")
        count = ctypes.c_int(0)
        return (driver.cuInit(0) == 0 and
                driver.cuDeviceGetCount(ctypes.byref(count)) == 0 and
                count.value > 0)
    except OSError:
        return False


if _has_cuda_gpu():
    config.available_features.add("cuda-gpu")
