//===- Sampling.h - Next-token sampling --------------------------*- C++ -*-===//
#ifndef ZEN_RUNTIME_CORE_SAMPLING_H
#define ZEN_RUNTIME_CORE_SAMPLING_H

#include "Status.h"

#include <cstddef>
#include <cstdint>

namespace zen::rt {

/// Checks temperature >= 0, top_k >= 0, top_p in (0, 1], all finite.
zen_status_t validateSamplingConfig(const zen_sampling_config_t &config);

/// See zen_sample() in zen/runtime.h for the exact semantics.
zen_status_t sampleToken(const float *logits, size_t vocabSize,
                         const zen_sampling_config_t &config, zen_rng_t &rng,
                         int64_t &token);

} // namespace zen::rt

#endif // ZEN_RUNTIME_CORE_SAMPLING_H
