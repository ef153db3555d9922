"""The map and reverse geocoding are now run (issue 23), and on by default as in Immich. A configuration saved
before could only say they were off (a write turning either on was refused): that was no choice of the
administrator's, so the stored switches are dropped and the defaults apply."""

from django.db import migrations

SWITCHES = ("map", "reverseGeocoding")


def drop_forced_switches(apps, schema_editor):
    SystemConfig = apps.get_model("jobs", "SystemConfig")
    for config in SystemConfig.objects.all():
        value = config.value if isinstance(config.value, dict) else {}
        changed = False
        for section in SWITCHES:
            if isinstance(value.get(section), dict) and value[section].get("enabled") is False:
                del value[section]["enabled"]
                changed = True
        if changed:
            config.value = value
            config.save(update_fields=["value"])


class Migration(migrations.Migration):
    dependencies = [("jobs", "0006_server_version")]

    operations = [migrations.RunPython(drop_forced_switches, migrations.RunPython.noop)]
