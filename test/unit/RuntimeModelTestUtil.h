//===- RuntimeModelTestUtil.h - Helpers for the model API tests -*- C++ -*-===//
//
// The model tests load RuntimeModelFake.c (a model library written in C
// against docs/runtime-abi.md; its path comes from ZEN_FAKE_MODEL_PATH) and
// RuntimeModelNotZen.c (a plain shared library).
//
//===----------------------------------------------------------------------===//
#ifndef ZEN_TEST_UNIT_RUNTIMEMODELTESTUTIL_H
#define ZEN_TEST_UNIT_RUNTIMEMODELTESTUTIL_H

#include "RuntimeTestUtil.h"

#include <cmath>
#include <map>

namespace zen::test {

inline const char *fakeModelPath() { return ZEN_FAKE_MODEL_PATH; }
inline const char *notZenPath() { return ZEN_NOT_ZEN_PATH; }

/// Owns an open model.
struct Model {
  zen_model_t *m = nullptr;
  Model() = default;
  explicit Model(const std::string &path) {
    Status s(zen_model_open(path.c_str(), &m));
    EXPECT_TRUE(s.ok()) << s.message();
  }
  ~Model() { zen_model_close(m); }
  Model(const Model &) = delete;
  Model &operator=(const Model &) = delete;
};

/// Sets $ZEN_FAKE_METADATA (the fake library's metadata) for a scope.
struct FakeMetadata {
  explicit FakeMetadata(const std::string &json) {
    ::setenv("ZEN_FAKE_METADATA", json.c_str(), 1);
  }
  ~FakeMetadata() { ::unsetenv("ZEN_FAKE_METADATA"); }
};

/// A one-entry-point metadata document around `args` and `results` JSON,
/// using the fake library's zen_entry_experts symbol (never called).
inline std::string metadataWith(
    const std::string &args,
    const std::string &results = R"({"name":"out","dtype":"f32","shape":[3]})",
    const std::string &family = "dense") {
  return R"({"zen_abi":1,"zen_version":"0.1.0","model":"m","family":")" +
         family +
         R"(","entry_points":[{"name":"forward","symbol":"zen_entry_experts","args":[)" +
         args + R"(],"results":[)" + results + "]}]}";
}

inline std::string paramJson(const std::string &name, const std::string &dtype,
                             const std::string &shape) {
  return R"({"kind":"param","name":")" + name + R"(","dtype":")" + dtype +
         R"(","shape":)" + shape + "}";
}

/// A tensor to put in a checkpoint.
struct Tensor {
  zen_dtype_t dtype;
  std::vector<int64_t> shape;
  std::string bytes;
};

inline Tensor f32Tensor(std::vector<int64_t> shape,
                        const std::vector<float> &v) {
  return {ZEN_DTYPE_F32, std::move(shape),
          std::string(reinterpret_cast<const char *>(v.data()), v.size() * 4)};
}

/// `v` rounded to `dtype` (F32, BF16 or F16).
inline Tensor floatTensor(zen_dtype_t dtype, std::vector<int64_t> shape,
                          const std::vector<float> &v) {
  std::string bytes(v.size() * zen_dtype_size(dtype), '\0');
  zen_status_free(zen_convert_from_f32(dtype, v.data(), &bytes[0], v.size()));
  return {dtype, std::move(shape), bytes};
}

/// Writes `tensors` to a safetensors file with libzenrt's writer.
inline void writeCheckpoint(const std::string &path,
                            const std::map<std::string, Tensor> &tensors) {
  zen_safetensors_writer_t *w = nullptr;
  ZEN_ASSERT_OK(zen_safetensors_writer_create(&w));
  for (const auto &[name, t] : tensors)
    ZEN_EXPECT_OK(zen_safetensors_writer_add_tensor(
        w, name.c_str(), t.dtype, static_cast<int32_t>(t.shape.size()),
        t.shape.data(), t.bytes.data(), t.bytes.size()));
  ZEN_EXPECT_OK(zen_safetensors_writer_write(w, path.c_str()));
  zen_safetensors_writer_free(w);
}

/// Deterministic test values.
inline std::vector<float> ramp(size_t n, float scale, float shift = 0) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = scale * std::sin(0.7f * float(i) + shift);
  return v;
}

/// The fake LM's weights (V = 8, H = 4, E = 3).
struct FakeWeights {
  std::vector<float> embed = ramp(32, 1.0f);
  std::vector<float> norm = ramp(4, 0.2f, 1.0f);
  std::vector<float> head = ramp(32, 0.5f, 2.0f);
  std::vector<float> experts = ramp(24, 1.0f, 3.0f); // [3, 2, 4]

  FakeWeights() {
    for (float &w : norm)
      w += 1.0f;
  }

  std::map<std::string, Tensor> tensors() const {
    std::map<std::string, Tensor> t;
    t["model.embed_tokens.weight"] = f32Tensor({8, 4}, embed);
    t["model.norm.weight"] = f32Tensor({4}, norm);
    t["lm_head.weight"] = f32Tensor({8, 4}, head);
    for (int e = 0; e < 3; ++e)
      t["model.layers.0.mlp.experts." + std::to_string(e) + ".up_proj.weight"] =
          f32Tensor({2, 4}, std::vector<float>(experts.begin() + 8 * e,
                                               experts.begin() + 8 * (e + 1)));
    return t;
  }

  /// The fake forward in double precision: [B, T, 8].
  std::vector<double> logits(int64_t B, int64_t T,
                             const std::vector<int64_t> &ids,
                             const std::vector<int64_t> &mask,
                             const std::vector<int64_t> &pos) const {
    std::vector<double> out(static_cast<size_t>(B * T * 8));
    for (int64_t i = 0; i < B * T; ++i) {
      double x[4], sum = 0;
      for (int h = 0; h < 4; ++h) {
        x[h] = embed[ids[i] * 4 + h] * (1.0 + pos[i] / 8.0) + mask[i] / 2.0;
        sum += x[h] * x[h];
      }
      double scale = 1.0 / std::sqrt(sum / 4 + 1e-6);
      for (int v = 0; v < 8; ++v) {
        double acc = 0;
        for (int h = 0; h < 4; ++h)
          acc += x[h] * scale * norm[h] * head[v * 4 + h];
        out[i * 8 + v] = acc;
      }
    }
    return out;
  }
};

} // namespace zen::test

#endif // ZEN_TEST_UNIT_RUNTIMEMODELTESTUTIL_H
