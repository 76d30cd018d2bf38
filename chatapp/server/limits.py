"""The API's limits in one place (docs/SECURITY.md quotes them). Plain constants, so the command line
can show them without importing the server stack."""

DEFAULT_MAX_BODY = 8 * 1024 * 1024  # bytes of one request body (`--max-body`)
MAX_MESSAGES = 10_000  # messages in one chat request
MAX_STOPS = 4  # stop strings, as OpenAI
MAX_TOOLS = 128  # tools in one request, as OpenAI
MAX_EMBEDDING_INPUTS = 2048  # texts in one embeddings request, as OpenAI
CHARS_PER_TOKEN_BOUND = 128  # no vocabulary has longer tokens: more characters per token of context cannot fit
MAX_AUDIO_UPLOAD = 25 * 1024 * 1024  # bytes of a /v1/audio/transcriptions body (OpenAI's limit), whatever --max-body
MAX_SPEECH_INPUT = 4096  # characters of /v1/audio/speech's input, as OpenAI
