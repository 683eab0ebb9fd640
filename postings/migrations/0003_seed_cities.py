from django.db import migrations

from postings.cities import seed_cities


def seed(apps, schema_editor):
    seed_cities(apps.get_model("postings", "City"))


class Migration(migrations.Migration):
    dependencies = [("postings", "0002_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
