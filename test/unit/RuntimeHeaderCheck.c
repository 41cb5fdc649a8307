/* Compiles zen/runtime.h as strict C99 (see test/unit/CMakeLists.txt) and
 * calls a few functions, so a C++-only construct in the public header, or a
 * missing export, fails the build of ZenRuntimeTests. */
#include "zen/runtime.h"

int zenRuntimeHeaderCheck(void) {
  zen_rng_t rng;
  uint64_t value = 0;
  zen_sampling_config_t config = zen_sampling_config_default();
  zen_status_t status = zen_rng_seed(&rng, 0);
  if (status) {
    zen_status_free(status);
    return 1;
  }
  status = zen_rng_next_u64(&rng, &value);
  zen_status_free(status);
  if (value != 0x99ec5f36cb75f2b4ull || config.top_p != 1.0f)
    return 2;
  status = zen_safetensors_open(NULL, NULL);
  if (zen_status_code(status) != ZEN_STATUS_INVALID_ARGUMENT)
    return 3;
  zen_status_free(status);
  return 0;
}
