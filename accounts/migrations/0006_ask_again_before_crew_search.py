from django.db import migrations


def ask_again(apps, schema_editor):
    """ "Any verified studio" used to mean that a studio could read the profile; it now means
    "find me in crew search and invite me". Nobody agreed to the second: everyone starts off
    and is asked on their profile page."""
    CrewProfile = apps.get_model("accounts", "CrewProfile")
    CrewProfile.objects.filter(visibility="verified").update(visibility="applied")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_find_crew")]

    operations = [migrations.RunPython(ask_again, migrations.RunPython.noop)]
