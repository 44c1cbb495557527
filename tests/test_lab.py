"""`make lab` (`ftcourse lab`): it prints the address, serves on loopback with nbgrader's extension
reading the course's configuration, lists the released lessons, and stops with everything it started."""
import json
import os
import urllib.request

from conftest import ROOT, ftcourse_server
from ftcourse.shared.catalogue import names as lessons


def get(url: str) -> dict:
    return json.loads(urllib.request.urlopen(url, timeout=30).read())


def test_ftcourse_lab_prints_its_address_and_serves_the_lessons(tmp_path):
    with ftcourse_server(tmp_path) as (base, token):
        listed = get(f"{base}/assignments?course_id=ftcourse&token={token}")
        assert listed["success"], listed
        assert sorted(a["assignment_id"] for a in listed["value"]) == lessons()
        assert all(a["status"] == "fetched" for a in listed["value"])  # the lab's root is notebooks/
        assert get(f"{base}/nbgrader_version?version=0.9.6&token={token}") == {"success": True}
        extensions = [e["name"] for e in get(f"{base}/lab/api/extensions?token={token}")]
        assert "jupyter-nbgrader" in extensions and "jupyter-widgets-jupyterlab-manager" in extensions
    outbound = ROOT / "autograder" / "exchange" / "ftcourse" / "outbound"
    assert sorted(p.name for p in outbound.iterdir()) == lessons()
    assert oct(os.stat(ROOT / "autograder" / "exchange").st_mode & 0o777) == "0o777"  # students can submit
