import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("postings", "0010_search_ascii"),
    ]

    operations = [
        migrations.AddField(
            model_name="role",
            name="added_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, editable=False, verbose_name="added at"
            ),
        ),
        # Roles that exist now were added with their shoot: their publication stays the
        # shoot's (Role.copies).
        migrations.RunSQL(
            "UPDATE postings_role SET added_at = postings_shoot.created_at "
            "FROM postings_shoot WHERE postings_shoot.id = postings_role.shoot_id;",
            migrations.RunSQL.noop,
        ),
    ]
