"""SkillResponse v2 (our skill server → Kakao), built and checked against every limit Kakao sets
(channel-contracts §5.2): a response Kakao would refuse is an error here, not a silent cut.

version "2.0"; template.outputs 1–3; quickReplies ≤ 10; simpleText ≤ 1,000 characters;
simpleImage altText ≤ 50; textCard title ≤ 50, description ≤ 400, buttons ≤ 3; basicCard
(thumbnail required) title ≤ 50, description ≤ 230, buttons ≤ 3; button and quick-reply labels
≤ 14 characters.
"""

from collections.abc import Iterable, Sequence
from typing import Any

VERSION = "2.0"
MAX_OUTPUTS = 3
MAX_QUICK_REPLIES = 10
MAX_TEXT = 1000
MAX_ALT_TEXT = 50
MAX_CARD_TITLE = 50
MAX_TEXT_CARD_DESCRIPTION = 400
MAX_BASIC_CARD_DESCRIPTION = 230
MAX_BUTTONS = 3
MAX_LABEL = 14
BUTTON_ACTIONS = {
    "webLink": "webLinkUrl",
    "message": "messageText",
    "phone": "phoneNumber",
    "block": "blockId",
    "share": None,
    "operator": None,
}
QUICK_REPLY_ACTIONS = {"message": "messageText", "block": "blockId"}

Json = dict[str, Any]


class SkillResponseError(ValueError):
    """A response Kakao would refuse."""


def check(condition: bool, what: str) -> None:
    if not condition:
        raise SkillResponseError(what)


def fit_label(label: str) -> str:
    """A label within 14 characters (cut with "…" when longer)."""
    label = " ".join(label.split())
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def simple_text(text: str) -> Json:
    check(bool(text.strip()), "simpleText.text is empty")
    check(len(text) <= MAX_TEXT, f"simpleText.text has {len(text)} characters (max {MAX_TEXT})")
    return {"simpleText": {"text": text}}


def simple_image(image_url: str, alt_text: str) -> Json:
    check(image_url.startswith(("https://", "http://")), "simpleImage.imageUrl is not a URL")
    check(0 < len(alt_text) <= MAX_ALT_TEXT, f"simpleImage.altText must be 1–{MAX_ALT_TEXT}")
    return {"simpleImage": {"imageUrl": image_url, "altText": alt_text}}


def button(label: str, action: str, value: str = "", extra: Json | None = None) -> Json:
    check(action in BUTTON_ACTIONS, f"button action {action!r} is unknown")
    check(0 < len(label) <= MAX_LABEL, f"button label {label!r} is over {MAX_LABEL} characters")
    item: Json = {"label": label, "action": action}
    key = BUTTON_ACTIONS[action]
    if key:
        check(bool(value), f"button {action} needs {key}")
        item[key] = value
    if extra:
        item["extra"] = extra
    return item


def web_link(label: str, url: str) -> Json:
    check(url.startswith(("https://", "http://")), "webLinkUrl is not a URL")
    return button(label, "webLink", url)


def _buttons(buttons: Sequence[Json]) -> list[Json]:
    check(len(buttons) <= MAX_BUTTONS, f"{len(buttons)} buttons (max {MAX_BUTTONS})")
    for item in buttons:
        check_button(item)
    return list(buttons)


def text_card(title: str, description: str = "", buttons: Sequence[Json] = ()) -> Json:
    check(bool(title or description), "textCard needs a title or a description")
    check(len(title) <= MAX_CARD_TITLE, f"textCard.title over {MAX_CARD_TITLE} characters")
    check(
        len(description) <= MAX_TEXT_CARD_DESCRIPTION,
        f"textCard.description over {MAX_TEXT_CARD_DESCRIPTION} characters",
    )
    card: Json = {}
    if title:
        card["title"] = title
    if description:
        card["description"] = description
    if buttons:
        card["buttons"] = _buttons(buttons)
    return {"textCard": card}


