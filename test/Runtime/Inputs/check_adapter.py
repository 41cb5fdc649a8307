"""Checks a PEFT adapter directory as PeftModel.from_pretrained reads it:
adapter_config.json is a LoraConfig (known keys, the given r / lora_alpha /
target_modules), adapter_model.safetensors holds exactly the given tensors
under PEFT names, f32, with "format": "pt" metadata. Prints "adapter ok".

usage: check_adapter.py SRC_ROOT DIR R ALPHA TARGET[,TARGET...] NAME...
"""
import json
import os
import sys

src_root, directory, r, alpha, targets = sys.argv[1:6]
names = sys.argv[6:]
sys.path.insert(0, os.path.join(src_root, "test", "reference"))
import safetensors_io as st  # noqa: E402

# The fields of peft.LoraConfig (and its PeftConfig base) that Zen writes.
LORA_CONFIG_FIELDS = {
    "alpha_pattern", "base_model_name_or_path", "bias", "fan_in_fan_out",
    "inference_mode", "init_lora_weights", "lora_alpha", "lora_dropout",
    "modules_to_save", "peft_type", "r", "rank_pattern", "target_modules",
    "task_type", "use_rslora"}

with open(os.path.join(directory, "adapter_config.json")) as f:
    config = json.load(f)
unknown = set(config) - LORA_CONFIG_FIELDS
assert not unknown, f"keys LoraConfig does not have: {unknown}"
assert config["peft_type"] == "LORA" and config["task_type"] == "CAUSAL_LM"
assert config["bias"] == "none" and config["use_rslora"] is False
assert config["r"] == int(r), config["r"]
assert config["lora_alpha"] == float(alpha), config["lora_alpha"]
assert config["target_modules"] == targets.split(","), config["target_modules"]
assert isinstance(config["lora_dropout"], float)
assert isinstance(config["base_model_name_or_path"], str)

tensors, metadata = st.load_file(
    os.path.join(directory, "adapter_model.safetensors"))
assert metadata == {"format": "pt"}, metadata
assert sorted(tensors) == sorted(names), sorted(tensors)
for name, value in tensors.items():
    assert value.dtype.name == "float32", (name, value.dtype)
    assert name.startswith("base_model.model.") and (
        name.endswith(".lora_A.weight") or name.endswith(".lora_B.weight"))
print("adapter ok")
