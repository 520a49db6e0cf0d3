"""Amazon Bedrock replies for ``FakeProviderServer``: AWS event-stream frames for
ConverseStream and InvokeModelWithResponseStream (Claude), error replies with
``x-amzn-ErrorType``, and a SigV4 check that recomputes each signature with botocore::

    from llmsdk.testing import FakeProviderServer, bedrock

    with FakeProviderServer() as server:
        server.add_reply(bedrock.text_reply("Hello!"))                # a Converse stream
        server.add_reply(bedrock.claude_reply(anthropic.text_reply("Hi")))  # Claude invoke
        opts = HttpClientOptions.new_bedrock("us-east-1", api_key="test", api_base=server.url)

``routes(server, keys)`` makes the server verify SigV4 on every Bedrock route (403 with
``InvalidSignatureException`` when a signature is wrong) before the scripted replies.

The vocabulary is the one every ``llmsdk.testing`` provider module shares:
``text_reply``, ``tool_use_reply``, ``error_reply``, ``stream_error_reply``,
``truncated_reply``; plus ``reasoning_reply`` and ``claude_reply``.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from llmsdk._engine.eventstream import decode_headers, encode_frame, eventstream_pairs
from llmsdk.testing.server import FakeProviderServer, RecordedRequest, Reply, ScriptedReply

__all__ = [
    "EVENTSTREAM", "MESSAGES_ROUTE", "ROUTE", "claude_reply", "echo", "error_reply", "event", "exception", "frames_of", "reasoning_reply",
    "routes", "sigv4_check", "stream", "stream_error_reply", "text_reply", "tool_use_reply", "truncated_reply",
    "decode_headers",
]

EVENTSTREAM = "application/vnd.amazon.eventstream"
#: The Bedrock runtime routes (streamed and not, Converse and InvokeModel, token counts).
ROUTE = re.compile(r"^/model/[^/]+/(converse|converse-stream|invoke|invoke-with-response-stream|count-tokens)$")
_STATUS_TYPES = {400: "ValidationException", 401: "UnrecognizedClientException", 403: "AccessDeniedException",
                 404: "ResourceNotFoundException", 429: "ThrottlingException", 500: "InternalServerException",
                 503: "ServiceUnavailableException"}


def _json(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event(event_type: str, payload: Dict[str, Any]) -> bytes:
    """One event frame (``:event-type``, JSON payload), with the ``p`` padding AWS adds."""
    return encode_frame({":event-type": event_type, ":content-type": "application/json", ":message-type": "event"},
                        _json({**payload, "p": "abcdefghijklmnopqrstuvwxyzABCDEF"[: 4 + len(event_type) % 20]}))


def exception(exception_type: str, message: str, **more: Any) -> bytes:
    """An exception frame (``throttlingException``...)."""
    return encode_frame({":exception-type": exception_type, ":content-type": "application/json",
                         ":message-type": "exception"}, _json({"message": message, **more}))


def _ends(stop_reason: str, input_tokens: int, output_tokens: int, cache_reads: int, cache_writes: int) -> List[bytes]:
    usage: Dict[str, int] = {"inputTokens": input_tokens, "outputTokens": output_tokens,
                             "totalTokens": input_tokens + output_tokens + cache_reads + cache_writes}
    if cache_reads or cache_writes:
        usage.update(cacheReadInputTokens=cache_reads, cacheWriteInputTokens=cache_writes)
    return [event("messageStop", {"stopReason": stop_reason}),
            event("metadata", {"usage": usage, "metrics": {"latencyMs": 321}})]


def stream(blocks: Sequence[Union[bytes, List[bytes]]], *, stop_reason: str = "end_turn", input_tokens: int = 25,
           output_tokens: int = 15, cache_reads: int = 0, cache_writes: int = 0,
           headers: Optional[Dict[str, str]] = None) -> ScriptedReply:
    """A ConverseStream reply: ``messageStart``, the blocks' frames, ``messageStop``, ``metadata``."""
    pieces: List[bytes] = [event("messageStart", {"role": "assistant"})]
    for block in blocks:
        pieces.extend(block if isinstance(block, list) else [block])
    pieces.extend(_ends(stop_reason, input_tokens, output_tokens, cache_reads, cache_writes))
    return ScriptedReply.sse(pieces, headers={"x-amzn-RequestId": "fake-request-id", **(headers or {})},
                             content_type=EVENTSTREAM)


