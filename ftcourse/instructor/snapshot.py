"""Trying a variant of an answer in the kernel of a reference run, then putting everything back.

Instructor checks only (`RunSettings.variants`): to see whether the tests catch plausible wrong
answers and accept correct alternatives, the grader runs each variant in place of an answer cell,
just before the real one, and exports what its tests read. `begin` gives the variant deep copies of
the objects it could change in place (models, datasets, containers, arrays) and records the random
state and working folder; `end` restores the names, the objects, the random state and the folder,
so the reference answer then runs exactly as it would have without the variant.
"""
import copy
import os
import random

_SAVED = []
_COPIED = ("torch.nn.modules.module.Module", "datasets.arrow_dataset.Dataset", "datasets.dataset_dict.DatasetDict",
           "numpy.ndarray", "builtins.dict", "builtins.list", "builtins.set")


def _copied(value) -> bool:
    names = {f"{c.__module__}.{c.__qualname__}" for c in type(value).__mro__}
    return any(name in names for name in _COPIED)


def _random_state() -> dict:
    state = {"random": random.getstate()}
    try:
        import numpy as np

        state["numpy"] = np.random.get_state()
    except ImportError:
        pass
    try:
        import torch

        state["torch"] = torch.get_rng_state()
        if torch.cuda.is_available():
            state["cuda"] = torch.cuda.get_rng_state_all()
    except ImportError:
        pass
    return state


def _restore_random(state: dict) -> None:
    random.setstate(state["random"])
    if "numpy" in state:
        import numpy as np

        np.random.set_state(state["numpy"])
    if "torch" in state:
        import torch

        torch.set_rng_state(state["torch"])
        if "cuda" in state:
            torch.cuda.set_rng_state_all(state["cuda"])


def begin(namespace: dict) -> None:
    _SAVED.append({"names": dict(namespace), "cwd": os.getcwd(), "random": _random_state()})
    memo = {}
    for name, value in list(namespace.items()):
        if name.startswith("_") or not _copied(value):
            continue
        try:
            namespace[name] = copy.deepcopy(value, memo)
        except Exception:  # noqa: BLE001 - what cannot be copied is shared, as it would be anyway
            pass


def end(namespace: dict) -> None:
    saved = _SAVED.pop()
    namespace.clear()
    namespace.update(saved["names"])
    os.chdir(saved["cwd"])
    _restore_random(saved["random"])
