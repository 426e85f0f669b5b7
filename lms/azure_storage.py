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
