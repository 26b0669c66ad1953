"""Django's own strings that the portal's pages show and that Django's Vietnamese catalogue does not
translate yet. Named here so that makemessages keeps them in locale/vi, which is searched before
Django's catalogues."""

from django.utils.translation import gettext_noop

DJANGO_STRINGS = [
    gettext_noop("- Select an option -"),  # the empty choice of a select (BLANK_CHOICE_LABEL, Django 6.1)
]
