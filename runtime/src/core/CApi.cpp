//===- CApi.cpp - C API: status, dtypes, RNG, sampling, .npy --------------===//
//
// Thin wrappers: check arguments, call the C++ implementation, and let
// guard() turn any escaping exception into a status.
//
//===----------------------------------------------------------------------===//

#include "CApi.h"
#include "DType.h"
#include "Npy.h"
#include "Rng.h"
#include "Sampling.h"

#include <cstdlib>
#include <cstring>

using namespace zen::rt;

#define ZEN_STRINGIFY_(x) #x
#define ZEN_STRINGIFY(x) ZEN_STRINGIFY_(x)

extern "C" {

const char *zen_runtime_version(void) {
  return ZEN_STRINGIFY(ZEN_RUNTIME_VERSION_MAJOR) "." ZEN_STRINGIFY(
      ZEN_RUNTIME_VERSION_MINOR) "." ZEN_STRINGIFY(ZEN_RUNTIME_VERSION_PATCH);
}

//===----------------------------------------------------------------------===//
// Status
//===----------------------------------------------------------------------===//

zen_status_code_t zen_status_code(zen_status_t status) {
  return status ? status->code : ZEN_STATUS_OK;
}

const char *zen_status_message(zen_status_t status) {
  return status ? status->message.c_str() : "ok";
}

const char *zen_status_code_name(zen_status_code_t code) {
  switch (code) {
  case ZEN_STATUS_OK:
    return "OK";
  case ZEN_STATUS_INVALID_ARGUMENT:
    return "INVALID_ARGUMENT";
  case ZEN_STATUS_NOT_FOUND:
    return "NOT_FOUND";
  case ZEN_STATUS_IO_ERROR:
    return "IO_ERROR";
  case ZEN_STATUS_INVALID_FORMAT:
    return "INVALID_FORMAT";
  case ZEN_STATUS_UNSUPPORTED:
    return "UNSUPPORTED";
  case ZEN_STATUS_OUT_OF_MEMORY:
    return "OUT_OF_MEMORY";
  case ZEN_STATUS_INTERNAL:
    return "INTERNAL";
  case ZEN_STATUS_CODE_MAX_ENUM:
    break;
  }
  return "UNKNOWN";
}

void zen_status_free(zen_status_t status) {
  if (status && !status->isStatic)
    delete status;
}

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

const char *zen_dtype_name(zen_dtype_t dtype) { return dtypeName(dtype); }

size_t zen_dtype_size(zen_dtype_t dtype) { return dtypeSize(dtype); }

zen_status_t zen_convert_to_f32(zen_dtype_t src_dtype, const void *src,
                                float *dst, size_t count) {
  return guard("zen_convert_to_f32", [&]() -> zen_status_t {
    if (src_dtype != ZEN_DTYPE_F32 && src_dtype != ZEN_DTYPE_BF16 &&
        src_dtype != ZEN_DTYPE_F16)
      return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                        cat("zen_convert_to_f32: source dtype must be F32, "
                            "BF16 or F16, not ",
                            dtypeName(src_dtype)));
    if (count == 0)
      return nullptr;
    ZEN_RETURN_IF_ERROR(requireNonNull(src, "zen_convert_to_f32", "src"));
    ZEN_RETURN_IF_ERROR(requireNonNull(dst, "zen_convert_to_f32", "dst"));
    convertToF32(src_dtype, src, dst, count);
    return nullptr;
  });
}

zen_status_t zen_convert_from_f32(zen_dtype_t dst_dtype, const float *src,
                                  void *dst, size_t count) {
  return guard("zen_convert_from_f32", [&]() -> zen_status_t {
    if (dst_dtype != ZEN_DTYPE_F32 && dst_dtype != ZEN_DTYPE_BF16 &&
        dst_dtype != ZEN_DTYPE_F16)
      return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                        cat("zen_convert_from_f32: destination dtype must be "
                            "F32, BF16 or F16, not ",
                            dtypeName(dst_dtype)));
    if (count == 0)
      return nullptr;
    ZEN_RETURN_IF_ERROR(requireNonNull(src, "zen_convert_from_f32", "src"));
    ZEN_RETURN_IF_ERROR(requireNonNull(dst, "zen_convert_from_f32", "dst"));
    convertFromF32(dst_dtype, src, dst, count);
    return nullptr;
  });
}

