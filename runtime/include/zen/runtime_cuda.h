/*===- runtime_cuda.h - libzenrt: CUDA models -------------------*- C -*-===*
 *
 * A model library built with `zen-compile --target=cuda` embeds its kernels
 * (a cubin) and records "target": "cuda" and "cuda_arch" in its metadata.
 * libzenrt runs it through the CUDA driver, which it loads at run time
 * (dlopen("libcuda.so.1")): libzenrt itself has no CUDA dependency, and on a
 * machine without a GPU these functions return an error, never crash.
 * zen_model_call() and the sessions run a CUDA model on device 0: weights
 * are uploaded once, inputs and caches staged per call, results copied
 * back to host memory (the caller frees them as for a CPU model).
 *
 *===----------------------------------------------------------------------===*/
#ifndef ZEN_RUNTIME_CUDA_H
#define ZEN_RUNTIME_CUDA_H

#include "zen/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The target `model` was compiled for: "cpu" or "cuda" (static strings). */
ZEN_API zen_status_t zen_model_target(const zen_model_t *model,
                                      const char **target);

/* Loads the CUDA driver and opens device 0. UNSUPPORTED with the reason
 * ("no CUDA driver (libcuda.so.1): ...", "the CUDA driver found no GPU", an
 * error from cuInit) when CUDA cannot be used. Cheap after the first call. */
ZEN_API zen_status_t zen_cuda_init(void);

/* Device 0's name (NUL-terminated, truncated to `size`) and compute
 * capability; zen_cuda_init() first. */
ZEN_API zen_status_t zen_cuda_device(char *name, size_t size, int *major,
                                     int *minor);

#ifdef __cplusplus
}
#endif

#endif /* ZEN_RUNTIME_CUDA_H */
