<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en_US">
<context>
    <name>DocumentsButton</name>
    <message numerus="yes">
        <source>Documents: %n collection(s)</source>
        <translation>
            <numerusform>Documents: %n collection</numerusform><numerusform>Documents: %n collections</numerusform></translation>
    </message>
</context>
<context>
    <name>MessageWidget</name>
    <message numerus="yes">
        <source>%n token(s)</source>
        <translation>
            <numerusform>%n token</numerusform><numerusform>%n tokens</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n old message(s) left out of context</source>
        <translation>
            <numerusform>%n old message left out of context</numerusform><numerusform>%n old messages left out of context</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n excerpt(s) found in {ms:.0f} ms</source>
        <translation>
            <numerusform>%n excerpt found in {ms:.0f} ms</numerusform><numerusform>%n excerpts found in {ms:.0f} ms</numerusform></translation>
    </message>
</context>
<context>
    <name>ModelManager</name>
    <message numerus="yes">
        <source>%n repositories for “{query}”.</source>
        <translation>
            <numerusform>%n repositories for “{query}”.</numerusform><numerusform>%n repositories for “{query}”.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;{repo}&lt;/b&gt; — %n GGUF file(s)</source>
        <translation>
            <numerusform>&lt;b&gt;{repo}&lt;/b&gt; — %n GGUF file</numerusform><numerusform>&lt;b&gt;{repo}&lt;/b&gt; — %n GGUF files</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>  (+%n part(s))</source>
        <translation>
            <numerusform>  (+%n part)</numerusform><numerusform>  (+%n parts)</numerusform></translation>
    </message>
</context>
<context>
    <name>ServerDialog</name>
    <message numerus="yes">
        <source>%n model(s) on this server.</source>
        <translation>
            <numerusform>%n model on this server.</numerusform><numerusform>%n models on this server.</numerusform></translation>
    </message>
</context>
<context>
    <name>SettingsPanel</name>
    <message numerus="yes">
        <source>{template} · %n token(s)</source>
        <translation>
            <numerusform>{template} · %n token</numerusform><numerusform>{template} · %n tokens</numerusform></translation>
    </message>
</context>
<context>
    <name>StatusBar</name>
    <message numerus="yes">
        <source>{name} · {backend} · %n thread(s)</source>
        <translation>
            <numerusform>{name} · {backend} · %n thread</numerusform><numerusform>{name} · {backend} · %n threads</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n oldest message(s) left out to fit the context</source>
        <translation>
            <numerusform>%n oldest message left out to fit the context</numerusform><numerusform>%n oldest messages left out to fit the context</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>API {url} · %n request(s)</source>
        <translation>
            <numerusform>API {url} · %n request</numerusform><numerusform>API {url} · %n requests</numerusform></translation>
    </message>
</context>
<context>
    <name>ToolsBox</name>
    <message numerus="yes">
        <source>running: %n tool(s)</source>
        <translation>
            <numerusform>running: %n tool</numerusform><numerusform>running: %n tools</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n server(s) imported.</source>
        <translation>
            <numerusform>%n server imported.</numerusform><numerusform>%n servers imported.</numerusform></translation>
    </message>
</context>
<context>
    <name>ToolsButton</name>
    <message numerus="yes">
        <source>Tools: %n server(s)</source>
        <translation>
            <numerusform>Tools: %n server</numerusform><numerusform>Tools: %n servers</numerusform></translation>
    </message>
</context>
</TS>