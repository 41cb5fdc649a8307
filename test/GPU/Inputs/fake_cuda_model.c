/* A stand-in for a `zen-compile --target=cuda` library, buildable without the
 * CUDA toolkit: its metadata says "target": "cuda", and a constructor loads
 * a (bogus) cubin through mgpuModuleLoad, as the constructors MLIR emits for
 * gpu.binary do, so loading it exercises libzenrt's mgpu* symbols and
 * driver loader. TARGET (a string literal) overrides the target. */
#include <stddef.h>

#ifndef TARGET
#define TARGET "\"target\": \"cuda\", \"cuda_arch\": \"sm_90a\", "
#endif

void *mgpuModuleLoad(void *data, size_t size);

static void *module;
__attribute__((constructor)) static void load(void) {
  static const char cubin[] = "not a cubin";
  module = mgpuModuleLoad((void *)cubin, sizeof cubin);
}

const char *zen_model_metadata(void) {
  return "{\"zen_abi\": 1, \"zen_version\": \"0.1.0\", " TARGET
         "\"model\": \"fake-cuda\", \"family\": \"dense\", \"entry_points\": "
         "[{\"name\": \"forward\", \"symbol\": \"zen_entry_forward\", "
         "\"args\": ["
         "{\"kind\": \"input\", \"name\": \"input_ids\", \"dtype\": \"i64\", "
         "\"shape\": [-1, -1]},"
         "{\"kind\": \"input\", \"name\": \"positions\", \"dtype\": \"i64\", "
         "\"shape\": [-1, -1]},"
         "{\"kind\": \"input\", \"name\": \"attention_mask\", \"dtype\": "
         "\"i64\", \"shape\": [-1, -1]},"
         "{\"kind\": \"param\", \"name\": \"model.embed_tokens.weight\", "
         "\"dtype\": \"f32\", \"shape\": [8, 4]}],"
         "\"results\": [{\"name\": \"logits\", \"dtype\": \"f32\", \"shape\": "
         "[-1, -1, 8]}]}]}";
}

void zen_entry_forward(void **args) { (void)args; }
