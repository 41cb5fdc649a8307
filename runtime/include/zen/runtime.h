/*
 * zen/runtime.h - the C API of libzenrt, Zen's runtime library.
 *
 * libzenrt runs what zen-compile produces. It has no LLVM or MLIR dependency
 * and this header is plain C99, usable from C, C++ and FFIs (Python ctypes).
 *
 * It covers the pieces that do not depend on compiled models:
 *   - status objects             (zen_status_*)
 *   - element types               (zen_dtype_*, zen_convert_*)
 *   - safetensors checkpoints     (zen_safetensors_*: a file, a directory, or a
 *                                  sharded model.safetensors.index.json; mmap)
 *   - an atomic safetensors writer (zen_safetensors_writer_*)
 *   - a portable seeded PRNG      (zen_rng_*)
 *   - token sampling              (zen_sample: greedy, temperature, top-k, top-p)
 *   - .npy arrays                 (zen_npy_*: f32 / i64 / i32)
 * and compiled models (zen_model_*): open a library built by zen-compile,
 * query its entry points and parameters, bind weights (checkpoint or random),
 * call entry points, and run a language model's forward pass; and decoding
 * sessions (zen_session_*) that run its prefill and decode entry points over
 * caches the runtime allocates.
 *
 * Conventions
 *   - Every fallible call returns a zen_status_t: NULL means success; anything
 *     else is an error the caller owns and releases with zen_status_free().
 *     No call aborts, exits or lets a C++ exception escape; running out of
 *     memory is reported as ZEN_STATUS_OUT_OF_MEMORY.
 *   - Outputs are written through the trailing pointer arguments, and only on
 *     success.
 *   - Error messages name the file, the tensor or the argument at fault, e.g.
 *     "ckpt/model.safetensors: tensor 'lm_head.weight': data_offsets end 1024
 *      lies beyond the data section (512 bytes)".
 *   - Strings are NUL-terminated UTF-8. Shapes are int64_t, row-major.
 *   - Objects are not internally locked. An open checkpoint is read-only, so
 *     its query functions may be called from several threads at once; a writer
 *     or an RNG state must be used by one thread at a time.
 */
#ifndef ZEN_RUNTIME_H
#define ZEN_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#if defined(ZEN_RUNTIME_BUILDING)
#define ZEN_API __declspec(dllexport)
#else
#define ZEN_API __declspec(dllimport)
#endif
#else
/* libzenrt is built with -fvisibility=hidden; only ZEN_API symbols are exported. */
#define ZEN_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Version                                                                    */
/* ------------------------------------------------------------------------ */

#define ZEN_RUNTIME_VERSION_MAJOR 0
#define ZEN_RUNTIME_VERSION_MINOR 1
#define ZEN_RUNTIME_VERSION_PATCH 0

/* "MAJOR.MINOR.PATCH" of the loaded library (may differ from the macros above
 * when an application runs against a newer libzenrt). Never NULL. */
ZEN_API const char *zen_runtime_version(void);

/* ------------------------------------------------------------------------ */
/* Status                                                                     */
/* ------------------------------------------------------------------------ */

typedef enum zen_status_code {
  ZEN_STATUS_OK = 0,
  /* The caller passed a bad value: a NULL pointer, an index out of range, a
   * buffer of the wrong size, an invalid sampling configuration. */
  ZEN_STATUS_INVALID_ARGUMENT = 1,
  /* A named tensor, file or metadata key does not exist. */
  ZEN_STATUS_NOT_FOUND = 2,
  /* The operating system refused (open, mmap, write, fsync, rename). */
  ZEN_STATUS_IO_ERROR = 3,
  /* A file's contents are malformed (truncated, corrupt, inconsistent). */
  ZEN_STATUS_INVALID_FORMAT = 4,
  /* Well-formed input that Zen does not support (e.g. an F64 tensor). */
  ZEN_STATUS_UNSUPPORTED = 5,
  ZEN_STATUS_OUT_OF_MEMORY = 6,
  /* A bug in libzenrt; please report it with the message. */
  ZEN_STATUS_INTERNAL = 7,
  /* Not a code: makes the enum 32 bits wide and every int32 value valid. */
  ZEN_STATUS_CODE_MAX_ENUM = 0x7FFFFFFF
} zen_status_code_t;

/* An opaque error; NULL means success. */
typedef struct zen_status *zen_status_t;

/* The error code; ZEN_STATUS_OK for NULL. */
ZEN_API zen_status_code_t zen_status_code(zen_status_t status);
/* The message, valid until zen_status_free(status); "ok" for NULL. Never NULL. */
ZEN_API const char *zen_status_message(zen_status_t status);
/* A stable name for a code, e.g. "INVALID_FORMAT". Never NULL. */
ZEN_API const char *zen_status_code_name(zen_status_code_t code);
/* Releases an error. NULL is a no-op. */
ZEN_API void zen_status_free(zen_status_t status);

/* ------------------------------------------------------------------------ */
/* Element types                                                              */
/* ------------------------------------------------------------------------ */

/* The values are part of the ABI; 0 is never a valid dtype. */
typedef enum zen_dtype {
  ZEN_DTYPE_INVALID = 0,
  ZEN_DTYPE_F32 = 1,  /* IEEE binary32 */
  ZEN_DTYPE_BF16 = 2, /* bfloat16: the upper 16 bits of a binary32 */
  ZEN_DTYPE_F16 = 3,  /* IEEE binary16 */
  ZEN_DTYPE_I64 = 4,
  ZEN_DTYPE_I32 = 5,
  /* A boolean stored in one byte (0 or 1): MLIR's i1 in memory. Used by
   * compiled models' inputs (masks); checkpoints, the writer and .npy do not
   * handle it. */
  ZEN_DTYPE_BOOL = 6,
  /* Not a dtype: makes the enum 32 bits wide, so any int32 a caller passes
   * is a valid value (and is rejected with a message, not undefined). */
  ZEN_DTYPE_MAX_ENUM = 0x7FFFFFFF
} zen_dtype_t;

/* The safetensors spelling ("F32", "BF16", "F16", "I64", "I32", "BOOL"), or
 * "INVALID" for an unknown value. Never NULL. */
