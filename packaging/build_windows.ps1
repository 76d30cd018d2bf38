# Build chatapp on Windows: the onedir with chatapp.exe (window) and chatapp-cli.exe (terminal), then
# the installer with Inno Setup 6 (iscc on PATH). CUDA variant: first
#   $env:CMAKE_ARGS="-DGGML_CUDA=on"; pip install --force-reinstall --no-cache-dir llama-cpp-python
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")
# Voice's libraries are bundled unless CHATAPP_BUNDLE_VOICE=0 (packaging/chatapp.spec).
$extras = if ($env:CHATAPP_BUNDLE_VOICE -eq "0") { "" } else { "[voice]" }
python -m pip install -q "pyinstaller>=6.10" -e ".$extras"
$version = python -c "import chatapp; print(chatapp.__version__)"
python -m PyInstaller packaging/chatapp.spec --noconfirm --distpath dist --workpath build/pyinstaller
& dist/chatapp/chatapp-cli.exe --version
iscc /DAppVersion=$version packaging/windows/chatapp.iss
Write-Host "built dist/chatapp-$version-windows-setup.exe"
