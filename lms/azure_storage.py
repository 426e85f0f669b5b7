"""Azure Blob storage (FILE_STORAGE_PROVIDER=azure) that honours `client_options`.

django-storages drops `client_options` when it connects with a connection string (the
only form this project uses), so the SDK's defaults applied: on an unreachable storage
one call retried for over a minute (15 s, 18 s, 24 s backoff), longer than a request or
a certificate task may run. Imported only when the provider is `azure`.
"""

from azure.storage.blob import BlobServiceClient
from storages.backends.azure_storage import AzureStorage as _AzureStorage


class AzureStorage(_AzureStorage):
    def _get_service_client(self):
        if self.connection_string is not None:
            return BlobServiceClient.from_connection_string(self.connection_string, **self.client_options)
        return super()._get_service_client()

    def listdir(self, path: str = "") -> tuple[list[str], list[str]]:
        """Django's contract: the folders and the files directly under `path`, named
        relative to it. django-storages answers every blob below `path` by its full name,
        the `location` prefix included, so callers joining `path` and a name (as
        certificates.services.pdfs_sweep_orphans does) asked for blobs that do not exist."""
        prefix = self._get_valid_path(path).rstrip("/") if path else (self.location or "").rstrip("/")
        start = f"{prefix}/" if prefix else ""
        folders: set[str] = set()
        files: list[str] = []
        for blob in self.client.list_blobs(name_starts_with=start, timeout=self.timeout):
            rest = blob.name[len(start) :]
            if "/" in rest:
                folders.add(rest.split("/", 1)[0])
            elif rest:
                files.append(rest)
        return sorted(folders), files
