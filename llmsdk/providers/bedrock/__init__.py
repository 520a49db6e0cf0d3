"""Amazon Bedrock: Converse / ConverseStream for every model, Claude through InvokeModel
with the Anthropic body, AWS event-stream frames, SigV4 (botocore) or Bedrock API keys."""
