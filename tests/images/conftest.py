from tests.conftest import picture_bytes  # noqa: F401  (used by the tests here)


def stored_files(settings) -> set[str]:
    """Every file in the media folder, with its modification time."""
    root = settings.MEDIA_ROOT
    return {
        (str(path.relative_to(root)), path.stat().st_mtime_ns)
        for path in root.rglob("*")
        if path.is_file()
    }
