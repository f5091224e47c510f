"""Checks on what a caller sends that both the REST API and Open311 need."""

import datetime as dt
import re

# Python's datetime ends at years 1 and 9999: a moment near either end moves out of range when
# it is made aware or turned into UTC for the database (an OverflowError, a server error).
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)


def usable_moment(value: dt.datetime) -> bool:
    """An aware moment the database can compare with (naive ones are refused by the caller)."""
    return value.tzinfo is not None and EARLIEST <= value <= LATEST


# What XML 1.0 cannot hold (ElementTree writes it anyway, and the document no longer parses).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return NOT_XML.sub("", text)
