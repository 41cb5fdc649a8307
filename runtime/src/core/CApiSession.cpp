//===- CApiSession.cpp - C API: decoding sessions -------------------------===//

#include "CApi.h"
#include "CApiModel.h"
#include "Session.h"

#include <cstring>

using namespace zen::rt;

struct zen_session {
  std::unique_ptr<Session> session;
};

extern "C" {

zen_status_t zen_session_create(zen_model_t *model, int64_t batch,
                                int64_t max_seq_len, zen_session_t **out) {
  return guard("zen_session_create", [&]() -> zen_status_t {
    const char *fn = "zen_session_create";
    ZEN_RETURN_IF_ERROR(requireNonNull(model, fn, "model"));
    ZEN_RETURN_IF_ERROR(requireNonNull(out, fn, "out"));
    std::unique_ptr<zen_session> handle(new zen_session());
    ZEN_RETURN_IF_ERROR(prefixStatus(
        Session::create(*model->model, batch, max_seq_len, handle->session),
        cat(fn, ": ")));
    *out = handle.release();
    return nullptr;
  });
}

void zen_session_free(zen_session_t *session) { delete session; }

zen_status_t zen_session_reset(zen_session_t *session) {
  ZEN_RETURN_IF_ERROR(requireNonNull(session, "zen_session_reset", "session"));
  session->session->reset();
  return nullptr;
}

zen_status_t zen_session_prefill(zen_session_t *session, int64_t seq_len,
                                 const int64_t *input_ids,
                                 const int64_t *attention_mask, float *logits) {
  return guard("zen_session_prefill", [&]() -> zen_status_t {
    const char *fn = "zen_session_prefill";
    ZEN_RETURN_IF_ERROR(requireNonNull(session, fn, "session"));
    ZEN_RETURN_IF_ERROR(requireNonNull(input_ids, fn, "input_ids"));
    return prefixStatus(
        session->session->prefill(seq_len, input_ids, attention_mask, logits),
        cat(fn, ": "));
  });
}

zen_status_t zen_session_decode(zen_session_t *session,
                                const int64_t *input_ids, float *logits) {
  return guard("zen_session_decode", [&]() -> zen_status_t {
    const char *fn = "zen_session_decode";
    ZEN_RETURN_IF_ERROR(requireNonNull(session, fn, "session"));
    ZEN_RETURN_IF_ERROR(requireNonNull(input_ids, fn, "input_ids"));
    return prefixStatus(session->session->decode(input_ids, logits),
                        cat(fn, ": "));
  });
}

zen_status_t zen_session_info(const zen_session_t *session,
                              zen_session_info_t *info) {
  ZEN_RETURN_IF_ERROR(requireNonNull(session, "zen_session_info", "session"));
  ZEN_RETURN_IF_ERROR(requireNonNull(info, "zen_session_info", "info"));
  const Session &s = *session->session;
  info->batch = s.batch();
  info->max_seq_len = s.maxSeqLen();
  info->vocab_size = s.vocabSize();
  info->cache_position = s.cachePosition();
  info->attention_mask = s.slotMask().data();
  info->next_positions = s.nextPositions().data();
  info->num_caches = s.caches().size();
  info->cache_bytes = s.cacheBytes();
  return nullptr;
}

zen_status_t zen_session_cache(const zen_session_t *session, size_t index,
                               const char **name, zen_tensor_t *tensor) {
  const char *fn = "zen_session_cache";
  ZEN_RETURN_IF_ERROR(requireNonNull(session, fn, "session"));
  const Session &s = *session->session;
  if (index >= s.caches().size())
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat(fn, ": cache index ", index,
                          " is out of range (the session has ",
                          s.caches().size(), ")"));
  const Session::Cache &c = s.caches()[index];
  if (name)
    *name = c.name.c_str();
  if (tensor) {
    std::memset(tensor, 0, sizeof(*tensor));
    tensor->dtype = c.dtype;
    tensor->rank = static_cast<int32_t>(c.shape.size());
    for (size_t d = 0; d < c.shape.size(); ++d)
      tensor->shape[d] = c.shape[d];
    tensor->data = c.data.get();
  }
  return nullptr;
}

} // extern "C"
