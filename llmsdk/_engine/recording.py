"""Recording exchanges as transcripts: with ``LLMSDK_RECORD_DIR=path`` set, every HTTP
exchange a client makes is written there, so a live run leaves fixtures the pure tests
replay (``llmsdk._engine.sse.feed(processor, [transcript.read_bytes()])``).

One exchange, three files sharing a name ``<provider>-<UTC time>-<pid>-<n>``:

* ``.request.json``: method, URL, headers and JSON body as sent — the API key never:
  auth headers are dropped and the key is masked wherever else it appears;
* ``.response.json``: status and headers;
* ``.sse`` (an event stream) or ``.json`` (anything else): the response body's bytes as
  received (transfer encoding undone), the key masked.

Recording is for development; it slows nothing when the variable is unset.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional

__all__ = ["ENV_VAR", "Exchange", "Recorder"]

ENV_VAR = "LLMSDK_RECORD_DIR"
#: Headers that carry credentials; never written.
_SECRET_HEADERS = frozenset({"authorization", "x-api-key", "x-goog-api-key", "api-key", "proxy-authorization",
                             "x-amz-security-token"})
_MASK = "**********"

logger = logging.getLogger("llmsdk.record")
_numbers = itertools.count(1)


class Recorder:
    """Writes exchanges under ``directory`` (created on first use), masking ``secret``."""

    def __init__(self, directory: str, secret: Optional[str] = None,
                 more_secrets: Optional[Callable[[], List[str]]] = None) -> None:
        self.directory = Path(directory)
        self._secret = secret or None
        #: The bearer tokens handed out lately (``AttemptAuth.recent``): masked too.
        self.more_secrets = more_secrets

    def _secrets(self) -> List[str]:
        found = [self._secret] if self._secret else []
        return found + (self.more_secrets() if self.more_secrets is not None else [])

    @classmethod
    def from_env(cls, secret: Optional[str] = None) -> Optional["Recorder"]:
        directory = os.environ.get(ENV_VAR)
        return cls(directory, secret) if directory else None

    def mask(self, text: str) -> str:
        for secret in self._secrets():
            if secret in text:
                text = text.replace(secret, _MASK)
        return text

    def _mask_bytes(self, data: bytes) -> bytes:
        for secret in self._secrets():
            raw = secret.encode("utf-8")
            if raw in data:
                data = data.replace(raw, _MASK.encode("ascii"))
        return data

    def start(self, provider: str, method: str, url: str, headers: Mapping[str, str], body: bytes) -> "Exchange":
        """Record a request about to be sent; the ``Exchange`` takes its response."""
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        name = f"{provider}-{stamp}-{os.getpid()}-{next(_numbers):04d}"
        try:
            parsed: Any = json.loads(self.mask(body.decode("utf-8"))) if body else None
        except ValueError:
            parsed = self.mask(body.decode("utf-8", "replace"))
        request = {
            "method": method,
            "url": self.mask(url),
            "headers": {k: self.mask(v) for k, v in headers.items() if k.lower() not in _SECRET_HEADERS},
            "body": parsed,
        }
        exchange = Exchange(self, name)
        exchange.write_json(".request.json", request)
        return exchange


class Exchange:
    """One recorded exchange: its response head, then the body piece by piece."""

    def __init__(self, recorder: Recorder, name: str) -> None:
        self._recorder = recorder
        self.name = name
        self._pieces: List[bytes] = []
        self._suffix = ".json"
        self._lock = threading.Lock()
        self._closed = False

    def write_json(self, suffix: str, data: Dict[str, Any]) -> None:
        try:
            self._recorder.directory.mkdir(parents=True, exist_ok=True)
            path = self._recorder.directory / (self.name + suffix)
            path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        except OSError:  # recording must never break the call it records
            logger.warning("could not write %s%s in %s", self.name, suffix, self._recorder.directory, exc_info=True)

    def response(self, status: int, headers: Mapping[str, str]) -> None:
        content_type = str(headers.get("content-type", ""))
        self._suffix = ".sse" if "event-stream" in content_type else ".json"
        self.write_json(".response.json", {
            "status": status,
            "headers": {k: self._recorder.mask(str(v)) for k, v in headers.items()},
            "body_file": self.name + self._suffix,
        })

    def piece(self, data: bytes) -> None:
        if data:
            with self._lock:
                self._pieces.append(data)

    def close(self) -> None:
        """Write the body received so far (whole, cut short, or cancelled)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            data = self._recorder._mask_bytes(b"".join(self._pieces))
        try:
            self._recorder.directory.mkdir(parents=True, exist_ok=True)
            (self._recorder.directory / (self.name + self._suffix)).write_bytes(data)
        except OSError:
            logger.warning("could not write %s%s", self.name, self._suffix, exc_info=True)
