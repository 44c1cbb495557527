"""Lesson 05: instruction-tuning a small causal language model (SmolLM2-135M-Instruct) with LoRA to
write news headlines. `headlines.py` holds the task's data and per-profile recipe, `checks.py` the
helpers its tests call."""

# Its notebook fine-tunes a model: grading it in the gpu profile asks a cluster for a GPU (backends.py).
FINE_TUNES = True
