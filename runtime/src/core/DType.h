//===- DType.h - Element types and f32 conversions ---------------*- C++ -*-===//
//
// The element types libzenrt reads and writes, their safetensors spellings,
// and the exact bf16/f16 <-> f32 conversions (round to nearest even towards
// the narrow types).
//
//===----------------------------------------------------------------------===//
#ifndef ZEN_RUNTIME_CORE_DTYPE_H
#define ZEN_RUNTIME_CORE_DTYPE_H

#include "zen/runtime.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zen::rt {

/// True for the five dtypes safetensors files, the writer and .npy handle
/// (F32, BF16, F16, I64, I32); BOOL only appears in compiled models' inputs.
bool isValidDType(zen_dtype_t dtype);
/// "F32", ..., "BOOL", or "INVALID".
const char *dtypeName(zen_dtype_t dtype);
/// Bytes per element, 0 for INVALID.
size_t dtypeSize(zen_dtype_t dtype);

enum class DTypeLookup {
  Supported,   // `out` is set
  Unsupported, // a dtype the safetensors format defines but Zen does not read
  Unknown,     // not a safetensors dtype at all
};
/// Maps a safetensors dtype string ("BF16") to zen_dtype_t.
DTypeLookup parseSafetensorsDType(std::string_view name, zen_dtype_t &out);
/// Formats a shape for messages: "[2, 3]".
std::string formatShape(const std::vector<int64_t> &shape);

/// "F32, BF16, F16, I64, I32", for messages.
const char *supportedDTypeList();

float bf16ToF32(uint16_t bits);
float f16ToF32(uint16_t bits);
uint16_t f32ToBF16(float value);
uint16_t f32ToF16(float value);

/// Converts `count` elements at `src` (unaligned, little-endian) to f32.
/// `dtype` must be F32, BF16 or F16.
void convertToF32(zen_dtype_t dtype, const void *src, float *dst, size_t count);
/// Converts `count` floats to `dtype` (F32, BF16 or F16) at `dst` (unaligned).
void convertFromF32(zen_dtype_t dtype, const float *src, void *dst,
                    size_t count);

} // namespace zen::rt

#endif // ZEN_RUNTIME_CORE_DTYPE_H