ZEN_API const char *zen_dtype_name(zen_dtype_t dtype);
/* Bytes per element; 0 for an unknown value. */
ZEN_API size_t zen_dtype_size(zen_dtype_t dtype);

/* Converts `count` elements of `src_dtype` at `src` (any alignment) to f32.
 * BF16 and F16 convert exactly: every value, subnormals and infinities
 * included, is representable in f32, and NaN payloads are preserved. F32 is
 * copied.
 * Integer dtypes are rejected: their values need not be representable. */
ZEN_API zen_status_t zen_convert_to_f32(zen_dtype_t src_dtype, const void *src,
                                        float *dst, size_t count);
/* Converts `count` f32 values to `dst_dtype` (F32, BF16 or F16) at `dst` (any
 * alignment), rounding to nearest, ties to even; values beyond the F16 range
 * become infinities, NaN stays NaN (quiet). */
ZEN_API zen_status_t zen_convert_from_f32(zen_dtype_t dst_dtype,
                                          const float *src, void *dst,
                                          size_t count);

/* ------------------------------------------------------------------------ */
/* Safetensors checkpoints (read)                                             */
/* ------------------------------------------------------------------------ */

/* An open, memory-mapped (read-only) checkpoint. */
typedef struct zen_safetensors zen_safetensors_t;

/* Describes one tensor. The pointers are owned by the checkpoint and stay
 * valid until zen_safetensors_close(). */
typedef struct zen_tensor_info {
  const char *name;       /* HF name, e.g. "model.layers.0.mlp.up_proj.weight" */
  zen_dtype_t dtype;
  int32_t rank;           /* 0 for a scalar */
  const int64_t *shape;   /* `rank` entries (not NULL, even for rank 0) */
  uint64_t num_elements;  /* product of shape (1 for a scalar) */
  uint64_t num_bytes;     /* num_elements * zen_dtype_size(dtype) */
  const char *file;       /* path of the file holding the data */
} zen_tensor_info_t;

/* Opens a checkpoint. `path` is one of
 *   - a safetensors file (any name not ending in ".json"),
 *   - a sharded checkpoint's index, a JSON file such as
 *     "model.safetensors.index.json" with {"weight_map": {tensor: shard file}},
 *     shard paths relative to the index's directory,
 *   - a directory holding "model.safetensors" or, failing that,
 *     "model.safetensors.index.json" (the order transformers uses).
 * Every file is validated completely before this returns: header size and
 * JSON syntax, dtypes, shapes, data_offsets (in range, matching
 * product(shape) * dtype size, no overlaps or holes, covering the data section
 * exactly, as the safetensors specification requires), duplicate names,
 * __metadata__, and for an index every shard and every listed tensor.
 * Tensors are ordered by name. Files are mapped, not read: opening a 100 GB
 * checkpoint costs a few page faults per shard. (As with any mmap, truncating
 * a file while it is open makes later accesses fault.) */
ZEN_API zen_status_t zen_safetensors_open(const char *path,
                                          zen_safetensors_t **out);
/* Unmaps and releases. NULL is a no-op. */
ZEN_API void zen_safetensors_close(zen_safetensors_t *ckpt);

/* Number of tensors. */
ZEN_API zen_status_t zen_safetensors_count(const zen_safetensors_t *ckpt,
                                           size_t *count);
/* Tensor `index` in [0, count), in name order. */
ZEN_API zen_status_t zen_safetensors_info(const zen_safetensors_t *ckpt,
                                          size_t index,
                                          zen_tensor_info_t *info);
/* Looks a tensor up by name; ZEN_STATUS_NOT_FOUND if absent. `index` may be
 * NULL when only the existence check is wanted. */
ZEN_API zen_status_t zen_safetensors_find(const zen_safetensors_t *ckpt,
                                          const char *name, size_t *index);
/* Tensor info by name (find + info). */
ZEN_API zen_status_t zen_safetensors_info_by_name(const zen_safetensors_t *ckpt,
                                                  const char *name,
                                                  zen_tensor_info_t *info);
/* The raw little-endian bytes of tensor `index`, inside the read-only mapping
 * (valid until close). The pointer is NOT guaranteed to be aligned to the
 * element size (files written by zen_safetensors_writer_write are). */
ZEN_API zen_status_t zen_safetensors_data(const zen_safetensors_t *ckpt,
                                          size_t index, const void **data,
                                          uint64_t *num_bytes);
/* Converts tensor `index` (F32, BF16 or F16) to f32 in `dst`, which must hold
 * exactly `dst_count` == num_elements floats. */
ZEN_API zen_status_t zen_safetensors_read_f32(const zen_safetensors_t *ckpt,
                                              size_t index, float *dst,
                                              uint64_t dst_count);

/* Metadata: the "__metadata__" string map (for a sharded checkpoint, the union
 * of the shards' maps; the first shard, in file-name order, wins a conflict).
 * Entries are ordered by key. */
ZEN_API zen_status_t zen_safetensors_metadata_count(const zen_safetensors_t *ckpt,
                                                    size_t *count);
ZEN_API zen_status_t zen_safetensors_metadata_entry(const zen_safetensors_t *ckpt,
                                                    size_t index,
                                                    const char **key,
                                                    const char **value);
/* ZEN_STATUS_NOT_FOUND if `key` is absent. */
ZEN_API zen_status_t zen_safetensors_metadata_get(const zen_safetensors_t *ckpt,
                                                  const char *key,
                                                  const char **value);
/* Number of files (1, or the number of distinct shards). */
ZEN_API zen_status_t zen_safetensors_file_count(const zen_safetensors_t *ckpt,
                                                size_t *count);

/* ------------------------------------------------------------------------ */
/* Safetensors writer                                                         */
/* ------------------------------------------------------------------------ */

/* Collects tensors and metadata, then writes one safetensors file. */
typedef struct zen_safetensors_writer zen_safetensors_writer_t;

