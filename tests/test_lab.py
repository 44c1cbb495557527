"""`make lab` (`ftcourse lab`): it prints the address, serves on loopback with nbgrader's extension
reading the course's configuration, lists the released lessons, and stops with everything it started."""
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request

from conftest import ROOT
from ftcourse.shared.catalogue import names as lessons
from ftcourse.student import lab


def get(url: str) -> dict:
    return json.loads(urllib.request.urlopen(url, timeout=30).read())


def test_ftcourse_lab_prints_its_address_and_serves_the_lessons(tmp_path):
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces")}
    process = subprocess.Popen([sys.executable, "-m", "ftcourse", "lab", "--port", str(lab.free_port())], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "token=" in line:
                break
        url = re.search(r"(http://127\.0\.0\.1:(\d+))/lab\?token=(\w+)", "".join(lines))
        assert url, "".join(lines)
        base, token = url.group(1), url.group(3)
        listed = get(f"{base}/assignments?course_id=ftcourse&token={token}")
        assert listed["success"], listed
        assert sorted(a["assignment_id"] for a in listed["value"]) == lessons()
        assert all(a["status"] == "fetched" for a in listed["value"])  # the lab's root is notebooks/
        assert get(f"{base}/nbgrader_version?version=0.9.6&token={token}") == {"success": True}
        extensions = [e["name"] for e in get(f"{base}/lab/api/extensions?token={token}")]
        assert "jupyter-nbgrader" in extensions and "jupyter-widgets-jupyterlab-manager" in extensions
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
    outbound = ROOT / "autograder" / "exchange" / "ftcourse" / "outbound"
    assert sorted(p.name for p in outbound.iterdir()) == lessons()
    assert oct(os.stat(ROOT / "autograder" / "exchange").st_mode & 0o777) == "0o777"  # students can submit
