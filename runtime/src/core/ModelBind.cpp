//===- ModelBind.cpp - Binding weights to a model's parameters ------------===//
//
// Binding happens in two phases so that a failure changes nothing: first
// every parameter is matched against its source (checkpoint tensors, random
// rule, caller data) and every problem is collected; then the copies are
// allocated on the calling thread (so running out of memory is an ordinary
// status) and filled in parallel, one parameter per task. Only when all of
// that succeeded do the new bindings replace the old ones.
//
//===----------------------------------------------------------------------===//

#include "Model.h"

#include "DType.h"
#include "Rng.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

namespace zen::rt {

namespace {

bool isFloat(zen_dtype_t d) {
  return d == ZEN_DTYPE_F32 || d == ZEN_DTYPE_BF16 || d == ZEN_DTYPE_F16;
}

/// Whether data of dtype `from` can be bound to a parameter of dtype `to`.
bool converts(zen_dtype_t from, zen_dtype_t to) {
  return from == to || (isFloat(from) && isFloat(to));
}

/// Converts `count` elements; `name` labels errors. A finite value that
/// becomes infinite in a narrower float type is an error rather than a
/// silently broken model.
zen_status_t convertElements(const std::string &name, zen_dtype_t from,
                             const void *src, zen_dtype_t to, void *dst,
                             uint64_t count) {
  if (from == to) {
    std::memcpy(dst, src, static_cast<size_t>(count * dtypeSize(to)));
    return nullptr;
  }
  if (to == ZEN_DTYPE_F32) {
    convertToF32(from, src, static_cast<float *>(dst),
                 static_cast<size_t>(count));
    return nullptr;
  }
  // To BF16 or F16 through f32; `dst` is this runtime's own allocation, so
  // it is aligned for uint16_t.
  constexpr size_t kChunk = 4096;
  float buffer[kChunk];
  const unsigned char *in = static_cast<const unsigned char *>(src);
  uint16_t *out = static_cast<uint16_t *>(dst);
  size_t inSize = dtypeSize(from);
  bool toBF16 = to == ZEN_DTYPE_BF16;
  uint16_t infinity = toBF16 ? 0x7F80 : 0x7C00;
  for (uint64_t start = 0; start < count; start += kChunk) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, count - start));
    convertToF32(from, in + start * inSize, buffer, n);
    uint16_t *chunk = out + start;
    for (size_t i = 0; i < n; ++i)
      chunk[i] = toBF16 ? f32ToBF16(buffer[i]) : f32ToF16(buffer[i]);
    for (size_t i = 0; i < n; ++i)
      if ((chunk[i] & 0x7FFF) == infinity && std::isfinite(buffer[i]))
        return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                          cat("tensor ", quoted(name), ": element ", start + i,
                              " (", buffer[i], ") overflows ", dtypeName(to)));
  }
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Parallel filling
//===----------------------------------------------------------------------===//

/// Runs work(i) for i in [0, n) on a few worker threads while the calling
/// thread reports progress every 100 ms (so the caller's callback need not be
/// thread-safe and keeps ticking while one large tensor converts). Returns the
/// error of the lowest failing index, so the outcome is deterministic.
template <typename Work>
zen_status_t runParallel(size_t n, const std::vector<uint64_t> &bytes,
                         const zen_bind_options_t &options, Work work) {
  uint64_t totalBytes = 0;
  for (uint64_t b : bytes)
    totalBytes += b;
  std::atomic<size_t> next{0}, doneCount{0};
  std::atomic<uint64_t> doneBytes{0};
  std::vector<zen_status_t> errors(n, nullptr);
  std::mutex mutex;
  std::condition_variable finished;
  auto runOne = [&](size_t i) {
    try {
      errors[i] = work(i);
    } catch (const std::bad_alloc &) {
      errors[i] = outOfMemoryStatus();
    } catch (...) {
      errors[i] = makeStatus(ZEN_STATUS_INTERNAL, "binding: internal error");
    }
    doneBytes += bytes[i];
    if (++doneCount == n) {
      std::lock_guard<std::mutex> lock(mutex);
      finished.notify_all();
    }
  };
  auto report = [&]() {
    if (options.progress)
      options.progress(options.progress_user_data, doneCount.load(), n,
                       doneBytes.load(), totalBytes);
  };
  report();

  size_t threads = std::min<size_t>(
      {n, std::max(1u, std::thread::hardware_concurrency()), 16});
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) {
    try {
      pool.emplace_back([&]() {
        for (size_t i; (i = next++) < n;)
          runOne(i);
      });
    } catch (...) {
      break; // fewer threads is fine
    }
  }
  if (pool.empty()) {
    // No thread could be started: do the work here.
    for (size_t i; (i = next++) < n;) {
      runOne(i);
      report();
    }
  } else {
    std::unique_lock<std::mutex> lock(mutex);
    while (!finished.wait_for(lock, std::chrono::milliseconds(100),
                              [&] { return doneCount.load() == n; })) {
      lock.unlock();
      report();
      lock.lock();
    }
  }
  for (std::thread &t : pool)
    t.join();
  report();

  zen_status_t first = nullptr;
  for (zen_status_t &e : errors) {
    if (!first)
      first = e;
    else if (e && e != first)
      zen_status_free(e);
  }
  return first;
}