ZEN_API zen_status_t zen_safetensors_writer_create(zen_safetensors_writer_t **out);
/* Releases the writer (and never touches the borrowed tensor data). */
ZEN_API void zen_safetensors_writer_free(zen_safetensors_writer_t *writer);
/* Adds a "__metadata__" entry. Keys must be unique. */
ZEN_API zen_status_t zen_safetensors_writer_add_metadata(
    zen_safetensors_writer_t *writer, const char *key, const char *value);
/* Adds a tensor. `data` holds `num_bytes` == product(shape) * dtype size
 * little-endian bytes, row-major; it is BORROWED, not copied, and must stay
 * valid and unchanged until zen_safetensors_writer_write() returns. Names must
 * be unique, non-empty, valid UTF-8 and not "__metadata__". `shape` may be
 * NULL when rank is 0. */
ZEN_API zen_status_t zen_safetensors_writer_add_tensor(
    zen_safetensors_writer_t *writer, const char *name, zen_dtype_t dtype,
    int32_t rank, const int64_t *shape, const void *data, uint64_t num_bytes);
/* Writes everything added so far to `path`, atomically: the bytes go to a
 * temporary file in the same directory, which is fsync'ed, renamed over
 * `path`, and the directory fsync'ed. On any error the temporary file is
 * removed and an existing file at `path` is left untouched. The layout follows
 * the safetensors reference writer: tensors ordered by decreasing element size,
 * then name, so each tensor's data is aligned to its element size; the header
 * is padded with spaces to a multiple of 8 bytes. The writer may be written
 * again (e.g. to another path). */
ZEN_API zen_status_t zen_safetensors_writer_write(
    const zen_safetensors_writer_t *writer, const char *path);

/* ------------------------------------------------------------------------ */
/* Random numbers                                                             */
/* ------------------------------------------------------------------------ */

/* xoshiro256** (Blackman & Vigna, 2018) state; portable and bit-identical on
 * every platform. Plain data: copy it to save or fork a stream. */
typedef struct zen_rng {
  uint64_t s[4];
} zen_rng_t;

/* Seeds the state with four successive outputs of splitmix64 started at
 * `seed` (the seeding its authors recommend; never all-zero). */
ZEN_API zen_status_t zen_rng_seed(zen_rng_t *rng, uint64_t seed);
/* The next 64 random bits (xoshiro256**). */
ZEN_API zen_status_t zen_rng_next_u64(zen_rng_t *rng, uint64_t *value);
/* A double uniform in [0, 1): the top 53 bits of next_u64 times 2^-53. */
ZEN_API zen_status_t zen_rng_next_double(zen_rng_t *rng, double *value);

/* ------------------------------------------------------------------------ */
/* Sampling                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct zen_sampling_config {
  /* >= 0. 0 selects greedy decoding. Logits are divided by it. */
  float temperature;
  /* >= 0. 0 disables top-k; 1 selects greedy decoding. Like transformers'
   * TopKLogitsWarper, tokens tied with the k-th largest logit are kept. */
  int32_t top_k;
  /* In (0, 1]. 1 disables top-p. Nucleus filtering as transformers'
   * TopPLogitsWarper: keep the most probable tokens until their cumulative
   * probability reaches top_p (at least one token is always kept). */
  float top_p;
  /* Seeds the RNG when zen_sample() is given no state. */
  uint64_t seed;
} zen_sampling_config_t;

/* The defaults: temperature 1, top_k 0, top_p 1, seed 0. */
ZEN_API zen_sampling_config_t zen_sampling_config_default(void);
/* Checks a configuration; the message names the offending field. */
ZEN_API zen_status_t zen_sampling_config_validate(const zen_sampling_config_t *config);

/* Picks the next token from `vocab_size` f32 logits.
 *   Greedy (temperature 0 or top_k 1): the index of the largest logit, the
 *   lowest index among ties; the RNG is not used.
 *   Otherwise, in transformers' order: divide by temperature, softmax, keep
 *   the top-k, keep the top-p nucleus of the renormalised survivors, then draw
 *   u = zen_rng_next_double() and return the first surviving token, in
 *   increasing token id, whose cumulative probability exceeds u. Probabilities
 *   are computed in double precision.
 * `rng` is advanced by exactly one draw when sampling, and may be NULL, in
 * which case a fresh state seeded from config->seed is used (so one call with
 * the same config and logits always returns the same token).
 * Errors: NaN or +inf logits (naming the index); all logits -inf; a bad
 * config; vocab_size 0. -inf logits are allowed and mean "never pick". */
ZEN_API zen_status_t zen_sample(const float *logits, size_t vocab_size,
                                const zen_sampling_config_t *config,
                                zen_rng_t *rng, int64_t *token);

/* ------------------------------------------------------------------------ */
/* .npy arrays                                                                */
/* ------------------------------------------------------------------------ */

#define ZEN_NPY_MAX_RANK 8

/* A dense, C-order array read from or written to a .npy file. */
typedef struct zen_npy_array {
  zen_dtype_t dtype;                /* F32, I64 or I32 */
  int32_t rank;                     /* 0..ZEN_NPY_MAX_RANK */
  int64_t shape[ZEN_NPY_MAX_RANK];  /* entries past `rank` are 0 */
  uint64_t num_elements;
  void *data; /* owned; 64-byte aligned; release with zen_npy_array_release */
} zen_npy_array_t;

/* Reads a .npy file (format versions 1.0, 2.0 and 3.0) holding a
 * little-endian '<f4', '<i8' or '<i4' array in C order. Rejects, with a
 * message naming the file: a bad magic or version, a malformed header
 * dictionary, other dtypes, big-endian data, Fortran order, a rank above
 * ZEN_NPY_MAX_RANK, and data shorter or longer than the shape says. */
ZEN_API zen_status_t zen_npy_read(const char *path, zen_npy_array_t *out);
/* Frees `array->data` and zeroes the struct. NULL is a no-op. */
ZEN_API void zen_npy_array_release(zen_npy_array_t *array);
/* Writes a C-order little-endian array (F32, I64 or I32) to `path` (format
 * 1.0, or 2.0 when the header needs it; data 64-byte aligned as numpy does),
 * atomically like zen_safetensors_writer_write. `data` holds
 * product(shape) elements; `shape` may be NULL when rank is 0. */
