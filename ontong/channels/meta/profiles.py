"""What Messenger, Instagram Direct and comment private replies can show (contract §2.2)."""

import dataclasses
import datetime as dt

from ontong.complaints.channel_profiles import ChannelProfile

MESSENGER = ChannelProfile(
    channel="messenger",
    quick_replies=True,
    buttons=True,
    images=True,
    max_text=1999,  # "less than 2000 characters"
    reply_window=dt.timedelta(hours=24),
    converses=True,
    chat_name="메신저",
)
INSTAGRAM = dataclasses.replace(MESSENGER, channel="instagram", max_text=999)
# A comment gets one private reply (the invitation to the conversation); nothing is asked there.
FB_COMMENT = ChannelProfile(channel="fb_comment", max_text=1999)
IG_COMMENT = ChannelProfile(channel="ig_comment", max_text=999)
PROFILES = (MESSENGER, INSTAGRAM, FB_COMMENT, IG_COMMENT)
