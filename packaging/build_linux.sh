#!/usr/bin/env bash
# Build the Linux installers: a onedir tarball and, where dpkg-deb exists, a .deb.
#   packaging/build_linux.sh            CPU build of whatever llama-cpp-python is installed
#   CHATAPP_BUNDLE_DEMO=1 packaging/build_linux.sh   ship the demo model inside (offline bundle)
# CUDA variant: reinstall llama-cpp-python first with
#   CMAKE_ARGS="-DGGML_CUDA=on" pip install --force-reinstall --no-cache-dir llama-cpp-python
set -euo pipefail
cd "$(dirname "$0")/.."
# Voice's libraries are bundled unless CHATAPP_BUNDLE_VOICE=0 (packaging/chatapp.spec).
if [ "${CHATAPP_BUNDLE_VOICE:-1}" = "0" ]; then extras=""; else extras="[voice]"; fi
python3 -m pip install -q "pyinstaller>=6.10" -e ".${extras}"
version=$(python3 -c "import chatapp; print(chatapp.__version__)")
arch=$(uname -m)
rm -rf build/pyinstaller dist/chatapp
python3 -m PyInstaller packaging/chatapp.spec --noconfirm --distpath dist --workpath build/pyinstaller
tar -C dist -czf "dist/chatapp-${version}-linux-${arch}.tar.gz" chatapp
echo "built dist/chatapp-${version}-linux-${arch}.tar.gz ($(du -sh dist/chatapp | cut -f1) unpacked)"

if command -v dpkg-deb >/dev/null; then
  root=build/deb/chatapp_${version}
  rm -rf "$root"
  mkdir -p "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications" \
           "$root/usr/share/icons/hicolor/scalable/apps" "$root/usr/lib/systemd/user"
  cp -a dist/chatapp "$root/opt/chatapp"
  ln -s /opt/chatapp/chatapp "$root/usr/bin/chatapp"
  cp packaging/linux/chatapp.desktop "$root/usr/share/applications/"
  # The headless server, off until the user enables it: systemctl --user enable --now chatapp-serve
  cp packaging/linux/chatapp-serve.service "$root/usr/lib/systemd/user/"
  cp resources/icons/chatapp.svg "$root/usr/share/icons/hicolor/scalable/apps/chatapp.svg"
  deb_arch=$(dpkg --print-architecture)
  cat > "$root/DEBIAN/control" <<CONTROL
Package: chatapp
Version: ${version}
Architecture: ${deb_arch}
Maintainer: chatapp developers
Depends: libxcb-cursor0, libxkbcommon-x11-0, libgl1, libegl1, libfontconfig1
Recommends: libportaudio2
Description: Private, offline chat with local LLMs (GGUF, llama.cpp)
CONTROL
  dpkg-deb --build --root-owner-group "$root" "dist/chatapp_${version}_${deb_arch}.deb" >/dev/null
  echo "built dist/chatapp_${version}_${deb_arch}.deb"
fi
