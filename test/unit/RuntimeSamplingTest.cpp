//===- RuntimeSamplingTest.cpp - RNG and token sampling -------------------===//

#include "RuntimeTestUtil.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

using namespace zen::test;

namespace {

zen_sampling_config_t config(float temperature, int32_t topK, float topP,
                             uint64_t seed = 0) {
  zen_sampling_config_t c = zen_sampling_config_default();
  c.temperature = temperature;
  c.top_k = topK;
  c.top_p = topP;
  c.seed = seed;
  return c;
}

int64_t sample(const std::vector<float> &logits, const zen_sampling_config_t &c,
               zen_rng_t *rng) {
  int64_t token = -1;
  Status s(zen_sample(logits.data(), logits.size(), &c, rng, &token));
  EXPECT_TRUE(s.ok()) << s.message();
  return token;
}

/// How often each token is drawn in `n` samples from one RNG stream.
std::map<int64_t, int> histogram(const std::vector<float> &logits,
                                 const zen_sampling_config_t &c, int n,
                                 uint64_t seed = 1) {
  zen_rng_t rng;
  zen_rng_seed(&rng, seed);
  std::map<int64_t, int> counts;
  for (int i = 0; i < n; ++i)
    ++counts[sample(logits, c, &rng)];
  return counts;
}

std::vector<float> logitsOf(const std::vector<double> &probs) {
  std::vector<float> l;
  for (double p : probs)
    l.push_back(float(std::log(p)));
  return l;
}

/// The documented algorithm, written plainly (full sorts, no shortcuts), to
/// check zen_sample's optimised top-k / top-p against.
int64_t referenceSample(const std::vector<float> &logits,
                        const zen_sampling_config_t &c, double u) {
  size_t n = logits.size();
  std::vector<size_t> ids(n);
  std::iota(ids.begin(), ids.end(), 0);
  std::sort(ids.begin(), ids.end(), [&](size_t a, size_t b) {
    return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
  });
  std::vector<bool> keep(n, true);
  if (c.top_k > 0 && size_t(c.top_k) < n) {
    float kth = logits[ids[c.top_k - 1]];
    for (size_t i = 0; i < n; ++i)
      keep[i] = logits[i] >= kth;
  }
  double maxLogit = logits[ids[0]];
  std::vector<double> w(n, 0.0);
  double total = 0;
  for (size_t i = 0; i < n; ++i)
    if (keep[i]) {
      w[i] = std::exp((double(logits[i]) - maxLogit) / double(c.temperature));
      total += w[i];
    }
  if (c.top_p < 1.0f) {
    std::vector<size_t> order;
    for (size_t i : ids)
      if (keep[i])
        order.push_back(i);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return w[a] != w[b] ? w[a] > w[b] : a < b;
    });
    double before = 0, target = double(c.top_p) * total;
    std::vector<bool> nucleus(n, false);
    for (size_t j = 0; j < order.size(); ++j) {
      if (j > 0 && before >= target)
        break;
      nucleus[order[j]] = true;
      before += w[order[j]];
    }
    total = 0; // renormalise over the nucleus, summing in token order
    for (size_t i = 0; i < n; ++i) {
      if (!nucleus[i])
        w[i] = 0;
      total += w[i];
    }
  }
  double draw = u * total, cumulative = 0;
  for (size_t i = 0; i < n; ++i) {
    cumulative += w[i];
    if (w[i] > 0 && cumulative > draw)
      return int64_t(i);
  }
  return -1;
}

} // namespace

// --- RNG ---------------------------------------------------------------------