def text_block(index: int, text: str, chunk: int = 8) -> List[bytes]:
    out = [event("contentBlockDelta", {"contentBlockIndex": index, "delta": {"text": text[i:i + chunk]}})
           for i in range(0, len(text), max(1, chunk))]
    return out + [event("contentBlockStop", {"contentBlockIndex": index})]


def tool_use_block(index: int, name: str, input: Dict[str, Any], tool_id: str = "tooluse_Fake01",
                   fragments: int = 3) -> List[bytes]:
    raw = json.dumps(input)
    step = max(1, -(-len(raw) // fragments))
    out = [event("contentBlockStart", {"contentBlockIndex": index,
                                       "start": {"toolUse": {"toolUseId": tool_id, "name": name}}})]
    out += [event("contentBlockDelta", {"contentBlockIndex": index, "delta": {"toolUse": {"input": raw[i:i + step]}}})
            for i in range(0, len(raw), step)]
    return out + [event("contentBlockStop", {"contentBlockIndex": index})]


def reasoning_block(index: int, text: str, signature: str = "EqQBFakeSignature==", chunk: int = 16) -> List[bytes]:
    out = [event("contentBlockDelta", {"contentBlockIndex": index,
                                       "delta": {"reasoningContent": {"text": text[i:i + chunk]}}})
           for i in range(0, len(text), max(1, chunk))]
    out.append(event("contentBlockDelta", {"contentBlockIndex": index,
                                           "delta": {"reasoningContent": {"signature": signature}}}))
    return out + [event("contentBlockStop", {"contentBlockIndex": index})]


def text_reply(text: str = "Hello!", *, chunk: int = 8, **kwargs: Any) -> ScriptedReply:
    return stream([text_block(0, text, chunk)], **kwargs)


def tool_use_reply(name: str, input: Dict[str, Any], *, tool_id: str = "tooluse_Fake01", text: Optional[str] = None,
                   **kwargs: Any) -> ScriptedReply:
    blocks: List[Union[bytes, List[bytes]]] = [text_block(0, text)] if text else []
    blocks.append(tool_use_block(len(blocks), name, input, tool_id))
    return stream(blocks, stop_reason="tool_use", **kwargs)


def reasoning_reply(thinking: str, text: str, *, signature: str = "EqQBFakeSignature==", **kwargs: Any) -> ScriptedReply:
    return stream([reasoning_block(0, thinking, signature), text_block(1, text)], **kwargs)


def truncated_reply(text: str = "Hello!", *, cut: int = 7, **kwargs: Any) -> ScriptedReply:
    """A Converse stream whose last frame is cut ``cut`` bytes short (the body then ends)."""
    whole = text_reply(text, **kwargs)
    return whole.truncated(len(whole.body_bytes()) - cut)


def stream_error_reply(message: str = "Too many requests", *, exception_type: str = "throttlingException",
                       text_before: Optional[str] = None) -> ScriptedReply:
    """An exception frame inside a 200 stream (after some text when ``text_before``)."""
    pieces: List[bytes] = [event("messageStart", {"role": "assistant"})]
    if text_before:
        pieces.append(event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": text_before}}))
    pieces.append(exception(exception_type, message))
    return ScriptedReply.sse(pieces, content_type=EVENTSTREAM)


def error_reply(status: int, message: str = "error", *, error_type: Optional[str] = None) -> ScriptedReply:
    """An HTTP error as Bedrock sends it: ``{"message"}`` and ``x-amzn-ErrorType``."""
    kind = error_type or _STATUS_TYPES.get(status, "InternalServerException")
    return ScriptedReply.json(status, {"message": message},
                              headers={"x-amzn-ErrorType": f"{kind}:http://internal.amazon.com/coral/com.amazon.bedrock/",
                                       "x-amzn-RequestId": "fake-request-id"})


def claude_reply(anthropic_reply: ScriptedReply) -> ScriptedReply:
    """An Anthropic SSE reply (``llmsdk.testing.anthropic.*_reply``) re-framed as
    InvokeModelWithResponseStream: each SSE event's JSON, base64, in a ``chunk`` frame."""
    from sseclient import SSEClient

    pieces = []
    for sse in SSEClient(iter([anthropic_reply.body_bytes()])).events():
        payload = json.loads(sse.data)
        if payload.get("type") == "message_stop":
            payload["amazon-bedrock-invocationMetrics"] = {"inputTokenCount": 25, "outputTokenCount": 15,
                                                           "invocationLatency": 321, "firstByteLatency": 99}
        pieces.append(encode_frame(
            {":event-type": "chunk", ":content-type": "application/json", ":message-type": "event"},
            _json({"bytes": base64.b64encode(_json(payload)).decode("ascii"), "p": "abcd"})))
    return ScriptedReply.sse(pieces, content_type=EVENTSTREAM)


def echo(request: RecordedRequest) -> ScriptedReply:
    """A route function answering every Bedrock route with the last user text, echoed:
    ConverseStream and Claude invoke streams, and ``count-tokens`` (about 4 characters a
    token). ``server.route(bedrock.ROUTE, bedrock.echo)`` makes an offline Bedrock."""
    action = request.path.rsplit("/", 1)[-1]
    body = request.json or {}
    if action == "count-tokens":
        return ScriptedReply.json(200, {"inputTokens": max(1, len(json.dumps(body.get("input"))) // 4)})
    text = ""
    for message in body.get("messages") or ():
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            text = content
        elif isinstance(content, list):
            text = "".join(part.get("text", "") for part in content if isinstance(part, dict)) or text
    if action.startswith("invoke"):
        from llmsdk.testing import anthropic

        return claude_reply(anthropic.text_reply(text or "(nothing to echo)"))
    return text_reply(text or "(nothing to echo)")


def frames_of(reply: ScriptedReply) -> List[Tuple[str, str]]:
    """The ``(event, data)`` pairs of an event-stream reply (for tests)."""
    return list(eventstream_pairs([reply.body_bytes()]))


# -- SigV4 verification -------------------------------------------------------------------


def sigv4_check(request: RecordedRequest, keys: Mapping[str, Tuple[str, Optional[str]]], *,
                service: str = "bedrock", url_root: str = "http://127.0.0.1") -> Optional[str]:
    """Why ``request``'s SigV4 signature is wrong, or None when it is right. ``keys`` maps
    access key ids to ``(secret_key, session_token)``. The signature is recomputed with
    botocore over the headers the request says it signed (test-only: needs botocore)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    auth = request.headers.get("authorization", "")
    found = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                     r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$", auth)
    if found is None:
        return "no SigV4 Authorization header"
    access, _day, region, signed_service, signed, signature = found.groups()
    if signed_service != service:
        return f"signed for service {signed_service!r}, not {service!r}"
    if access not in keys:
        return "unknown access key"
    secret, token = keys[access]
    if token is not None and request.headers.get("x-amz-security-token") != token:
        return "wrong or missing session token"
    names = signed.split(";")
    headers = {name: request.headers.get(name, "") for name in names}
    host = request.headers.get("host", "")
    path = request.path + (f"?{request.query}" if request.query else "")
    aws = AWSRequest(method=request.method, url=f"http://{host}{path}", data=request.body, headers=headers)
    aws.context["timestamp"] = request.headers.get("x-amz-date", "")
    signer = SigV4Auth(Credentials(access, secret, token), service, region)
    canonical = signer.canonical_request(aws)
    expected = signer.signature(signer.string_to_sign(aws, canonical), aws)
    return None if expected == signature else "signature does not match"


#: The Anthropic Messages routes on AWS: Bedrock Mantle (``/anthropic/v1/messages``) and
#: Claude Platform on AWS (``/v1/messages``), token counting included.
MESSAGES_ROUTE = re.compile(r"^(/anthropic)?/v1/messages(/count_tokens)?$")


def routes(server: FakeProviderServer, keys: Mapping[str, Tuple[str, Optional[str]]], *,
           reply: Optional[Reply] = None, service: str = "bedrock",
           match: "re.Pattern[str]" = ROUTE) -> FakeProviderServer:
    """Answer the Bedrock routes (or ``match``: ``MESSAGES_ROUTE`` with ``service=
    "bedrock-mantle"`` or ``"aws-external-anthropic"``) after checking SigV4
    (``403 InvalidSignatureException`` when it is wrong): with ``reply`` (a reply or a
    function of the request), else the next queued reply. A request carrying a key
    (``Authorization: Bearer``, ``x-api-key``) passes unchecked."""
    queued: Callable[[], ScriptedReply] = server._pop_reply  # type: ignore[attr-defined]

    def answer(request: RecordedRequest) -> ScriptedReply:
        keyed = request.headers.get("authorization", "").startswith("Bearer ") or "x-api-key" in request.headers
        if not keyed:
            why = sigv4_check(request, keys, service=service)
            if why is not None:
                return error_reply(403, f"The request signature we calculated does not match ({why})",
                                   error_type="InvalidSignatureException")
        if reply is None:
            return queued()
        return reply(request) if callable(reply) else reply

    return server.route(match, answer)
