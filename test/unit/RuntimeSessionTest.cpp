//===- RuntimeSessionTest.cpp - zen_session_* -----------------------------===//
//
// Decoding sessions over RuntimeSessionFake.c, a hand-written model whose
// prefill/decode report the positions, slot mask and cache_position they
// were given and write ids and positions into their caches in place.
//
//===----------------------------------------------------------------------===//

#include "RuntimeModelTestUtil.h"

using namespace zen::test;

namespace {

const char *sessionModelPath() { return ZEN_FAKE_SESSION_PATH; }

/// Sets $ZEN_FAKE_SESSION_METADATA for a scope.
struct SessionMetadata {
  explicit SessionMetadata(const std::string &json) {
    ::setenv("ZEN_FAKE_SESSION_METADATA", json.c_str(), 1);
  }
  ~SessionMetadata() { ::unsetenv("ZEN_FAKE_SESSION_METADATA"); }
};

std::string input(const std::string &name, const std::string &shape,
                  const std::string &dtype = "i64") {
  return R"({"kind":"input","name":")" + name + R"(","dtype":")" + dtype +
         R"(","shape":)" + shape + "}";
}
std::string cache(const std::string &name, const std::string &shape) {
  return R"({"kind":"cache","name":")" + name + R"(","dtype":"f32","shape":)" +
         shape + "}";
}

/// The fake's metadata with `prefillArgs` / `decodeArgs` replacing the
/// default argument lists (empty: the default).
std::string sessionMetadata(std::string prefillArgs, std::string decodeArgs,
                            bool withDecode = true) {
  std::string standard =
      input("input_ids", "[-1,-1]") + "," + input("positions", "[-1,-1]") +
      "," + input("attention_mask", "[-1,-1]") + "," +
      input("cache_position", "[]") + "," +
      paramJson("model.embed_tokens.weight", "f32", "[8,4]") + "," +
      cache("layers.0.k_cache", "[-1,1,-1,2]") + "," +
      cache("layers.0.state", "[-1,3]");
  if (prefillArgs.empty())
    prefillArgs = standard;
  if (decodeArgs.empty())
    decodeArgs = standard;
  std::string logits = R"({"name":"logits","dtype":"f32","shape":[-1,1,8]})";
  std::string json =
      R"({"zen_abi":1,"zen_version":"0.1.0","model":"m","family":"dense",)"
      R"("entry_points":[{"name":"prefill","symbol":"zen_entry_prefill",)"
      R"("args":[)" +
      prefillArgs + R"(],"results":[)" + logits + "]}";
  if (withDecode)
    json += R"(,{"name":"decode","symbol":"zen_entry_decode","args":[)" +
            decodeArgs + R"(],"results":[)" + logits + "]}";
  return json + "]}";
}

/// embed[id, 0] = 10 * id.
std::vector<float> embedding() {
  std::vector<float> e(32, 0.0f);
  for (int id = 0; id < 8; ++id)
    e[id * 4] = 10.0f * float(id);
  return e;
}

struct BoundSessionModel : Model {
  BoundSessionModel() : Model(sessionModelPath()) {
    int64_t shape[] = {8, 4};
    std::vector<float> e = embedding();
    ZEN_EXPECT_OK(zen_model_bind_param(m, "model.embed_tokens.weight",
                                       ZEN_DTYPE_F32, 2, shape, e.data()));
  }
};

/// Owns a session.
struct Session {
  zen_session_t *s = nullptr;
  ~Session() { zen_session_free(s); }
  zen_session_info_t info() const {
    zen_session_info_t i;
    Status status(zen_session_info(s, &i));
    EXPECT_TRUE(status.ok()) << status.message();
    return i;
  }
  /// Cache `index` as floats.
  std::vector<float> cache(size_t index, std::string *name = nullptr) const {
    const char *n = nullptr;
    zen_tensor_t t;
    Status status(zen_session_cache(s, index, &n, &t));
    EXPECT_TRUE(status.ok()) << status.message();
    if (name)
      *name = n;
    size_t count = 1;
    for (int32_t d = 0; d < t.rank; ++d)
      count *= size_t(t.shape[d]);
    const float *data = static_cast<const float *>(t.data);
    return std::vector<float>(data, data + count);
  }
};

} // namespace

