"""The sentiment fine-tunes' pass marks sit between measured runs and measured controls.

`python -m benchmarks.sentiment_margins` trained each graded sentiment fine-tune (lesson 01's full
fine-tune, the LoRA fine-tune of lessons 03 and 04, lesson 04's full fine-tune) with 5 seeds at 2 and
at 1 torch thread, and two controls (16 training reviews; a learning rate 100 times too small), and
scored each the way the hidden tests do. These tests hold today's marks, margins and recipes to
those measurements: a mark moved past a measured run, or a recipe changed without measuring it
again, fails here."""
import json

import pytest

from benchmarks.sentiment_margins import RECIPES, passes, with_todays_marks
from ftcourse.shared.catalogue import ROOT
from ftcourse.shared.profiles import PROFILES

MEASURED = {name: ROOT / "benchmarks" / "results" / f"amd-epyc-2cores-sentiment-margins-{name}.json"
            for name in ("ci", "cpu")}
RECIPE_FIELDS = ("encoder", "train_size", "epochs", "full_train_size", "full_epochs", "train_batch_size",
                 "max_length", "learning_rate", "lora_learning_rate", "seed")
ROOM = 0.02  # the worst measured run clears its mark by at least this much (about 6 of 276 reviews)


def today(name: str) -> dict:
    """The measurement, judged by today's marks and margins."""
    return with_todays_marks(json.loads(MEASURED[name].read_text()))


@pytest.mark.parametrize("name", MEASURED)
def test_the_measurement_is_of_todays_recipes(name):
    settings = json.loads(MEASURED[name].read_text())["settings"]
    assert {f: settings[f] for f in RECIPE_FIELDS} == {f: getattr(PROFILES[name], f) for f in RECIPE_FIELDS}


@pytest.mark.parametrize("name", MEASURED)
@pytest.mark.parametrize("recipe", RECIPES, ids=[r.key for r in RECIPES])
def test_every_measured_run_passes_with_room_and_every_control_fails(name, recipe):
    result = today(name)
    runs = [r for r in result["runs"] if r["recipe"] == recipe.key]
    lesson = [r for r in runs if not r["control"]]
    controls = [r for r in runs if r["control"]]
    assert len({r["seed"] for r in lesson}) >= 5 and {r["threads"] for r in lesson} >= {1, 2}
    assert all(passes(r, result) for r in lesson)
    if recipe.graded:
        assert min(r["held_out_accuracy"] for r in lesson) >= result["marks"][recipe.key] + ROOM
    assert sorted(r["control"] for r in controls) == ["16 reviews", "learning rate / 100"]
    assert not any(passes(r, result) for r in controls)


def test_a_mark_above_the_worst_run_fails_the_check():
    result = today("ci")
    lesson = [r for r in result["runs"] if r["recipe"] == "lesson01" and not r["control"]]
    result["marks"]["lesson01"] = max(r["held_out_accuracy"] for r in lesson) + 0.001
    assert not any(passes(r, result) for r in lesson)
