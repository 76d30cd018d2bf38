"""Voice, on this computer: speech to text (faster-whisper), text to speech (Piper), the audio files
both read and write, and where their models are. Plain Python: the window, the terminal and the API
server use it alike. The libraries are the optional `voice` extra, imported on first use."""
