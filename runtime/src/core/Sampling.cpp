//===- Sampling.cpp - Next-token sampling ---------------------------------===//
//
// Mirrors transformers' sampling path (TemperatureLogitsWarper, then
// TopKLogitsWarper, then TopPLogitsWarper, then torch.multinomial), with the
// ambiguities pinned down so results are reproducible:
//   - ties are broken towards the lower token id (argmax, top-p order);
//   - probabilities are computed in double precision;
//   - the final draw walks the surviving tokens in increasing id.
//
//===----------------------------------------------------------------------===//

#include "Sampling.h"

#include "Rng.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace zen::rt {

namespace {
zen_status_t invalid(const std::string &message) {
  return makeStatus(ZEN_STATUS_INVALID_ARGUMENT, message);
}
} // namespace

zen_status_t validateSamplingConfig(const zen_sampling_config_t &c) {
  if (!(c.temperature >= 0.0f) || std::isinf(c.temperature))
    return invalid(cat("sampling temperature must be a finite number >= 0 "
                       "(0 = greedy), got ",
                       c.temperature));
  if (c.top_k < 0)
    return invalid(cat("sampling top_k must be >= 0 (0 = disabled), got ",
                       c.top_k));
  if (!(c.top_p > 0.0f && c.top_p <= 1.0f))
    return invalid(cat("sampling top_p must be in (0, 1] (1 = disabled), got ",
                       c.top_p));
  return nullptr;
}

zen_status_t sampleToken(const float *logits, size_t vocabSize,
                         const zen_sampling_config_t &config, zen_rng_t &rng,
                         int64_t &token) {
  ZEN_RETURN_IF_ERROR(validateSamplingConfig(config));
  if (vocabSize == 0)
    return invalid("cannot sample from an empty vocabulary (vocab_size is 0)");

  // One pass: reject NaN/+inf, find the argmax (first index wins ties) and
  // count the tokens that are not masked with -inf.
  size_t best = vocabSize;
  size_t finite = 0;
  for (size_t i = 0; i < vocabSize; ++i) {
    float l = logits[i];
    if (std::isnan(l))
      return invalid(cat("logits[", i, "] is NaN"));
    if (l == INFINITY)
      return invalid(cat("logits[", i, "] is +inf"));
    if (l == -INFINITY)
      continue;
    ++finite;
    if (best == vocabSize || l > logits[best])
      best = i;
  }
  if (finite == 0)
    return invalid(cat("all ", vocabSize, " logits are -inf"));

  if (config.temperature == 0.0f || config.top_k == 1) {
    token = static_cast<int64_t>(best);
    return nullptr;
  }

  // Top-k on the raw logits: dividing by a positive temperature preserves
  // order. Like TopKLogitsWarper, everything tied with the k-th value stays.
  float threshold = -INFINITY;
  if (config.top_k > 0 && static_cast<size_t>(config.top_k) < finite) {
    std::vector<float> values;
    values.reserve(finite);
    for (size_t i = 0; i < vocabSize; ++i)
      if (logits[i] != -INFINITY)
        values.push_back(logits[i]);
    size_t k = static_cast<size_t>(config.top_k);
    std::nth_element(values.begin(), values.begin() + (k - 1), values.end(),
                     [](float a, float b) { return a > b; });
    threshold = values[k - 1];
  }

  // Softmax weights of the survivors, relative to the maximum (so the
  // largest weight is exactly 1 and nothing overflows).
  const double maxLogit = logits[best];
  const double invTemperature = 1.0 / static_cast<double>(config.temperature);
  std::vector<size_t> kept;   // token ids, increasing
  std::vector<double> weight; // parallel to `kept`
  kept.reserve(finite);
  weight.reserve(finite);
  double total = 0;
  for (size_t i = 0; i < vocabSize; ++i) {
    if (logits[i] == -INFINITY || logits[i] < threshold)
      continue;
    double w = std::exp((static_cast<double>(logits[i]) - maxLogit) * invTemperature);
    kept.push_back(i);
    weight.push_back(w);
    total += w;
  }

  if (config.top_p < 1.0f) {
    // Nucleus: walk tokens by decreasing probability (lower id first on ties)
    // and keep each one while the mass already kept is below top_p; this is
    // TopPLogitsWarper's "remove where ascending cumsum <= 1 - top_p". Only
    // a prefix of that order is needed: select the next chunk of best tokens
    // with nth_element, sort just the chunk, and grow chunks geometrically,
    // so a nucleus of m tokens costs O(vocab + m log m), not a full sort.
    const double target = static_cast<double>(config.top_p) * total;
    std::vector<size_t> order(kept.size()); // positions into kept/weight
    for (size_t i = 0; i < order.size(); ++i)
      order[i] = i;
    // A strict total order, so the result does not depend on the algorithm.
    auto byProbability = [&](size_t a, size_t b) {
      return weight[a] != weight[b] ? weight[a] > weight[b] : a < b;
    };
    size_t keep = 0;
    double mass = 0;
    for (size_t begin = 0, chunk = 256;; begin += chunk, chunk *= 4) {
      size_t end = std::min(order.size(), begin + chunk);
      if (end < order.size())
        std::nth_element(order.begin() + begin, order.begin() + end,
                         order.end(), byProbability);
      std::sort(order.begin() + begin, order.begin() + end, byProbability);
      while (keep < end && (keep == 0 || mass < target))
        mass += weight[order[keep++]];
      if (keep < end || mass >= target || end == order.size())
        break;
    }
    order.resize(keep);
    std::sort(order.begin(), order.end()); // back to increasing token id
    std::vector<size_t> nucleus;
    std::vector<double> nucleusWeight;
    nucleus.reserve(keep);
    nucleusWeight.reserve(keep);
    total = 0;
    for (size_t pos : order) {
      nucleus.push_back(kept[pos]);
      nucleusWeight.push_back(weight[pos]);
      total += weight[pos];
    }
    kept.swap(nucleus);
    weight.swap(nucleusWeight);
  }

  // Inverse-CDF draw over the survivors in increasing token id. A token of
  // weight 0 can never be the first to push the sum past the draw.
  const double draw = rngNextDouble(rng) * total;
  double cumulative = 0;
  for (size_t i = 0; i < kept.size(); ++i) {
    cumulative += weight[i];
    if (cumulative > draw) {
      token = static_cast<int64_t>(kept[i]);
      return nullptr;
    }
  }
  // Rounding left the draw at the very top: take the last token that has
  // any probability.
  for (size_t i = kept.size(); i-- > 0;)
    if (weight[i] > 0) {
      token = static_cast<int64_t>(kept[i]);
      return nullptr;
    }
  token = static_cast<int64_t>(best);
  return nullptr;
}

} // namespace zen::rt
