/* A shared library that is not a Zen model (no zen_model_metadata), for
 * RuntimeModelOpenTest.cpp. */
int zen_not_a_model(void) { return 42; }
