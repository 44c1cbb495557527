"""Comparing a LoraConfig with what an exercise asks for, field by field (lessons 03 and 05).

Works on a real `LoraConfig` and on the record of one that the grader read back from a student's
kernel (both have `to_dict`)."""


def config_fields(config) -> dict:
    """The fields of a LoraConfig (or of its exported record) as plain values: enums as their text,
    target_modules as a set when it is a list."""
    fields = dict(config.to_dict())
    for key, value in fields.items():
        if isinstance(value, str):
            fields[key] = str.__str__(value)
    if isinstance(fields.get("target_modules"), (list, tuple, set, frozenset)):
        fields["target_modules"] = set(fields["target_modules"])
    return fields


def default_fields() -> dict:
    from peft import LoraConfig

    return config_fields(LoraConfig())


def config_differences(config, wanted: dict) -> list:
    """The fields of `config` (a LoraConfig or its record) that differ from `wanted`, and from
    LoraConfig's defaults for the fields `wanted` does not name (a few bookkeeping fields aside)."""
    ignore = {"peft_type", "auto_mapping", "peft_version", "base_model_name_or_path", "revision", "inference_mode",
              "modules_to_save", "megatron_core"}
    found, defaults = config_fields(config), default_fields()
    differ = []
    for key, default in defaults.items():
        if key in ignore:
            continue
        target = wanted.get(key, default)
        value = found.get(key, "<missing>")
        if isinstance(target, float) and isinstance(value, (int, float)) and not isinstance(value, bool):
            same = abs(value - target) < 1e-9
        else:
            same = value == target
        if not same:
            differ.append(key)
    return differ
