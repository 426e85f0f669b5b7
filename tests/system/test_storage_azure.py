"""FILE_STORAGE_PROVIDER=azure stores media in a private Azure Blob container (proved on
Azurite, the Azure Storage emulator) and hands out signed, expiring URLs."""

import json
import shutil
import urllib.error
import urllib.request

import pytest

from lms.tests.helpers import ROOT, Server, base_env, free_port, run_python

pytestmark = pytest.mark.slow

AZURITE = ROOT / "node_modules" / ".bin" / "azurite-blob"
# Azurite's documented development account (public, emulator-only).
ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@pytest.fixture(scope="module")
def azurite(tmp_path_factory):
    if not AZURITE.exists() or shutil.which("node") is None:
        pytest.fail("Azurite is missing: `make test` installs it with npm ci (package.json).")
    port = free_port()
    workdir = tmp_path_factory.mktemp("azurite")
    args = [str(AZURITE), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", str(workdir)]
    server = Server([*args, "--silent", "--skipApiVersionCheck", "--loose"], base_env(), port, workdir / "azurite.log")
    server.wait_until_listening(timeout=60)
    connection_string = (
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
        f"BlobEndpoint=http://127.0.0.1:{port}/{ACCOUNT};"
    )
    from azure.storage.blob import BlobServiceClient

    BlobServiceClient.from_connection_string(connection_string).create_container("lms-test")
    yield connection_string
    server.stop(timeout=2)  # Azurite waits for idle keep-alive connections on SIGTERM


def _azure_env(connection_string: str, tmp_path) -> dict[str, str]:
    """A process whose media go to the Azurite container (and whose database is a
    throwaway SQLite file: these tests exercise the storage only)."""
    return base_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/a.sqlite3",
        FILE_STORAGE_PROVIDER="azure",
        AZURE_STORAGE_CONNECTION_STRING=connection_string,
        AZURE_STORAGE_CONTAINER_NAME="lms-test",
    )


_STORE = """
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
django.setup()
from django.core.files.base import ContentFile
from django.core.files.storage import storages
default_storage = storages["default"]
name = default_storage.save("certificates/test.pdf", ContentFile(b"%PDF-1.7 certificate bytes"))
second = default_storage.save("certificates/test.pdf", ContentFile(b"another"))
with default_storage.open(name) as fh:
    content = fh.read().decode()
print(json.dumps({"class": type(default_storage).__name__, "name": name, "second": second,
                  "content": content, "url": default_storage.url(name), "exists": default_storage.exists(name)}))
"""


def test_media_is_stored_in_azure_and_served_by_signed_urls(azurite, tmp_path):
    env = _azure_env(azurite, tmp_path)
    proc = run_python(_STORE, env)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["class"] == "AzureStorage"
    assert result["exists"] is True
    assert result["content"] == "%PDF-1.7 certificate bytes"
    assert result["second"] != result["name"]  # never overwrites an existing file
    url = result["url"]
    assert "sig=" in url
    assert "se=" in url  # the signature expires
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"%PDF-1.7 certificate bytes"
    unsigned = url.split("?", 1)[0]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(unsigned, timeout=10)
    assert refused.value.code in (403, 404)


_LIST = """
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
django.setup()
from django.core.files.base import ContentFile
from django.utils import timezone
from certificates.models import Certificate
storage = Certificate._meta.get_field("pdf").storage
names = [storage.save(f"certificates/orphan-{n}.pdf", ContentFile(b"%PDF-1.7")) for n in range(2)]
folders, files = storage.listdir("certificates")
ages = [(timezone.now() - storage.get_modified_time(f"certificates/{name}")).total_seconds() for name in files]
print(json.dumps({"names": names, "files": files, "ages": ages}))
"""


def test_the_orphan_pdf_sweep_can_list_and_date_certificates_in_azure(azurite, tmp_path):
    """certificates.services.pdfs_sweep_orphans lists the certificates folder and reads
    each file's modification time: both must work on Azure Blob Storage, where folders
    are name prefixes and times come from the blob's properties."""
    env = _azure_env(azurite, tmp_path)
    proc = run_python(_LIST, env)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert {f"certificates/{name}" for name in result["files"]} >= set(result["names"])
    assert all(0 <= age < 600 for age in result["ages"])  # aware datetimes, just written


_SUBMISSION = """
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
django.setup()
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from assignments.models import SubmissionFile, submission_upload_to
from lms.files import private_file_response
field = SubmissionFile._meta.get_field("file")
name = field.storage.save(submission_upload_to(None, "my essay.pdf"), ContentFile(b"%PDF-1.4 handed in"))
stored = FieldFile(None, field, name)
shown = private_file_response(stored, filename="my essay.pdf", content_type="application/pdf", inline=True)
saved = private_file_response(stored, filename="my essay.pdf")
print(json.dumps({"class": type(field.storage._wrapped).__name__, "name": name, "shown": shown["Location"],  # after use
                  "saved": saved["Location"], "status": shown.status_code}))
"""


def test_a_handed_in_file_lives_in_the_private_container_and_is_served_by_signed_urls(azurite, tmp_path):
    env = _azure_env(azurite, tmp_path)
    proc = run_python(_SUBMISSION, env)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["class"] == "AzureStorage" and result["name"].startswith("submissions/")
    assert "my essay" not in result["name"]  # the learner's file name is not the stored one
    assert result["status"] == 302 and "sig=" in result["shown"]
    with urllib.request.urlopen(result["shown"], timeout=10) as response:
        assert response.read() == b"%PDF-1.4 handed in"
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("inline")
    with urllib.request.urlopen(result["saved"], timeout=10) as response:
        assert response.headers["Content-Disposition"].startswith("attachment")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(result["shown"].split("?", 1)[0], timeout=10)
    assert refused.value.code in (403, 404)
