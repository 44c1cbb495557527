"""Submissions in: both layouts, zips, and the mistakes students make with file names."""
import zipfile

import pytest

from ftcourse.instructor.intake import receive
from ftcourse.shared.errors import CourseError

ASSIGNMENTS = ["01_trainer_api", "02_custom_datasets"]


def touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}")


def by_key(submissions):
    return {(s.student, s.assignment): s for s in submissions}


def test_simple_and_nbgrader_layouts(tmp_path):
    touch(tmp_path / "in" / "ana" / "01_trainer_api.ipynb")
    touch(tmp_path / "in" / "ben" / "02_custom_datasets" / "02_custom_datasets.ipynb")
    found = by_key(receive(tmp_path / "in", tmp_path / "submitted", ASSIGNMENTS))
    assert found[("ana", "01_trainer_api")].notes == []
    assert found[("ana", "02_custom_datasets")].notes == ["no notebook submitted"]
    assert found[("ben", "02_custom_datasets")].notes == []
    assert (tmp_path / "submitted" / "ana" / "01_trainer_api" / "01_trainer_api.ipynb").exists()
    assert (tmp_path / "submitted" / "ben" / "02_custom_datasets" / "02_custom_datasets.ipynb").exists()


def test_a_wrong_file_name_is_kept_and_reported(tmp_path):
    touch(tmp_path / "in" / "cy" / "01_trainer_api_final.ipynb")
    found = by_key(receive(tmp_path / "in", tmp_path / "submitted", ASSIGNMENTS))
    assert found[("cy", "01_trainer_api")].notes == ["expected 01_trainer_api.ipynb, found 01_trainer_api_final.ipynb"]
    assert (tmp_path / "submitted" / "cy" / "01_trainer_api" / "01_trainer_api_final.ipynb").exists()


def test_a_zip_of_a_class_folder(tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("class/ana/01_trainer_api.ipynb", "{}")
        zf.writestr("class/ben/01_trainer_api.ipynb", "{}")
    found = by_key(receive(archive, tmp_path / "submitted", ASSIGNMENTS))
    assert {s for s, _ in found} == {"ana", "ben"}


def test_a_zip_that_escapes_its_folder_is_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../escaped.ipynb", "{}")
    with pytest.raises(CourseError, match="outside the archive"):
        receive(archive, tmp_path / "submitted", ASSIGNMENTS)
    assert not (tmp_path.parent / "escaped.ipynb").exists()


def test_neither_folder_nor_zip(tmp_path):
    (tmp_path / "grades.txt").write_text("x")
    with pytest.raises(CourseError, match="neither a folder nor a zip"):
        receive(tmp_path / "grades.txt", tmp_path / "submitted", ASSIGNMENTS)