def basic_card(
    thumbnail_url: str, title: str = "", description: str = "", buttons: Sequence[Json] = ()
) -> Json:
    check(thumbnail_url.startswith(("https://", "http://")), "basicCard needs a thumbnail URL")
    check(len(title) <= MAX_CARD_TITLE, f"basicCard.title over {MAX_CARD_TITLE} characters")
    check(
        len(description) <= MAX_BASIC_CARD_DESCRIPTION,
        f"basicCard.description over {MAX_BASIC_CARD_DESCRIPTION} characters",
    )
    card: Json = {"thumbnail": {"imageUrl": thumbnail_url}}
    if title:
        card["title"] = title
    if description:
        card["description"] = description
    if buttons:
        card["buttons"] = _buttons(buttons)
    return {"basicCard": card}


def quick_reply(label: str, message_text: str, extra: Json | None = None) -> Json:
    check(0 < len(label) <= MAX_LABEL, f"quickReply label {label!r} over {MAX_LABEL} characters")
    check(bool(message_text), "quickReply needs messageText")
    item: Json = {"label": label, "action": "message", "messageText": message_text}
    if extra:
        item["extra"] = extra
    return item


def response(outputs: Sequence[Json], quick_replies: Iterable[Json] = ()) -> Json:
    template: Json = {"outputs": list(outputs)}
    replies = list(quick_replies)
    if replies:
        template["quickReplies"] = replies
    built = {"version": VERSION, "template": template}
    validate(built)
    return built


def callback_wait(text: str) -> Json:
    """The immediate answer of a callback block: no template, Kakao shows `data.text` meanwhile."""
    return {"version": VERSION, "useCallback": True, "data": {"text": text}}


def check_button(item: Json) -> None:
    action = item.get("action")
    check(action in BUTTON_ACTIONS, f"button action {action!r} is unknown")
    label = item.get("label")
    check(isinstance(label, str) and 0 < len(label) <= MAX_LABEL, f"button label {label!r}")
    key = BUTTON_ACTIONS[str(action)]
    check(not key or bool(item.get(key)), f"button {action} needs {key}")


def check_output(output: Json) -> None:
    check(isinstance(output, dict) and len(output) == 1, "an output has exactly one type")
    kind, body = next(iter(output.items()))
    check(isinstance(body, dict), f"{kind} is not an object")
    if kind == "simpleText":
        simple_text(str(body.get("text") or ""))
    elif kind == "simpleImage":
        simple_image(str(body.get("imageUrl") or ""), str(body.get("altText") or ""))
    elif kind == "textCard":
        text_card(
            str(body.get("title") or ""),
            str(body.get("description") or ""),
            body.get("buttons") or (),
        )
    elif kind == "basicCard":
        basic_card(
            str((body.get("thumbnail") or {}).get("imageUrl") or ""),
            str(body.get("title") or ""),
            str(body.get("description") or ""),
            body.get("buttons") or (),
        )
    else:
        raise SkillResponseError(f"output type {kind!r} is not built here")


def validate(built: Json) -> None:
    """Raise SkillResponseError unless Kakao would accept this SkillResponse."""
    check(built.get("version") == VERSION, 'version must be "2.0"')
    if built.get("useCallback") is True:
        check("template" not in built, "a useCallback answer has no template")
        return
    template = built.get("template")
    if not isinstance(template, dict):
        raise SkillResponseError("template is missing")
    outputs = template.get("outputs")
    if not isinstance(outputs, list) or not 1 <= len(outputs) <= MAX_OUTPUTS:
        raise SkillResponseError(f"template.outputs must hold 1–{MAX_OUTPUTS}")
    for output in outputs:
        check_output(output)
    replies = template.get("quickReplies", [])
    check(
        isinstance(replies, list) and len(replies) <= MAX_QUICK_REPLIES,
        f"at most {MAX_QUICK_REPLIES} quickReplies",
    )
    for item in replies:
        action = item.get("action")
        check(action in QUICK_REPLY_ACTIONS, f"quickReply action {action!r} is unknown")
        label = item.get("label")
        check(isinstance(label, str) and 0 < len(label) <= MAX_LABEL, f"quickReply {label!r}")
        check(bool(item.get(QUICK_REPLY_ACTIONS[str(action)])), "quickReply target missing")
