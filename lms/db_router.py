"""Send reads to the replica and everything else to the primary.

Active only when DATABASE_REPLICA_URL is set. A read inside a transaction on the primary
(for example a `select_for_update()` in a service, or any read that follows a write in the
same atomic block) stays on the primary, so it sees its own writes.
"""

from django.db import connections

PRIMARY = "default"
REPLICA = "replica"


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same data.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica is a copy made by PostgreSQL replication, never migrated directly.
        return db == PRIMARY
