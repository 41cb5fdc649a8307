//===- Npy.h - .npy array files ----------------------------------*- C++ -*-===//
//
// The NumPy .npy format (numpy/lib/format.py): the magic "\x93NUMPY", a
// version (1.0: u16 header length; 2.0 and 3.0: u32), then an ASCII (3.0:
// UTF-8) Python dict literal {'descr': '<f4', 'fortran_order': False,
// 'shape': (2, 3), } padded with spaces and a final '\n', then the raw data.
// zen-run uses it for --input-ids and --dump-logits.
//
//===----------------------------------------------------------------------===//
#ifndef ZEN_RUNTIME_CORE_NPY_H
#define ZEN_RUNTIME_CORE_NPY_H

#include "Status.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace zen::rt {

struct NpyHeader {
  zen_dtype_t dtype = ZEN_DTYPE_INVALID;
  std::vector<int64_t> shape;
  uint64_t numElements = 0;
  uint64_t numBytes = 0;
  size_t dataOffset = 0; // where the data starts in the file
};

/// Parses and validates the header of the .npy image bytes[0, size), and
/// checks that exactly numBytes of data follow. Messages start with `label`.
zen_status_t parseNpy(const std::string &label, const uint8_t *bytes,
                      size_t size, NpyHeader &out);

/// Builds the header (magic .. '\n') for an array; data must follow it.
/// Uses version 1.0 unless the dict needs more than 65535 bytes.
std::string buildNpyHeader(zen_dtype_t dtype, const std::vector<int64_t> &shape);

/// Reads a .npy file into a zen_npy_array_t (64-byte-aligned data).
zen_status_t readNpyFile(const std::string &path, zen_npy_array_t &out);

/// Writes an array atomically.
zen_status_t writeNpyFile(const std::string &path, zen_dtype_t dtype,
                          const std::vector<int64_t> &shape, const void *data);

} // namespace zen::rt

#endif // ZEN_RUNTIME_CORE_NPY_H
