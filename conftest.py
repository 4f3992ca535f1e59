"""Root conftest: loads the overspec pytest plugin (claim marker, evidence fixture, profiles)."""

pytest_plugins = ["overspec.pytest_plugin", "pytester"]