TEST(RngTest, MatchesTheReferenceAlgorithms) {
  // Values from an independent Python transcription of splitmix64.c and
  // xoshiro256starstar.c (https://prng.di.unimi.it/).
  zen_rng_t rng;
  ZEN_ASSERT_OK(zen_rng_seed(&rng, 0));
  EXPECT_EQ(rng.s[0], 0xe220a8397b1dcdafull); // splitmix64's well-known first output
  EXPECT_EQ(rng.s[1], 0x6e789e6aa1b965f4ull);
  EXPECT_EQ(rng.s[2], 0x06c45d188009454full);
  EXPECT_EQ(rng.s[3], 0xf88bb8a8724c81ecull);
  const uint64_t expected0[] = {0x99ec5f36cb75f2b4ull, 0xbf6e1f784956452aull,
                                0x1a5f849d4933e6e0ull, 0x6aa594f1262d2d2cull};
  for (uint64_t e : expected0) {
    uint64_t v;
    ZEN_ASSERT_OK(zen_rng_next_u64(&rng, &v));
    EXPECT_EQ(v, e);
  }
  ZEN_ASSERT_OK(zen_rng_seed(&rng, 42));
  const uint64_t expected42[] = {0x15780b2e0c2ec716ull, 0x6104d9866d113a7eull,
                                 0xae17533239e499a1ull, 0xecb8ad4703b360a1ull};
  for (uint64_t e : expected42) {
    uint64_t v;
    ZEN_ASSERT_OK(zen_rng_next_u64(&rng, &v));
    EXPECT_EQ(v, e);
  }
  ZEN_ASSERT_OK(zen_rng_seed(&rng, 42));
  double d;
  ZEN_ASSERT_OK(zen_rng_next_double(&rng, &d));
  EXPECT_EQ(d, 0.08386297105988216);
}

TEST(RngTest, DoublesAreInTheUnitInterval) {
  zen_rng_t rng;
  ZEN_ASSERT_OK(zen_rng_seed(&rng, 7));
  double sum = 0;
  for (int i = 0; i < 100000; ++i) {
    double d;
    ZEN_ASSERT_OK(zen_rng_next_double(&rng, &d));
    ASSERT_GE(d, 0.0);
    ASSERT_LT(d, 1.0);
    sum += d;
  }
  EXPECT_NEAR(sum / 100000, 0.5, 0.01);
  ZEN_EXPECT_ERROR(zen_rng_seed(nullptr, 1), ZEN_STATUS_INVALID_ARGUMENT, "rng is NULL");
  ZEN_EXPECT_ERROR(zen_rng_next_double(&rng, nullptr), ZEN_STATUS_INVALID_ARGUMENT,
                   "value is NULL");
}

// --- Greedy --------------------------------------------------------------------

TEST(SamplingTest, GreedyPicksTheFirstMaximum) {
  std::vector<float> logits = {0.5f, 3.0f, -1.0f, 3.0f, 2.9f};
  EXPECT_EQ(sample(logits, config(0.0f, 0, 1.0f), nullptr), 1);
  EXPECT_EQ(sample(logits, config(0.7f, 1, 0.9f), nullptr), 1); // top_k 1
  std::vector<float> masked = {-INFINITY, -INFINITY, -5.0f, -INFINITY};
  EXPECT_EQ(sample(masked, config(0.0f, 0, 1.0f), nullptr), 2);
  std::vector<float> allEqual(1000, 0.25f);
  EXPECT_EQ(sample(allEqual, config(0.0f, 0, 1.0f), nullptr), 0);
}

TEST(SamplingTest, GreedyDoesNotAdvanceTheRng) {
  zen_rng_t rng, copy;
  zen_rng_seed(&rng, 3);
  copy = rng;
  sample({1.0f, 2.0f}, config(0.0f, 0, 1.0f), &rng);
  EXPECT_EQ(std::memcmp(&rng, &copy, sizeof rng), 0);
  // Sampling consumes exactly one draw.
  sample({1.0f, 2.0f}, config(1.0f, 0, 1.0f), &rng);
  uint64_t skip;
  zen_rng_next_u64(&copy, &skip);
  EXPECT_EQ(std::memcmp(&rng, &copy, sizeof rng), 0);
}

// --- Determinism -------------------------------------------------------------

