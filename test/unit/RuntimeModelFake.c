/*
 * RuntimeModelFake.c - a model library written by hand in C, for the libzenrt
 * model tests (RuntimeModelTest.cpp).
 *
 * It implements the ABI of docs/runtime-abi.md directly, so the runtime's
 * loading, binding and calling are tested without the compiler's lowering:
 *
 *   forward(input_ids, positions, attention_mask; embed [V,H], norm [H],
 *           head [V,H]) -> logits f32 [B,T,V]
 *     x[b,t,:] = embed[ids[b,t], :] * (1 + pos[b,t] / 8) + mask[b,t] / 2
 *     logits   = rms_norm(x, norm, eps 1e-6) @ head^T
 *   forward_bf16: the same with the logits rounded to bf16
 *   pair(x f32 [N,H]; norm) -> (y = rms_norm(x) [N,H], x itself (aliasing the
 *           input: must be copied, never freed), y transposed [H,N] (a
 *           strided view sharing y's buffer: copied, freed once))
 *   experts(; experts.{e}.up_proj [E,2,H]) -> per-expert sums [E]
 *
 * zen_model_metadata() returns $ZEN_FAKE_METADATA when it is set, so one
 * library serves every malformed-metadata test.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define V 8
#define H 4
#define E 3

typedef struct { void *allocated, *aligned; int64_t offset, sizes[1], strides[1]; } D1;
typedef struct { void *allocated, *aligned; int64_t offset, sizes[2], strides[2]; } D2;
typedef struct { void *allocated, *aligned; int64_t offset, sizes[3], strides[3]; } D3;

#define ARGS_LM                                                                \
  "{\"kind\":\"input\",\"name\":\"input_ids\",\"dtype\":\"i64\",\"shape\":[-1,-1]}," \
  "{\"kind\":\"input\",\"name\":\"positions\",\"dtype\":\"i64\",\"shape\":[-1,-1]}," \
  "{\"kind\":\"input\",\"name\":\"attention_mask\",\"dtype\":\"i64\",\"shape\":[-1,-1]}," \
  "{\"kind\":\"param\",\"name\":\"model.embed_tokens.weight\",\"dtype\":\"f32\",\"shape\":[8,4]}," \
  "{\"kind\":\"param\",\"name\":\"model.norm.weight\",\"dtype\":\"f32\",\"shape\":[4]}," \
  "{\"kind\":\"param\",\"name\":\"lm_head.weight\",\"dtype\":\"f32\",\"shape\":[8,4]}"

static const char kMetadata[] =
    "{\"zen_abi\":1,\"zen_version\":\"0.1.0-fake\",\"model\":\"fake-lm\","
    "\"family\":\"dense\",\"entry_points\":["
    "{\"name\":\"forward\",\"symbol\":\"zen_entry_forward\",\"args\":[" ARGS_LM
    "],\"results\":[{\"name\":\"logits\",\"dtype\":\"f32\",\"shape\":[-1,-1,8]}]},"
    "{\"name\":\"forward_bf16\",\"symbol\":\"zen_entry_forward_bf16\",\"args\":[" ARGS_LM
    "],\"results\":[{\"name\":\"logits\",\"dtype\":\"bf16\",\"shape\":[-1,-1,8]}]},"
    "{\"name\":\"pair\",\"symbol\":\"zen_entry_pair\",\"args\":["
    "{\"kind\":\"input\",\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[-1,4]},"
    "{\"kind\":\"param\",\"name\":\"model.norm.weight\",\"dtype\":\"f32\",\"shape\":[4]}"
    "],\"results\":["
    "{\"name\":\"y\",\"dtype\":\"f32\",\"shape\":[-1,4]},"
    "{\"name\":\"x_again\",\"dtype\":\"f32\",\"shape\":[-1,4]},"
    "{\"name\":\"y_t\",\"dtype\":\"f32\",\"shape\":[4,-1]}]},"
    "{\"name\":\"experts\",\"symbol\":\"zen_entry_experts\",\"args\":["
    "{\"kind\":\"param\",\"name\":\"model.layers.0.mlp.experts.{e}.up_proj.weight\","
    "\"dtype\":\"f32\",\"shape\":[3,2,4]}"
    "],\"results\":[{\"name\":\"sums\",\"dtype\":\"f32\",\"shape\":[3]}]}"
    "]}";

__attribute__((visibility("default"))) const char *zen_model_metadata(void) {
  const char *override = getenv("ZEN_FAKE_METADATA");
  if (override && strcmp(override, "NULL") == 0)
    return NULL;
  return override ? override : kMetadata;
}

#define AT2(d, T, i, j)                                                        \
  (((T *)(d)->aligned)[(d)->offset + (i) * (d)->strides[0] + (j) * (d)->strides[1]])
#define AT1(d, T, i) (((T *)(d)->aligned)[(d)->offset + (i) * (d)->strides[0]])

static void rmsNorm(const float *x, const D1 *w, float *out) {
  float sum = 0;
  for (int h = 0; h < H; ++h)
    sum += x[h] * x[h];
  float scale = 1.0f / sqrtf(sum / H + 1e-6f);
  for (int h = 0; h < H; ++h)
    out[h] = x[h] * scale * AT1(w, float, h);
}

static void lm(void **args, float *logits, int64_t *B, int64_t *T) {
  const D2 *ids = args[1], *pos = args[2], *mask = args[3], *embed = args[4],
           *head = args[6];
  const D1 *norm = args[5];
  *B = ids->sizes[0];
  *T = ids->sizes[1];
  for (int64_t b = 0; b < *B; ++b)
    for (int64_t t = 0; t < *T; ++t) {
      int64_t id = AT2(ids, int64_t, b, t);
      float p = (float)AT2(pos, int64_t, b, t);
      float m = (float)AT2(mask, int64_t, b, t);
      float x[H], n[H];
      for (int h = 0; h < H; ++h)
        x[h] = AT2(embed, float, id, h) * (1.0f + p / 8.0f) + m / 2.0f;
      rmsNorm(x, norm, n);
      for (int v = 0; v < V; ++v) {
        float acc = 0;
        for (int h = 0; h < H; ++h)
          acc += n[h] * AT2(head, float, v, h);
        logits[(b * *T + t) * V + v] = acc;
      }
    }
}

static void setResult3(D3 *r, void *buffer, int64_t B, int64_t T) {
  r->allocated = r->aligned = buffer;
  r->offset = 0;
  r->sizes[0] = B;
  r->sizes[1] = T;
  r->sizes[2] = V;
  r->strides[0] = T * V;
  r->strides[1] = V;
  r->strides[2] = 1;
}

__attribute__((visibility("default"))) void zen_entry_forward(void **args) {
  const D2 *ids = args[1];
  float *logits = malloc(sizeof(float) * ids->sizes[0] * ids->sizes[1] * V + 1);
  int64_t B, T;
  lm(args, logits, &B, &T);
  setResult3(args[0], logits, B, T);
}

__attribute__((visibility("default"))) void zen_entry_forward_bf16(void **args) {
  const D2 *ids = args[1];
  int64_t n = ids->sizes[0] * ids->sizes[1] * V;
  float *logits = malloc(sizeof(float) * n + 1);
  uint16_t *out = malloc(sizeof(uint16_t) * n + 1);
  int64_t B, T;
  lm(args, logits, &B, &T);
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    memcpy(&bits, &logits[i], 4);
    out[i] = (uint16_t)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
  }
  free(logits);
  setResult3(args[0], out, B, T);
}

__attribute__((visibility("default"))) void zen_entry_pair(void **args) {
  D2 *results = args[0]; /* y, x_again, y_t back to back */
  const D2 *x = args[1];
  const D1 *norm = args[2];
  int64_t N = x->sizes[0];
  float *y = malloc(sizeof(float) * N * H + 1);
  for (int64_t i = 0; i < N; ++i) {
    float row[H];
    for (int h = 0; h < H; ++h)
      row[h] = AT2(x, float, i, h);
    rmsNorm(row, norm, y + i * H);
  }
  D2 *ry = &results[0], *rx = &results[1], *rt = &results[2];
  ry->allocated = ry->aligned = y;
  ry->offset = 0;
  ry->sizes[0] = N;
  ry->sizes[1] = H;
  ry->strides[0] = H;
  ry->strides[1] = 1;
  *rx = *x; /* the input itself */
  rt->allocated = rt->aligned = y;
  rt->offset = 0;
  rt->sizes[0] = H;
  rt->sizes[1] = N;
  rt->strides[0] = 1;
  rt->strides[1] = H;
}

__attribute__((visibility("default"))) void zen_entry_experts(void **args) {
  D1 *result = args[0];
  const D3 *w = args[1];
  float *sums = malloc(sizeof(float) * E);
  for (int e = 0; e < E; ++e) {
    float s = 0;
    for (int i = 0; i < 2; ++i)
      for (int h = 0; h < H; ++h)
        s += ((const float *)w->aligned)[w->offset + e * w->strides[0] +
                                         i * w->strides[1] + h * w->strides[2]];
    sums[e] = s;
  }
  result->allocated = result->aligned = sums;
  result->offset = 0;
  result->sizes[0] = E;
  result->strides[0] = 1;
}
