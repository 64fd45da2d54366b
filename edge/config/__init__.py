"""Device configuration: one TOML file per device, validated by typed models
at start-up; secrets kept apart (file or environment)."""

from edge.config.loader import AnyDevice, LoadedConfig, load, parse
from edge.config.secrets import Secrets

__all__ = ["AnyDevice", "LoadedConfig", "Secrets", "load", "parse"]
