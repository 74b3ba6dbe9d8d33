"""The business layer: rules, managers, the store server's services and its client."""
__version__ = "0.1.0"
