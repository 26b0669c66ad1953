"""Storage for private files (evidence of corrections, archived documents)."""

from django.core.files.storage import FileSystemStorage


class PrivateFileStorage(FileSystemStorage):
    """A file system storage without URLs: its files are read only by views that check the right."""

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through a permission-checked view.")
