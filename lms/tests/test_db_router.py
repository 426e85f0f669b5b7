"""With a replica configured, reads go to it, and writes and reads inside a write
transaction go to the primary."""

import pytest
from django.db import transaction

from accounts.models import User
from lms.db_router import PrimaryReplicaRouter

router = PrimaryReplicaRouter()


def test_reads_outside_a_transaction_go_to_the_replica():
    assert router.db_for_read(User) == "replica"


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_write_transaction_stay_on_the_primary():
    with transaction.atomic():
        User.objects.create_user("router@example.com", "x")
        assert router.db_for_read(User) == "default"
    assert router.db_for_read(User) == "replica"


def test_writes_go_to_the_primary():
    assert router.db_for_write(User) == "default"


def test_only_the_primary_is_migrated():
    assert router.allow_migrate("default", "accounts") is True
    assert router.allow_migrate("replica", "accounts") is False
