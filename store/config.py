"""The settings, as the layers above the store see them (loaded by db.settings): the UI
takes its configuration from here and never imports db."""
from db.settings import ConfigError, Settings, load_settings

__all__ = ["ConfigError", "Settings", "load_settings"]
