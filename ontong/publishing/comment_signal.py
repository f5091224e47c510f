"""'민원으로 보이는 댓글': simple, explainable rules that tell a citizen's problem or request in
a comment from chatter (praise, thanks, jokes). Measured on a hand-labelled sample
(bench/comment_filter.py, docs/publishing.md); the desk only filters and marks — a person still
decides with "민원으로 접수"."""

import re

# Something is wrong or needs doing (worth 2)
PROBLEM = re.compile(
    r"고장|불편|위험|신고|민원|쓰레기|불법|파손|방치|막혀|막혔|소음|냄새|악취|누수|구멍|포트홀|"
    r"가로등|신호등|불법\s?주차|주차|단속|꺼져|꺼졌|안\s?나와|끊겨|끊겼|부서|깨져|깨졌|넘쳐|무너|"
    r"떨어져|로드킬|사체|제설|빙판|침수|배차|안\s?와요|안\s?옵니다|안\s?돼요|안\s?됩니다|못\s?가|"
    r"공사.{0,6}(시끄|먼지|언제)|먼지|매연|유기견|들개|벌레|모기|하수|맨홀|보도블[럭록]|"
    r"횡단보도|과속|어두워|어둡|미끄러"
)
# A request or a pointed question to the city (worth 1)
REQUEST = re.compile(
    r"해\s?주세요|해\s?주시|주시면|바랍니다|부탁|언제|왜\s|어떻게\s?(된|하|해)|조치|처리|고쳐|치워|"
    r"확인\s?(좀|부탁|바)|알려\s?주|답변"
)
# Where (worth 1): a place name ending, or a landmark word
PLACE = re.compile(r"[가-힣]+(동|읍|면|리|로|길)\b|앞|근처|사거리|삼거리|아파트|정류장|번지|입구")
# Chatter (worth -1 each kind)
CHATTER = re.compile(
    r"감사|고맙|좋아요|좋네요|좋습니다|예뻐|예쁘|이뻐|멋지|멋있|축하|최고|화이팅|파이팅|기대|"
    r"가고\s?싶|가볼게|가 볼게|ㅋㅋ|ㅎㅎ|사랑|수고하셨|응원|대박|👍|❤|😍"
)
THRESHOLD = 2


def score(text: str) -> int:
    return (
        2 * bool(PROBLEM.search(text))
        + bool(REQUEST.search(text))
        + bool(PLACE.search(text))
        - bool(CHATTER.search(text))
    )


def looks_like_complaint(text: str) -> bool:
    return score(text or "") >= THRESHOLD