/// Allocates an owned buffer per parameter in `which` (on this thread).
zen_status_t allocateAll(const ModelMetadata &meta,
                         const std::vector<size_t> &which,
                         std::vector<ParamBinding> &out) {
  for (size_t p : which) {
    out[p].owned = allocateAligned(meta.params[p].numBytes);
    if (!out[p].owned)
      return makeStatus(ZEN_STATUS_OUT_OF_MEMORY,
                        cat("out of memory allocating ",
                            meta.params[p].numBytes, " bytes for parameter ",
                            quoted(meta.params[p].name)));
    out[p].data = out[p].owned.get();
  }
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Random initialisation
//===----------------------------------------------------------------------===//

uint64_t fnv1a64(std::string_view s) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001B3ull;
  }
  return h;
}

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

enum class InitKind { Zero, One, Normal, LogUniform1To16 };

/// The rule documented at zen_model_bind_random.
InitKind initKind(const ParamDesc &p, const std::string &family, float &std) {
  const std::string &name = p.name;
  if (endsWith(name, "A_log"))
    return InitKind::LogUniform1To16;
  if (endsWith(name, "dt_bias"))
    return InitKind::Zero;
  if (endsWith(name, "conv1d.weight")) {
    std = 0.2f;
    return InitKind::Normal;
  }
  if (p.shape.size() == 1) {
    // The name component before the last: "input_layernorm" in
    // "model.layers.0.input_layernorm.weight".
    size_t last = name.rfind('.');
    std::string_view stem(name.data(),
                          last == std::string::npos ? name.size() : last);
    size_t prev = stem.rfind('.');
    std::string_view component =
        prev == std::string_view::npos ? stem : stem.substr(prev + 1);
    if (component.find("norm") != std::string_view::npos) {
      if (family == "hybrid" && !endsWith(name, "linear_attn.norm.weight"))
        return InitKind::Zero; // zero-centred: the scale is 1 + w
      return InitKind::One;
    }
  }
  if (p.shape.size() >= 2) {
    std = 0.02f;
    return InitKind::Normal;
  }
  return InitKind::Zero;
}

zen_status_t fillRandom(const ParamDesc &p, const std::string &family,
                        uint64_t seed, void *dst) {
  if (!isFloat(p.dtype)) {
    std::memset(dst, 0, static_cast<size_t>(p.numBytes));
    return nullptr;
  }
  float std = 0;
  InitKind kind = initKind(p, family, std);
  zen_rng_t rng;
  rngSeed(rng, seed ^ fnv1a64(p.name));
  constexpr size_t kChunk = 4096; // even, so normals come in pairs
  float buffer[kChunk];
  unsigned char *out = static_cast<unsigned char *>(dst);
  size_t size = dtypeSize(p.dtype);
  for (uint64_t start = 0; start < p.numElements; start += kChunk) {
    size_t n =
        static_cast<size_t>(std::min<uint64_t>(kChunk, p.numElements - start));
    switch (kind) {
    case InitKind::Zero:
    case InitKind::One:
      std::fill(buffer, buffer + n, kind == InitKind::One ? 1.0f : 0.0f);
      break;
    case InitKind::LogUniform1To16:
      for (size_t i = 0; i < n; ++i)
        buffer[i] =
            static_cast<float>(std::log(1.0 + 15.0 * rngNextDouble(rng)));
      break;
    case InitKind::Normal:
      // Box-Muller; 1 - u lies in (0, 1], so the log is finite.
      for (size_t i = 0; i < n; i += 2) {
        double r = std::sqrt(-2.0 * std::log(1.0 - rngNextDouble(rng)));
        double theta = 6.283185307179586 * rngNextDouble(rng);
        buffer[i] = static_cast<float>(std * r * std::cos(theta));
        if (i + 1 < n)
          buffer[i + 1] = static_cast<float>(std * r * std::sin(theta));
      }
      break;
    }
    convertFromF32(p.dtype, buffer, out + start * size, n);
  }
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Checkpoint matching
//===----------------------------------------------------------------------===//

/// The problems found while matching a checkpoint, reported together.
class Problems {
public:
  void add(zen_status_code_t code, std::string message) {
    if (entries_.empty())
      firstCode_ = code;
    entries_.push_back(std::move(message));
  }
  bool empty() const { return entries_.empty(); }

  zen_status_t status(const std::string &path, const std::string &footer) {
    if (entries_.size() == 1)
      return makeStatus(firstCode_, cat(path, ": ", entries_[0],
                                        footer.empty() ? "" : " ", footer));
    constexpr size_t kShown = 10;
    std::string message =
        cat(path, ": the checkpoint does not match the model (",
            entries_.size(), " problems):");
    for (size_t i = 0; i < entries_.size() && i < kShown; ++i)
      message += "\n  " + entries_[i];
    if (entries_.size() > kShown)
      message += cat("\n  ... and ", entries_.size() - kShown, " more");
    if (!footer.empty())
      message += "\n" + footer;
    return makeStatus(firstCode_, message);
  }

private:
  std::vector<std::string> entries_;
  zen_status_code_t firstCode_ = ZEN_STATUS_OK;
};

/// "searched ckpt/model.safetensors" or "searched 3 files: a, b, c".
std::string searchedFiles(const Checkpoint &ckpt) {
  if (ckpt.fileCount() == 1)
    return "searched " + ckpt.filePath(0);
  std::string s = cat("searched ", ckpt.fileCount(), " files: ");
  constexpr size_t kShown = 3;
  for (size_t i = 0; i < ckpt.fileCount() && i < kShown; ++i)
    s += cat(i ? ", " : "", ckpt.filePath(i));
  if (ckpt.fileCount() > kShown)
    s += cat(", ... (", ckpt.fileCount() - kShown, " more)");
  return s;
}

/// A checkpoint tensor whose name ends with "." + name, or is a suffix of it:
/// a hint for checkpoints of a wrapped model ("thinker.model...").
std::string similarName(const Checkpoint &ckpt, const std::string &name) {
  for (const TensorEntry &t : ckpt.tensors())
    if (endsWith(t.name, "." + name) || endsWith(name, "." + t.name))
      return t.name;
  return "";
}

std::string replaceAll(std::string s, const std::string &from,
                       const std::string &to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos;
       pos += to.size())
    s.replace(pos, from.size(), to);
  return s;
}

} // namespace

