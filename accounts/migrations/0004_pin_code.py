from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_login_failure"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="pin_code",
            field=models.CharField(
                blank=True, help_text="The PIN of the locked folder, hashed like a password.", max_length=128, null=True
            ),
        ),
        migrations.AddField(
            model_name="session",
            name="pin_expires_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Until when the PIN unlocked this session (the locked folder is open).",
                null=True,
            ),
        ),
    ]
