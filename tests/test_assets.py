"""The embedded assets: intact copies pass, damaged or absent ones fail with the fix named."""
import pytest

from ftcourse.shared import assets
from ftcourse.shared.errors import CourseError
from ftcourse.shared.paths import atomic_dir


def test_fetched_assets_verify(ftcourse_cli):
    code, out, err = ftcourse_cli("assets", "verify")
    assert code == 0, err
    assert out.count(": ok") == len(assets.ASSETS)


def test_info_lists_each_asset_with_source_license_size_and_path(ftcourse_cli):
    code, out, _ = ftcourse_cli("assets", "info")
    assert code == 0
    for asset in assets.ASSETS:
        assert asset.name in out
        assert f"{asset.package}=={asset.version}" in out
        assert asset.license in out
        assert str(asset.path) in out
    assert "not fetched" not in out


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