TEST(SamplingTest, SameSeedSameTokens) {
  std::vector<float> logits(64);
  for (size_t i = 0; i < logits.size(); ++i)
    logits[i] = float(std::sin(double(i)));
  auto run = [&](uint64_t seed) {
    zen_rng_t rng;
    zen_rng_seed(&rng, seed);
    std::vector<int64_t> tokens;
    for (int i = 0; i < 50; ++i)
      tokens.push_back(sample(logits, config(1.3f, 20, 0.95f), &rng));
    return tokens;
  };
  EXPECT_EQ(run(11), run(11));
  EXPECT_NE(run(11), run(12));
  // Without a state, the config's seed seeds a fresh one each call.
  zen_sampling_config_t c = config(1.3f, 20, 0.95f, 11);
  zen_rng_t rng;
  zen_rng_seed(&rng, 11);
  int64_t first = sample(logits, c, &rng);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(sample(logits, c, nullptr), first);
}

TEST(SamplingTest, FollowsTheSoftmaxDistribution) {
  std::vector<float> logits = logitsOf({0.1, 0.2, 0.7});
  auto counts = histogram(logits, config(1.0f, 0, 1.0f), 20000);
  EXPECT_NEAR(counts[0] / 20000.0, 0.1, 0.015);
  EXPECT_NEAR(counts[1] / 20000.0, 0.2, 0.015);
  EXPECT_NEAR(counts[2] / 20000.0, 0.7, 0.015);
}

TEST(SamplingTest, TemperatureSharpensAndFlattens) {
  std::vector<float> logits = {1.0f, 2.0f, 3.0f};
  auto cold = histogram(logits, config(1e-4f, 0, 1.0f), 2000);
  EXPECT_EQ(cold[2], 2000);
  auto hot = histogram(logits, config(1000.0f, 0, 1.0f), 30000);
  for (int t = 0; t < 3; ++t)
    EXPECT_NEAR(hot[t] / 30000.0, 1.0 / 3, 0.02) << t;
  // T = 0.5 squares the probabilities: p ~ e^{2l}.
  auto half = histogram(logits, config(0.5f, 0, 1.0f), 30000);
  double z = std::exp(2.0) + std::exp(4.0) + std::exp(6.0);
  EXPECT_NEAR(half[2] / 30000.0, std::exp(6.0) / z, 0.015);
}

// --- top-k ---------------------------------------------------------------------

TEST(SamplingTest, TopKKeepsTheKLargest) {
  std::vector<float> logits = {0.0f, 5.0f, 1.0f, 4.9f, 2.0f};
  auto counts = histogram(logits, config(5.0f, 2, 1.0f), 5000);
  EXPECT_EQ(counts.size(), 2u);
  EXPECT_GT(counts[1], 0);
  EXPECT_GT(counts[3], 0);
  // k >= vocabulary: no filtering.
  EXPECT_EQ(histogram(logits, config(50.0f, 5, 1.0f), 5000).size(), 5u);
  EXPECT_EQ(histogram(logits, config(50.0f, 100, 1.0f), 5000).size(), 5u);
}

TEST(SamplingTest, TopKKeepsTiesWithTheKthValue) {
  // Like TopKLogitsWarper: everything >= the k-th largest value survives.
  std::vector<float> logits = {3.0f, 2.0f, 2.0f, 1.0f};
  auto counts = histogram(logits, config(1.0f, 2, 1.0f), 5000);
  EXPECT_EQ(counts.size(), 3u);
  EXPECT_EQ(counts.count(3), 0u);
}

TEST(SamplingTest, TopKIgnoresMaskedTokens) {
  std::vector<float> logits = {-INFINITY, 1.0f, -INFINITY, 1.0f};
  auto counts = histogram(logits, config(1.0f, 3, 1.0f), 2000);
  EXPECT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts.count(0) + counts.count(2), 0u);
}

// --- top-p ---------------------------------------------------------------------

