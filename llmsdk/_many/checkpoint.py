"""Result lines: one JSON object per finished item, appended and flushed as items finish,
so a run can be resumed (``client.map(checkpoint=...)``, ``llmsdk batch``).

A line is ``{"key": ..., "request_hash": ..., "response": <LLMResponse>, "usage": ...,
"cost": ...}`` or ``{"key": ..., "request_hash": ..., "error": {"type": "RateLimitError",
"message": ..., "status": 429, ...}, "usage": ..., "cost": ...}`` (usage and cost of what
was billed before the error). ``request_hash`` is the hash of the request's canonical
JSON (``request_hash()``); an item given without a key is saved under a key made of it
(``content_key``), so a rerun over reordered input finds each answer by its request, never
by its position. The last line of a key wins. A line cut short by a crash is dropped when
the file is opened again; nothing before it is lost.

Resuming reads keys first (``CheckpointIndex``: one pass that decodes no response) and
decodes a saved response only when its item comes up, so 20,000 saved rows cost a
fraction of a second and a few megabytes before the first request goes out.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from typing import Any, BinaryIO, Dict, Iterator, List, NamedTuple, Optional, Set, Union

import llmsdk.errors as errors
from llmsdk.errors import InvalidConfigError, LLMError
from llmsdk.types import LLMResponse, Usage

__all__ = [
    "CheckpointIndex", "CheckpointWriter", "SavedResult", "answered_keys", "content_key", "drop_torn_tail",
    "error_from_dict",
    "error_to_dict", "read_results", "request_hash", "result_line",
]

logger = logging.getLogger("llmsdk.map")

Key = Union[str, int]
PathLike = Union[str, "os.PathLike[str]"]


def request_hash(request: Any) -> str:
    """sha256 of the request's canonical JSON (sorted keys, no spaces): the same request
    gives the same hash in every process and run."""
    data = _without_nones(request.to_dict(encode_json=True))
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _without_nones(value: Any) -> Any:
    """``value`` without its None fields (a field added later does not change the hash)."""
    if isinstance(value, dict):
        return {k: _without_nones(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nones(v) for v in value]
    return value


def content_key(digest: str, occurrence: int) -> str:
    """The key of an item given without one: its request's hash, and for the 2nd, 3rd ...
    identical request of the input, its occurrence (``req-<hash>-2``; usable as a batch
    custom id too)."""
    key = f"req-{digest[:24]}"
    return key if occurrence <= 1 else f"{key}-{occurrence}"


class SavedResult(NamedTuple):
    """One item as a result file records it."""

    key: Key
    response: Optional[LLMResponse]
    error: Optional[LLMError]

    @property
    def ok(self) -> bool:
        return self.error is None and self.response is not None


def error_to_dict(error: BaseException) -> Dict[str, Any]:
    """The fields of an error worth keeping (never a key: errors carry none)."""
    data: Dict[str, Any] = {"type": type(error).__name__, "message": str(getattr(error, "message", error))}
    for name in ("status", "error_type", "provider", "request_id", "retry_after", "reason"):
        value = getattr(error, name, None)
        if value is not None:
            data[name] = value
    return data


def error_from_dict(data: Dict[str, Any]) -> LLMError:
    """Rebuild a saved error as its ``llmsdk.errors`` class (``LLMError`` if unknown)."""
    name = str(data.get("type") or "LLMError")
    message = str(data.get("message") or "")
    fields = {k: data[k] for k in ("status", "error_type", "provider", "request_id", "retry_after") if k in data}
    if name.startswith("ProviderStream") and name != "ProviderStreamError":
        return errors.make_stream_error(message, error_type=fields.get("error_type"), status=fields.get("status"),
                                        provider=fields.get("provider"), request_id=fields.get("request_id"))
    cls = getattr(errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, LLMError)):
        return LLMError(f"{name}: {message}")
    if issubclass(cls, errors.InvalidResponseCodeError):
        return cls(message, **fields)
    if cls is errors.BatchRequestNotRunError and isinstance(data.get("reason"), str):
        return cls(message, reason=data["reason"])
    return cls(message)


def result_line(key: Key, response: Optional[LLMResponse] = None, error: Optional[BaseException] = None,
                digest: Optional[str] = None) -> str:
    """One result line (with its newline) for ``key``: a response, or an error; ``digest``
    (the request's ``request_hash``) right after the key, where a resume reads it."""
    if (response is None) == (error is None):
        raise ValueError("a result line holds a response or an error")
    line: Dict[str, Any] = {"key": key}
    if digest is not None:
        line["request_hash"] = digest
    billed = response if response is not None else getattr(error, "partial_response", None)
    if response is not None:
        data = response.to_dict(encode_json=True)
        data.pop("rate_limit", None)
        line["response"] = data
    else:
        line["error"] = error_to_dict(error)  # type: ignore[arg-type]
    if isinstance(billed, LLMResponse):
        line["usage"] = billed.usage.to_dict()
        line["cost"] = billed.cost
    return json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n"


def parse_result_line(text: str) -> SavedResult:
    """A result line back to a ``SavedResult``; ``ValueError`` if it is not one."""
    data = json.loads(text)
    if not isinstance(data, dict) or "key" not in data or ("response" in data) == ("error" in data):
        raise ValueError("not a result line (needs a key and a response or an error)")
    key = data["key"]
    if isinstance(key, bool) or not isinstance(key, (str, int)):
        raise ValueError(f"key must be a string or an integer, got {key!r}")
    if "response" in data:
        response = LLMResponse.from_dict(data["response"])
        if not isinstance(response.usage, Usage):
            raise ValueError("response has no usable usage")
        return SavedResult(key, response, None)
    error = data["error"]
    if not isinstance(error, dict):
        raise ValueError("error must be an object")
    return SavedResult(key, None, error_from_dict(error))


def read_results(path: PathLike) -> Dict[Key, SavedResult]:
    """The results saved in ``path`` (empty if it does not exist), the last line of each
    key winning. A final line without its newline (a crash mid-write) is ignored; other
    unreadable lines are logged and skipped, so their items run again. A file in which no
    line is a result line is refused with ``InvalidConfigError`` (is it the input file?)."""
    results: Dict[Key, SavedResult] = {}
    if not os.path.exists(path):
        return results
    with open(path, "rb") as fh:
        raw = fh.read()
    lines = raw.split(b"\n")
    lines.pop()  # b"" after a final newline, else the torn tail of a crashed write
    bad: List[int] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            saved = parse_result_line(line.decode("utf-8"))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            bad.append(number)
            logger.warning("%s:%d: unreadable checkpoint line skipped (%s); its item will be sent again",
                           os.fspath(path), number, exc)
            continue
        results[saved.key] = saved
    if bad and not results:
        raise InvalidConfigError(f"{os.fspath(path)} is not a checkpoint: no line is a result line "
                                 f"(line {bad[0]} is not {{\"key\": ..., \"response\"|\"error\": ...}})")
    return results


def answered_keys(path: PathLike) -> Set[Key]:
    """The keys ``path`` holds a response for (a quick read: responses are not decoded)."""
    keys: Dict[Key, bool] = {}
    if not os.path.exists(path):
        return set()
    with open(path, "rb") as fh:
        for line in fh:
            if not line.endswith(b"\n"):
                break  # a torn tail
            try:
                data = json.loads(line)
                keys[data["key"]] = "response" in data
            except (ValueError, TypeError, KeyError):
                continue
    return {key for key, answered in keys.items() if answered}


#: The head of a line this module wrote: key, request hash, then "response" or "error".
_HEAD = re.compile(rb'\{"key":("(?:[^"\\]|\\.)*"|-?\d+),(?:"request_hash":"([0-9a-f]*)",)?"(response|error)"')


class _Entry(NamedTuple):
    offset: int
    length: int
    ok: bool
    digest: Optional[str]


class CheckpointIndex:
    """Where each key's last line is in a checkpoint, read without decoding responses;
    ``load(key)`` decodes one saved result when its item comes up.

    ``positional`` counts lines keyed by an int with no request hash: an older llmsdk
    wrote those for items without a key (keyed by their position), which a resume must
    not trust."""

    def __init__(self, path: PathLike) -> None:
        self.path = path
        self._entries: Dict[Key, _Entry] = {}
        self._fh: Optional[BinaryIO] = None
        self.positional = 0
        #: Complete lines that are not result lines (skipped).
        self.unreadable = 0
        if os.path.exists(path):
            self._scan()

    def _scan(self) -> None:
        bad: List[int] = []
        offset = 0
        with open(self.path, "rb") as fh:
            for number, line in enumerate(fh, 1):
                start, offset = offset, offset + len(line)
                if not line.endswith(b"\n") or not line.strip():
                    continue  # a torn tail (dropped by the writer) or a blank line
                head = _HEAD.match(line)
                try:
                    if head is not None:
                        key: Key = json.loads(head.group(1))
                        digest = head.group(2).decode("ascii") if head.group(2) is not None else None
                        ok = head.group(3) == b"response"
                    else:
                        data = json.loads(line)
                        if not isinstance(data, dict) or "key" not in data or ("response" in data) == ("error" in data):
                            raise ValueError("not a result line")
                        key, ok = data["key"], "response" in data
                        digest = data.get("request_hash") if isinstance(data.get("request_hash"), str) else None
                    if isinstance(key, bool) or not isinstance(key, (str, int)):
                        raise ValueError(f"key must be a string or an integer, got {key!r}")
                except ValueError as exc:
                    bad.append(number)
                    logger.warning("%s:%d: unreadable checkpoint line skipped (%s); its item will be sent again",
                                   os.fspath(self.path), number, exc)
                    continue
                if isinstance(key, int) and digest is None:
                    self.positional += 1
                self._entries[key] = _Entry(start, len(line), ok, digest)
        self.unreadable = len(bad)
        if bad and not self._entries:
            raise InvalidConfigError(f"{os.fspath(self.path)} is not a checkpoint: no line is a result line "
                                     f"(line {bad[0]} is not {{\"key\": ..., \"response\"|\"error\": ...}})")

    def __len__(self) -> int:
        return len(self._entries)

    def answered(self, key: Key) -> bool:
        entry = self._entries.get(key)
        return entry is not None and entry.ok

    def keys(self) -> Iterator[Key]:
        return iter(self._entries)

    def load(self, key: Key) -> Optional[SavedResult]:
        """The saved result of ``key`` (None if there is none, or its line no longer decodes)."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self._fh is None:
            self._fh = open(self.path, "rb")  # noqa: SIM115 - closed in close()
        self._fh.seek(entry.offset)
        text = self._fh.read(entry.length)
        try:
            return parse_result_line(text.decode("utf-8"))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            logger.warning("%s: the saved line of %r does not decode (%s); its item will be sent again",
                           os.fspath(self.path), key, exc)
            return None

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


class CheckpointWriter:
    """Appends result lines to ``path`` from any thread, flushing each one."""

    def __init__(self, path: PathLike) -> None:
        self.path = path
        self._lock = threading.Lock()
        drop_torn_tail(path)
        self._fh: Optional[Any] = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def write(self, key: Key, response: Optional[LLMResponse] = None, error: Optional[BaseException] = None,
              digest: Optional[str] = None) -> bool:
        """Append one line; False (nothing written) once closed."""
        line = result_line(key, response, error, digest)
        with self._lock:
            if self._fh is None:
                return False
            self._fh.write(line)
            self._fh.flush()
            return True

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None


def drop_torn_tail(path: PathLike) -> None:
    """Cut a last line that lacks its newline (a write cut short), so appends start clean."""
    try:
        with open(path, "rb+") as fh:
            size = fh.seek(0, os.SEEK_END)
            if size == 0:
                return
            fh.seek(size - 1)
            if fh.read(1) == b"\n":
                return
            keep = 0
            position = size
            while position > 0:
                step = min(65536, position)
                position -= step
                fh.seek(position)
                chunk = fh.read(step)
                newline = chunk.rfind(b"\n")
                if newline >= 0:
                    keep = position + newline + 1
                    break
            logger.warning("%s: dropping an unfinished last line (%d bytes)", os.fspath(path), size - keep)
            fh.truncate(keep)
    except FileNotFoundError:
        return
