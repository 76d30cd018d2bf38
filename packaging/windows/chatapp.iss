; Inno Setup script: per-user install (no admin rights), Start-menu shortcut, optional desktop icon.
#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif

[Setup]
AppId={{6C1E5B0A-3F7D-4C2B-9B1E-7A0C2D9E4F11}
AppName=chatapp
AppVersion={#AppVersion}
AppPublisher=chatapp developers
DefaultDirName={localappdata}\Programs\chatapp
DefaultGroupName=chatapp
PrivilegesRequired=lowest
OutputDir=..\..\dist
OutputBaseFilename=chatapp-{#AppVersion}-windows-setup
Compression=lzma2/max
SolidCompression=yes
ArchitecturesInstallIn64BitMode=x64compatible
UninstallDisplayIcon={app}\chatapp.exe

[Tasks]
Name: "desktopicon"; Description: "Create a desktop icon"; Flags: unchecked

[Files]
Source: "..\..\dist\chatapp\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\chatapp"; Filename: "{app}\chatapp.exe"
Name: "{group}\Uninstall chatapp"; Filename: "{uninstallexe}"
Name: "{autodesktop}\chatapp"; Filename: "{app}\chatapp.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\chatapp.exe"; Description: "Start chatapp"; Flags: nowait postinstall skipifsilent