ZEN_API zen_status_t zen_npy_write(const char *path, zen_dtype_t dtype,
                                   int32_t rank, const int64_t *shape,
                                   const void *data);

/* ------------------------------------------------------------------------ */
/* Compiled models                                                            */
/* ------------------------------------------------------------------------ */

/* A model library built by zen-compile (docs/runtime-abi.md), loaded with
 * dlopen, plus the weights bound to its parameters.
 *
 * Life cycle: zen_model_open -> bind every parameter (zen_model_bind_checkpoint,
 * zen_model_bind_random or zen_model_bind_param) -> any number of
 * zen_model_forward / zen_model_call -> zen_model_close.
 *
 * Threads: the query functions and the calls (zen_model_forward,
 * zen_model_call) only read the model and may run concurrently; binding
 * writes it and must not overlap with anything else on the same model. */
typedef struct zen_model zen_model_t;

/* The runtime ABI version this libzenrt implements (the "zen_abi" of the
 * metadata document). */
#define ZEN_MODEL_ABI_VERSION 1

/* Largest rank of a model's argument or result. */
#define ZEN_MAX_RANK 8

/* Loads a model library with dlopen(RTLD_NOW | RTLD_LOCAL), reads its
 * zen_model_metadata() document and resolves every entry point's symbol.
 * Errors (the message names `path`):
 *   NOT_FOUND       no such file;
 *   INVALID_FORMAT  not a loadable shared object (the dlopen message), a
 *                   shared object that does not export zen_model_metadata
 *                   ("not a Zen model"), malformed metadata (the message
 *                   names the key), or a missing entry symbol;
 *   UNSUPPORTED     a zen_abi other than ZEN_MODEL_ABI_VERSION (the message
 *                   gives both versions and the compiler's zen_version).
 * A relative `path` is taken relative to the working directory, never
 * searched for along LD_LIBRARY_PATH. */
ZEN_API zen_status_t zen_model_open(const char *path, zen_model_t **out);
/* Releases the weights and dlcloses the library. NULL is a no-op. */
ZEN_API void zen_model_close(zen_model_t *model);

/* The model as a whole. Strings are owned by the model. */
typedef struct zen_model_info {
  const char *path;           /* as given to zen_model_open */
  const char *name;           /* metadata "model" ("" when unnamed) */
  const char *family;         /* "dense", "moe", "hybrid", ... or "" */
  const char *zen_version;    /* the compiler that built the library */
  int64_t abi_version;        /* == ZEN_MODEL_ABI_VERSION */
  size_t num_entry_points;
  size_t num_params;          /* distinct parameters over all entry points */
  uint64_t param_elements;    /* their total element count */
  uint64_t param_bytes;       /* their total size in their own dtypes */
  size_t num_bound_params;    /* how many currently have weights */
} zen_model_info_t;
ZEN_API zen_status_t zen_model_info(const zen_model_t *model,
                                    zen_model_info_t *info);
/* The metadata document exactly as the library returned it. */
ZEN_API zen_status_t zen_model_metadata_json(const zen_model_t *model,
                                             const char **json);

/* One argument or result of an entry point. */
typedef enum zen_value_kind {
  ZEN_VALUE_INPUT = 1,  /* an argument the caller passes */
  ZEN_VALUE_PARAM = 2,  /* an argument bound from the weights */
  ZEN_VALUE_RESULT = 3,
  ZEN_VALUE_CACHE = 4,  /* decoding state the caller allocates and passes;
                           prefill/decode update it in place */
  ZEN_VALUE_TRAINABLE = 5, /* train_step: a tensor being trained (a LoRA
                              adapter, or a base weight in full-weight
                              training), updated in place; see zen_trainer */
  ZEN_VALUE_OPTIM = 6,  /* train_step: AdamW state of a trainable
                           ("<name>.exp_avg", "<name>.exp_avg_sq"), updated
                           in place */
  ZEN_VALUE_KIND_MAX_ENUM = 0x7FFFFFFF
} zen_value_kind_t;

typedef struct zen_value_info {
  const char *name;      /* "input_ids", an HF tensor name, "logits" */
  zen_value_kind_t kind;
  zen_dtype_t dtype;     /* F32, BF16, F16, I64, I32 or BOOL */
  int32_t rank;
  const int64_t *shape;  /* `rank` entries; -1 is a dynamic dimension */
  size_t param_index;    /* kind PARAM: index for zen_model_param; else SIZE_MAX */
} zen_value_info_t;

typedef struct zen_entry_point_info {
  const char *name;      /* "forward" */
  const char *symbol;    /* "zen_entry_forward" */
  size_t num_args;       /* inputs and params, in call order */
  size_t num_inputs;     /* the args of kind INPUT */
  size_t num_results;
} zen_entry_point_info_t;

ZEN_API zen_status_t zen_model_entry_point(const zen_model_t *model,
                                           size_t index,
                                           zen_entry_point_info_t *info);
/* NOT_FOUND (listing the model's entry points) if there is none by `name`. */
ZEN_API zen_status_t zen_model_find_entry_point(const zen_model_t *model,
                                                const char *name,
                                                size_t *index);
/* Argument `arg` in [0, num_args) of entry point `entry`. */
ZEN_API zen_status_t zen_model_entry_arg(const zen_model_t *model, size_t entry,
                                         size_t arg, zen_value_info_t *info);
/* Result `result` in [0, num_results) of entry point `entry`. */
ZEN_API zen_status_t zen_model_entry_result(const zen_model_t *model,
                                            size_t entry, size_t result,
                                            zen_value_info_t *info);

/* A parameter: one weight tensor, shared by every entry point that takes it.
 * Parameters are numbered in order of first appearance (entry points in
 * metadata order, then arguments in order). */
typedef struct zen_param_info {
  const char *name;      /* HF name; "{e}" marks a stack of per-expert tensors */
  zen_dtype_t dtype;
  int32_t rank;
  const int64_t *shape;  /* static */
  uint64_t num_elements;
  uint64_t num_bytes;
  size_t num_entry_points;     /* entry points that take it ... */
  const size_t *entry_points;  /* ... by index, increasing */
  int32_t bound;               /* nonzero once it has weights */
  int32_t borrowed;            /* nonzero when the weights point into a
                                  mapped checkpoint (zero-copy) */
} zen_param_info_t;

