"""Fixed, translated choice lists shared by crew profiles and postings."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Department(models.TextChoices):
    DIRECTING = "directing", _("Directing")
    CAMERA = "camera", _("Camera")
    LIGHTING = "lighting", _("Lighting")
    SOUND = "sound", _("Sound")
    ART = "art", _("Art")
    PROPS = "props", _("Props")
    COSTUME = "costume", _("Costume")
    HAIR_MAKEUP = "hair_makeup", _("Hair & make-up")
    PRODUCTION = "production", _("Production")
    SET_OPERATIONS = "set_operations", _("Set operations")
    CONTINUITY = "continuity", _("Continuity")
    STUNTS = "stunts", _("Stunts")
    POST_PRODUCTION = "post_production", _("Post-production")
    WRITING = "writing", _("Writing")


class ExperienceLevel(models.TextChoices):
    NEWCOMER = "newcomer", _("Newcomer or student")
    ASSISTANT = "assistant", _("Assistant (1–2 years)")
    EXPERIENCED = "experienced", _("Experienced (3+ years)")
    HEAD = "head", _("Head of department")


class PayUnit(models.TextChoices):
    DAY = "day", pgettext_lazy("pay unit", "per day")
    PROJECT = "project", pgettext_lazy("pay unit", "per project")


class PaymentTiming(models.TextChoices):
    SAME_DAY = "same_day", _("Same day (日结)")
    WEEKLY = "weekly", _("Weekly")
    ON_WRAP = "on_wrap", _("On wrap (杀青结)")
    AFTER_WRAP = "after_wrap", _("A set number of days after wrap")


class Genre(models.TextChoices):
    COSTUME = "costume", _("Period / costume (古装)")
    MODERN = "modern", _("Modern urban")
    ROMANCE = "romance", _("Romance")
    THRILLER = "thriller", _("Thriller / suspense")
    FAMILY = "family", _("Family")
    FANTASY = "fantasy", _("Fantasy")
    REVENGE = "revenge", _("Revenge / comeback")
    OTHER = "other", _("Other")
