"""Azure OpenAI: OpenAI's Chat Completions and Responses wire (the ``openai`` folder's
request and stream code) at ``<endpoint>/openai/v1/...`` or the classic deployment
route, with ``api-key`` or Entra ID bearer auth and Azure's content-filter fields."""