ZEN_API zen_status_t zen_model_param(const zen_model_t *model, size_t index,
                                     zen_param_info_t *info);
/* NOT_FOUND if the model has no parameter `name`. */
ZEN_API zen_status_t zen_model_find_param(const zen_model_t *model,
                                          const char *name, size_t *index);
/* The bound weights of parameter `index` (num_bytes bytes, row-major, in the
 * parameter's dtype; read-only). INVALID_ARGUMENT if it is not bound. */
ZEN_API zen_status_t zen_model_param_data(const zen_model_t *model,
                                          size_t index, const void **data);

/* ---- Binding weights ---- */

/* Called after each bound parameter (and once before the first, with zeros)
 * with the parameters done and the bytes written or mapped so far. */
typedef void (*zen_bind_progress_fn)(void *user_data, size_t done_params,
                                     size_t total_params, uint64_t done_bytes,
                                     uint64_t total_bytes);

typedef struct zen_bind_options {
  /* Nonzero: checkpoint tensors that no parameter uses are ignored. Zero
   * (the default): they are an error, listing them; a checkpoint with
   * unexpected tensors usually belongs to another model or variant. */
  int32_t allow_extra;
  zen_bind_progress_fn progress;  /* may be NULL */
  void *progress_user_data;
} zen_bind_options_t;

/* allow_extra 0, no progress callback. */
ZEN_API zen_bind_options_t zen_bind_options_default(void);

/* Binds every parameter from a safetensors checkpoint (a file, a directory
 * holding model.safetensors or model.safetensors.index.json, or an index;
 * see zen_safetensors_open).
 *   - Each parameter is found by its HF name. A name containing "{e}" is a
 *     stack of E = shape[0] per-expert tensors: "{e}" is replaced by
 *     0 .. E-1 and the tensors, each of shape shape[1:], are stacked along a
 *     new leading dimension.
 *   - Shapes must match exactly.
 *   - F32, BF16 and F16 tensors convert to the parameter's dtype (F32, BF16
 *     or F16): widening is exact; narrowing rounds to nearest even, and a
 *     finite value that overflows F16 is an error. Integer parameters need
 *     tensors of the same dtype.
 *   - Zero-copy: a tensor whose dtype already matches and whose data is
 *     aligned to its element size is used in place, inside the read-only
 *     mapping (the model keeps the checkpoint mapped); anything else is
 *     copied into 64-byte-aligned memory.
 * Errors name the tensor: NOT_FOUND for a missing tensor (naming the files
 * searched), INVALID_ARGUMENT for a shape mismatch (expected vs found) or
 * for tensors the model does not use, UNSUPPORTED for a dtype that does not
 * convert. When several tensors are at fault the message lists the first
 * few of each kind and counts the rest. On error no parameter changes;
 * on success every parameter is (re)bound. `options` may be NULL. */
ZEN_API zen_status_t zen_model_bind_checkpoint(zen_model_t *model,
                                               const char *path,
                                               const zen_bind_options_t *options);

/* Binds every parameter to deterministic random values: the same (name,
 * shape, seed) always gives the same values, on every machine, whatever the
 * other parameters are. The rule, by parameter name and rank:
 *   - "...A_log":                       log(u), u uniform in [1, 16)
 *   - "...dt_bias":                     0
 *   - "...conv1d.weight":               normal(0, 0.2)
 *   - rank 1 whose last-but-one name component contains "norm" (RMSNorm
 *     weights: input_layernorm, q_norm, model.norm, pre_fc_norm_hidden):
 *     1, except in family "hybrid", whose norms are zero-centred (scale
 *     1 + w) and get 0 -- but "...linear_attn.norm.weight" is a plain scale
 *     there and gets 1
 *   - any other rank >= 2 (matrices, embeddings, stacked experts):
 *                                       normal(0, 0.02)
 *   - any other rank 0 or 1 (biases):   0
 * Normals use Box-Muller over zen_rng (xoshiro256**) seeded with
 * splitmix64(seed ^ fnv1a64(name)); values are drawn in f32 and rounded to
 * the parameter's dtype. Integer parameters get 0. */
ZEN_API zen_status_t zen_model_bind_random(zen_model_t *model, uint64_t seed);

/* Binds one parameter to a copy of caller data of `dtype` and the exact
 * shape `rank`/`shape`, converting dtypes like zen_model_bind_checkpoint. */
ZEN_API zen_status_t zen_model_bind_param(zen_model_t *model, const char *name,
                                          zen_dtype_t dtype, int32_t rank,
                                          const int64_t *shape,
                                          const void *data);

/* ---- Running ---- */

/* A dense row-major tensor passed to or returned by zen_model_call. */
typedef struct zen_tensor {
  zen_dtype_t dtype;
  int32_t rank;                   /* 0..ZEN_MAX_RANK */
  int64_t shape[ZEN_MAX_RANK];    /* entries past `rank` are ignored */
  void *data;                     /* contiguous, aligned to the element size */
} zen_tensor_t;

/* Calls entry point `entry_point` directly: `inputs` are its INPUT args in
 * order (num_inputs must equal the entry point's), each with the declared
 * dtype and rank and the declared size in every static dimension; the
 * parameters are passed from the bound weights (all must be bound).
 * `results` receives the entry point's num_results results; each result's
 * data is allocated by the runtime (64-byte aligned) and released with
 * zen_tensor_release. The compiled code trusts the sizes of dynamic
 * dimensions (e.g. that input_ids and attention_mask agree): checking them
 * is the caller's job, as zen_model_forward does for language models. */
ZEN_API zen_status_t zen_model_call(zen_model_t *model, const char *entry_point,
                                    size_t num_inputs,
                                    const zen_tensor_t *inputs,
                                    size_t num_results, zen_tensor_t *results);
/* Frees tensor->data (allocated by zen_model_call) and zeroes the struct. */
ZEN_API void zen_tensor_release(zen_tensor_t *tensor);
/* Frees memory the runtime handed out (zen_model_forward's logits). */
ZEN_API void zen_free(void *pointer);

