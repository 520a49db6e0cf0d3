"""Provider batch jobs: many requests at about half price, answered within 24 hours.

>>> job = client.batches.submit({"row-1": req1, "row-2": req2})
>>> job.wait(poll_interval=30)              # progress bar; polls back off while idle
>>> for key, result in job.results():       # LLMResponse (batch-priced) or LLMError
...     ...
>>> job.cost; client.get_cost()

``job.py`` holds ``BatchJob`` / ``BatchStatus`` / ``BatchCounts``; ``_service.py`` the
``client.batches`` object; ``_backend.py`` what every provider implements and shares
(transport, limits, line-by-line result files); ``_openai.py`` (OpenAI and Groq),
``_anthropic.py`` and ``_gemini.py`` the wire formats.
"""

from llmsdk.batches._service import Batches, BatchRequests, supports_batches
from llmsdk.batches.job import BatchCounts, BatchJob, BatchStatus

__all__ = ["BatchCounts", "BatchJob", "BatchRequests", "BatchStatus", "Batches", "supports_batches"]