TEST(SessionTest, PrefillAndDecodeTrackPositionsMaskAndSlots) {
  BoundSessionModel model;
  Session session;
  ZEN_ASSERT_OK(zen_session_create(model.m, 2, 8, &session.s));
  zen_session_info_t info = session.info();
  EXPECT_EQ(info.batch, 2);
  EXPECT_EQ(info.max_seq_len, 8);
  EXPECT_EQ(info.vocab_size, 8);
  EXPECT_EQ(info.cache_position, 0);
  EXPECT_EQ(info.num_caches, 2u);
  EXPECT_EQ(info.cache_bytes, uint64_t(2 * 1 * 8 * 2 * 4 + 2 * 3 * 4));

  // Sequence 1 is left-padded by 2.
  std::vector<int64_t> ids = {1, 2, 3, 0, 0, 5};
  std::vector<int64_t> mask = {1, 1, 1, 0, 0, 1};
  std::vector<float> logits(16);
  ZEN_ASSERT_OK(zen_session_prefill(session.s, 3, ids.data(), mask.data(),
                                    logits.data()));
  // last id, last position, slot mask sum, cache_position, T, tokens seen,
  // embed[last, 0], mask past the new tokens.
  EXPECT_EQ(std::vector<float>(logits.begin(), logits.begin() + 8),
            (std::vector<float>{3, 2, 3, 0, 3, 3, 30, 0}));
  EXPECT_EQ(std::vector<float>(logits.begin() + 8, logits.end()),
            (std::vector<float>{5, 0, 1, 0, 3, 3, 50, 0}));
  info = session.info();
  EXPECT_EQ(info.cache_position, 3);
  EXPECT_EQ(std::vector<int64_t>(info.attention_mask, info.attention_mask + 16),
            (std::vector<int64_t>{1, 1, 1, 0, 0, 0, 0, 0, //
                                  0, 0, 1, 0, 0, 0, 0, 0}));
  EXPECT_EQ(std::vector<int64_t>(info.next_positions, info.next_positions + 2),
            (std::vector<int64_t>{3, 1}));

  // A second prefill continues positions; a padded token repeats the last
  // position, a real one after it continues.
  std::vector<int64_t> more = {4, 6, 7, 1};
  std::vector<int64_t> moreMask = {1, 1, 0, 1};
  ZEN_ASSERT_OK(zen_session_prefill(session.s, 2, more.data(), moreMask.data(),
                                    logits.data()));
  EXPECT_EQ(logits[1], 4);     // positions 3, 4
  EXPECT_EQ(logits[8 + 1], 1); // positions 0 (padding: last real), 1
  EXPECT_EQ(logits[3], 3);     // cache_position
  EXPECT_EQ(logits[2], 5);
  EXPECT_EQ(logits[8 + 2], 2);

  // Decode: one real token each, NULL logits allowed.
  std::vector<int64_t> next = {2, 3};
  ZEN_ASSERT_OK(zen_session_decode(session.s, next.data(), nullptr));
  ZEN_ASSERT_OK(zen_session_decode(session.s, next.data(), logits.data()));
  EXPECT_EQ(std::vector<float>(logits.begin(), logits.begin() + 8),
            (std::vector<float>{2, 6, 7, 6, 1, 7, 20, 0}));
  EXPECT_EQ(logits[8 + 1], 3);
  EXPECT_EQ(logits[8 + 2], 4);
  info = session.info();
  EXPECT_EQ(info.cache_position, 7);
  EXPECT_EQ(std::vector<int64_t>(info.next_positions, info.next_positions + 2),
            (std::vector<int64_t>{7, 4}));

  // The model wrote into the session's caches in place: slot s of sequence
  // b holds (id, position).
  std::string name;
  std::vector<float> k = session.cache(0, &name);
  EXPECT_EQ(name, "layers.0.k_cache");
  ASSERT_EQ(k.size(), 2u * 8 * 2);
  std::vector<float> idsSeen, positionsSeen;
  for (int s = 0; s < 8; ++s) {
    idsSeen.push_back(k[(8 + s) * 2]);
    positionsSeen.push_back(k[(8 + s) * 2 + 1]);
  }
  EXPECT_EQ(idsSeen, (std::vector<float>{0, 0, 5, 7, 1, 3, 3, 0}));
  EXPECT_EQ(positionsSeen, (std::vector<float>{0, 0, 0, 0, 1, 2, 3, 0}));
  std::vector<float> state = session.cache(1, &name);
  EXPECT_EQ(name, "layers.0.state");
  // Tokens, last cache_position, sum of embed[id, 0] = 10 * id.
  EXPECT_EQ(state, (std::vector<float>{7, 6, 10 + 20 + 30 + 40 + 60 + 20 + 20,
                                       7, 6, 50 + 70 + 10 + 30 + 30}));

  // The cache is full: 7 of 8 slots used.
  ZEN_EXPECT_ERROR(
      zen_session_prefill(session.s, 2, ids.data(), nullptr, logits.data()),
      ZEN_STATUS_INVALID_ARGUMENT,
      "zen_session_prefill: prefill of 2 tokens at position 7 exceeds "
      "max_seq_len 8");
  ZEN_ASSERT_OK(zen_session_decode(session.s, next.data(), logits.data()));
  ZEN_EXPECT_ERROR(zen_session_decode(session.s, next.data(), logits.data()),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "zen_session_decode: decode of 1 token at position 8 "
                   "exceeds max_seq_len 8 (zen_session_reset starts over");

  // Reset: empty caches and sequences.
  ZEN_ASSERT_OK(zen_session_reset(session.s));
  info = session.info();
  EXPECT_EQ(info.cache_position, 0);
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(info.attention_mask[i], 0);
  EXPECT_EQ(info.next_positions[0], 0);
  for (float v : session.cache(0))
    EXPECT_EQ(v, 0.0f);
  ZEN_ASSERT_OK(
      zen_session_prefill(session.s, 3, ids.data(), nullptr, logits.data()));
  EXPECT_EQ(logits[8 + 1], 2); // no mask: all real, positions 0..2
}

