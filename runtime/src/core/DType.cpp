//===- DType.cpp - Element types and f32 conversions ----------------------===//

#include "DType.h"

#include <cstring>

// safetensors and .npy store little-endian data; the readers hand out raw
// pointers into the file, so a big-endian host would need byte swaps first.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "libzenrt assumes a little-endian host");

namespace zen::rt {

bool isValidDType(zen_dtype_t dtype) {
  switch (dtype) {
  case ZEN_DTYPE_F32:
  case ZEN_DTYPE_BF16:
  case ZEN_DTYPE_F16:
  case ZEN_DTYPE_I64:
  case ZEN_DTYPE_I32:
    return true;
  default:
    return false;
  }
}

const char *dtypeName(zen_dtype_t dtype) {
  switch (dtype) {
  case ZEN_DTYPE_F32:
    return "F32";
  case ZEN_DTYPE_BF16:
    return "BF16";
  case ZEN_DTYPE_F16:
    return "F16";
  case ZEN_DTYPE_I64:
    return "I64";
  case ZEN_DTYPE_I32:
    return "I32";
  case ZEN_DTYPE_BOOL:
    return "BOOL";
  default:
    return "INVALID";
  }
}

size_t dtypeSize(zen_dtype_t dtype) {
  switch (dtype) {
  case ZEN_DTYPE_F32:
  case ZEN_DTYPE_I32:
    return 4;
  case ZEN_DTYPE_BF16:
  case ZEN_DTYPE_F16:
    return 2;
  case ZEN_DTYPE_I64:
    return 8;
  case ZEN_DTYPE_BOOL:
    return 1;
  default:
    return 0;
  }
}

DTypeLookup parseSafetensorsDType(std::string_view name, zen_dtype_t &out) {
  for (zen_dtype_t d : {ZEN_DTYPE_F32, ZEN_DTYPE_BF16, ZEN_DTYPE_F16,
                        ZEN_DTYPE_I64, ZEN_DTYPE_I32}) {
    if (name == dtypeName(d)) {
      out = d;
      return DTypeLookup::Supported;
    }
  }
  // Every other dtype of the safetensors specification (safetensors 0.6).
  static const char *const others[] = {
      "BOOL",     "U8",       "I8",       "U16",      "I16",      "U32",
      "U64",      "F64",      "F8_E4M3",  "F8_E5M2",  "F8_E8M0",  "F6_E2M3",
      "F6_E3M2",  "F4",       "C64"};
  for (const char *other : others)
    if (name == other)
      return DTypeLookup::Unsupported;
  return DTypeLookup::Unknown;
}

std::string formatShape(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

const char *supportedDTypeList() { return "F32, BF16, F16, I64, I32"; }

float bf16ToF32(uint16_t bits) {
  uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &wide, 4);
  return f;
}

float f16ToF32(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1F;
  uint32_t mantissa = h & 0x3FF;
  uint32_t bits;
  if (exponent == 0x1F) {
    // Inf or NaN; the payload moves to the top of the f32 mantissa.
    bits = sign | 0x7F800000u | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {
    // Subnormal: value = mantissa * 2^-24. Normalise it.
    int e = -1;
    do {
      ++e;
      mantissa <<= 1;
    } while ((mantissa & 0x400) == 0);
    mantissa &= 0x3FF;
    bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t f32ToBF16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) // NaN: keep it NaN (and quiet).
    return static_cast<uint16_t>((bits >> 16) | 0x0040);
  uint32_t roundingBias = 0x7FFF + ((bits >> 16) & 1);
  return static_cast<uint16_t>((bits + roundingBias) >> 16);
}

uint16_t f32ToF16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  uint32_t absBits = bits & 0x7FFFFFFFu;
  if (absBits > 0x7F800000u) // NaN: quiet, keep the top payload bits.
    return sign | 0x7E00 | static_cast<uint16_t>((absBits >> 13) & 0x1FF);
  if (absBits >= 0x47800000u) // >= 65536: overflows even before rounding.
    return sign | 0x7C00;
  int exponent = static_cast<int>(absBits >> 23) - 127;
  uint32_t mantissa = absBits & 0x7FFFFF;
  if (exponent >= -14) {
    // Normal f16 range. Round the 23-bit mantissa to 10 bits, ties to even;
    // a carry out of the mantissa correctly bumps the exponent (possibly to
    // infinity for values in [65520, 65536)).
    uint32_t h = static_cast<uint32_t>(exponent + 15) << 10 | (mantissa >> 13);
    uint32_t rest = mantissa & 0x1FFF;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
      ++h;
    return sign | static_cast<uint16_t>(h);
  }
  if (exponent < -25) // below half the smallest subnormal: rounds to zero
    return sign;
  // Subnormal f16: units of 2^-24. The value is full * 2^(exponent - 23)
  // with `full` the 24-bit significand, i.e. full * 2^(exponent + 1) units,
  // so drop shift = -1 - exponent (14..24) bits, rounding ties to even.
  uint32_t full = mantissa | 0x800000;
  int shift = -1 - exponent;
  uint32_t h = full >> shift;
  uint32_t rest = full & ((1u << shift) - 1);
  uint32_t half = 1u << (shift - 1);
  if (rest > half || (rest == half && (h & 1)))
    ++h; // may carry into the smallest normal, which is the right answer
  return sign | static_cast<uint16_t>(h);
}

void convertToF32(zen_dtype_t dtype, const void *src, float *dst,
                  size_t count) {
  const unsigned char *bytes = static_cast<const unsigned char *>(src);
  switch (dtype) {
  case ZEN_DTYPE_F32:
    std::memcpy(dst, src, count * 4);
    return;
  case ZEN_DTYPE_BF16:
    for (size_t i = 0; i < count; ++i) {
      uint16_t h;
      std::memcpy(&h, bytes + 2 * i, 2);
      dst[i] = bf16ToF32(h);
    }
    return;
  case ZEN_DTYPE_F16:
    for (size_t i = 0; i < count; ++i) {
      uint16_t h;
      std::memcpy(&h, bytes + 2 * i, 2);
      dst[i] = f16ToF32(h);
    }
    return;
  default:
    return; // callers check the dtype first
  }
}

void convertFromF32(zen_dtype_t dtype, const float *src, void *dst,
                    size_t count) {
  unsigned char *bytes = static_cast<unsigned char *>(dst);
  switch (dtype) {
  case ZEN_DTYPE_F32:
    std::memcpy(dst, src, count * 4);
    return;
  case ZEN_DTYPE_BF16:
    for (size_t i = 0; i < count; ++i) {
      uint16_t h = f32ToBF16(src[i]);
      std::memcpy(bytes + 2 * i, &h, 2);
    }
    return;
  case ZEN_DTYPE_F16:
    for (size_t i = 0; i < count; ++i) {
      uint16_t h = f32ToF16(src[i]);
      std::memcpy(bytes + 2 * i, &h, 2);
    }
    return;
  default:
    return;
  }
}

} // namespace zen::rt