/* The vocabulary size V of a language-model entry point: the static last
 * dimension of its "logits" result. */
ZEN_API zen_status_t zen_model_vocab_size(const zen_model_t *model,
                                          const char *entry_point,
                                          int64_t *vocab_size);

/* Runs a language-model entry point (NULL means "forward") on a batch of
 * token sequences and returns float32 logits [batch, seq_len, V].
 * The entry point's inputs are filled by name:
 *   input_ids       `input_ids` [batch, seq_len], each in [0, V) (an error
 *                   names the position and the value);
 *   attention_mask  `attention_mask` [batch, seq_len] of 0/1, or NULL for all
 *                   ones (a mask with zeros for an entry point without an
 *                   attention_mask input is an error);
 *   positions       `positions` [batch, seq_len], or NULL for the default
 *                   cumsum(mask, -1) - 1 clipped at 0 (transformers'
 *                   generate; arange(seq_len) without padding).
 * Each is converted to the input's declared dtype (i64, i32, i1 or f32 for a
 * mask). Any other input is an error: use zen_model_call. The result named
 * "logits" (or the only result) must have shape [batch, seq_len, V]; BF16
 * and F16 logits are converted to f32.
 * Output: when `logits` is not NULL it receives the values and must hold
 * exactly `logits_count` == batch * seq_len * V floats; otherwise the
 * runtime allocates them, stores the pointer in *logits_out (release with
 * zen_free) and ignores logits_count. `logits_out` may be NULL when
 * `logits` is given. batch and seq_len must be >= 1. */
ZEN_API zen_status_t zen_model_forward(zen_model_t *model,
                                       const char *entry_point, int64_t batch,
                                       int64_t seq_len,
                                       const int64_t *input_ids,
                                       const int64_t *attention_mask,
                                       const int64_t *positions, float *logits,
                                       uint64_t logits_count,
                                       float **logits_out);

/* ---- Decoding sessions ---- */

/* A decoding session: the caches of a model's `prefill` and `decode` entry
 * points and the state of a batch of sequences being extended token by
 * token (docs/runtime-abi.md). A session keeps a pointer to its model, which
 * must stay open (and must not be re-bound while a call runs) until the
 * session is freed. A session is used by one thread at a time; several
 * sessions may run on one model concurrently. */
typedef struct zen_session zen_session_t;

/* Creates a session for `batch` sequences of up to `max_seq_len` tokens
 * each (prompt and generated tokens together, padding included).
 * It allocates, zero-filled, every cache argument (kind CACHE) of the
 * `prefill` and `decode` entry points, which share them by name: dimension 0
 * is the batch and any other dynamic dimension is max_seq_len (k/v caches
 * [batch, nkv, max_seq_len, hd]); the other static dimensions are kept
 * (Gated-DeltaNet conv_state [batch, conv_dim, K], recurrent_state
 * [batch, Hv, dk, dv]). Errors:
 *   UNSUPPORTED       the model has no prefill or decode entry point, or one
 *                     takes an input a session cannot supply (it supplies
 *                     input_ids, positions, attention_mask, cache_position
 *                     and the caches);
 *   INVALID_ARGUMENT  batch or max_seq_len < 1, or a static dimension of the
 *                     model's inputs disagrees with them (a model built for
 *                     batch 4, say);
 *   OUT_OF_MEMORY     the caches do not fit (the message gives their size). */
ZEN_API zen_status_t zen_session_create(zen_model_t *model, int64_t batch,
                                        int64_t max_seq_len,
                                        zen_session_t **out);
/* Frees the caches. NULL is a no-op. */
ZEN_API void zen_session_free(zen_session_t *session);
/* Starts over: zero caches, empty sequences (cache position 0, every
 * sequence's next position 0). */
ZEN_API zen_status_t zen_session_reset(zen_session_t *session);

/* Appends `seq_len` tokens to every sequence and runs them through
 * `prefill`:
 *   input_ids       [batch, seq_len], each in [0, V);
 *   attention_mask  [batch, seq_len] of 0/1, or NULL for all ones. Padding
 *                   (0) may come anywhere, typically on the left of a batch
 *                   of prompts of different lengths; a padded token takes a
 *                   cache slot but nothing attends to it.
 * The tokens take the cache slots [cache_position, cache_position +
 * seq_len), shared by the batch; their position ids are each sequence's
 * running count of real tokens, cumsum(mask) - 1 clipped at 0, continued
 * from earlier calls (transformers' generate). The entry point gets
 * attention_mask = the session's slot mask [batch, max_seq_len] (1 where a
 * slot holds a real token), cache_position, and the caches, which it updates
 * in place. Prefill may be called several times (a long prompt in chunks)
 * and after decode.
 * `logits`, when not NULL, receives the float32 logits of each sequence's
 * last token, [batch, V] (batch * V floats; V = zen_session_info's
 * vocab_size). Errors (the session is unchanged): INVALID_ARGUMENT when
 * seq_len < 1, the tokens do not fit ("prefill of 40 tokens at position 100
 * exceeds max_seq_len 128"), an id is outside the vocabulary or a mask
 * value is not 0/1 (naming the element). */
ZEN_API zen_status_t zen_session_prefill(zen_session_t *session,
                                         int64_t seq_len,
                                         const int64_t *input_ids,
                                         const int64_t *attention_mask,
                                         float *logits);
/* Appends one real token per sequence, input_ids [batch], and runs it
 * through `decode`; `logits` (or NULL) receives [batch, V] float32 logits.
 * Errors as zen_session_prefill ("decode of 1 token at position 128 exceeds
 * max_seq_len 128"). */
ZEN_API zen_status_t zen_session_decode(zen_session_t *session,
                                        const int64_t *input_ids,
                                        float *logits);

typedef struct zen_session_info {
  int64_t batch;
  int64_t max_seq_len;
  int64_t vocab_size;         /* V of the logits */
  int64_t cache_position;     /* slots used so far = the next free slot */
  const int64_t *attention_mask; /* [batch, max_seq_len]: 1 where a slot
                                    holds a real token */
  const int64_t *next_positions; /* [batch]: each sequence's next position
                                    id (its count of real tokens) */
  size_t num_caches;
  uint64_t cache_bytes;       /* all caches together */
} zen_session_info_t;
/* The session's state; the arrays are owned by the session and change with
 * each call. */
