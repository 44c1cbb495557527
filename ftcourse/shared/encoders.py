"""What the lessons need to know about the layout of an encoder they fine-tune, per architecture.

The `ci` and `cpu` profiles fine-tune MiniLM, a BERT model; the `gpu` profile fine-tunes MPNet. Both
stack the same kind of layer (attention, then a feed-forward block), but their `Linear` modules have
other names (BERT's `attention.self.query` is MPNet's `attention.attn.q`), and their classification
heads differ (BERT: one `Linear(hidden, labels)` on the pooled `[CLS]` vector; MPNet: a
`Linear(hidden, hidden)` and then a `Linear(hidden, labels)`). Lessons, checks and tests ask this
module instead of writing one architecture's names, so the same code serves both.
"""
from dataclasses import dataclass, field

from .errors import CourseError


@dataclass(frozen=True)
class EncoderLayout:
    """The module names of one encoder architecture, as `LoraConfig(target_modules=...)` takes them."""

    model_type: str = field(metadata={"help": "the architecture's `config.model_type`"})
    query_value: tuple = field(metadata={"help": "target_modules names of the attention's query and value "
                                                 "projections (the original LoRA paper's choice)"})
    layer_linears: tuple = field(metadata={"help": "target_modules names of every Linear inside one layer"})
    head: str = field(default="classifier", metadata={"help": "the attribute that holds the classification head"})


LAYOUTS = {
    "bert": EncoderLayout(model_type="bert", query_value=("query", "value"),
                          layer_linears=("query", "key", "value", "attention.output.dense", "intermediate.dense",
                                         "output.dense")),
    "mpnet": EncoderLayout(model_type="mpnet", query_value=("q", "v"),
                           layer_linears=("q", "k", "v", "o", "intermediate.dense", "output.dense")),
}


def layout(model_or_config) -> EncoderLayout:
    """The layout of a model, a transformers config, or a `config.model_type` string."""
    config = getattr(model_or_config, "config", model_or_config)
    model_type = config if isinstance(config, str) else getattr(config, "model_type", None)
    if model_type not in LAYOUTS:
        raise CourseError(f"the course knows the module names of {', '.join(LAYOUTS)} encoders, not of "
                          f"{model_type!r}: add its EncoderLayout to ftcourse/shared/encoders.py")
    return LAYOUTS[model_type]


def encoder_layers(model):
    """The list of layers of an encoder model (a PeftModel or a transformers model)."""
    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    return inner.base_model.encoder.layer


def head_shapes(model) -> list:
    """(in_features, out_features) of each Linear of the model's classification head, in order."""
    import torch

    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    head = getattr(inner, layout(inner).head)
    head = getattr(head, "original_module", head)  # peft's ModulesToSaveWrapper keeps the original inside
    return [(m.in_features, m.out_features) for m in head.modules() if isinstance(m, torch.nn.Linear)]


def token_columns(model_dir) -> list:
    """The columns a tokenized classification dataset has for the encoder in `model_dir`: `label` and
    what its tokenizer returns (`input_ids`, `token_type_ids` for BERT, `attention_mask`; MPNet's
    tokenizer returns no `token_type_ids`)."""
    from transformers import AutoTokenizer

    return ["label", *AutoTokenizer.from_pretrained(str(model_dir)).model_input_names]


def course_tokenizer(course):
    """The tokenizer saved with the course's encoder, loaded fresh: what an answer cell that the
    grader runs on its own gets as `tokenizer` (lessons 01 and 02)."""
    from transformers import AutoTokenizer

    from .scoring import quiet

    with quiet():
        return AutoTokenizer.from_pretrained(course.model_dir)
