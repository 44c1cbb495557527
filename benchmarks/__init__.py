"""The course's benchmark suite (`make bench`, `python -m benchmarks`).

It measures the claims the lessons make (the Trainer costs next to nothing over a plain loop,
dynamic padding and batched tokenization are much faster, LoRA is cheaper than full fine-tuning,
the notebooks and the cpu fine-tune fit their time budgets) on the machine at hand, running both
sides of every comparison in the same invocation, and writes one table per machine to
benchmarks/results/.
"""