ZEN_API zen_status_t zen_session_info(const zen_session_t *session,
                                      zen_session_info_t *info);
/* Cache `index` in [0, num_caches): its name ("layers.0.k_cache") and a view
 * of the buffer the entry points update in place (dtype, resolved shape,
 * data owned by the session). */
ZEN_API zen_status_t zen_session_cache(const zen_session_t *session,
                                       size_t index, const char **name,
                                       zen_tensor_t *tensor);

/* ---- Training (libraries built with zen-compile --train) ---- */

/* The "training" object of the metadata: what the train_step entry point
 * was compiled with (docs/runtime-abi.md). Strings are owned by the model. */
typedef struct zen_training_info {
  const char *algorithm;      /* "gspo" or "grpo" */
  int64_t group_size;         /* G: completions per prompt */
  const char *gspo_level;     /* "sequence" or "token" */
  const char *loss_type;      /* "grpo", "bnpo", "dr_grpo", "dapo" */
  const char *scale_rewards;  /* "group", "batch", "none" */
  double epsilon_low, epsilon_high, beta, temperature;
  double learning_rate;       /* the default of zen_trainer_step */
  double weight_decay, adam_beta1, adam_beta2, adam_epsilon, max_grad_norm;
  int64_t max_seq_length;     /* 0: no limit compiled in */
  int32_t lora;               /* nonzero: LoRA adapters; 0: all weights */
  int64_t lora_r;
  double lora_alpha, lora_dropout;
  int32_t use_rslora;
  size_t num_target_modules;
  const char *const *target_modules; /* "q_proj", ... */
  /* train_step's static batch shape (input_ids [N, T]), 0 where dynamic */
  int64_t static_num_sequences, static_seq_len;
  /* nonzero: compiled with --materialize-logits (the log-prob builds the
     whole [tokens x V] logits; the unfused baseline of scripts/bench train) */
  int32_t materialize_logits;
} zen_training_info_t;

/* UNSUPPORTED "<path> was compiled without --train ..." for a model without
 * a train_step entry point. */
ZEN_API zen_status_t zen_model_training_info(const zen_model_t *model,
                                             zen_training_info_t *info);

/* A training batch: N = P x G sequences of T tokens, prompt then completion
 * (rows of one group contiguous). All arrays are row-major and borrowed. */
typedef struct zen_train_batch {
  int64_t num_sequences;          /* N */
  int64_t seq_len;                /* T */
  const int64_t *input_ids;       /* [N, T] */
  const int64_t *attention_mask;  /* [N, T] of 0/1, or NULL: all ones */
  const float *completion_mask;   /* [N, T] of 0/1: the completion tokens
                                     that count (through EOS); [i, 0] is 0 */
  const float *rewards;           /* [N] */
  const float *old_logprobs;      /* [N, T] (entry t: log p of token t), or
                                     NULL: on-policy (ratio 1 with gradient) */
  const float *ref_logprobs;      /* [N, T], or NULL; needed when beta != 0 */
} zen_train_batch_t;

/* A batch read from a batch.safetensors file; owns its arrays. */
typedef struct zen_train_batch_file zen_train_batch_file_t;

/* Reads and checks a batch file: input_ids [N, T] int64 (or int32),
 * completion_mask [N, T] (BOOL, U8, I32, I64 or F32, values 0/1), rewards
 * [N] F32, and optionally old_logprobs [N, T] F32, attention_mask [N, T]
 * (as completion_mask) and ref_logprobs [N, T] F32 (BF16/F16 convert).
 * Errors name the tensor: NOT_FOUND for a missing one, INVALID_ARGUMENT for
 * a wrong rank, shape or dtype, a mask value other than 0/1, or a tensor
 * that is not part of a batch. */
ZEN_API zen_status_t zen_train_batch_read(const char *path,
                                          zen_train_batch_file_t **out);
/* A view of the file's batch, valid until zen_train_batch_file_free. */
ZEN_API zen_status_t zen_train_batch_file_view(
    const zen_train_batch_file_t *file, zen_train_batch_t *batch);
ZEN_API void zen_train_batch_file_free(zen_train_batch_file_t *file);
/* Writes `batch` as a batch.safetensors file (masks I64/F32), atomically. */
ZEN_API zen_status_t zen_train_batch_write(const char *path,
                                           const zen_train_batch_t *batch);

/* Checks `batch` against the model's train_step, as zen_trainer_step does
 * before running: N a multiple of group_size, a completion (through EOS) in
 * every row and never at position 0, no completion token on padding, 0/1
 * masks, ids in the vocabulary, finite rewards and old log-probs on
 * completion tokens, T within max_seq_length, ref_logprobs when the model
 * takes them (beta != 0). Messages start with `label` (NULL: "training
 * batch"), e.g. "batch.safetensors: completion_mask row 3 is all zeros: ...".
 */
ZEN_API zen_status_t zen_model_check_train_batch(const zen_model_t *model,
                                                 const zen_train_batch_t *batch,
                                                 const char *label);

/* A trainer: the tensors train_step trains (f32) and their AdamW state,
 * owned by the runtime and updated in place by each step. It keeps a pointer
 * to its model, which must stay open and bound. One thread at a time. */
typedef struct zen_trainer zen_trainer_t;

typedef struct zen_trainer_options {
  /* LoRA: seed of the A matrices' init, U(-1/sqrt(in), 1/sqrt(in)) (PEFT's
   * kaiming_uniform(a = sqrt(5))), each from its own stream
   * (xoshiro256** seeded with seed ^ fnv1a64(name)); B = 0. */
  uint64_t seed;
  /* LoRA: a PEFT adapter directory (adapter_model.safetensors +
   * adapter_config.json) to start from instead; r, lora_alpha and
   * target_modules must agree with the model's training.lora. NULL: none. */
  const char *adapter;
  /* Full weights: a checkpoint holding trainables that are not bound as
   * the model's parameters. NULL: none (they must be bound). */
  const char *weights;
  /* adapter_config.json's base_model_name_or_path; NULL: the model name. */
  const char *base_model_name_or_path;
} zen_trainer_options_t;

