"""Moved to the top-level ``settings`` module (a leaf that flows/ and the CLI read once).

Kept only so that code written against the old path keeps importing while branches merge;
new code imports ``settings``."""
from settings import *  # noqa: F401,F403
from settings import ConfigError, default_db_path, load_config, parse_config  # noqa: F401
