"""The HTTP API of the notify service: health, channels, rules and the delivery log."""
