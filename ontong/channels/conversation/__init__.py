"""The citizen's conversation with the city, the same on every messaging channel.

A channel adapter (`ChannelAdapter`) turns what its platform delivers into an `Inbound` and calls
`engine.receive`; the engine opens a case or adds to one, answers "처리현황", connects a person,
asks for consent and a contact when the answer may outlast the reply window, takes the survey's
answer, and releases notices held for the citizen. See docs/channels/README.md.
"""

from .adapter import ChannelAdapter, Inbound
from .engine import greet, receive

__all__ = ["ChannelAdapter", "Inbound", "greet", "receive"]
