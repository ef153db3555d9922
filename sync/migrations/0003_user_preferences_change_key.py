"""User preferences reach the phone as Immich's user metadata (key `preferences`): they get the change key too."""

from django.db import migrations

from sync.migrations._change_keys import keyed, postgresql_sql, unkeyed


class Migration(migrations.Migration):
    dependencies = [("sync", "0002_change_keys_and_audit_triggers"), ("accounts", "0002_userpreferences")]

    operations = [
        postgresql_sql(keyed("accounts_userpreferences", "user_id, "), unkeyed("accounts_userpreferences")),
    ]
