"""Google Vertex AI: Gemini models through the ``gemini`` folder's request and stream code,
Claude models through the ``anthropic`` folder's (``:streamRawPredict``, or the
Anthropic-managed ``claude.googleapis.com`` with a workspace), Google OAuth tokens from
google-auth (extra ``[vertex]``) or an express-mode API key."""