TEST(SamplingTest, TopPKeepsTheSmallestSetReachingP) {
  std::vector<float> logits = logitsOf({0.5, 0.3, 0.15, 0.05});
  // 0.5 < 0.75, 0.8 >= 0.75: {0, 1}.
  auto two = histogram(logits, config(1.0f, 0, 0.75f), 5000);
  EXPECT_EQ(two.size(), 2u);
  EXPECT_NEAR(two[0] / 5000.0, 0.5 / 0.8, 0.03);
  // 0.8 < 0.85: {0, 1, 2}.
  EXPECT_EQ(histogram(logits, config(1.0f, 0, 0.85f), 5000).size(), 3u);
  // The most probable token alone already reaches a small p.
  auto one = histogram(logits, config(1.0f, 0, 1e-6f), 1000);
  EXPECT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0], 1000);
  EXPECT_EQ(histogram(logits, config(1.0f, 0, 0.5f), 1000).size(), 1u);
  // p = 1 disables the filter.
  EXPECT_EQ(histogram(logits, config(1.0f, 0, 1.0f), 20000).size(), 4u);
}

TEST(SamplingTest, TopPAppliesToTheTopKSurvivorsRenormalised) {
  // After top-k = 2 the probabilities are 4/7 and 3/7; 4/7 >= 0.55, so top-p
  // keeps only token 0. (Without renormalisation, 0.4 < 0.55 would keep two.)
  std::vector<float> logits = logitsOf({0.4, 0.3, 0.2, 0.1});
  auto counts = histogram(logits, config(1.0f, 2, 0.55f), 2000);
  EXPECT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0], 2000);
}

TEST(SamplingTest, TopPWithEqualProbabilitiesPrefersLowerIds) {
  std::vector<float> logits(10, 0.0f);
  auto counts = histogram(logits, config(1.0f, 0, 0.25f), 3000);
  // 0.1, 0.2 < 0.25, 0.3 >= 0.25: tokens 0, 1, 2.
  EXPECT_EQ(counts.size(), 3u);
  EXPECT_EQ(counts.rbegin()->first, 2);
}

TEST(SamplingTest, MatchesThePlainReferenceOnALargeVocabulary) {
  // A Qwen3-sized vocabulary exercises the prefix-sorting shortcut for top-p
  // (the nucleus spans thousands of tokens when the logits are flat).
  const size_t vocab = 151936;
  std::vector<float> logits(vocab);
  zen_rng_t gen;
  zen_rng_seed(&gen, 99);
  for (float &l : logits) {
    double u;
    zen_rng_next_double(&gen, &u);
    l = float(4.0 * u * u * u); // skewed: few large, many small
  }
  logits[1234] = logits[777]; // a tie
  for (auto [t, k, p] : {std::tuple{1.0f, 0, 0.9f}, std::tuple{0.7f, 50, 0.95f},
                         std::tuple{1.5f, 0, 0.3f}, std::tuple{1.0f, 1000, 1.0f},
                         std::tuple{2.0f, 0, 0.999f}}) {
    zen_sampling_config_t c = config(t, k, p);
    for (uint64_t seed = 0; seed < 4; ++seed) {
      zen_rng_t rng, copy;
      zen_rng_seed(&rng, seed);
      copy = rng;
      double u;
      zen_rng_next_double(&copy, &u);
      EXPECT_EQ(sample(logits, c, &rng), referenceSample(logits, c, u))
          << "T=" << t << " k=" << k << " p=" << p << " seed=" << seed;
    }
  }
}

// --- Validation --------------------------------------------------------------

