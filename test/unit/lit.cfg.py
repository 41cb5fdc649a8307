# -*- Python -*-
# GoogleTest binaries under build/test/unit run as part of check-zen.

import os

import lit.formats

config.name = "ZEN-Unit"
config.suffixes = []
config.test_exec_root = os.path.join(config.zen_obj_root, "test", "unit")
config.test_source_root = config.test_exec_root
config.test_format = lit.formats.GoogleTest(".", "Tests")
