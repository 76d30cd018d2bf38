"""Whatever produces a reply: the protocol the front ends use, and a model on a remote server."""
