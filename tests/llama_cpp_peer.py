"""`python -m llama_cpp.server`, the tests' real OpenAI peer, with chatapp's AMX guard applied first.

ggml's AMX weight buffer in llama-cpp-python 0.3.36 crashes the first decode on AMX CPUs (see
`llama_runtime.drop_amx_buffer_type`); llama_cpp.server has no such guard, so on an Intel Xeon with AMX
the peer died at its first reply and the tests that talk to it failed with "Cannot reach the server".
Run as a script: `python tests/llama_cpp_peer.py ARGS…` takes llama_cpp.server's arguments.
"""

import runpy

from chatapp.core.runtime.llama_runtime import build_has_amx, drop_amx_buffer_type

if build_has_amx():
    drop_amx_buffer_type()
runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
