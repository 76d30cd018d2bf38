"""PyInstaller hook for llama-cpp-python (pyinstaller-hooks-contrib has none).

llama_cpp loads libllama/libggml* with ctypes from `llama_cpp/lib/` next to its modules, including the
versioned names (libllama.so.0 …) the libraries link against each other by; ship them all there.
"""

from PyInstaller.utils.hooks import collect_data_files, collect_dynamic_libs

binaries = collect_dynamic_libs("llama_cpp")
datas = collect_data_files("llama_cpp", includes=["lib/*", "**/*.so*", "**/*.dylib", "**/*.dll", "**/*.metal"])
