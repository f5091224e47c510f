"""Channels: one folder per channel, all behind the transport interface in base.py."""
