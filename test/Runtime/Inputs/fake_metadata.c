/* A library exporting zen_model_metadata() with the JSON document given as
 * the macro METADATA (a string literal), for zen-run's error tests. */
const char *zen_model_metadata(void) { return METADATA; }
void zen_entry_forward(void **args) { (void)args; }