/* seed 0, everything else NULL. */
ZEN_API zen_trainer_options_t zen_trainer_options_default(void);

/* Creates a trainer for the model's train_step entry point: LoRA adapters
 * from the seed or an adapter, or (full-weight training) f32 copies of the
 * bound weights; optimizer state zero; step count 0. Errors: UNSUPPORTED
 * "... was compiled without --train" without a train_step entry point;
 * INVALID_ARGUMENT naming the key for an adapter that does not match. */
ZEN_API zen_status_t zen_trainer_create(zen_model_t *model,
                                        const zen_trainer_options_t *options,
                                        zen_trainer_t **out);
ZEN_API void zen_trainer_free(zen_trainer_t *trainer);

typedef struct zen_train_step_result {
  float loss;
  float mean_ratio;    /* GSPO: mean sequence ratio; GRPO: mean token ratio */
  float clip_fraction;
  float grad_norm;     /* global L2 norm before clipping */
  int32_t skipped;     /* nonzero: non-finite loss or gradient; nothing was
                          updated and the step count did not advance */
  int64_t step;        /* AdamW's t of this step (1-based) */
} zen_train_step_result_t;

/* Runs one train_step: checks the batch against the model (N a multiple of
 * group_size, a completion in every row, ids in the vocabulary, T within
 * max_seq_length, ref_logprobs when beta != 0; errors name the tensor and
 * the row), converts it to the entry point's dtypes, computes positions
 * (cumsum(attention_mask) - 1 clamped at 0), and passes learning_rate
 * (<= 0: the compiled default) and step = steps so far + 1. */
ZEN_API zen_status_t zen_trainer_step(zen_trainer_t *trainer,
                                      const zen_train_batch_t *batch,
                                      float learning_rate,
                                      zen_train_step_result_t *result);

/* Optimizer steps taken (the "step" of a checkpoint). */
ZEN_API zen_status_t zen_trainer_step_count(const zen_trainer_t *trainer,
                                            int64_t *steps);
ZEN_API zen_status_t zen_trainer_num_tensors(const zen_trainer_t *trainer,
                                             size_t *count);

typedef struct zen_trainer_tensor {
  const char *name;       /* PEFT name (LoRA) or HF name (full) */
  int32_t rank;
  const int64_t *shape;
  uint64_t num_elements;
  const float *value;     /* the trained values */
  const float *exp_avg;   /* AdamW first moment */
  const float *exp_avg_sq;/* AdamW second moment */
  const float *grad;      /* the last step's raw gradient, or NULL */
} zen_trainer_tensor_t;
/* Tensor `index`, in train_step's argument order; the pointers are owned by
 * the trainer and change with each step. */
ZEN_API zen_status_t zen_trainer_tensor(const zen_trainer_t *trainer,
                                        size_t index,
                                        zen_trainer_tensor_t *tensor);

/* Saves the LoRA adapters as a PEFT directory (adapter_model.safetensors,
 * adapter_config.json), atomically. */
ZEN_API zen_status_t zen_trainer_save_adapter(const zen_trainer_t *trainer,
                                              const char *dir);
/* Saves the last step's gradients (safetensors, trainable names). */
ZEN_API zen_status_t zen_trainer_save_grads(const zen_trainer_t *trainer,
                                            const char *path);
/* Saves a checkpoint directory: the adapter (or model.safetensors for full
 * weights), optimizer.safetensors and trainer_state.json, atomically (a
 * temporary directory swapped in by one rename: a crash leaves the old
 * checkpoint or the new one). An existing directory is replaced only if it
 * holds nothing but checkpoint files. */
ZEN_API zen_status_t zen_trainer_save_checkpoint(const zen_trainer_t *trainer,
                                                 const char *dir);
/* Resumes from a checkpoint: trained values, optimizer state and step
 * count; a checkpoint of another model or configuration is an error naming
 * what differs, and leaves the trainer unchanged. */
ZEN_API zen_status_t zen_trainer_load_checkpoint(zen_trainer_t *trainer,
                                                 const char *dir);

/* The built-in verifiable toy task (zen-run gspo): prompts of prompt_len
 * random ids; a completion's reward is the fraction of its completion_len
 * tokens equal to target_token (counting up to and including the first
 * eos_token; eos_token < 0: none). */
typedef struct zen_toy_task_config {
  int64_t num_prompts;     /* P; the batch has P x group_size sequences */
  int64_t prompt_len;
  int64_t completion_len;  /* L */
  int64_t target_token;
  int64_t eos_token;
  float learning_rate;     /* <= 0: the compiled default */
  uint64_t seed;           /* seeds the trainer's task stream (below) */
} zen_toy_task_config_t;

/* 8 prompts of 4 tokens, completions of 16, target 7, no EOS, the
 * compiled learning rate. */
ZEN_API zen_toy_task_config_t zen_toy_task_config_default(void);
ZEN_API float zen_toy_task_reward(const int64_t *completion, int64_t length,
                                  int64_t target_token, int64_t eos_token);

typedef struct zen_toy_step_result {
  float mean_reward;   /* of the completions sampled before the update */
  zen_train_step_result_t train;
} zen_toy_step_result_t;

/* One GSPO step on the toy task: draws prompts from `rng` (NULL: the
 * trainer's own stream, seeded from config->seed on first use and saved in
 * and restored from checkpoints, so that a resumed run samples exactly what
 * an uninterrupted one would), samples
 * group_size completions per prompt with the current policy (the model's
 * prefill/decode, else forward, run with the trained weights: LoRA merged
 * into copies of the base weights; temperature = training.temperature),
 * scores them, and runs zen_trainer_step on-policy. */
ZEN_API zen_status_t zen_trainer_toy_step(zen_trainer_t *trainer,
                                          const zen_toy_task_config_t *config,
                                          zen_rng_t *rng,
                                          zen_toy_step_result_t *result);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ZEN_RUNTIME_H */