TEST(SamplingTest, RejectsBadConfigs) {
  std::vector<float> l = {1.0f, 2.0f};
  int64_t token;
  auto run = [&](zen_sampling_config_t c) {
    return zen_sample(l.data(), l.size(), &c, nullptr, &token);
  };
  ZEN_EXPECT_ERROR(run(config(-0.5f, 0, 1.0f)), ZEN_STATUS_INVALID_ARGUMENT,
                   "zen_sample: sampling temperature must be a finite number >= 0 "
                   "(0 = greedy), got -0.5");
  ZEN_EXPECT_ERROR(run(config(NAN, 0, 1.0f)), ZEN_STATUS_INVALID_ARGUMENT,
                   "temperature must be");
  ZEN_EXPECT_ERROR(run(config(INFINITY, 0, 1.0f)), ZEN_STATUS_INVALID_ARGUMENT,
                   "temperature must be");
  ZEN_EXPECT_ERROR(run(config(1.0f, -1, 1.0f)), ZEN_STATUS_INVALID_ARGUMENT,
                   "top_k must be >= 0 (0 = disabled), got -1");
  ZEN_EXPECT_ERROR(run(config(1.0f, 0, 0.0f)), ZEN_STATUS_INVALID_ARGUMENT,
                   "top_p must be in (0, 1] (1 = disabled), got 0");
  ZEN_EXPECT_ERROR(run(config(1.0f, 0, 1.5f)), ZEN_STATUS_INVALID_ARGUMENT,
                   "got 1.5");
  ZEN_EXPECT_ERROR(run(config(1.0f, 0, NAN)), ZEN_STATUS_INVALID_ARGUMENT, "top_p");
  zen_sampling_config_t bad = config(1.0f, 0, 2.0f);
  ZEN_EXPECT_ERROR(zen_sampling_config_validate(&bad), ZEN_STATUS_INVALID_ARGUMENT,
                   "top_p");
  zen_sampling_config_t good = zen_sampling_config_default();
  ZEN_EXPECT_OK(zen_sampling_config_validate(&good));
  EXPECT_EQ(good.temperature, 1.0f);
  EXPECT_EQ(good.top_k, 0);
  EXPECT_EQ(good.top_p, 1.0f);
}

TEST(SamplingTest, RejectsBadLogits) {
  zen_sampling_config_t c = config(1.0f, 0, 1.0f);
  int64_t token = 77;
  std::vector<float> nan = {1.0f, 2.0f, 3.0f, NAN};
  ZEN_EXPECT_ERROR(zen_sample(nan.data(), nan.size(), &c, nullptr, &token),
                   ZEN_STATUS_INVALID_ARGUMENT, "zen_sample: logits[3] is NaN");
  std::vector<float> inf = {1.0f, INFINITY};
  ZEN_EXPECT_ERROR(zen_sample(inf.data(), inf.size(), &c, nullptr, &token),
                   ZEN_STATUS_INVALID_ARGUMENT, "logits[1] is +inf");
  // Even greedy decoding refuses NaN: argmax over NaN is meaningless.
  zen_sampling_config_t greedy = config(0.0f, 0, 1.0f);
  ZEN_EXPECT_ERROR(zen_sample(nan.data(), nan.size(), &greedy, nullptr, &token),
                   ZEN_STATUS_INVALID_ARGUMENT, "logits[3] is NaN");
  std::vector<float> masked(3, -INFINITY);
  ZEN_EXPECT_ERROR(zen_sample(masked.data(), masked.size(), &c, nullptr, &token),
                   ZEN_STATUS_INVALID_ARGUMENT, "all 3 logits are -inf");
  ZEN_EXPECT_ERROR(zen_sample(nan.data(), 0, &c, nullptr, &token),
                   ZEN_STATUS_INVALID_ARGUMENT, "vocab_size is 0");
  ZEN_EXPECT_ERROR(zen_sample(nullptr, 4, &c, nullptr, &token),
                   ZEN_STATUS_INVALID_ARGUMENT, "logits is NULL");
  ZEN_EXPECT_ERROR(zen_sample(nan.data(), 4, nullptr, nullptr, &token),
                   ZEN_STATUS_INVALID_ARGUMENT, "config is NULL");
  ZEN_EXPECT_ERROR(zen_sample(nan.data(), 4, &c, nullptr, nullptr),
                   ZEN_STATUS_INVALID_ARGUMENT, "token is NULL");
  EXPECT_EQ(token, 77); // untouched on error
}