TEST(SessionTest, CallErrorsLeaveTheSessionUnchanged) {
  BoundSessionModel model;
  Session session;
  ZEN_ASSERT_OK(zen_session_create(model.m, 2, 4, &session.s));
  std::vector<int64_t> ids = {1, 2, 3, 4, 5, 6};
  std::vector<float> logits(16);

  ZEN_EXPECT_ERROR(
      zen_session_prefill(nullptr, 3, ids.data(), nullptr, logits.data()),
      ZEN_STATUS_INVALID_ARGUMENT, "zen_session_prefill: session is NULL");
  ZEN_EXPECT_ERROR(
      zen_session_prefill(session.s, 3, nullptr, nullptr, logits.data()),
      ZEN_STATUS_INVALID_ARGUMENT, "zen_session_prefill: input_ids is NULL");
  ZEN_EXPECT_ERROR(zen_session_decode(session.s, nullptr, logits.data()),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "zen_session_decode: input_ids is NULL");
  ZEN_EXPECT_ERROR(
      zen_session_prefill(session.s, 0, ids.data(), nullptr, logits.data()),
      ZEN_STATUS_INVALID_ARGUMENT,
      "zen_session_prefill: seq_len must be >= 1, got 0");
  ZEN_EXPECT_ERROR(
      zen_session_prefill(session.s, 5, ids.data(), nullptr, logits.data()),
      ZEN_STATUS_INVALID_ARGUMENT,
      "prefill of 5 tokens at position 0 exceeds max_seq_len 4 (create the "
      "session with a larger max_seq_len)");

  std::vector<int64_t> bad = {1, 2, 3, 4, 8, 6};
  ZEN_EXPECT_ERROR(
      zen_session_prefill(session.s, 3, bad.data(), nullptr, logits.data()),
      ZEN_STATUS_INVALID_ARGUMENT,
      "zen_session_prefill: input_ids[1, 1] = 8 is outside the vocabulary [0, "
      "8)");
  std::vector<int64_t> negative = {0, -1};
  ZEN_EXPECT_ERROR(
      zen_session_decode(session.s, negative.data(), logits.data()),
      ZEN_STATUS_INVALID_ARGUMENT,
      "zen_session_decode: input_ids[1] = -1 is outside the vocabulary [0, 8)");
  std::vector<int64_t> mask = {1, 1, 1, 0, 2, 1};
  ZEN_EXPECT_ERROR(
      zen_session_prefill(session.s, 3, ids.data(), mask.data(), logits.data()),
      ZEN_STATUS_INVALID_ARGUMENT,
      "zen_session_prefill: attention_mask[1, 1] = 2; the mask holds 0 "
      "(padding) or 1 "
      "(token)");

  zen_session_info_t info = session.info();
  EXPECT_EQ(info.cache_position, 0);
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(info.attention_mask[i], 0);
  for (float v : session.cache(1))
    EXPECT_EQ(v, 0.0f);

  // An unbound parameter fails inside the call, before the model runs: the
  // slot mask marked for the call is cleared again.
  Model unbound(sessionModelPath());
  Session other;
  ZEN_ASSERT_OK(zen_session_create(unbound.m, 2, 4, &other.s));
  ZEN_EXPECT_ERROR(
      zen_session_prefill(other.s, 3, ids.data(), nullptr, logits.data()),
      ZEN_STATUS_INVALID_ARGUMENT,
      "parameter 'model.embed_tokens.weight' has no weights");
  info = other.info();
  EXPECT_EQ(info.cache_position, 0);
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(info.attention_mask[i], 0);

  ZEN_EXPECT_ERROR(zen_session_reset(nullptr), ZEN_STATUS_INVALID_ARGUMENT,
                   "zen_session_reset: session is NULL");
  ZEN_EXPECT_ERROR(zen_session_info(session.s, nullptr),
                   ZEN_STATUS_INVALID_ARGUMENT, "info is NULL");
  ZEN_EXPECT_ERROR(zen_session_cache(session.s, 2, nullptr, nullptr),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "zen_session_cache: cache index 2 is out of range (the "
                   "session has 2)");
  zen_session_free(nullptr);
}

