"""Strings that users see from the libraries we use but that their catalogs leave untranslated
in Simplified Chinese (Django 6.1's blank choice, django-tasks-db's admin, allauth's MFA admin,
parts of Django's admin). Listed here so that ``make messages`` puts them in our catalog, which
Django reads before the libraries' (LOCALE_PATHS). Never imported: gettext_noop marks only."""

from django.utils.translation import gettext_noop

LIBRARY_STRINGS = [
    # Django: what follows a form field's label (its Chinese catalog keeps the ASCII colon).
    gettext_noop(":"),
    # ... and the marks after which it adds none: Chinese labels end with full-width ones
    # ("晚了几天？" must not become "晚了几天？：").
    gettext_noop(":?.!"),
    # Django 6.1: the blank choice of every choice field.
    gettext_noop("- Select an option -"),
    # Django's admin: the date drill-down above a change list.
    gettext_noop("Filter by %(field_name)s"),
    # allauth: a wrong authenticator code (its catalog says 错误代码, "error code"), and two
    # sentences with ASCII colons.
    gettext_noop("Incorrect code."),
    gettext_noop("Enter your password:"),
    gettext_noop(
        "If you do not recognize this change then please take proper security precautions "
        "immediately. The change to your account originates from:\n\n- IP address: %(ip)s\n- "
        "Browser: %(user_agent)s\n- Date: %(timestamp)s"
    ),
    # django-tasks-db's model and fields (it ships no Chinese catalog).
    gettext_noop("Task Result"),
    gettext_noop("Task Results"),
    gettext_noop("args kwargs"),
    gettext_noop("backend name"),
    gettext_noop("enqueued at"),
    gettext_noop("exception class path"),
    gettext_noop("finished at"),
    gettext_noop("priority"),
    gettext_noop("queue name"),
    gettext_noop("return value"),
    gettext_noop("run after"),
    gettext_noop("started at"),
    gettext_noop("status"),
    gettext_noop("task path"),
    gettext_noop("traceback"),
    gettext_noop("worker id"),
]