//===----------------------------------------------------------------------===//
// Model::bind*
//===----------------------------------------------------------------------===//

zen_status_t Model::bindCheckpoint(const std::string &path,
                                   const zen_bind_options_t &options) {
  std::unique_ptr<Checkpoint> opened;
  ZEN_RETURN_IF_ERROR(Checkpoint::open(path, opened));
  std::shared_ptr<const Checkpoint> ckpt(std::move(opened));
  const std::vector<TensorEntry> &tensors = ckpt->tensors();

  // Phase 1: match every parameter to its tensor(s).
  std::vector<std::vector<const TensorEntry *>> sources(meta_.params.size());
  std::vector<bool> used(tensors.size(), false);
  Problems problems;
  auto check = [&](const ParamDesc &p, const std::string &tensorName,
                   const std::vector<int64_t> &shape,
                   std::vector<const TensorEntry *> &into) {
    const TensorEntry *t = ckpt->find(tensorName);
    if (!t) {
      std::string hint = similarName(*ckpt, tensorName);
      problems.add(ZEN_STATUS_NOT_FOUND,
                   cat("tensor ", quoted(tensorName), " not found (",
                       searchedFiles(*ckpt), ")",
                       hint.empty() ? ""
                                    : cat("; the checkpoint has ", quoted(hint),
                                          ": is it for another model?")));
      return;
    }
    used[static_cast<size_t>(t - tensors.data())] = true;
    if (t->shape != shape) {
      problems.add(ZEN_STATUS_INVALID_ARGUMENT,
                   cat("tensor ", quoted(tensorName),
                       ": shape mismatch: the model expects ",
                       formatShape(shape), ", the checkpoint has ",
                       formatShape(t->shape)));
      return;
    }
    if (!converts(t->dtype, p.dtype)) {
      problems.add(
          ZEN_STATUS_UNSUPPORTED,
          cat("tensor ", quoted(tensorName), ": dtype ", dtypeName(t->dtype),
              " does not convert to the parameter's ", dtypeName(p.dtype),
              " (F32, BF16 and F16 convert to each other; other "
              "dtypes must match)"));
      return;
    }
    into.push_back(t);
  };
  for (size_t i = 0; i < meta_.params.size(); ++i) {
    const ParamDesc &p = meta_.params[i];
    if (p.name.find("{e}") == std::string::npos) {
      check(p, p.name, p.shape, sources[i]);
      continue;
    }
    std::vector<int64_t> expertShape(p.shape.begin() + 1, p.shape.end());
    for (int64_t e = 0; e < p.shape[0]; ++e)
      check(p, replaceAll(p.name, "{e}", std::to_string(e)), expertShape,
            sources[i]);
  }
  // In full-weight training the trainer reads the trained weights from the
  // same checkpoint (they are train_step's `trainable` arguments, not
  // parameters): they are expected, not extra.
  for (const EntryPointDesc &entry : meta_.entryPoints)
    for (const ValueDesc &arg : entry.args)
      if (arg.kind == ZEN_VALUE_TRAINABLE)
        if (const TensorEntry *t = ckpt->find(arg.name))
          used[static_cast<size_t>(t - tensors.data())] = true;
  size_t extras = 0;
  if (!options.allow_extra) {
    for (size_t t = 0; t < tensors.size(); ++t)
      if (!used[t]) {
        ++extras;
        problems.add(ZEN_STATUS_INVALID_ARGUMENT,
                     cat("tensor ", quoted(tensors[t].name),
                         " is not used by the model"));
      }
  }
  if (!problems.empty())
    return problems.status(
        path, extras ? "(to ignore tensors the model does not use, bind with "
                       "allow_extra; zen-run: --allow-extra-weights)"
                     : "");

  // Phase 2: borrow what can be used in place, copy the rest.
  std::vector<ParamBinding> next(meta_.params.size());
  std::vector<size_t> copied;
  for (size_t i = 0; i < meta_.params.size(); ++i) {
    const ParamDesc &p = meta_.params[i];
    const TensorEntry *only = sources[i].size() == 1 ? sources[i][0] : nullptr;
    bool stacked = p.name.find("{e}") != std::string::npos;
    if (!stacked && only && only->dtype == p.dtype &&
        reinterpret_cast<uintptr_t>(only->data) % dtypeSize(p.dtype) == 0) {
      next[i].data = only->data;
      next[i].mapping = ckpt;
    } else {
      copied.push_back(i);
    }
  }
  ZEN_RETURN_IF_ERROR(allocateAll(meta_, copied, next));
  std::vector<uint64_t> bytes(meta_.params.size());
  for (size_t i = 0; i < meta_.params.size(); ++i)
    bytes[i] = meta_.params[i].numBytes;
  ZEN_RETURN_IF_ERROR(prefixStatus(
      runParallel(meta_.params.size(), bytes, options,
                  [&](size_t i) -> zen_status_t {
                    if (!next[i].owned)
                      return nullptr; // borrowed
                    const ParamDesc &p = meta_.params[i];
                    unsigned char *out =
                        static_cast<unsigned char *>(next[i].owned.get());
                    uint64_t offset = 0;
                    for (const TensorEntry *t : sources[i]) {
                      ZEN_RETURN_IF_ERROR(
                          convertElements(t->name, t->dtype, t->data, p.dtype,
                                          out + offset, t->numElements));
                      offset += t->numElements * dtypeSize(p.dtype);
                    }
                    return nullptr;
                  }),
      path + ": "));
  bindings_ = std::move(next);
  return nullptr;
}

