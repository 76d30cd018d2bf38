#!/usr/bin/env bash
# Build chatapp.app and a .dmg on macOS. llama-cpp-python builds with Metal by default on Apple
# Silicon; for an Intel CPU-only build: CMAKE_ARGS="-DGGML_METAL=off" pip install --force-reinstall
# --no-cache-dir llama-cpp-python. Icon: put resources/icons/chatapp.icns (iconutil) before building.
set -euo pipefail
cd "$(dirname "$0")/.."
# Voice's libraries are bundled unless CHATAPP_BUNDLE_VOICE=0 (packaging/chatapp.spec).
if [ "${CHATAPP_BUNDLE_VOICE:-1}" = "0" ]; then extras=""; else extras="[voice]"; fi
python3 -m pip install -q "pyinstaller>=6.10" -e ".${extras}"
version=$(python3 -c "import chatapp; print(chatapp.__version__)")
rm -rf build/pyinstaller dist/chatapp dist/chatapp.app
python3 -m PyInstaller packaging/chatapp.spec --noconfirm --distpath dist --workpath build/pyinstaller
dist/chatapp.app/Contents/MacOS/chatapp --version
hdiutil create -volname "chatapp ${version}" -srcfolder dist/chatapp.app -ov -format UDZO \
  "dist/chatapp-${version}-macos-$(uname -m).dmg"
echo "built dist/chatapp-${version}-macos-$(uname -m).dmg"
