"""Settings for the test suite: the normal settings with a fast password hasher."""

from sodiem.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

import tempfile  # noqa: E402

# uploaded evidence of the test run goes to a throw-away directory
PRIVATE_ROOT = tempfile.mkdtemp(prefix="sodiem-private-")
STORAGES["private"]["OPTIONS"]["location"] = PRIVATE_ROOT  # noqa: F405
