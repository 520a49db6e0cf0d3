"""Response caches: a reply made once is served again, for free, to the same request.

>>> client = LLMClient.from_env("anthropic", cache=DiskCache("~/.cache/llmsdk"))
>>> first = client.complete(request)            # sent, billed, stored
>>> again = client.complete(request)            # from the cache: again.cached, again.cost == 0
>>> again.saved_cost == first.cost
True

The key covers provider, base URL, API, model and every request field; ``send()`` on a hit
replays the stored events (text, thinking and signatures, tool calls, usage) through the
same ``EventStream``. Errors, cut or closed streams and requests with ``cache=False`` are
never stored; concurrent identical misses make one upstream call.
"""

from __future__ import annotations

from llmsdk._cache.stores import DiskCache, MemoryCache, RedisCache, ResponseCache

__all__ = ["DiskCache", "MemoryCache", "RedisCache", "ResponseCache"]
