//===- Invoke.cpp - Calling a compiled entry point on the host CPU --------===//
//
// docs/runtime-abi.md: zen_entry_<name>(void **args) takes, in args[0], the
// results block (the memref descriptors of all results, back to back; absent
// when the entry point has no results) and in args[1 + i] the descriptor of
// argument i. A rank-R descriptor is {allocated, aligned, offset, sizes[R],
// strides[R]}: 3 + 2R eight-byte words.
//
// The results' buffers were malloc'ed by the compiled code; the runtime either
// adopts one (contiguous, unshared, starting at its allocation) or copies it
// and frees each distinct `allocated` pointer exactly once. A result may also
// alias an argument (a function returning its input) or a constant global;
// those are copied and never freed.
//
//===----------------------------------------------------------------------===//

#include "../core/Model.h"

#include "../core/CheckedMath.h"
#include "../core/DType.h"
#include "../cuda/Invoke.h"

#include <cstring>
#include <set>

namespace zen::rt {

namespace {

/// MLIR's memref.get_global lowering marks a global's `allocated` with this
/// address (it must never be freed).
const uintptr_t kMLIRGlobalMarker = 0xdeadbeef;

size_t descriptorWords(size_t rank) { return 3 + 2 * rank; }

void writeDescriptor(uint64_t *words, const void *data,
                     const std::vector<int64_t> &shape) {
  uint64_t address = reinterpret_cast<uintptr_t>(data);
  size_t rank = shape.size();
  words[0] = address; // allocated
  words[1] = address; // aligned
  words[2] = 0;       // offset
  int64_t stride = 1;
  for (size_t i = rank; i-- > 0;) {
    words[3 + i] = static_cast<uint64_t>(shape[i]);
    words[3 + rank + i] = static_cast<uint64_t>(stride);
    stride *= shape[i];
  }
}

/// Copies the strided view (base, sizes, strides in elements) into `dst`,
/// densely, row-major.
void gather(const unsigned char *base, const std::vector<int64_t> &sizes,
            const std::vector<int64_t> &strides, size_t elementSize,
            unsigned char *dst) {
  size_t rank = sizes.size();
  if (rank == 0) {
    std::memcpy(dst, base, elementSize);
    return;
  }
  std::vector<int64_t> index(rank, 0);
  for (int64_t d : sizes)
    if (d == 0)
      return;
  // The innermost dimension is copied in one go when it is contiguous.
  bool innerContiguous = strides[rank - 1] == 1;
  size_t innerBytes = static_cast<size_t>(sizes[rank - 1]) * elementSize;
  for (;;) {
    int64_t offset = 0;
    for (size_t i = 0; i + 1 < rank; ++i)
      offset += index[i] * strides[i];
    const unsigned char *row =
        base + offset * static_cast<int64_t>(elementSize);
    if (innerContiguous) {
      std::memcpy(dst, row, innerBytes);
    } else {
      for (int64_t j = 0; j < sizes[rank - 1]; ++j)
        std::memcpy(dst + j * elementSize,
                    row + j * strides[rank - 1] *
                              static_cast<int64_t>(elementSize),
                    elementSize);
    }
    dst += innerBytes;
    size_t i = rank - 1;
    for (;;) {
      if (i == 0)
        return;
      --i;
      if (++index[i] < sizes[i])
        break;
      index[i] = 0;
    }
  }
}

} // namespace

zen_status_t Model::call(size_t entryIndex,
                         const std::vector<TensorView> &inputs,
                         std::vector<OwnedTensor> &results) const {
  if (cuda::isCUDAModel(*this))
    return cuda::call(*this, entryIndex, inputs, results);
  const EntryPointDesc &entry = meta_.entryPoints[entryIndex];
  std::string where = cat("entry point ", quoted(entry.name));
  if (inputs.size() != entry.numInputs)
    return makeStatus(
        ZEN_STATUS_INVALID_ARGUMENT,
        cat(where, " takes ", entry.numInputs, " inputs, got ", inputs.size()));

  // Argument descriptors, in call order.
  std::vector<std::vector<uint64_t>> descriptors(entry.args.size());
  std::set<uintptr_t> argumentBuffers;
  size_t nextInput = 0;
  for (size_t a = 0; a < entry.args.size(); ++a) {
    const ValueDesc &arg = entry.args[a];
    const void *data;
    const std::vector<int64_t> *shape;
    if (arg.kind == ZEN_VALUE_PARAM) {
      const ParamBinding &binding = bindings_[arg.paramIndex];
      if (!binding.data)
        return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                          cat(where, ": parameter ", quoted(arg.name),
                              " has no weights; bind a checkpoint or random "
                              "weights first"));
      data = binding.data;
      shape = &meta_.params[arg.paramIndex].shape;
    } else {
      const TensorView &in = inputs[nextInput++];
      std::string what = cat(where, ": input ", quoted(arg.name));
      if (in.dtype != arg.dtype)
        return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                          cat(what, " must be ", dtypeName(arg.dtype), ", not ",
                              dtypeName(in.dtype)));
      if (in.shape.size() != arg.shape.size())
        return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                          cat(what, " must have rank ", arg.shape.size(),
                              ", not ", in.shape.size(), " (",
                              describeValue(arg), ")"));
      uint64_t elements = 0;
      for (size_t d = 0; d < arg.shape.size(); ++d)
        if (in.shape[d] < 0 ||
            (arg.shape[d] >= 0 && in.shape[d] != arg.shape[d]))
          return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                            cat(what, ": dimension ", d, " is ", in.shape[d],
                                "; expected ", describeValue(arg)));
      if (!checkedProduct(in.shape, elements))
        return makeStatus(
            ZEN_STATUS_INVALID_ARGUMENT,
            cat(what, ": shape ", formatShape(in.shape), " is too large"));
      if (!in.data && elements)
        return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                          cat(what, ": data is NULL"));
      data = in.data;
      shape = &in.shape;
    }
    descriptors[a].resize(descriptorWords(shape->size()));
    writeDescriptor(descriptors[a].data(), data, *shape);
    argumentBuffers.insert(reinterpret_cast<uintptr_t>(data));
  }

  size_t resultWords = 0;
  std::vector<size_t> resultOffsets;
  for (const ValueDesc &r : entry.results) {
    resultOffsets.push_back(resultWords);
    resultWords += descriptorWords(r.shape.size());
  }
  std::vector<uint64_t> resultBlock(resultWords + 1, 0);
  std::vector<void *> args;
  if (!entry.results.empty())
    args.push_back(resultBlock.data());
  for (std::vector<uint64_t> &d : descriptors)
    args.push_back(d.data());

  entry.function(args.data());

  // Collect the results. Count the uses of each allocation first: a buffer
  // two results share is copied out for both and freed once.
  std::vector<uintptr_t> allocated(entry.results.size());
  std::multiset<uintptr_t> uses;
  for (size_t r = 0; r < entry.results.size(); ++r) {
    allocated[r] = resultBlock[resultOffsets[r]];
    uses.insert(allocated[r]);
  }
  auto freeable = [&](uintptr_t p) {
    return p != 0 && p != kMLIRGlobalMarker && !argumentBuffers.count(p);
  };
  zen_status_t error = nullptr;
  std::vector<OwnedTensor> out(entry.results.size());
  for (size_t r = 0; r < entry.results.size() && !error; ++r) {
    const ValueDesc &desc = entry.results[r];
    const uint64_t *words = resultBlock.data() + resultOffsets[r];
    size_t rank = desc.shape.size();
    uintptr_t aligned = words[1];
    int64_t offset = static_cast<int64_t>(words[2]);
    std::vector<int64_t> sizes(rank), strides(rank);
    for (size_t i = 0; i < rank; ++i) {
      sizes[i] = static_cast<int64_t>(words[3 + i]);
      strides[i] = static_cast<int64_t>(words[3 + rank + i]);
    }
    bool shapeOk = true;
    for (size_t i = 0; i < rank; ++i)
      shapeOk &=
          sizes[i] >= 0 && (desc.shape[i] < 0 || sizes[i] == desc.shape[i]);
    uint64_t elements = 0, bytes = 0;
    if (!shapeOk || !checkedProduct(sizes, elements) ||
        !checkedMul(elements, dtypeSize(desc.dtype), bytes)) {
      error = makeStatus(ZEN_STATUS_INTERNAL,
                         cat(where, ": result ", quoted(desc.name),
                             " came back "
                             "with shape ",
                             formatShape(sizes), ", expected ",
                             describeValue(desc)));
      break;
    }
    bool contiguous = true;
    int64_t expected = 1;
    for (size_t i = rank; i-- > 0;) {
      contiguous &= sizes[i] == 1 || strides[i] == expected;
      expected *= sizes[i];
    }
    OwnedTensor &t = out[r];
    t.dtype = desc.dtype;
    t.shape = sizes;
    if (contiguous && offset == 0 && aligned == allocated[r] &&
        uses.count(allocated[r]) == 1 && freeable(allocated[r])) {
      t.data.reset(reinterpret_cast<void *>(allocated[r])); // adopt
      allocated[r] = 0;
      continue;
    }
    t.data = allocateAligned(bytes);
    if (!t.data) {
      error = outOfMemoryStatus();
      break;
    }
    const unsigned char *base =
        reinterpret_cast<const unsigned char *>(aligned) +
        offset * static_cast<int64_t>(dtypeSize(desc.dtype));
    if (elements)
      gather(base, sizes, strides, dtypeSize(desc.dtype),
             static_cast<unsigned char *>(t.data.get()));
  }
  // Free what was not adopted, each distinct allocation once.
  std::set<uintptr_t> freed;
  for (uintptr_t p : allocated)
    if (freeable(p) && freed.insert(p).second)
      std::free(reinterpret_cast<void *>(p));
  if (error)
    return error;
  results = std::move(out);
  return nullptr;
}

} // namespace zen::rt