//===----------------------------------------------------------------------===//
// Random numbers and sampling
//===----------------------------------------------------------------------===//

zen_status_t zen_rng_seed(zen_rng_t *rng, uint64_t seed) {
  ZEN_RETURN_IF_ERROR(requireNonNull(rng, "zen_rng_seed", "rng"));
  rngSeed(*rng, seed);
  return nullptr;
}

zen_status_t zen_rng_next_u64(zen_rng_t *rng, uint64_t *value) {
  ZEN_RETURN_IF_ERROR(requireNonNull(rng, "zen_rng_next_u64", "rng"));
  ZEN_RETURN_IF_ERROR(requireNonNull(value, "zen_rng_next_u64", "value"));
  *value = rngNext(*rng);
  return nullptr;
}

zen_status_t zen_rng_next_double(zen_rng_t *rng, double *value) {
  ZEN_RETURN_IF_ERROR(requireNonNull(rng, "zen_rng_next_double", "rng"));
  ZEN_RETURN_IF_ERROR(requireNonNull(value, "zen_rng_next_double", "value"));
  *value = rngNextDouble(*rng);
  return nullptr;
}

zen_sampling_config_t zen_sampling_config_default(void) {
  zen_sampling_config_t config;
  config.temperature = 1.0f;
  config.top_k = 0;
  config.top_p = 1.0f;
  config.seed = 0;
  return config;
}

zen_status_t zen_sampling_config_validate(const zen_sampling_config_t *config) {
  return guard("zen_sampling_config_validate", [&]() -> zen_status_t {
    ZEN_RETURN_IF_ERROR(
        requireNonNull(config, "zen_sampling_config_validate", "config"));
    return validateSamplingConfig(*config);
  });
}

zen_status_t zen_sample(const float *logits, size_t vocab_size,
                        const zen_sampling_config_t *config, zen_rng_t *rng,
                        int64_t *token) {
  return guard("zen_sample", [&]() -> zen_status_t {
    ZEN_RETURN_IF_ERROR(requireNonNull(config, "zen_sample", "config"));
    ZEN_RETURN_IF_ERROR(requireNonNull(token, "zen_sample", "token"));
    if (vocab_size)
      ZEN_RETURN_IF_ERROR(requireNonNull(logits, "zen_sample", "logits"));
    zen_rng_t local;
    if (!rng) {
      rngSeed(local, config->seed);
      rng = &local;
    }
    int64_t result;
    ZEN_RETURN_IF_ERROR(prefixStatus(
        sampleToken(logits, vocab_size, *config, *rng, result), "zen_sample: "));
    *token = result;
    return nullptr;
  });
}

//===----------------------------------------------------------------------===//
// .npy
//===----------------------------------------------------------------------===//

zen_status_t zen_npy_read(const char *path, zen_npy_array_t *out) {
  return guard("zen_npy_read", [&]() -> zen_status_t {
    ZEN_RETURN_IF_ERROR(requireNonNull(path, "zen_npy_read", "path"));
    ZEN_RETURN_IF_ERROR(requireNonNull(out, "zen_npy_read", "out"));
    return readNpyFile(path, *out);
  });
}

void zen_npy_array_release(zen_npy_array_t *array) {
  if (!array)
    return;
  std::free(array->data);
  std::memset(array, 0, sizeof(*array));
}

zen_status_t zen_npy_write(const char *path, zen_dtype_t dtype, int32_t rank,
                           const int64_t *shape, const void *data) {
  return guard("zen_npy_write", [&]() -> zen_status_t {
    ZEN_RETURN_IF_ERROR(requireNonNull(path, "zen_npy_write", "path"));
    if (rank < 0 || rank > ZEN_NPY_MAX_RANK)
      return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                        cat("zen_npy_write: rank is ", rank, "; must be in [0, ",
                            ZEN_NPY_MAX_RANK, "]"));
    if (rank > 0)
      ZEN_RETURN_IF_ERROR(requireNonNull(shape, "zen_npy_write", "shape"));
    std::vector<int64_t> dims(shape, shape + rank);
    return writeNpyFile(path, dtype, dims, data);
  });
}

} // extern "C"
