/*
 * zen/runtime.h - the C API of libzenrt, Zen's runtime library.
 *
 * libzenrt runs what zen-compile produces. It has no LLVM or MLIR dependency
 * and this header is plain C99, usable from C, C++ and FFIs (Python ctypes).
 *
 * This first part covers the pieces that do not depend on compiled models:
 *   - status objects             (zen_status_*)
 *   - element types               (zen_dtype_*, zen_convert_*)
 *   - safetensors checkpoints     (zen_safetensors_*: a file, a directory, or a
 *                                  sharded model.safetensors.index.json; mmap)
 *   - an atomic safetensors writer (zen_safetensors_writer_*)
 *   - a portable seeded PRNG      (zen_rng_*)
 *   - token sampling              (zen_sample: greedy, temperature, top-k, top-p)
 *   - .npy arrays                 (zen_npy_*: f32 / i64 / i32)
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
  /* Not a dtype: makes the enum 32 bits wide, so any int32 a caller passes
   * is a valid value (and is rejected with a message, not undefined). */
  ZEN_DTYPE_MAX_ENUM = 0x7FFFFFFF
} zen_dtype_t;

/* The safetensors spelling ("F32", "BF16", "F16", "I64", "I32"), or
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

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ZEN_RUNTIME_H */