TEST(SessionTest, CreateErrors) {
  BoundSessionModel model;
  zen_session_t *s = nullptr;
  ZEN_EXPECT_ERROR(zen_session_create(nullptr, 1, 4, &s),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "zen_session_create: model is NULL");
  ZEN_EXPECT_ERROR(zen_session_create(model.m, 1, 4, nullptr),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "zen_session_create: out is NULL");
  ZEN_EXPECT_ERROR(zen_session_create(model.m, 0, 4, &s),
                   ZEN_STATUS_INVALID_ARGUMENT,
                   "batch and max_seq_len must be >= 1, got batch 0 and "
                   "max_seq_len 4");
  ZEN_EXPECT_ERROR(zen_session_create(model.m, 1, -3, &s),
                   ZEN_STATUS_INVALID_ARGUMENT, "max_seq_len -3");
  ZEN_EXPECT_ERROR(
      zen_session_create(model.m, int64_t(1) << 31, int64_t(1) << 31, &s),
      ZEN_STATUS_INVALID_ARGUMENT, "is too large");
  EXPECT_EQ(s, nullptr);

  // A model that runs forward only.
  {
    Model forwardOnly(fakeModelPath());
    ZEN_EXPECT_ERROR(zen_session_create(forwardOnly.m, 1, 4, &s),
                     ZEN_STATUS_UNSUPPORTED,
                     "the model has no 'prefill' entry point (it has forward, "
                     "forward_bf16, pair, experts); a decoding session needs "
                     "prefill and decode");
  }
  auto expectCreateError = [&](const std::string &json, int64_t batch,
                               zen_status_code_t code,
                               const std::string &fragment) {
    SessionMetadata metadata(json);
    Model m(sessionModelPath());
    ZEN_EXPECT_ERROR(zen_session_create(m.m, batch, 4, &s), code, fragment);
  };
  expectCreateError(sessionMetadata("", "", /*withDecode=*/false), 1,
                    ZEN_STATUS_UNSUPPORTED,
                    "the model has no 'decode' entry point (it has prefill)");
  std::string rest = input("positions", "[-1,-1]") + "," +
                     input("attention_mask", "[-1,-1]") + "," +
                     input("cache_position", "[]") + "," +
                     paramJson("model.embed_tokens.weight", "f32", "[8,4]") +
                     "," + cache("layers.0.k_cache", "[-1,1,-1,2]") + "," +
                     cache("layers.0.state", "[-1,3]");
  // A model built for batch 4.
  expectCreateError(
      sessionMetadata(input("input_ids", "[4,-1]") + "," + rest, ""), 2,
      ZEN_STATUS_INVALID_ARGUMENT,
      "entry point 'prefill' takes input_ids: i64[4, ?] for a "
      "batch of 4, but the session has batch 2");
  expectCreateError(
      sessionMetadata("", input("input_ids", "[-1,-1]") + "," + rest + "," +
                              cache("layers.1.state", "[3,3]")),
      2, ZEN_STATUS_INVALID_ARGUMENT,
      "entry point 'decode' takes layers.1.state: f32[3, 3] for a batch of 3, "
      "but the session has batch 2");
  // A mask over 16 slots for a session of 4.
  expectCreateError(
      sessionMetadata(input("input_ids", "[-1,-1]") + "," +
                          input("positions", "[-1,-1]") + "," +
                          input("attention_mask", "[-1,16]") + "," +
                          input("cache_position", "[]"),
                      ""),
      1, ZEN_STATUS_INVALID_ARGUMENT,
      "input attention_mask: i64[?, 16] covers 16 cache slots, but the "
      "session has max_seq_len 4");
  expectCreateError(
      sessionMetadata(input("input_ids", "[-1,-1]") + "," +
                          input("temperature", "[]", "f32"),
                      ""),
      1, ZEN_STATUS_UNSUPPORTED,
      "input temperature: f32[] is not one a decoding session supplies");
  expectCreateError(sessionMetadata(input("positions", "[-1,-1]"), ""), 1,
                    ZEN_STATUS_UNSUPPORTED,
                    "entry point 'prefill' takes no input_ids");
  expectCreateError(
      sessionMetadata(input("input_ids", "[-1,-1]") + "," +
                          input("cache_position", "[1]"),
                      ""),
      1, ZEN_STATUS_UNSUPPORTED,
      "input cache_position: i64[1] is not a 0-d i64 or i32 slot index");
  expectCreateError(sessionMetadata(input("input_ids", "[-1,-1]") + "," +
                                        input("positions", "[-1]"),
                                    ""),
                    1, ZEN_STATUS_UNSUPPORTED,
                    "input positions: i64[?] is not a [batch, seq_len] tensor");
  expectCreateError(
      sessionMetadata("", input("input_ids", "[-1,2]") + "," + rest), 1,
      ZEN_STATUS_UNSUPPORTED,
      "entry point 'decode': input input_ids: i64[?, 2] takes 2 tokens per "
      "sequence; decode runs one");
  // prefill and decode disagree on a cache.
  expectCreateError(
      sessionMetadata("", input("input_ids", "[-1,-1]") + "," +
                              cache("layers.0.state", "[-1,5]")),
      1, ZEN_STATUS_INVALID_FORMAT,
      "entry point 'decode' takes cache layers.0.state: f32[?, 5] as "
      "f32[1, 5], but prefill takes it as f32[1, 3]");
  expectCreateError(sessionMetadata("", input("input_ids", "[-1,-1]") + "," +
                                            cache("layers.0.scalar", "[]")),
                    1, ZEN_STATUS_UNSUPPORTED,
                    "cache layers.0.scalar: f32[] has no batch dimension");
}

TEST(SessionTest, ModelWithoutMaskRefusesPadding) {
  // A prefill without attention_mask input (never called: the padding is
  // refused before the call).
  std::string args = input("input_ids", "[-1,-1]") + "," +
                     input("positions", "[-1,-1]") + "," +
                     input("cache_position", "[]") + "," +
                     paramJson("model.embed_tokens.weight", "f32", "[8,4]");
  SessionMetadata metadata(sessionMetadata(args, args));
  BoundSessionModel model;
  Session session;
  ZEN_ASSERT_OK(zen_session_create(model.m, 1, 4, &session.s));
  EXPECT_EQ(session.info().num_caches, 0u);
  std::vector<int64_t> ids = {1, 2}, mask = {0, 1};
  ZEN_EXPECT_ERROR(
      zen_session_prefill(session.s, 2, ids.data(), mask.data(), nullptr),
      ZEN_STATUS_INVALID_ARGUMENT,
      "entry point 'prefill' takes no attention_mask, but the mask given has "
      "padding (zeros)");
  EXPECT_EQ(session.info().cache_position, 0);
}
