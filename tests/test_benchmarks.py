"""The benchmark suite and the GPU check, as far as a 2-core machine without a GPU can show them:
a quick item writes a well-formed row, and the GPU check refuses to run without CUDA."""
import json
import os
import subprocess
import sys

from conftest import ROOT


def run(*command, env=None):
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={**os.environ, **(env or {})})


def test_a_quick_item_writes_a_well_formed_row(tmp_path):
    done = run(sys.executable, "-m", "benchmarks", "--quick", "--only", "map", "--map-examples", "40",
               "--repeats", "1", "--output", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "budget (estimated seconds" in done.stdout
    (table,) = tmp_path.glob("*-quick-partial.json")
    result = json.loads(table.read_text())
    assert result["run"]["quick"] and result["machine"]["cores"] >= 1
    assert set(result["machine"]["versions"]) == {"torch", "transformers", "peft", "datasets"}
    (row,) = result["rows"]
    assert row["item"] == 3 and row["ratio"] > 0 and isinstance(row["met"], bool) and row["target"].startswith(">=")
    assert len(row["data"]["seconds"]["batched"]) == 1
    markdown = table.with_suffix(".md").read_text()
    assert "QUICK RUN" in markdown
    (line,) = [line for line in markdown.splitlines() if line.startswith("| 3 |")]
    assert line.count("|") == 10 and f"{row['ratio']:.3g}x" in line


def test_gpu_check_stops_at_once_without_cuda():
    done = run(sys.executable, "scripts/gpu-check", env={"CUDA_VISIBLE_DEVICES": ""})
    assert done.returncode != 0
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("gpu-check: CUDA is not available")
