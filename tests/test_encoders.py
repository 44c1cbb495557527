"""Both encoders of the course (MiniLM, a BERT; MPNet, the gpu profile's) through one layout table:
target names that exist, heads counted right, and LoRA counts that match peft for either."""
import pytest
import torch
from transformers import AutoModelForSequenceClassification, BertConfig, MPNetConfig

from ftcourse.lessons.lora_peft import checks as lora_checks
from ftcourse.shared import encoders
from ftcourse.shared.errors import CourseError

SMALL = dict(hidden_size=32, num_attention_heads=2, num_hidden_layers=2, intermediate_size=64, num_labels=3,
             vocab_size=64, max_position_embeddings=40)


def skeleton(config_class):
    with torch.device("meta"):
        return AutoModelForSequenceClassification.from_config(config_class(**SMALL))


@pytest.mark.parametrize("config_class", [BertConfig, MPNetConfig])
def test_every_layout_name_is_a_linear_of_each_layer(config_class):
    model = skeleton(config_class)
    found = encoders.layout(model)
    linears = {name for name, module in encoders.encoder_layers(model)[0].named_modules()
               if isinstance(module, torch.nn.Linear)}
    matched = {target: {name for name in linears if name == target or name.endswith("." + target)}
               for target in found.layer_linears}
    assert all(matched.values()), matched  # every name adapts something (as peft matches: a dotted suffix)
    assert set().union(*matched.values()) == linears  # and together they name every Linear of the layer
    assert set(found.query_value) <= set(found.layer_linears)


def test_heads_differ_between_the_architectures():
    assert encoders.head_shapes(skeleton(BertConfig)) == [(32, 3)]
    assert encoders.head_shapes(skeleton(MPNetConfig)) == [(32, 32), (32, 3)]


@pytest.mark.parametrize("config_class", [BertConfig, MPNetConfig])
def test_the_formula_with_head_shapes_matches_peft(config_class):
    config = config_class(**SMALL)
    targets = list(encoders.layout(config).query_value)
    shapes = lora_checks.layer_shapes(config, targets)
    head = lora_checks.meta_head_shapes(config)
    by_hand = config.num_hidden_layers * sum(4 * (i + o) for i, o in shapes) + sum(i * o + o for i, o in head)
    assert by_hand == lora_checks.peft_trainable_count(config, 4, targets)


def test_unseen_configs_cover_both_architectures():
    import numpy as np

    rng = np.random.default_rng(0)
    kinds = {lora_checks.unseen_config(rng).model_type for _ in range(20)}
    assert kinds == {"bert", "mpnet"}
    mpnet = lora_checks.unseen_config(rng, "mpnet")
    assert set(lora_checks.unseen_targets(rng, mpnet)) <= set(encoders.LAYOUTS["mpnet"].layer_linears)


def test_an_unknown_architecture_names_the_fix():
    with pytest.raises(CourseError, match="add its EncoderLayout to ftcourse/shared/encoders.py"):
        encoders.layout("gpt2")
