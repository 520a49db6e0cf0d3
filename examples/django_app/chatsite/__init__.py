"""A minimal Django project that streams model replies with StreamingHttpResponse."""