zen_status_t Model::bindRandom(uint64_t seed) {
  std::vector<ParamBinding> next(meta_.params.size());
  std::vector<size_t> all(meta_.params.size());
  std::vector<uint64_t> bytes(meta_.params.size());
  for (size_t i = 0; i < all.size(); ++i) {
    all[i] = i;
    bytes[i] = meta_.params[i].numBytes;
  }
  ZEN_RETURN_IF_ERROR(allocateAll(meta_, all, next));
  ZEN_RETURN_IF_ERROR(
      runParallel(all.size(), bytes, zen_bind_options_default(), [&](size_t i) {
        return fillRandom(meta_.params[i], meta_.family, seed,
                          next[i].owned.get());
      }));
  bindings_ = std::move(next);
  return nullptr;
}

zen_status_t Model::bindParam(std::string_view name, const TensorView &tensor) {
  size_t index = 0;
  ZEN_RETURN_IF_ERROR(findParam(name, index));
  const ParamDesc &p = meta_.params[index];
  if (tensor.shape != p.shape)
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat("parameter ", quoted(p.name),
                          ": shape mismatch: the model expects ",
                          formatShape(p.shape), ", the data has ",
                          formatShape(tensor.shape)));
  if (!converts(tensor.dtype, p.dtype))
    return makeStatus(
        ZEN_STATUS_UNSUPPORTED,
        cat("parameter ", quoted(p.name), ": dtype ", dtypeName(tensor.dtype),
            " does not convert to the parameter's ", dtypeName(p.dtype)));
  ParamBinding binding;
  binding.owned = allocateAligned(p.numBytes);
  if (!binding.owned)
    return outOfMemoryStatus();
  binding.data = binding.owned.get();
  if (p.numElements)
    ZEN_RETURN_IF_ERROR(convertElements(p.name, tensor.dtype, tensor.data,
                                        p.dtype, binding.owned.get(),
                                        p.numElements));
  bindings_[index] = std::move(binding);
  return nullptr;
}

} // namespace zen::rt
