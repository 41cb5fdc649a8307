/*
 * RuntimeSessionFake.c - a model library with prefill and decode entry
 * points, written by hand in C against docs/runtime-abi.md, for the decoding
 * session tests (RuntimeSessionTest.cpp).
 *
 * Both entry points take input_ids [B,T], positions [B,T], attention_mask
 * [B,Smax] over cache slots, cache_position (0-d), the parameter
 * model.embed_tokens.weight [8,4] and two caches updated in place:
 *   layers.0.k_cache [B,1,Smax,2]: slot cp+t gets (input id, position);
 *   layers.0.state   [B,3]:        (+= T, = cp, += sum of embed[id, 0]).
 * The logits [B,1,8] report what the call saw, for sequence b:
 *   0: last input id         1: last position     2: sum of the slot mask
 *   3: cache_position        4: T                 5: state[b, 0] after
 *   6: embed[last id, 0]     7: mask slots past cp+T that are set (0)
 *
 * zen_model_metadata() returns $ZEN_FAKE_SESSION_METADATA when it is set,
 * so the tests can describe variants (no decode, static dimensions, unknown
 * inputs) around the same symbols.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define V 8

typedef struct { void *allocated, *aligned; int64_t offset; } D0;
typedef struct { void *allocated, *aligned; int64_t offset, sizes[2], strides[2]; } D2;
typedef struct { void *allocated, *aligned; int64_t offset, sizes[3], strides[3]; } D3;
typedef struct { void *allocated, *aligned; int64_t offset, sizes[4], strides[4]; } D4;

#define CACHED_ARGS                                                            \
  "{\"kind\":\"input\",\"name\":\"input_ids\",\"dtype\":\"i64\",\"shape\":[-1,-1]}," \
  "{\"kind\":\"input\",\"name\":\"positions\",\"dtype\":\"i64\",\"shape\":[-1,-1]}," \
  "{\"kind\":\"input\",\"name\":\"attention_mask\",\"dtype\":\"i64\",\"shape\":[-1,-1]}," \
  "{\"kind\":\"input\",\"name\":\"cache_position\",\"dtype\":\"i64\",\"shape\":[]}," \
  "{\"kind\":\"param\",\"name\":\"model.embed_tokens.weight\",\"dtype\":\"f32\",\"shape\":[8,4]}," \
  "{\"kind\":\"cache\",\"name\":\"layers.0.k_cache\",\"dtype\":\"f32\",\"shape\":[-1,1,-1,2]}," \
  "{\"kind\":\"cache\",\"name\":\"layers.0.state\",\"dtype\":\"f32\",\"shape\":[-1,3]}"
#define LOGITS "{\"name\":\"logits\",\"dtype\":\"f32\",\"shape\":[-1,1,8]}"

static const char kMetadata[] =
    "{\"zen_abi\":1,\"zen_version\":\"0.1.0-fake\",\"model\":\"fake-session\","
    "\"family\":\"dense\",\"entry_points\":["
    "{\"name\":\"prefill\",\"symbol\":\"zen_entry_prefill\",\"args\":[" CACHED_ARGS
    "],\"results\":[" LOGITS "]},"
    "{\"name\":\"decode\",\"symbol\":\"zen_entry_decode\",\"args\":[" CACHED_ARGS
    "],\"results\":[" LOGITS "]}]}";

__attribute__((visibility("default"))) const char *zen_model_metadata(void) {
  const char *override = getenv("ZEN_FAKE_SESSION_METADATA");
  return override ? override : kMetadata;
}

#define AT2(d, T, i, j)                                                        \
  (((T *)(d)->aligned)[(d)->offset + (i) * (d)->strides[0] + (j) * (d)->strides[1]])

static void step(void **args) {
  D3 *result = args[0];
  const D2 *ids = args[1], *pos = args[2], *mask = args[3], *embed = args[5];
  const D0 *cp = args[4];
  D4 *k = args[6];
  D2 *state = args[7];
  int64_t B = ids->sizes[0], T = ids->sizes[1], S = mask->sizes[1];
  int64_t p0 = ((const int64_t *)cp->aligned)[cp->offset];
  float *logits = malloc(sizeof(float) * B * V + 1);
  for (int64_t b = 0; b < B; ++b) {
    float *out = logits + b * V;
    for (int64_t t = 0; t < T; ++t) {
      int64_t id = AT2(ids, int64_t, b, t);
      float *slot = (float *)k->aligned + k->offset + b * k->strides[0] +
                    (p0 + t) * k->strides[2];
      slot[0] = (float)id;
      slot[k->strides[3]] = (float)AT2(pos, int64_t, b, t);
      AT2(state, float, b, 2) += AT2(embed, float, id, 0);
    }
    AT2(state, float, b, 0) += (float)T;
    AT2(state, float, b, 1) = (float)p0;
    float seen = 0, beyond = 0;
    for (int64_t s = 0; s < S; ++s) {
      float m = (float)AT2(mask, int64_t, b, s);
      if (s < p0 + T)
        seen += m;
      else
        beyond += m;
    }
    int64_t last = AT2(ids, int64_t, b, T - 1);
    out[0] = (float)last;
    out[1] = (float)AT2(pos, int64_t, b, T - 1);
    out[2] = seen;
    out[3] = (float)p0;
    out[4] = (float)T;
    out[5] = AT2(state, float, b, 0);
    out[6] = AT2(embed, float, last, 0);
    out[7] = beyond;
  }
  result->allocated = result->aligned = logits;
  result->offset = 0;
  result->sizes[0] = B;
  result->sizes[1] = 1;
  result->sizes[2] = V;
  result->strides[0] = V;
  result->strides[1] = V;
  result->strides[2] = 1;
}

__attribute__((visibility("default"))) void zen_entry_prefill(void **args) {
  step(args);
}

__attribute__((visibility("default"))) void zen_entry_decode(void **args) {
  step(args);
}
