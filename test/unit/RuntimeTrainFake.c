/*
 * RuntimeTrainFake.c - a model library with a train_step entry point,
 * written by hand in C against docs/runtime-abi.md ("train_step"), so the
 * trainer, adapters, checkpoints and zen-run's train-step/gspo commands are
 * tested without the compiler.
 *
 * V = 8, H = 4. forward(input_ids, positions, attention_mask) with
 * parameters model.embed_tokens.weight E [8,4] and
 * model.layers.0.self_attn.q_proj.weight W [4,4] returns logits
 * [B,T,8]: logits[v] = sum_h (W x)[h] E[v,h] with x = E[id] (so training W
 * or its LoRA adapter changes what is sampled).
 *
 * train_step takes the inputs TRAIN_ABI lists (no ref_logprobs: beta 0),
 * then the parameters, the trainables and their exp_avg/exp_avg_sq:
 *   LoRA (default): params E, W; trainables
 *     base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight [2,4]
 *     and .lora_B.weight [4,2] (r 2, alpha 4, targets q_proj);
 *   full ($ZEN_FAKE_TRAIN_FULL set): param E; trainable W.
 * The step is GSPO on-policy for that tiny model (ratio 1): advantages
 * A = (r - group mean) / (group std + 1e-4) over groups of 2, loss gradient
 * -1/N sum_i A_i mean_{t in completion} grad log p(y_t | y_{t-1}), with
 * log p from the forward above (the effective W' = W + 2 B A for LoRA),
 * then torch's AdamW (wd 0.01, betas 0.9/0.999, eps 1e-8) with the given
 * learning_rate and step. The scalar results are fakes that check what the
 * runtime passed: loss = sum r^2 (huge rewards overflow it to inf: then
 * skipped = 1 and nothing changes), mean_ratio = 1 + use_old_logprobs / 2,
 * clip_fraction = a checksum sum_{n,t} cm r (pos + 1) / N + use_old *
 * sum cm old / N + sum ids / 1000; grad_norm = ||g||; grad:<trainable>.
 *
 * $ZEN_FAKE_TRAIN_METADATA replaces the metadata document (variants for
 * error tests, around the same symbols).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define V 8
#define H 4

typedef struct { void *allocated, *aligned; int64_t offset, sizes[2], strides[2]; } D2;
typedef struct { void *allocated, *aligned; int64_t offset, sizes[3], strides[3]; } D3;
typedef struct { void *allocated, *aligned; int64_t offset; } D0;
typedef struct { void *allocated, *aligned; int64_t offset, sizes[1], strides[1]; } D1;

#define LM_INPUTS                                                              \
  "{\"kind\":\"input\",\"name\":\"input_ids\",\"dtype\":\"i64\",\"shape\":[-1,-1]}," \
  "{\"kind\":\"input\",\"name\":\"positions\",\"dtype\":\"i64\",\"shape\":[-1,-1]}," \
  "{\"kind\":\"input\",\"name\":\"attention_mask\",\"dtype\":\"i64\",\"shape\":[-1,-1]},"
#define TRAIN_INPUTS                                                           \
  LM_INPUTS                                                                    \
  "{\"kind\":\"input\",\"name\":\"completion_mask\",\"dtype\":\"f32\",\"shape\":[-1,-1]}," \
  "{\"kind\":\"input\",\"name\":\"rewards\",\"dtype\":\"f32\",\"shape\":[-1]}," \
  "{\"kind\":\"input\",\"name\":\"old_logprobs\",\"dtype\":\"f32\",\"shape\":[-1,-1]}," \
  "{\"kind\":\"input\",\"name\":\"use_old_logprobs\",\"dtype\":\"i64\",\"shape\":[]}," \
  "{\"kind\":\"input\",\"name\":\"learning_rate\",\"dtype\":\"f32\",\"shape\":[]}," \
  "{\"kind\":\"input\",\"name\":\"step\",\"dtype\":\"i64\",\"shape\":[]},"
#define EMBED "{\"kind\":\"param\",\"name\":\"model.embed_tokens.weight\",\"dtype\":\"f32\",\"shape\":[8,4]}"
#define QW "model.layers.0.self_attn.q_proj.weight"
#define QPARAM "{\"kind\":\"param\",\"name\":\"" QW "\",\"dtype\":\"f32\",\"shape\":[4,4]}"
#define LA "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"
#define LB "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"
#define T2(kind, name, a, b)                                                   \
  "{\"kind\":\"" kind "\",\"name\":\"" name "\",\"dtype\":\"f32\",\"shape\":[" #a "," #b "]}"
#define SCALARS                                                                \
  "{\"name\":\"loss\",\"dtype\":\"f32\",\"shape\":[]},"                         \
  "{\"name\":\"mean_ratio\",\"dtype\":\"f32\",\"shape\":[]},"                   \
  "{\"name\":\"clip_fraction\",\"dtype\":\"f32\",\"shape\":[]},"                \
  "{\"name\":\"grad_norm\",\"dtype\":\"f32\",\"shape\":[]},"                    \
  "{\"name\":\"skipped\",\"dtype\":\"i64\",\"shape\":[]},"
#define FORWARD                                                                \
  "{\"name\":\"forward\",\"symbol\":\"zen_entry_forward\",\"args\":[" LM_INPUTS \
  EMBED "," QPARAM "],\"results\":[{\"name\":\"logits\",\"dtype\":\"f32\","   \
  "\"shape\":[-1,-1,8]}]}"
#define HEAD                                                                   \
  "{\"zen_abi\":1,\"zen_version\":\"0.1.0-fake\",\"model\":\"fake-train\","     \
  "\"family\":\"dense\","

static const char kLora[] =
    HEAD "\"training\":{\"algorithm\":\"gspo\",\"group_size\":2,"
    "\"gspo_level\":\"sequence\",\"loss_type\":\"grpo\",\"epsilon_low\":0.0003,"
    "\"epsilon_high\":0.0004,\"beta\":0.0,\"temperature\":1.0,"
    "\"scale_rewards\":\"group\",\"learning_rate\":0.01,\"weight_decay\":0.01,"
    "\"adam_beta1\":0.9,\"adam_beta2\":0.999,\"adam_epsilon\":1e-8,"
    "\"max_grad_norm\":1.0,\"lora\":{\"r\":2,\"lora_alpha\":4,"
    "\"target_modules\":[\"q_proj\"],\"use_rslora\":false,\"lora_dropout\":0.0}},"
    "\"entry_points\":[" FORWARD ","
    "{\"name\":\"train_step\",\"symbol\":\"zen_entry_train_step\",\"args\":["
    TRAIN_INPUTS EMBED "," QPARAM "," T2("trainable", LA, 2, 4) ","
    T2("trainable", LB, 4, 2) "," T2("optim", LA ".exp_avg", 2, 4) ","
    T2("optim", LA ".exp_avg_sq", 2, 4) "," T2("optim", LB ".exp_avg", 4, 2) ","
    T2("optim", LB ".exp_avg_sq", 4, 2) "],\"results\":[" SCALARS
    "{\"name\":\"grad:" LA "\",\"dtype\":\"f32\",\"shape\":[2,4]},"
    "{\"name\":\"grad:" LB "\",\"dtype\":\"f32\",\"shape\":[4,2]}]}]}";

static const char kFull[] =
    HEAD "\"training\":{\"algorithm\":\"gspo\",\"group_size\":2,"
    "\"learning_rate\":0.01,\"lora\":null},"
    "\"entry_points\":[" FORWARD ","
    "{\"name\":\"train_step\",\"symbol\":\"zen_entry_train_step\",\"args\":["
    TRAIN_INPUTS EMBED "," T2("trainable", QW, 4, 4) ","
    T2("optim", QW ".exp_avg", 4, 4) "," T2("optim", QW ".exp_avg_sq", 4, 4)
    "],\"results\":[" SCALARS
    "{\"name\":\"grad:" QW "\",\"dtype\":\"f32\",\"shape\":[4,4]}]}]}";

__attribute__((visibility("default"))) const char *zen_model_metadata(void) {
  const char *override = getenv("ZEN_FAKE_TRAIN_METADATA");
  if (override)
    return override;
  return getenv("ZEN_FAKE_TRAIN_FULL") ? kFull : kLora;
}

#define AT(d, T, i, j)                                                         \
  (((T *)(d)->aligned)[(d)->offset + (i) * (d)->strides[0] + (j) * (d)->strides[1]])

__attribute__((visibility("default"))) void zen_entry_forward(void **args) {
  D3 *result = args[0];
  const D2 *ids = args[1], *embed = args[4], *w = args[5];
  int64_t B = ids->sizes[0], T = ids->sizes[1];
  float *logits = malloc(sizeof(float) * (size_t)(B * T * V) + 1);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t) {
      int64_t id = AT(ids, int64_t, b, t);
      float y[H];
      for (int h = 0; h < H; ++h) {
        y[h] = 0;
        for (int k = 0; k < H; ++k)
          y[h] += AT(w, float, h, k) * AT(embed, float, id, k);
      }
      for (int v = 0; v < V; ++v) {
        float acc = 0;
        for (int h = 0; h < H; ++h)
          acc += y[h] * AT(embed, float, v, h);
        logits[(b * T + t) * V + v] = acc;
      }
    }
  result->allocated = result->aligned = logits;
  result->offset = 0;
  result->sizes[0] = B;
  result->sizes[1] = T;
  result->sizes[2] = V;
  result->strides[0] = T * V;
  result->strides[1] = V;
  result->strides[2] = 1;
}

static void scalar(uint64_t *words, float value) {
  float *p = malloc(sizeof(float));
  *p = value;
  words[0] = words[1] = (uint64_t)(uintptr_t)p;
  words[2] = 0;
}

__attribute__((visibility("default"))) void zen_entry_train_step(void **args) {
  int full = getenv("ZEN_FAKE_TRAIN_FULL") != NULL;
  int numParams = full ? 1 : 2, K = full ? 1 : 2;
  uint64_t *results = args[0];
  const D2 *ids = args[1], *pos = args[2], *cm = args[4], *old = args[6];
  const D1 *rewards = args[5];
  const D0 *useOld = args[7], *lrD = args[8], *stepD = args[9];
  const D2 *embed = args[10];
  int64_t N = ids->sizes[0], T = ids->sizes[1];
  int64_t use = ((int64_t *)useOld->aligned)[useOld->offset];
  float lr = ((float *)lrD->aligned)[lrD->offset];
  int64_t t = ((int64_t *)stepD->aligned)[stepD->offset];
  const int first = 10 + numParams;
  D2 *theta0 = args[first], *theta1 = K > 1 ? args[first + 1] : NULL;

  /* The effective weight W' [4,4]. */
  double w[H][H];
  for (int h = 0; h < H; ++h)
    for (int k = 0; k < H; ++k) {
      if (full) {
        w[h][k] = AT(theta0, float, h, k);
        continue;
      }
      const D2 *base = args[11];
      double acc = AT(base, float, h, k);
      for (int j = 0; j < 2; ++j) /* B [4,2] = theta1, A [2,4] = theta0 */
        acc += 2.0 * AT(theta1, float, h, j) * AT(theta0, float, j, k);
      w[h][k] = acc;
    }

  double check = 0, loss = 0, idSum = 0;
  double gw[H][H] = {{0}};
  for (int64_t n = 0; n < N; ++n) {
    float r = ((float *)rewards->aligned)[rewards->offset + n * rewards->strides[0]];
    loss += (double)r * (double)r;
    int64_t g0 = n - n % 2;
    float ra = ((float *)rewards->aligned)[rewards->offset + g0 * rewards->strides[0]];
    float rb = ((float *)rewards->aligned)[rewards->offset + (g0 + 1) * rewards->strides[0]];
    double mean = 0.5 * ((double)ra + rb);
    double sd = sqrt(((ra - mean) * (ra - mean) + (rb - mean) * (rb - mean)));
    double adv = ((double)r - mean) / (sd + 1e-4);
    double tokens = 0;
    for (int64_t k = 0; k < T; ++k) {
      float c = AT(cm, float, n, k);
      tokens += c;
      check += c * r * (double)(AT(pos, int64_t, n, k) + 1) / (double)N;
      if (use)
        check += c * AT(old, float, n, k) / (double)N;
      idSum += (double)AT(ids, int64_t, n, k);
    }
    for (int64_t k = 1; k < T && tokens > 0 && isfinite(adv); ++k) {
      if (AT(cm, float, n, k) == 0)
        continue;
      int64_t prev = AT(ids, int64_t, n, k - 1), y = AT(ids, int64_t, n, k);
      double x[H], hid[H], z[V], zmax = -1e300, sum = 0;
      for (int h = 0; h < H; ++h)
        x[h] = AT(embed, float, prev, h);
      for (int h = 0; h < H; ++h) {
        hid[h] = 0;
        for (int j = 0; j < H; ++j)
          hid[h] += w[h][j] * x[j];
      }
      for (int v = 0; v < V; ++v) {
        z[v] = 0;
        for (int h = 0; h < H; ++h)
          z[v] += hid[h] * AT(embed, float, v, h);
        zmax = z[v] > zmax ? z[v] : zmax;
      }
      for (int v = 0; v < V; ++v)
        sum += exp(z[v] - zmax);
      double coef = -adv / ((double)N * tokens);
      for (int v = 0; v < V; ++v) {
        double dz = coef * ((v == y) - exp(z[v] - zmax) / sum);
        for (int h = 0; h < H; ++h)
          for (int j = 0; j < H; ++j)
            gw[h][j] += dz * AT(embed, float, v, h) * x[j];
      }
    }
  }
  check += idSum / 1000.0;
  float lossF = (float)loss;
  int skipped = !isfinite(lossF);

  double norm2 = 0;
  float *grads[2];
  for (int i = 0; i < K; ++i) {
    D2 *theta = args[first + i];
    int64_t rows = theta->sizes[0], cols = theta->sizes[1];
    grads[i] = malloc(sizeof(float) * (size_t)(rows * cols));
    for (int64_t a = 0; a < rows; ++a)
      for (int64_t b = 0; b < cols; ++b) {
        double g = 0;
        if (full)
          g = gw[a][b];
        else if (i == 0) /* dA [2,4] = 2 B^T gw */
          for (int h = 0; h < H; ++h)
            g += 2.0 * AT(theta1, float, h, a) * gw[h][b];
        else /* dB [4,2] = 2 gw A^T */
          for (int j = 0; j < H; ++j)
            g += 2.0 * gw[a][j] * AT(theta0, float, b, j);
        grads[i][a * cols + b] = (float)g;
        norm2 += g * g;
      }
  }
  if (!skipped) {
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01;
    for (int i = 0; i < K; ++i) {
      D2 *theta = args[first + i];
      D2 *m = args[first + K + 2 * i], *v = args[first + K + 2 * i + 1];
      int64_t count = theta->sizes[0] * theta->sizes[1];
      float *th = (float *)theta->aligned + theta->offset;
      float *mm = (float *)m->aligned + m->offset;
      float *vv = (float *)v->aligned + v->offset;
      for (int64_t e = 0; e < count; ++e) {
        float g = grads[i][e];
        th[e] = (float)(th[e] * (1.0 - lr * wd));
        mm[e] = (float)(b1 * mm[e] + (1 - b1) * g);
        vv[e] = (float)(b2 * vv[e] + (1 - b2) * (double)g * g);
        double denom = sqrt(vv[e]) / sqrt(1 - pow(b2, (double)t)) + eps;
        th[e] = (float)(th[e] - lr / (1 - pow(b1, (double)t)) * mm[e] / denom);
      }
    }
  }
  scalar(results + 0, lossF);
  scalar(results + 3, 1.0f + 0.5f * (float)use);
  scalar(results + 6, (float)check);
  scalar(results + 9, (float)sqrt(norm2));
  int64_t *sk = malloc(sizeof(int64_t));
  *sk = skipped;
  results[12] = results[13] = (uint64_t)(uintptr_t)sk;
  results[14] = 0;
  uint64_t *g = results + 15;
  for (int i = 0; i < K; ++i, g += 7) {
    D2 *theta = args[first + i];
    g[0] = g[1] = (uint64_t)(uintptr_t)grads[i];
    g[2] = 0;
    g[3] = (uint64_t)theta->sizes[0];
    g[4] = (uint64_t)theta->sizes[1];
    g[5] = (uint64_t)theta->sizes[1];
    g[6] = 1;
  }
}
