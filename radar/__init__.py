"""alliance-radar: watches Korean tech news for AI alliances."""

__version__ = "0.1.0"
