"""The snapshot folder is private: created 0700, refused when someone else could change it.

Snapshots hold every indexed candidate's words, skills and places. Without
``LOCAL["INDEX_DIR"]`` they go under the system temp folder, a path any local user can guess
and create first, planting files the engine would then load or reading what it writes. So each
folder of the chain is created 0700, an existing one owned by another user or writable by its
group or by others is refused (:class:`UnsafeIndexDir`, an ``ImproperlyConfigured`` that names
the setting, so pages and the API answer 503 with it), and snapshot files are made 0600.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

SETTING = 'HRFLOW_MATCHING["LOCAL"]["INDEX_DIR"]'


class UnsafeIndexDir(ImproperlyConfigured):
    """A snapshot folder another local user owns or may write to."""


def ensure_private(*folders: Path) -> None:
    """Create each folder (outermost first) 0700, or check the one that exists is ours alone.

    Raises :class:`UnsafeIndexDir` for a folder someone else controls, ``OSError`` for one
    that cannot be made (the caller then keeps snapshots in memory only).
    """
    for folder in folders:
        try:
            folder.mkdir(mode=0o700)
            os.chmod(folder, 0o700)  # mkdir's mode is cut by the umask; the chmod is not
        except FileExistsError:
            pass
        info = os.lstat(folder)
        problem = None
        if stat.S_ISLNK(info.st_mode):
            problem = "is a symbolic link"
        elif not stat.S_ISDIR(info.st_mode):  # a nuisance, not a leak: the cache is off
            raise NotADirectoryError(f"{folder} is not a folder")
        elif hasattr(os, "geteuid") and info.st_uid != os.geteuid():
            problem = f"is owned by another user (uid {info.st_uid})"
        elif info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            problem = f"is writable by other users (mode {stat.S_IMODE(info.st_mode):o})"
        if problem is None and stat.S_IMODE(info.st_mode) != 0o700:
            os.chmod(folder, 0o700)  # ours and not writable by others: not readable either
        if problem:
            raise UnsafeIndexDir(
                f"The local index folder {folder} {problem}: another user could read or plant "
                f"snapshots. Set {SETTING} to a folder only this user can write to (created "
                f"0700 when missing), or fix its owner and mode."
            )


def make_files_private(folder: Path) -> None:
    """Files of a snapshot 0600, its folders 0700, whatever the process umask is."""
    os.chmod(folder, 0o700)
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o700)
        for name in files:
            os.chmod(os.path.join(root, name), 0o600)
