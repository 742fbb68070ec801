"""The local engine's snapshot folder is private (issue #15, 9).

Created 0700; a folder owned by another user or writable by others is refused with an error
naming ``LOCAL["INDEX_DIR"]``; snapshot files are 0600; a system check warns in production
when ``INDEX_DIR`` is unset (snapshots would go under the system temp folder).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from hrflow_matching import checks
from hrflow_matching.backends.local import LocalBackend
from hrflow_matching.backends.local.engine import index_root, reset_engines
from hrflow_matching.backends.local.private_dir import UnsafeIndexDir
from tests.support.local_fixtures import profile

pytestmark = pytest.mark.django_db


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def index_dir(settings, tmp_path) -> Path:
    folder = tmp_path / "index"
    settings.HRFLOW_MATCHING = {**settings.HRFLOW_MATCHING, "LOCAL": {"INDEX_DIR": str(folder)}}
    reset_engines()
    yield folder
    reset_engines()


def test_the_folder_is_created_0700_and_snapshot_files_0600(index_dir):
    old_umask = os.umask(0o002)  # a permissive umask must not leak into the files
    try:
        backend = LocalBackend(tenant=None)
        backend.index("profile", [profile("p1", skills=("Python",)), profile("p2")])
        assert backend.rebuild("profile") == 2
    finally:
        os.umask(old_umask)
    assert mode(index_dir) == 0o700
    files = [p for p in index_dir.rglob("*") if p.is_file()]
    folders = [p for p in index_dir.rglob("*") if p.is_dir()]
    assert any(p.name == "meta.json" for p in files)
    assert {oct(mode(p)) for p in files} == {oct(0o600)}
    assert {oct(mode(p)) for p in folders} == {oct(0o700)}


def test_the_temp_folder_default_is_private_too(settings, tmp_path, monkeypatch):
    settings.HRFLOW_MATCHING = {**settings.HRFLOW_MATCHING, "LOCAL": {}}
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    root = index_root()
    if connection.vendor == "sqlite":  # beside the database file, or nowhere (in memory)
        name = str(connection.settings_dict["NAME"])
        assert root is None or (root == Path(f"{name}.hrflow-index") and mode(root) == 0o700)
        return
    assert root is not None and root.parent == tmp_path / "hrflow-index"
    assert mode(root.parent) == mode(root) == 0o700


def test_a_folder_writable_by_others_is_refused(index_dir):
    index_dir.mkdir()
    os.chmod(index_dir, 0o777)
    with pytest.raises(UnsafeIndexDir) as refused:
        index_root()
    assert 'HRFLOW_MATCHING["LOCAL"]["INDEX_DIR"]' in str(refused.value)
    assert "writable by other users" in str(refused.value)
    assert mode(index_dir) == 0o777  # left as it is, for its owner to look at


def test_a_folder_of_another_user_is_refused_and_pages_say_why(
    index_dir, admin_client, settings, monkeypatch
):
    index_dir.mkdir(mode=0o700)
    if os.geteuid() == 0:
        os.chown(index_dir, 65534, 65534)  # nobody
    else:  # cannot give a folder away without root: another user's folder is what we see
        monkeypatch.setattr(os, "geteuid", lambda: os.stat(index_dir).st_uid + 1)
    with pytest.raises(UnsafeIndexDir, match="owned by another user"):
        index_root()
    settings.HRFLOW_MATCHING = {**settings.HRFLOW_MATCHING, "BACKEND": "local"}
    page = admin_client.get(reverse("hrflow_matching:search_profiles"))
    assert page.status_code == 503
    assert "INDEX_DIR" in page.content.decode()
    api = admin_client.get("/hrflow/api/search/profiles/")
    assert api.status_code == 503 and "INDEX_DIR" in api.json()["message"]


def test_a_symbolic_link_is_refused(index_dir, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    index_dir.symlink_to(elsewhere)
    with pytest.raises(UnsafeIndexDir, match="symbolic link"):
        index_root()


def test_an_existing_private_folder_of_ours_is_tightened(index_dir):
    index_dir.mkdir(mode=0o755)
    os.chmod(index_dir, 0o755)
    index_root()
    assert mode(index_dir) == 0o700


def ids(**conf) -> list[str]:
    with override_settings(HRFLOW_MATCHING=conf):
        return sorted(m.id for m in run_checks(tags=[checks.TAG]))


#: The check only reads DATABASES (no connection is made).
NO_DB_WARNING = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
POSTGRES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "crm"}}


@NO_DB_WARNING
@override_settings(DATABASES=POSTGRES)
def test_a_check_warns_without_index_dir_in_production():
    with override_settings(DEBUG=False):
        assert "hrflow_matching.W003" in ids(BACKEND="local")
        assert "hrflow_matching.W003" not in ids(BACKEND="local", LOCAL={"INDEX_DIR": "/srv/i"})
        assert "hrflow_matching.W003" not in ids(
            BACKEND="tests.support.matching_backend.SimpleBackend"
        )
    with override_settings(DEBUG=True):
        assert "hrflow_matching.W003" not in ids(BACKEND="local")


@NO_DB_WARNING
def test_no_warning_when_snapshots_live_beside_a_sqlite_file():
    sqlite = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/crm.sqlite3"}}
    with override_settings(DEBUG=False, DATABASES=sqlite):
        assert "hrflow_matching.W003" not in ids(BACKEND="local")
