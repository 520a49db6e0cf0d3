"""Recorded Gemini streams (PROVIDERS.md §4.3; text cut, signature shortened), CRLF framed."""

TEXT_WITH_THOUGHTS = (
    b'data: {"candidates": [{"content": {"parts": [{"text": "**Defining Atmospheric Color**\\n\\nI\'m working on it","thought": true}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 12,"totalTokenCount": 79,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 12}],"thoughtsTokenCount": 67},"modelVersion": "gemini-2.5-flash","responseId": "nlP5afrgJ6-I-sAPut_z2Ac"}\r\n\r\n'
    b'data: {"candidates": [{"content": {"parts": [{"text": "The sky is blue because the Earth\'s"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 12,"candidatesTokenCount": 5,"totalTokenCount": 714,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 12}],"thoughtsTokenCount": 697},"modelVersion": "gemini-2.5-flash","responseId": "nlP5afrgJ6-I-sAPut_z2Ac"}\r\n\r\n'
    b'data: {"candidates": [{"content": {"parts": [{"text": " atmosphere scatters shorter, bluer wavelengths \xe2\x80\x94 Rayleigh \xf0\x9f\x8c\x8d."}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 12,"candidatesTokenCount": 35,"totalTokenCount": 744,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 12}],"thoughtsTokenCount": 697},"modelVersion": "gemini-2.5-flash","responseId": "nlP5afrgJ6-I-sAPut_z2Ac"}\r\n\r\n'
)

TOOL_CALL = (
    b'data: {"candidates": [{"content": {"parts": [{"text": " this list that is in Africa. I will now fetch the current weather for Cairo in Celsius. \\n\\n"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 135,"candidatesTokenCount": 108,"totalTokenCount": 469,"thoughtsTokenCount": 226},"modelVersion": "gemini-3.1-pro-preview","responseId": "VYEPauj2Noe3jMcP_dvjoQg"}\r\n\r\n'
    b'data: {"candidates": [{"content": {"parts": [{"functionCall": {"name": "get_weather","args": {"country": "Egypt","unit": "C","city": "Cairo"},"id": "u959pftr"},"thoughtSignature": "EpoICpcIAQw51sc78WQ2"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 135,"candidatesTokenCount": 136,"totalTokenCount": 497,"thoughtsTokenCount": 226},"modelVersion": "gemini-3.1-pro-preview","responseId": "VYEPauj2Noe3jMcP_dvjoQg"}\r\n\r\n'
    b'data: {"candidates": [{"content": {"parts": [{"text": ""}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 135,"candidatesTokenCount": 136,"totalTokenCount": 497,"thoughtsTokenCount": 226},"modelVersion": "gemini-3.1-pro-preview","responseId": "VYEPauj2Noe3jMcP_dvjoQg"}\r\n\r\n'
)

# Two parallel calls without ids (gemini-2.x style), the signature on the first one.
PARALLEL_CALLS_NO_IDS = (
    b'data: {"candidates": [{"content": {"parts": [{"functionCall": {"name": "get_weather","args": {"city": "Paris"}},"thoughtSignature": "CiQBSig1"},{"functionCall": {"name": "get_time","args": {"tz": "Europe/Paris"}}}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 50,"candidatesTokenCount": 20,"totalTokenCount": 70},"modelVersion": "gemini-2.0-flash","responseId": "resp42"}\r\n\r\n'
)

SAFETY_STOP = (
    b'data: {"candidates": [{"content": {"parts": [{"text": "Here is how"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 10,"candidatesTokenCount": 3,"totalTokenCount": 13},"modelVersion": "gemini-2.5-flash","responseId": "safe1"}\r\n\r\n'
    b'data: {"candidates": [{"finishReason": "SAFETY","index": 0,"safetyRatings": [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT","probability": "HIGH","blocked": true}]}],"usageMetadata": {"promptTokenCount": 10,"candidatesTokenCount": 3,"totalTokenCount": 13},"modelVersion": "gemini-2.5-flash","responseId": "safe1"}\r\n\r\n'
)

PROMPT_BLOCKED = (
    b'data: {"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},"usageMetadata": {"promptTokenCount": 9,"totalTokenCount": 9},"modelVersion": "gemini-2.5-flash","responseId": "blk1"}\r\n\r\n'
)

MID_STREAM_ERROR = (
    b'data: {"error": {"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}}\r\n\r\n'
)

CACHED_USAGE = (
    b'data: {"candidates": [{"content": {"parts": [{"text": "ok"}],"role": "model"},"finishReason": "MAX_TOKENS","index": 0}],"usageMetadata": {"promptTokenCount": 1200,"cachedContentTokenCount": 1000,"candidatesTokenCount": 2,"thoughtsTokenCount": 30,"toolUsePromptTokenCount": 5,"totalTokenCount": 1237},"modelVersion": "gemini-2.5-pro","responseId": "c1"}\r\n\r\n'
)
