"""Evaluation sets for benchmarks/bench_retrieval.py, written for this project (not taken from anywhere):
Chinese explainer articles about LLMs with questions, English product manuals with follow-up
questions, and documents whose subject only their file name carries, with distractors."""

# Evaluation data for the "chat with your documents" retrieval benchmark.
# Plain data only: dicts / lists / tuples of str. All texts are original.
#
# SET 1  CHINESE_DOCS / CHINESE_QUESTIONS   (Simplified Chinese, 14 articles, 24 questions)
# SET 2  PRODUCT_DOCS / FOLLOW_UPS          (English support docs, 12 docs, 20 follow-ups)
# SET 3  SUBJECT_DOCS / SUBJECT_QUESTIONS   (English, subject only in file name, 10 + 10 docs, 10 questions)

# ---------------------------------------------------------------------------
# SET 1 — CHINESE
# All articles deliberately share common vocabulary (模型, 参数, 用户, 数据, 推理, 显存 ...).
# Distinctive phrases live in one article only, e.g. 检索增强生成 (rag_intro.md),
# 一百万用户 / 萤火台 (local_privacy.md), 草稿模型 (speculative_decoding.md),
# 字节对编码 (tokenizer.md), 宽松型许可证 (open_licenses.md), 胡说八道 (hallucination.md),
# 视觉编码器 (multimodal.md), 大海捞针 (context_window.md), 百分之三十七 (quantization.md),
# 2024年3月18日 (evaluation.md).
# ---------------------------------------------------------------------------

CHINESE_DOCS = {
    "rag_intro.md": """# 检索增强生成入门：让模型带着资料回答

## 为什么需要外部资料

大语言模型在训练结束的那一刻，知识就被固定在参数里了。之后发生的事情、公司内部的文档、用户自己电脑上的笔记，模型一概不知道。如果直接提问，模型只能凭记忆作答，记不清的时候还可能编出一个看似合理的答案。重新训练或者微调当然可以补充知识，但成本高、周期长，而且每次数据更新都要再做一遍，对普通用户来说并不现实。

检索增强生成（Retrieval-Augmented Generation，简称 RAG）换了一个思路：不去改动模型的参数，而是在每次推理之前，先从资料库里找出和问题最相关的几段文字，把它们和问题一起放进提示词，让模型“开卷考试”。这样，知识的更新只需要替换资料库里的数据，模型本身保持不变。

## 一条典型的流水线

一个最常见的实现可以分成三步，我们习惯把它叫作“切、找、答”。

第一步是切块。把用户上传的文档切成较小的片段，每块五百字左右，相邻的块之间保留大约五十字的重叠，避免一句话被拦腰截断。块太大，检索时会混进许多无关内容；块太小，又会丢掉必要的前后文。

第二步是检索。常见做法是把每个片段转换成向量，提问时把问题也转换成向量，再找出距离最近的几块；也可以用传统的关键词匹配，或者把两者混合使用。实践中，混合检索对专有名词、型号、人名这类内容更稳。

第三步是生成。把排名靠前的三到五个片段按顺序拼进提示词，并明确要求模型“只根据下面的资料回答，资料里没有就说不知道”。最好让模型在回答末尾注明引用了哪一个文件，方便用户核对。

## 常见的坑

第一个坑是检索不到。用户的问题往往很口语，和文档的写法差别很大，这时可以先让模型把问题改写一遍再去检索。多轮对话里，追问常常省略了主语，比如“那它的保修多久”，如果直接拿这句话去搜，很可能找错文件，所以改写时要把前文提到的对象补回去。

第二个坑是塞得太多。召回的片段越多，占用的上下文越长，推理越慢，显存里的缓存也越大，而且无关片段会干扰模型的判断。经验上，与其一次塞进十几段，不如先做一次精排，再挑出最相关的几段。

第三个坑是忽视评估。建议准备一份小小的问答清单，每个问题都标注好答案应该来自哪个文件，每次调整切块方式或检索参数之后重新跑一遍，用数字而不是感觉来判断改动是否真的有效。
""",
    "quantization.md": """# 模型量化：用更少的比特装下大模型

## 量化在做什么

模型的参数本质上是一大堆数字。训练时通常用 16 位浮点数（FP16 或 BF16）保存，每个参数占两个字节。一个 70 亿参数的模型，光是权重就要 14GB 左右，这对大多数用户的显卡来说太重了。量化的思路是用更少的比特来表示每个参数，比如 8 位、5 位甚至 4 位，以一点点精度换取大幅缩小的体积。

最简单的做法是把一组参数按最大值缩放到一个小整数范围里，同时为这一组记下一个缩放系数。推理时再把整数乘回系数，近似还原出原来的数值。分组越小，还原越准，但需要额外保存的系数也越多。

## GGUF 与常见档位

在本地推理的圈子里，最常见的量化文件格式是 GGUF。它把权重、词表和各种元数据打包进同一个文件，下载下来就能直接加载，不需要再去找配置文件。文件名里通常带着档位标记，例如 Q8_0、Q5_K_M、Q4_K_M、Q3_K_S。字母 K 表示采用分块的混合量化，后缀 S、M、L 大致对应小、中、大，代表对重要的层保留精度的多少。

对大多数人来说，Q4_K_M 是一个公认的平衡点：平均每个参数四点八位左右，7B 模型的文件大约 4GB 出头，普通的 8GB 显卡就能装下，而回答质量和原版相比差距很小。如果显存宽裕，Q5_K_M 或 Q6_K 会更稳；Q8_0 与原版几乎没有区别，但体积也接近原版的一半。

选择档位时还可以参考模型发布页上的说明。很多发布者会同时提供多个档位的文件，并附上每个文件的大小和推荐用途。一个简单的做法是：先确认自己的显存还要留多少空间给上下文，再从高到低挑选第一个能完整放进显存的档位。如果某个档位只差一点点放不下，宁可降一档，也不要让一部分层落到内存里，否则生成速度可能下降好几倍。

## 精度损失有多大

量化一定会带来损失，关键在于损失能否被用户察觉。常用的衡量指标是困惑度，数值越低，说明模型对文本越“有把握”。从 16 位降到 8 位，困惑度几乎不变；降到 4 位，会有轻微上升；降到 3 位以下，曲线就开始陡峭起来。

我们在一次小规模的内部问答测试中发现，同一个模型的 2-bit 版本答错的题目比 4-bit 版本多出百分之三十七，尤其是数学和代码类问题，错误明显增多。所以除非显存实在不够，不建议选用 3 位以下的档位。

还要注意，大模型比小模型更“耐压”。一个 4 位量化的 13B 模型，通常比体积相近的 8 位 7B 模型表现更好。换句话说，在显存预算固定时，优先选择参数更多、比特更少的组合，往往更划算。最后，量化只压缩权重，对话时的缓存和上下文仍然要占用额外的数据空间，这一部分不能忽略。
""",
    "memory_requirements.md": """# 显存与内存：跑一个模型到底需要多少空间

## 先算权重

估算需求时，最重要的一项是权重本身。公式很简单：参数量乘以每个参数占用的字节数。16 位精度下每个参数两个字节，8 位一个字节，4 位大约半个字节。于是 7B 模型在 16 位下约 14GB，在 4 位下约 3.5GB 到 4GB；13B 模型在 4 位下约 7GB 到 8GB；70B 模型即便压到 4 位，也需要 35GB 以上。

这只是起点。实际加载时还有运行框架本身的开销、临时计算用的缓冲区，所以一个实用的经验法则是：在权重大小的基础上乘以一点二倍，作为最低预留。

举个直观的例子：假设一位用户想在自己的电脑上运行一个 13B 模型的 4 位版本，权重约 7.5GB，乘以一点二倍后约 9GB，再加上几千 token 的缓存，一张 12GB 的显卡刚好够用，而 8GB 的显卡就只能换更小的模型或者降低精度。训练和推理的需求完全不同，训练还要保存梯度和优化器状态，需要的空间是推理的好几倍，这里讨论的都只是推理。

## 不要忘了 KV 缓存

模型在推理时，会把已经处理过的每个 token 的键和值保存下来，这就是 KV 缓存。它的大小和上下文长度成正比：对话越长，缓存越大。以一个 7B 模型为例，在 16 位缓存下，每 1000 个 token 大约要占用半个 GB（具体取决于层数和注意力头的设计）。如果把上下文开到 32000 个 token，光缓存就可能超过十几个 GB，比 4 位量化后的权重还大。

因此，很多用户会发现“模型明明装得下，一聊长就崩”，原因往往就在这里。解决办法包括：把上下文长度调小、开启缓存量化，或者选用采用分组查询注意力的模型，它们的缓存天生更省。

## 显存不够怎么办

第一种办法是分层卸载：把一部分层放在显卡上，其余的放在内存里由 CPU 计算。这样能跑起来，但速度会明显下降，因为每一步都要在两者之间搬运数据。一般来说，放进显存的层越多，速度越快。

第二种办法是选择统一内存的机器。部分笔记本和台式机的 CPU 与 GPU 共享同一块内存，只要内存足够大，就能加载相当大的模型，虽然带宽不如高端独立显卡，但对个人使用已经足够。

第三种办法是换一个更小或者量化得更狠的模型。一张 24GB 的显卡，比较舒服的选择是 4 位量化的 30B 级模型，或者 8 位的 13B 模型，并留出几个 GB 给缓存。如果只有 8GB 显存，7B 模型的 4 位版本加上中等长度的上下文，是最稳妥的组合。

最后提醒一句：系统本身、浏览器和其他程序也在占用内存和显存。估算时最好按实际可用的空间计算，而不是按硬件标称的总量计算，否则很容易在加载到一半时报错。
""",
    "prompt_engineering.md": """# 提示词工程：把需求说清楚的技术

## 提示词为什么重要

同一个模型，同一组参数，换一种问法，得到的回答质量可能天差地别。模型并不会读心，它只能根据输入的文字推测用户想要什么。所谓提示词工程，就是有意识地组织这些文字，让模型尽可能准确地理解任务、边界和输出格式。它不需要训练，也不需要额外的显存，是成本最低的效果优化手段。

## 几条实用原则

第一，先交代身份和目标。在系统提示词里写明“你是一名面向初学者的编程助教，回答要简短”，比在每个问题里反复强调更有效。

第二，把任务拆开写。与其说“帮我处理一下这份数据”，不如写清楚：输入是什么、要做哪几步、每一步的结果放在哪里。条目越清楚，模型漏做的步骤就越少。

第三，给出少样本示例。想要固定格式的输出时，最直接的办法是先示范两三个“输入—输出”的例子，再给出真正的问题。模型对示例的模仿能力很强，往往比长篇的格式说明更管用。需要注意的是，示例之间要有差异，否则模型会照抄示例里的细节。

第四，明确输出格式。如果后续要用程序解析结果，就要求模型“只输出 JSON，不要任何解释”，并给出字段名。必要时可以在提示词结尾先写上一个左大括号，引导模型直接进入格式。

第五，让模型先想再答。对于需要推理的数学题或逻辑题，可以要求模型“先列出思路，再给出最终答案”。这种被称为思维链的写法，能明显提高多步问题的正确率，代价是输出更长、推理时间更久。

## 常见误区

一个误区是把提示词写得越长越好。过长的提示词会稀释重点，还会挤占上下文，拖慢每次请求。另一个误区是使用大量否定句，比如连写十条“不要”。模型有时反而会被这些词吸引，更好的写法是直接描述你希望它做什么。还有人喜欢在提示词里堆砌“请务必”“非常重要”之类的强调词，效果其实有限，清楚的结构比激动的语气更有用。对于本地运行的小模型，指令要更简单直接，因为参数较少的模型理解复杂要求的能力更弱。

还有一个常被忽视的问题是提示词注入。当模型需要读取外部网页、邮件或用户上传的文件时，这些内容里可能藏着“忽略之前的所有指令”之类的句子。对策是把外部内容用明确的分隔符包起来，并告诉模型这部分只是待处理的材料，而不是命令。

最后，提示词也需要版本管理：每次修改都记录下来，用同一批测试问题对比效果，才能知道改动是否真的有帮助。
""",
    "lora_finetuning.md": """# 微调与 LoRA：用少量资源教会模型新本领

## 全量微调的代价

微调是在一个已经训练好的模型基础上，用特定领域的数据继续训练，让它更擅长某类任务，比如客服问答、法律文书或某种说话风格。最直接的方式是全量微调，也就是更新模型的全部参数。问题在于，训练时不仅要保存权重，还要保存梯度和优化器状态，所需显存往往是推理时的好几倍。一个 7B 模型做全量微调，通常需要多张高端显卡，普通用户难以承受。

## LoRA 的思路

LoRA 的中文名称是低秩适配。它的核心观察是：微调带来的权重变化虽然对应着很大的矩阵，但其中真正有用的信息可以用两个很“瘦”的矩阵相乘来近似。于是训练时把原始权重冻结，不做任何改动，只在旁边插入这两个小矩阵并训练它们。推理时，把小矩阵的乘积加回原权重即可；也可以把它们单独保存成一个几十 MB 的适配器文件，按需加载。

这样做的好处很明显：可训练的参数通常只占原模型的百分之一甚至更少，显存占用大幅下降；同一个基础模型可以搭配多个适配器，分别对应不同任务；适配器文件很小，分享和切换都很方便。更进一步，QLoRA 先把冻结的基础模型量化到 4 位，再在上面训练适配器，使得在一张 24GB 显卡上微调中等规模的模型成为可能。

## 秩和其他超参数怎么选

秩 r 决定了两个小矩阵的“宽度”，也就决定了适配器的容量。对于风格调整、固定格式输出这类简单任务，r 取 8 或 16 通常就够了；如果要学习复杂的新任务，可以尝试 32 或 64，但收益会逐渐递减，过拟合的风险也会上升。另一个参数 alpha 控制适配器输出的缩放，常见做法是把它设为秩的两倍。

数据质量比数量更重要。几千条干净、格式统一的样本，往往胜过几十万条杂乱的网络数据。训练前要去重、检查标注是否一致，并单独留出一部分数据做验证，观察验证集上的损失是否先降后升——一旦开始上升，就说明模型开始死记硬背训练集了。学习率通常比全量微调时高一些，训练一到三轮往往就足够。

训练结束后，可以把适配器合并回基础模型再做量化，方便在普通电脑上推理；也可以保持分离，在同一个程序里按任务切换不同的适配器。

最后要提醒的是，微调擅长改变模型的“行为方式”，但并不是注入大量事实知识的最佳途径。如果目标是让模型回答最新的公司文档，外接一个资料库通常比微调更便宜，也更容易更新。
""",
    "tokenizer.md": """# 分词器与词表：模型眼中的文字

## 模型不直接读汉字

我们输入的句子，在进入模型之前要先经过分词器，被切成一个个 token，再映射成整数编号。模型的所有计算都基于这些编号，输出时也是逐个预测下一个 token 的编号，再由分词器还原成文字。所以分词器虽然本身不占多少参数，却决定了模型“看世界”的粒度。

## 字节对编码是怎么来的

目前主流的做法是字节对编码，英文缩写为 BPE。它从最小的单位出发，先把文本拆成单个字节或字符，然后统计训练数据里哪两个相邻单位一起出现得最频繁，就把它们合并成一个新单位，加入词表。这个过程重复几万次，常见的词和词组就逐渐变成了单个 token，而生僻的字词仍然可以由更小的片段拼出来，因此不会出现完全无法表示的文字。

词表的大小是一个权衡。早期不少模型的词表是三万二千个，后来的模型普遍扩大到十万甚至十五万以上。词表越大，同一段文字需要的 token 越少，推理越快，上下文能装下的内容也越多；但嵌入层和输出层的参数也随之增加，会占用更多显存，而且训练时每个 token 被见到的次数变少。

## 中文用户需要注意什么

对于以英文为主训练的分词器，中文往往被切得很碎：一个汉字可能对应两到三个 token。在中文优化较好的分词器里，常见的两字词甚至四字成语可以合成一个 token，平均下来大约每个汉字零点六到零点八个 token。同样一千字的中文，在不同模型里可能是六百个 token，也可能是两千多个。

这直接影响三件事。第一是速度：token 越多，生成同样内容所需的步数越多。第二是容量：上下文窗口按 token 计算，切得越碎，能放进去的文档就越短。第三是费用：调用按 token 计费的在线服务时，中文用户可能在不知不觉中多付了钱。想知道自己的文本会被切成多少个 token，最简单的办法是用模型自带的分词工具实际跑一遍，而不是按字数粗略估计；对于需要精确控制长度的应用，这一步尤其重要。

此外，分词器和模型是一一绑定的，不能随意替换。给模型换一个词表，相当于把它学会的所有编号重新打乱。想要扩充中文词表，通常需要在新增的 token 上做额外训练，让模型重新学习这些新编号的含义。

还有一个小细节：数字和空格的切分方式会影响模型做算术的能力。有些分词器把每一位数字单独切开，就是为了让模型更容易学会逐位计算。
""",
    "context_window.md": """# 上下文窗口与长文本：模型一次能看多少

## 什么是上下文窗口

上下文窗口指的是模型在一次推理中最多能处理的 token 数量，它包括系统提示词、历史对话、用户上传的资料以及模型正在生成的回答。早期的模型窗口只有两千到四千个 token，如今不少模型宣称支持十二万八千甚至上百万个 token。窗口大小和模型的参数量并没有直接关系，小模型也可以有很长的窗口。

一旦超过窗口，最早的内容就必须被截掉，模型会“忘记”对话开头说过的话，这也是长对话里模型前后矛盾的常见原因。

## 窗口为什么难以做大

第一个限制来自注意力机制。标准的注意力计算量随长度的平方增长，长度翻一倍，计算量大约翻四倍。第二个限制来自显存：每个 token 的键值缓存都要保存，窗口越长，占用越大。第三个限制来自训练数据：如果模型在训练时很少见到超长的文本，即使结构上允许更长的输入，它也未必学会了如何利用远处的信息。

为了扩展窗口，研究者提出了多种位置编码的改进方案。以旋转位置编码为基础，通过调整频率实现长度外推，是目前很常见的做法，可以让一个训练时只见过四千 token 的模型，在少量额外训练后处理三万多 token 的输入。

## 窗口大不等于记得牢

衡量长文本能力的一个流行方法叫“大海捞针”测试：在一大段无关文本的某个位置插入一句特定的话，然后提问，看模型能否把它找出来。许多模型在这个测试里表现不错，但真实任务往往更难，需要把分散在各处的多条信息综合起来。研究还发现，放在开头和结尾的信息更容易被注意到，放在中间的内容则容易被忽略，这种现象常被称为“中间迷失”。

因此在实际使用中，不要因为窗口够大就把所有数据一股脑塞进去。先筛选再提供，往往比全部提供效果更好、速度更快。对于本地运行的用户，还要根据自己的显存主动调小窗口：软件默认的长度如果超出硬件能力，轻则变慢，重则直接报错。还有一个容易忽视的细节：上下文越长，生成第一个字之前的等待时间也越长，因为模型要先把全部输入读完。对于十几万 token 的输入，即使在高端显卡上，这一步也可能需要几十秒。

多轮对话还可以定期让模型把之前的内容总结成一小段，用摘要替代原文，从而在有限的窗口里保留更长的“记忆”。
""",
    "speculative_decoding.md": """# 推测解码：让大模型说话更快的小技巧

## 逐字生成的瓶颈

大模型生成文本时是一个 token 接一个 token 往外蹦的，每生成一个 token，都要把全部参数从显存里读一遍。对于本地运行的用户来说，瓶颈通常不在计算本身，而在显存带宽：显卡大部分时间在等待数据搬运，算力反而闲着。这就带来一个有趣的机会——如果一次能验证多个 token，搬运一次权重的成本就能被摊薄。

## 草稿模型与验证

推测解码正是利用了这一点。它需要两个模型：一个体积很小、速度很快的草稿模型，和一个真正负责质量的目标模型。每一轮，草稿模型先快速猜出接下来的若干个 token，比如四到八个；然后目标模型把这些猜测一次性送进去做一次前向计算，同时检查每个位置上自己是否也会给出同样的结果。

从第一个 token 开始，只要猜测与目标模型的判断一致，就予以接受；遇到第一个不一致的位置，就丢弃后面的所有猜测，并用目标模型自己的结果替换。这样一轮下来，至少能得到一个 token，运气好时能一次得到好几个。关键在于，经过合适的接受规则处理后，最终输出的分布与目标模型单独生成时完全相同，所以推测解码是一种无损加速，不会降低回答质量。

## 什么时候有效

加速效果主要取决于接受率，也就是草稿被目标模型认可的比例。两个模型越“合拍”，接受率越高。通常要求两者使用同一个分词器，最好来自同一个模型家族，例如用 0.5B 的小模型给 7B 或 14B 的同系列模型打草稿。在代码补全、格式固定的文本、复述已有资料这类可预测性高的任务上，加速可以达到两到三倍；而在天马行空的创意写作中，接受率下降，收益就小得多。

代价也要算清楚。草稿模型本身要占用额外的显存和内存，如果显存本来就紧张，再塞一个小模型可能得不偿失。另外，在批量处理大量用户请求的服务器上，算力已经被充分利用，推测解码的优势会减弱。对单人使用的本地聊天应用来说，它往往是提升体验最划算的选择之一。需要说明的是，推测解码只改变推理的方式，不改变模型本身的参数，也不需要重新训练，用户只要在软件里指定一个合适的小模型即可开启。如果接受率长期低于一半，说明两个模型不够匹配，这时关掉它反而更快。

除了单独的草稿模型，还有一些变体不需要第二个模型，比如直接从已有的上下文里查找重复片段作为猜测，这在总结或改写用户提供的数据时效果特别好。
""",
    "local_privacy.md": """# 本地部署与隐私：把模型装进自己的电脑

## 为什么有人选择本地运行

使用在线聊天服务时，用户输入的每一句话、上传的每一份文件，都要发送到服务商的服务器上处理。对于合同、病历、源代码、内部财务数据这类敏感内容，很多个人和单位并不愿意让它们离开自己的设备。本地部署的意义就在于：模型的权重下载到自己的硬盘上，推理在自己的显卡或处理器上完成，数据从头到尾不出本机，甚至可以在完全断网的环境下运行。

这种需求并不小众。以开源的本地聊天项目“萤火台”为例，它在发布后的两年里积累了一百万用户，其中相当一部分是律师、医生和中小企业的开发者，他们最常提到的理由就是“不想把客户资料交给别人”。部署本身也不复杂：下载一个图形界面的聊天程序，选择一个量化好的模型文件，几分钟就能开始对话。

## 本地也不等于绝对安全

把模型放在本地，并不意味着万事大吉。首先要确认软件本身没有偷偷上传数据：有些工具默认开启了使用统计或崩溃报告，需要在设置里手动关闭。可以用防火墙规则禁止聊天程序联网，只在下载模型时临时放开。

其次要注意模型文件的来源。权重文件体积大、格式多，来历不明的文件可能被篡改过。尽量从官方发布页或可信的镜像下载，并核对文件的校验值。早期一些格式在加载时可以执行任意代码，现在更推荐使用只包含张量数据、不含可执行内容的格式。

再次是本地服务的暴露范围。很多推理程序会在本机开启一个网络接口，方便浏览器或其他软件调用。如果把监听地址设成所有网卡，同一局域网里的其他人也能访问你的模型和聊天记录。默认只监听本机地址，是最基本的防护。

## 性能与取舍

本地运行的代价是硬件和速度。参数越多的模型需要越多的显存，普通笔记本通常只能流畅运行 7B 到 14B 的量化模型，回答质量与顶尖的在线模型仍有差距。对大多数个人用户而言，一个实用的组合是：敏感事务交给本地模型处理，涉及公开信息的复杂问题再交给在线服务。

聊天记录和文档索引同样需要保护。本地应用通常把对话历史保存在用户目录下的数据库文件中，如果电脑被他人使用或者丢失，这些记录一样会泄露。开启磁盘加密、定期清理不再需要的对话，是容易被忽视却很有效的习惯。
""",
    "hallucination.md": """# 大模型幻觉：为什么模型会自信地说错话

## 什么是幻觉

所谓幻觉，是指模型生成了看上去通顺、语气笃定，但实际上与事实不符或者凭空捏造的内容。用户常把这种现象形容为“一本正经地胡说八道”。它可能是一个不存在的论文标题、一个错误的年份、一段编出来的法律条文，也可能是把两个真实人物的经历张冠李戴。

幻觉之所以危险，在于它和正确答案在形式上没有区别。模型不会因为不确定就换一种语气，错误的答案和正确的答案读起来一样流畅。曾有律师在提交给法院的文件中引用了模型编造的判例，事后才发现那些案件根本不存在，这类事件让很多人第一次认识到问题的严重性。

## 幻觉从哪里来

从原理上说，语言模型的训练目标是预测下一个最可能出现的 token，而不是判断一句话是真是假。它从海量数据中学到的是语言的统计规律，事实知识只是这些规律的副产品，被分散压缩在数十亿个参数之中。对于训练数据里反复出现的常识，模型通常记得很准；对于只出现过几次的冷门细节，它的记忆就很模糊，这时它依然会按照“听起来合理”的方向把句子补全。

其他因素也会放大幻觉。训练数据本身可能包含错误；提问中带有错误前提时，模型倾向于顺着用户说下去；经过量化压缩或者参数量较小的模型，记忆能力更弱；采样温度设得过高，会让推理过程中出现更多低概率的词，进一步增加出错的可能。

## 如何减少幻觉

最有效的办法是给模型提供依据。把相关的文档或网页检索出来放进上下文，要求模型只根据这些资料作答，并在答案中标注出处，可以显著减少凭空编造。配合这种做法，还应明确告诉模型：“如果资料中没有答案，请直接说不知道。”

其次是调低采样温度，对事实类问题使用更确定的生成设置。再次是让模型分步作答，并对关键数字、日期、人名进行二次核对，必要时让另一个模型或同一个模型换个角度检查一遍。对于医疗、法律、财务等高风险场景，模型的输出只能作为参考，最终结论必须由人来确认。用户在提问时也可以主动要求模型给出信心程度，或者在不确定时列出需要核实的要点。

最后要有合理的预期：幻觉可以被减少，却很难被彻底消除。即使是参数规模最大的模型，在显存和算力几乎不受限制的条件下，面对冷门问题时依然可能出错。
""",
    "embeddings.md": """# 嵌入向量与语义搜索：让机器理解“意思相近”

## 从关键词到向量

传统的搜索依赖关键词匹配：用户输入什么词，系统就找包含这些词的文档。它的问题是无法处理同义表达，比如搜“笔记本发烫”，就找不到写着“电脑温度过高”的文章。嵌入模型换了一种思路：把一段文字转换成一串固定长度的数字，也就是向量。训练时，嵌入模型学会让意思相近的句子在这个高维空间里彼此靠近，让意思无关的句子彼此远离。

常见嵌入模型输出的向量是 384、768 或 1024 维。维度越高，能表达的细节越丰富，但存储和计算的开销也越大。一百万段文字、每段 768 维、每个数用 4 个字节保存，大约需要 3GB 的空间。

## 如何衡量相似

最常用的指标是余弦相似度，它衡量两个向量方向之间的夹角：方向越一致，数值越接近 1；毫不相关时接近 0。很多嵌入模型会把输出向量归一化，这时余弦相似度就等于两个向量的点积，计算起来非常快。

搜索时，先把所有文档片段预先转换成向量并存进索引；用户提问时，把问题也转换成向量，再找出相似度最高的若干个片段。数据量不大时可以逐一比较；数据量达到百万级，就需要向量数据库或近似最近邻索引，用极小的精度损失换取成百上千倍的速度提升。

## 语义搜索的局限

向量搜索擅长捕捉“意思”，却不擅长精确匹配。型号、编号、人名、罕见的专有名词，往往在向量空间里被“平均”掉了，这时反而是关键词搜索更可靠。所以实践中常把两种方法结合起来，各自打分后再融合排序。片段的切分方式同样影响效果：一段话如果同时讲了好几件事，它的向量就会变成几种意思的混合，检索时哪一种都匹配得不够好。因此把文档切成主题单一的短段落，通常能让搜索更准。

另一个问题是语言和领域。一个主要用英文数据训练的嵌入模型，处理中文时效果可能大打折扣；通用模型在医学、法律等专业领域也可能分不清细微的差别。选择模型时，最好用自己的真实数据做一个小测试，而不是只看公开排名。

嵌入模型通常比聊天模型小得多，参数量从几千万到几亿不等，在普通电脑上推理很快，几乎不占多少显存，非常适合本地运行。还要注意，问题和文档必须用同一个嵌入模型转换，换了模型就要把整个索引重新计算一遍，因为不同模型的向量空间互不相通。
""",
    "evaluation.md": """# 模型评测与基准：分数背后的门道

## 为什么需要基准

新模型发布时，宣传材料里总少不了一张表格，列出它在各种基准测试上的分数。基准测试的作用是提供一把公共的尺子：同一批题目、同一套评分规则，让不同的模型可以横向比较。常见的基准覆盖了学科知识问答、数学推理、代码生成、阅读理解、指令遵循等方向，有的是选择题，有的要求模型写出完整的程序并通过单元测试。

除了固定题库，还有一类依靠人类投票的评测：用户同时向两个匿名模型提问，选出更好的回答，系统根据大量投票计算出排名。这种方式更贴近真实使用，但也容易受到回答长度、语气和排版的影响。

## 分数为什么不一定可信

最大的隐患是数据污染。互联网上的公开题目很可能已经被收录进训练数据，模型在考试前就“见过答案”，分数自然虚高。有研究者把题目里的数字或表述稍作改写后重新测试，发现一些模型的正确率明显下滑，说明它们记住的是题目本身，而不是解题能力。

其次是刷榜。当某个排行榜变得有影响力，就会有人专门针对它的题型和格式优化模型，分数提高了，实际能力却未必进步。再次是评测设置不一致：提示词写法、示例数量、采样参数甚至答案的解析方式，都会让同一个模型的分数相差好几个百分点。不同团队报告的数字，如果设置不同，就不能直接比较。

量化和部署方式也会影响结果。同一个模型的 16 位版本和 4 位版本，在排行榜上往往只报告前者，而用户在显存有限的本地机器上跑的通常是后者。

## 如何做自己的评测

对于具体的应用，最有参考价值的是自建的小型评测集。从真实的用户问题中挑选五十到两百条，写好标准答案或评分要点，每次更换模型、调整提示词或修改检索策略之后都跑一遍。评分可以人工完成，也可以让一个更强的模型担任裁判，但要定期抽查裁判的判断是否靠谱，因为裁判模型也会偏爱更长的回答。

建议把测试集固定下来，并记录每次运行的日期和配置，例如“2024年3月18日，4 位量化，温度 0.2”。这样几个月后回看，就能清楚地知道每一次改动带来的是进步还是倒退，而不是凭印象下结论。对于本地模型，还可以同时记录生成速度和显存占用，把质量和成本放在同一张表里比较。另外，测试集本身不要公开，以免它也被收录进下一代模型的训练数据，重蹈数据污染的覆辙。
""",
    "multimodal.md": """# 多模态模型：不只会读文字

## 从文字到图像

早期的大语言模型只能处理文字。多模态模型则可以同时理解图片、截图、图表，甚至音频和视频，再用自然语言回答问题。对普通用户来说，最常见的用法是上传一张照片或截图，然后提问：“这张发票的总金额是多少？”“这个报错提示是什么意思？”“图表里哪个月的销量最高？”

## 图像是怎么进入模型的

目前主流的开源多模态模型大多采用“拼接”的结构。第一部分是视觉编码器，它把一张图片切成许多小方块，比如每块 14×14 像素，为每个小方块计算一个特征向量。第二部分是一个投影层，负责把这些视觉特征转换成语言模型能够理解的形式，相当于一位“翻译”。第三部分就是语言模型本身，它把图片转换来的这串向量当作一段特殊的“文字”，和用户的问题放在一起进行推理。

这种结构的好处是可以复用已经训练好的语言模型和视觉部分，训练时主要调整投影层，必要时再微调语言模型的部分参数，所需的数据和算力都比从零开始少得多。

## 分辨率与成本

图片在模型眼里是要占“字数”的。一张 336×336 的图片大约会变成五百多个 token，分辨率越高，token 越多。为了看清文档里的小字，一些模型会把高分辨率图片切成多块分别编码，再加上一张缩略图提供整体布局，这样一张图就可能占用两三千个 token。这些 token 和文字一样要占用上下文窗口和显存，也会拖慢推理速度。

因此在本地运行多模态模型时，如果只是想问图片里大概有什么，可以先把图片缩小再上传；如果需要识别表格或票据上的细小文字，则应保留足够的分辨率，并为上下文留出空间。部分模型还能一次接收多张图片，比如让用户上传两张截图比较差异，但每多一张图，上下文就多占几百到几千个 token。视频通常被处理成按固定间隔抽取的一组画面。

## 能力与局限

多模态模型在描述场景、识别常见物体、读取清晰的印刷文字方面已经相当可靠，但在精确计数、判断物体之间的空间关系、读取潦草的手写字迹时仍然容易出错，也会出现“看图说话”式的幻觉，描述出图片里并不存在的细节。涉及重要数据时，应当把模型的识别结果与原图进行核对。

除了图像，语音也是重要的方向：有的模型先把语音转成文字再处理，有的则直接把音频编码成 token 输入，能够感知语气和停顿。
""",
    "open_licenses.md": """# 开源许可证：下载模型之前先看清条款

## 权重公开不等于随便用

很多人以为，只要能在网上下载到模型的权重，就可以随意使用。事实并非如此。每个公开发布的模型都附带一份许可证，规定了谁可以用、能用来做什么、修改后能否再发布、是否允许商业用途。对于打算把模型集成到产品里、面向用户提供服务的团队来说，许可证是和参数量、显存需求同样重要的选型指标。

## 几种常见的许可证类型

第一类是宽松型许可证，例如 Apache 2.0 和 MIT。它们允许商用、修改和再分发，要求通常只是保留原始的版权声明和许可证文本。Apache 2.0 还包含明确的专利授权条款，对企业用户更友好。采用这类许可证的模型，在法律上最省心。

第二类是带有使用限制的自定义许可证。一些知名的模型家族采用自己的社区许可证：大部分场景下允许免费商用，但附加了若干条件。比较典型的条件包括：月活跃用户超过七亿的企业需要另行申请授权；不得用模型的输出去训练与之竞争的其他模型；必须遵守一份可接受使用政策，禁止用于某些违法或有害的用途。

第三类是非商用许可证，只允许研究和个人学习使用。此外还有一类被称为“负责任人工智能”许可证，它在允许较广泛使用的同时，列出一份禁止用途清单，并要求下游使用者继续遵守这些限制。对于个人用户在自己电脑上使用，大多数许可证的限制几乎不会触及；但一旦要把模型放进收费的产品或者对外提供接口，就必须逐条对照。有些许可证还要求在产品界面或文档中注明所使用的模型名称。

## 容易被忽视的细节

第一，代码、权重和数据可能分别采用不同的许可证。推理框架是 MIT 协议的，并不代表它加载的模型也是 MIT 协议的。第二，量化、微调或合并后的衍生模型，通常仍然受原始许可证约束，不能因为自己做了 4 位量化就换一个更自由的许可证发布。第三，训练数据的授权问题仍在争议之中，一些模型公开了权重，却没有公开训练数据的来源和清单，严格意义上并不符合开放源代码的完整定义。

实际操作时，建议在项目里建立一份清单，记录每个模型的名称、版本、许可证类型、下载地址以及是否允许商用，并在更新模型版本时重新核对，因为新版本的许可证有时会发生变化。如有疑问，应咨询法务人员，而不要只凭社区里的传言做决定。
""",
}

# (question, target file, exact answer substring from that file)
CHINESE_QUESTIONS = [
    # --- 8 questions containing a verbatim 4–8 character phrase found in exactly one article ---
    ("检索增强生成是什么意思？", "rag_intro.md", "先从资料库里找出和问题最相关的几段文字"),  # 检索增强生成
    ("哪个本地聊天项目有一百万用户？", "local_privacy.md", "萤火台"),  # 一百万用户
    ("草稿模型是做什么用的？", "speculative_decoding.md", "先快速猜出接下来的若干个 token"),  # 草稿模型
    ("字节对编码是怎么构建词表的？", "tokenizer.md", "统计训练数据里哪两个相邻单位一起出现得最频繁"),  # 字节对编码
    ("什么是宽松型许可证？", "open_licenses.md", "允许商用、修改和再分发"),  # 宽松型许可证
    ("为什么说模型会一本正经地胡说八道？", "hallucination.md", "与事实不符或者凭空捏造的内容"),  # 胡说八道
    ("视觉编码器在多模态模型里负责什么？", "multimodal.md", "把一张图片切成许多小方块"),  # 视觉编码器
    ("大海捞针测试是怎么做的？", "context_window.md", "在一大段无关文本的某个位置插入一句特定的话"),  # 大海捞针
    # --- 8 paraphrased questions (other wording, at least one topical term) ---
    ("把模型压到很低的比特数，比如两位，答题会比四位差多少？", "quantization.md", "多出百分之三十七"),
    ("我只有一张24GB的显卡，比较适合跑多大的模型？", "memory_requirements.md", "4 位量化的 30B 级模型"),
    ("想让模型每次都按同一种格式回答，提示词里该怎么做？", "prompt_engineering.md", "最直接的办法是先示范两三个"),
    ("用 LoRA 训练的时候，原来的模型权重会被改动吗？", "lora_finetuning.md", "把原始权重冻结，不做任何改动"),
    ("语义搜索是怎么判断两句话意思接近的？", "embeddings.md", "让意思相近的句子在这个高维空间里彼此靠近"),
    ("为什么排行榜上的高分不一定说明模型真的厉害？", "evaluation.md", "公开题目很可能已经被收录进训练数据"),
    ("用一个小模型帮大模型先猜词，真的能提速吗？", "speculative_decoding.md", "加速可以达到两到三倍"),
    ("给模型接入知识库时，文档切成多大的块比较合适？", "rag_intro.md", "每块五百字左右"),
    # --- 8 short keyword-style queries ---
    ("LoRA 秩 选择", "lora_finetuning.md", "r 取 8 或 16 通常就够了"),
    ("量化 精度 损失", "quantization.md", "降到 3 位以下，曲线就开始陡峭起来"),
    ("显存 估算 KV缓存", "memory_requirements.md", "它的大小和上下文长度成正比"),
    ("中文 分词 token 数量", "tokenizer.md", "大约每个汉字零点六到零点八个 token"),
    ("许可证 商用 限制", "open_licenses.md", "月活跃用户超过七亿的企业需要另行申请授权"),
    ("嵌入 余弦相似度 点积", "embeddings.md", "余弦相似度就等于两个向量的点积"),
    ("多模态 图片 分辨率 token", "multimodal.md", "一张 336×336 的图片大约会变成五百多个 token"),
    ("本地 隐私 局域网 监听", "local_privacy.md", "同一局域网里的其他人也能访问你的模型和聊天记录"),
]

# ---------------------------------------------------------------------------
# SET 2 — ENGLISH FOLLOW-UPS
# Twelve support documents that share the same section vocabulary (warranty, battery,
# how long / lasts, setup, clean, reset). Several docs contain FAQ-style lines such as
# "How long does it last?", "How do I clean it?", "What does the warranty cover?",
# "How do I reset it?", "How long does it take to charge?" so that a follow-up on its own
# matches a different product's document; only the earlier turns name the product.
# ---------------------------------------------------------------------------

PRODUCT_DOCS = {
    "x200_printer.md": """# X200 Printer – Support Guide

## Warranty

What does the warranty cover? The X200 Printer warranty covers the print head, the paper feed mechanism, the control board and the power supply against manufacturing defects. It runs for two years from the date of purchase shown on your receipt. Ink cartridges, paper damage and problems caused by third-party refills are not covered. To make a claim, keep the original receipt and the serial number printed under the rear cover.

## Ink and lifetime

The X200 has no internal battery; it runs from the mains. A standard black cartridge prints roughly 1,200 pages and a colour cartridge about 700 pages at normal coverage. The print head is rated for 50,000 pages. If the printer is not used for several weeks, the ink in the nozzles can dry out, so print one test page every week to keep it healthy.

## Setup

Remove all orange tape, install the cartridges and load plain A4 paper. To join your Wi-Fi network, press and hold the wireless button for three seconds until the blue light flashes, then select the X200 in the companion app. A USB cable also works if you prefer a wired connection.

## Cleaning

For faint or streaky prints, run the head-cleaning cycle from Maintenance > Clean Head. Do not run it more than three times in a row, because each cycle uses ink. Wipe the paper rollers with a lint-free cloth slightly damp with water. To clean the glass of the flatbed scanner, use a soft cloth dampened with water and dry the glass straight away; never use a household glass spray.

## Troubleshooting

Paper jam: switch the printer off, open the rear access door and pull the sheet out slowly in the direction of the paper path.

A grinding sound during printing usually means a torn scrap of paper is caught on the paper feed roller; remove it with the power off.

Faded pages after a long break: run the head-cleaning cycle once, then print a nozzle check.

Factory reset: hold the power and cancel buttons together for ten seconds. This clears the Wi-Fi settings of the X200 Printer but not the page counter.
""",
    "z9_scanner.md": """# Z9 Scanner – Help and Care

## Warranty

The Z9 Scanner comes with a one-year limited warranty against defects in materials and workmanship. If you register the Z9 within 30 days of purchase, the warranty is extended to three years at no cost. Damage from drops, liquids or an opened case is not covered.

## Battery

How long does the battery last? A full charge scans about 300 pages, or roughly four hours of continuous use. How long does it take to charge? About two and a half hours from empty using the supplied USB-C cable and a 10 W adapter. The battery keeps around 80% of its capacity after 400 full cycles. If you store the scanner for months, leave it at about half charge.

## Setup

Install the Z9 Capture app on your computer or phone, switch the scanner on with the side button and connect it with the USB-C cable for the first pairing. After that it can send scans over Wi-Fi. Choose the output folder and the file format (PDF or JPEG) in the app settings. The box contains the scanner, the USB-C cable, a calibration sheet and a soft carrying sleeve.

## Cleaning

Lines or smudges on every scan usually mean the scanning window is dirty. Power off, open the top cover and wipe the window strip inside the feed slot with a lint-free cloth moistened with 70% isopropyl alcohol. Let it dry for one minute before closing. Run the calibration sheet through the scanner every few months to keep colours accurate.

## Troubleshooting

Red light stays on: the feed path is blocked or the cover is not fully closed.

Pages feed crooked: adjust the paper guides so they touch both edges of the stack.

Reset: if the scanner stops responding, find the small pinhole on the bottom of the Z9 Scanner and press it with a straightened paperclip for five seconds. The scanner restarts with its original settings, and you will need to pair it again.
""",
    "aurora_lamp.md": """# Aurora Lamp – Owner's Notes

## Warranty

The Aurora Lamp LED module is guaranteed for three years. The built-in battery is covered for 12 months, as batteries naturally wear with use. Scratches, cracked shades and damage from liquids are not included.

## Battery and lifetime

How long does it last? On a full charge the Aurora Lamp runs for about 5 hours at maximum brightness and up to 40 hours on the lowest setting. Charging from empty takes around three hours with the included cable; the ring glows amber while charging and switches off when full. The LEDs themselves are rated for 25,000 hours, so the light should outlive the battery by many years. You can leave the lamp on overnight at low brightness while it is plugged in.

## Setup

Charge the lamp fully before first use. Tap the top ring once to switch on, slide a finger around the ring to dim, and double-tap to change the colour temperature from warm to cool. Maximum brightness is 600 lumens. To control it from your phone, open the Aurora Home app and hold the ring for three seconds to start pairing; brightness and colour can then be set from the app.

## Cleaning

Wipe the lamp with a dry microfiber cloth only. Do not use water, sprays or alcohol, as moisture can get into the touch ring and the charging port. Dust the shade gently; fingerprints on the aluminium base come off with the same dry cloth.

## Troubleshooting

Flickering: the battery is below 10%; connect the charger.

The ring does not respond to touch: make sure your fingers are dry and remove any cover or sticker.

Reset: touch and hold the top ring for eight seconds until the light blinks twice in amber. This removes the phone pairing and restores the default brightness of the Aurora.
""",
    "breeze_fan.md": """# Breeze Tower Fan – Care and Support

## Warranty

The Breeze Tower Fan motor is covered for five years, and all other parts, including the remote control, for one year from purchase. The warranty applies to household use only; fans used in shops or offices are covered for one year in total. Keep your receipt and register the Breeze online to speed up claims.

## Lifetime and remote battery

The fan runs from the mains and has no rechargeable battery. The brushless motor is rated for about 20,000 hours of operation. The remote control uses one CR2032 coin cell, which lasts roughly a year with daily use. To replace it, slide out the small tray on the back of the remote.

## Setup

Join the two halves of the base around the fan column and fix them with the four supplied screws. Stand the Breeze Tower Fan on a flat, hard surface at least 30 cm from curtains. Press the power button, then use the oscillation button to choose a 30°, 60° or 90° sweep. Night mode dims the display and lowers the speed after one hour; at speed 1 the fan produces about 28 dB.

## Cleaning

How do I clean it? Unplug the fan, unclip the rear grille by pressing the two tabs at the bottom and vacuum the blades with a soft brush attachment. Do this once a month, or every two weeks if you have pets. Wipe the outer casing with a damp cloth and a drop of mild detergent. Never submerge the fan or spray water into the column.

## Troubleshooting

Why is it making a noise? A rattling noise almost always means the base screws have worked loose; tighten them. A soft humming noise at low speed is normal.

The fan stops after a few hours: the sleep timer is on; press the timer button until the display shows 0.

Reset: unplug the fan from the wall socket for 30 seconds, then plug it back in. This clears the timer and returns the fan to speed 1.
""",
    "pulse_earbuds.md": """# Pulse Earbuds – Quick Support

## Warranty

Pulse Earbuds are covered for 18 months against manufacturing defects. The warranty does not cover lost earbuds, but you can buy a single replacement bud at a reduced price. Battery wear is covered if capacity drops below 70% within the warranty period.

## Battery

How long does it last? Each earbud plays for up to seven hours on a charge, and the case holds three more full charges, for about 28 hours in total. How long does it take to charge? Ten minutes in the case gives about one hour of playback; a full charge of the case takes two hours. The battery keeps roughly 80% of its capacity after about 500 charge cycles.

## Setup

Open the case near your phone and hold the button on the back of the case for three seconds until the light pulses blue. Select Pulse Earbuds in your phone's Bluetooth list. Try all three sizes of ear tips; a good seal improves bass and noise cancelling.

## Sport and sweat

The earbuds are rated IPX4: sweat and light splashes from any direction do no harm, so running in the rain is fine. Do not wear them while swimming or in the shower, and keep the charging case dry, as it has no protection at all.

## Cleaning

Brush the speaker mesh with a soft, dry brush. Remove the ear tips and wash them in mild soapy water, then let them dry fully before refitting. Wipe the charging contacts in the case with a dry cotton swab.

## Troubleshooting

Only one earbud plays: put both earbuds in the case, close the lid for ten seconds and take them out again.

Reset: place both earbuds in the case, leave the lid open and hold the case button for 15 seconds until the light flashes white. Then remove the old Pulse Earbuds entry from your phone and pair again.
""",
    "nimbus_router.md": """# Nimbus Router – Support Article

## Warranty

The Nimbus Router has a three-year hardware warranty. If the unit fails, we send a replacement first and you return the faulty one in the same box, with shipping paid both ways. Power surges and lightning damage are not covered, so a surge protector is recommended.

## Lifetime and updates

The router has no battery. How long will it be supported? Every Nimbus Router receives security updates for five years from its release date, installed automatically at 3 a.m. You can check the current version in the Nimbus Home app under Settings > Firmware.

## Setup

How do I set it up? Connect the yellow WAN port to your modem with the supplied cable, plug in the power adapter and wait until the light on top turns steady white (about two minutes). Then open the Nimbus Home app and scan the QR code on the sticker underneath the router. The default network name and password are printed on the same sticker.

## Placement and care

Place the router at chest height, in the open, near the middle of your home. A shelf is better than the floor, and the router should not be hidden inside a cabinet. Once every few months, unplug it and blow dust out of the vents with compressed air. Do not use liquid cleaners or wet wipes.

## Troubleshooting

What do the lights mean? Steady white: online. Blinking white: starting up. Orange: no internet from the modem. Purple: reset in progress.

Slow Wi-Fi in some rooms: move the router off the floor and away from microwave ovens and fish tanks.

How do I reset it? Hold the reset button on the back for 12 seconds until the light turns purple. All settings return to factory defaults, including the network name and password.
""",
    "tempo_watch.md": """# Tempo Watch – User Help

## Warranty

The Tempo Watch is covered for 12 months from purchase. Water damage is only covered if the watch was used within its rating and the case shows no cracks. The strap is a wear item and is not covered.

## Battery

How long does it last? With normal use – notifications, heart-rate tracking and one 30-minute workout a day – the Tempo Watch lasts about ten days. With GPS always on, expect around 30 hours. A full charge on the magnetic cable takes about 90 minutes.

## Water

Is it waterproof? The watch is water resistant to 5 ATM, so it can be worn for swimming in a pool or the sea, but not for diving, saunas or high-speed water sports.

## Setup

Charge the Tempo Watch before first use, then install the Tempo app and follow the pairing steps. Keep the phone within one metre during pairing. If the app cannot find the watch, turn Bluetooth off and on again on the phone and restart the app.

## Cleaning

After swimming in salt water or a chlorinated pool, rinse the watch with fresh water and dry it with a soft cloth. The silicone strap can be washed with mild soap. Clean the sensor window on the back with a dry cloth so heart-rate readings stay accurate.

## Troubleshooting

Frozen screen: hold both side buttons for 20 seconds until the logo appears.

How do I reset it? Go to Settings > System > Reset on the watch. This erases all activity data that has not been synced.

Heart rate jumps during exercise: tighten the strap one notch and wear it just above the wrist bone.
""",
    "cascade_kettle.md": """# Cascade Kettle – Product Guide

## Warranty

The Cascade Kettle carries a two-year warranty on the body, lid and base, and four years on the heating element. Damage caused by limescale is not covered, so regular descaling is part of normal care.

## Lifetime

The kettle has no battery. The heating element and thermostat are tested for 10,000 boil cycles, which is roughly eight years of boiling three times a day. The lid hinge is tested for 20,000 openings.

## Setup

The Cascade Kettle holds 1.7 litres, about seven cups. Before using it for the first time, fill it to the MAX line, boil, and pour the water away. Repeat twice to remove any manufacturing residue. Always place the kettle on a dry, level surface with the cord away from the edge of the counter. When the kettle is not in use, it draws no power from the base, even if the base stays plugged in.

## Cleaning

How do I clean it? Unplug the kettle and let it cool. In hard-water areas, descale once a month: fill halfway with equal parts white vinegar and water, boil, leave for an hour, then rinse well and boil fresh water once before use. The mesh filter in the spout lifts out and can be rinsed under the tap. Wipe the outside with a damp cloth; never put the kettle or its base in water or in a dishwasher.

## Troubleshooting

The kettle turns off before the water has boiled: limescale on the element is confusing the thermostat. Descale it as described above.

The kettle will not switch on: it may be empty and the boil-dry protection has tripped. Let it cool for 15 minutes, add water and try again.

Water tastes of plastic: this fades after the first few boils; if not, repeat the setup rinse of the Cascade.
""",
    "orbit_vacuum.md": """# Orbit Robot Vacuum – Support

## Warranty

What does the warranty cover? The Orbit Robot Vacuum is covered for one year against faults in the motors, sensors and electronics. The battery has a separate six-month warranty. Brushes, filters and side brushes are consumables and are not covered.

## Battery

How long does the battery last? On standard suction the Orbit cleans for about 120 minutes per charge, or about 60 minutes on maximum. Recharging on the dock from empty takes about four hours, and the robot returns to the dock by itself when the battery is low. The battery pack should be replaced after roughly two to three years, when the run time becomes noticeably shorter.

## Setup

Place the dock against a wall on a hard floor, with half a metre of free space on each side and two metres in front. Remove the protective strips from the bumper, put the robot on the dock and let it charge fully before the first run. Use the Orbit app to draw no-go zones around pet bowls and cables. On thick carpet, turn on carpet boost so suction rises automatically.

## Cleaning

Empty the dust bin after every run. Tap the filter out over a bin after every run and replace it every three months; do not wash the filter in water. Once a week, cut away hair wrapped around the brush roll with the tool stored in the dock. Pet owners should check the brush roll every few days.

## Troubleshooting

A grinding noise usually means hair or string is wrapped around the brush roll or the side brush; remove it with the robot switched off.

The robot will not dock: wipe the charging contacts on the robot and the dock with a dry cloth, and make sure the dock is not in direct sunlight.

Reset: hold the home and power buttons together for ten seconds until you hear a chime. Maps are kept; Wi-Fi settings are erased.
""",
    "lumen_projector.md": """# Lumen Projector – Support Notes

## Warranty

The Lumen Projector is covered for 24 months against defects. The LED light source has its own cover of three years or 10,000 hours of use, whichever comes first. The remote control is covered for 90 days.

## Light source lifetime

The Lumen Projector has no lamp to replace. Its LED light source is rated for 30,000 hours before brightness drops to half, which means more than fifteen years of watching a film every evening. Eco mode lowers brightness by about a quarter and reduces fan noise.

## Setup

For a 100-inch picture, place the projector 2.6 metres from the wall or screen; for 80 inches, about 2.1 metres. Connect your laptop or console to the HDMI 1 port, or cast from a phone or laptop over Wi-Fi with the Lumen Cast app. Automatic keystone and focus run each time the projector starts; you can turn them off under Settings > Picture. The built-in 10 W speaker is fine for a small room, and an external speaker can be connected with Bluetooth.

## Cleaning

Use an air blower to remove dust from the lens first, then wipe gently with lens tissue in circles from the centre outwards. Never spray liquid directly on the lens. Vacuum the intake vents on the sides every few months so the projector does not overheat.

## Troubleshooting

The projector shuts down after a while: the vents are blocked or the room is too warm; leave 20 cm of free space around it.

Picture is blurry at the edges: move the projector so it faces the wall straight on, then run auto focus again.

Factory reset: open Settings > Advanced > Factory Reset, or hold the power button for 15 seconds while the projector is on.
""",
    "hearth_heater.md": """# Hearth Heater – Safety and Support

## Warranty

The Hearth Heater is guaranteed for three years if you register it within 60 days of purchase; otherwise the standard term is one year. The guarantee includes the ceramic element, the fan, the thermostat and the controls. It does not extend to damage from using the heater outdoors or in bathrooms.

## Lifetime and remote

The heater has no rechargeable battery. The ceramic element is designed for about 15 winters of normal use. The remote control takes two AAA batteries, which usually last a full heating season.

## Setup

Stand the Hearth Heater upright on a hard, level floor. How far from the wall should it be? Keep at least one metre between the heater and walls, curtains, beds or furniture. Plug it directly into a wall socket, never into an extension lead. Choose Low (1000 W), High (2000 W) or Eco, which holds the room at the temperature you set between 5 and 30 °C.

## Cleaning

Unplug the heater and let it cool for 30 minutes. Clean the filter once a month during the heating season: slide it out from the back and vacuum both sides. Wipe the casing with a dry cloth.

## Troubleshooting

Why does it switch itself off? The tip-over switch cuts the power if the heater is tilted or knocked, and the overheat cut-out trips if the intake is blocked. Stand it upright, clear the intake and wait ten minutes.

Error code E3: the filter is blocked; clean it as described above.

Reset: unplug the heater, wait five minutes, and plug it in again. The Hearth returns to Low with the timer off.
""",
    "sonar_speaker.md": """# Sonar Speaker – Help Centre

## Warranty

The Sonar Speaker has a one-year warranty covering the drivers, the battery and the electronics. Water damage is covered only if the charging port cover was fully closed.

## Battery

Playback time is around 16 hours at half volume and about 6 hours at full volume, where the Sonar reaches 98 dB. A full recharge over USB-C takes three and a half hours. The battery level is announced by voice each time you switch the speaker on.

## Water and outdoor use

Is it waterproof? Yes – the Sonar Speaker is rated IP67, so it survives being dropped in a pool for up to 30 minutes at a depth of one metre. It floats, speaker side up.

## Setup

Hold the Bluetooth button for two seconds until it flashes blue and choose Sonar in your phone's list. To pair two speakers for stereo, press the link button on both within ten seconds; they then play as a left and right pair.

## Cleaning

After a day at the beach or the pool, rinse the speaker under a gentle tap with the port cover closed, then shake out the water and let it dry in the air. Do not use soap on the fabric grille.

## Troubleshooting

No sound while connected: check the volume on both the phone and the speaker.

Won't turn on: charge for at least 30 minutes; a deeply drained battery shows no light at first. If it still does not start after charging, reset it.

Reset: hold the volume-up and power buttons together for ten seconds until the speaker plays a low tone. All paired devices are forgotten.
""",
}

# (previous user turns, follow-up question, target file, exact answer substring)
# The follow-up never names the product; its wording matches another product's doc
# at least as well (distractor noted in the comment). Items with two previous turns
# name the product in the first turn only.
FOLLOW_UPS = [
    (["What does the warranty on the X200 printer cover?"],
     "And how long does it last?", "x200_printer.md", "two years"),  # distractors: pulse/aurora/tempo "How long does it last?"
    (["Does the Aurora Lamp work without being plugged in?"],
     "How do I clean it?", "aurora_lamp.md", "dry microfiber cloth"),  # breeze/kettle "How do I clean it?"
    (["I just bought a Breeze Tower Fan for my bedroom."],
     "What does the warranty cover?", "breeze_fan.md", "motor is covered for five years"),  # x200/orbit "What does the warranty cover?"
    (["My Z9 Scanner keeps showing a red light."],
     "How do I reset it?", "z9_scanner.md", "press it with a straightened paperclip for five seconds"),  # nimbus/tempo "How do I reset it?"
    (["How loud can the Sonar Speaker get?"],
     "How long does the battery last?", "sonar_speaker.md", "around 16 hours at half volume"),  # z9/orbit "How long does the battery last?"
    (["Can I use the Pulse Earbuds for running?"],
     "Are they waterproof?", "pulse_earbuds.md", "rated IPX4"),  # tempo/sonar "Is it waterproof?"
    (["How do I connect the Lumen Projector to my laptop?", "Is HDMI the only option?"],
     "And how long does it last?", "lumen_projector.md", "rated for 30,000 hours"),  # pulse/aurora/tempo
    (["Is the Orbit Robot Vacuum good with pet hair?"],
     "How long does it take to charge?", "orbit_vacuum.md", "takes about four hours"),  # z9/pulse "How long does it take to charge?"
    (["What heat settings does the Hearth Heater have?"],
     "What does the warranty cover?", "hearth_heater.md", "guaranteed for three years if you register it within 60 days"),  # x200/orbit
    (["How much water does the Cascade Kettle hold?"],
     "How long does it last?", "cascade_kettle.md", "tested for 10,000 boil cycles"),  # pulse/aurora/tempo
    (["How do I pair the Tempo Watch with my phone?", "The app still can't find it."],
     "How long does the battery last?", "tempo_watch.md", "about ten days"),  # z9/orbit
    (["Where should I place the Nimbus Router?", "Is a shelf better than the floor?"],
     "How do I clean it?", "nimbus_router.md", "blow dust out of the vents with compressed air"),  # breeze/kettle
    (["The X200 printer is printing faded pages."],
     "Why is it making a grinding noise?", "x200_printer.md", "a torn scrap of paper is caught on the paper feed roller"),  # orbit "A grinding noise", breeze "Why is it making a noise?"
    (["How bright does the Aurora Lamp get?", "Can I dim it from my phone?"],
     "How long does it take to charge?", "aurora_lamp.md", "takes around three hours"),  # z9/pulse
    (["Is the Breeze Tower Fan quiet enough for a nursery?"],
     "How do I reset it?", "breeze_fan.md", "unplug the fan from the wall socket for 30 seconds"),  # nimbus/tempo
    (["Is it safe to leave the Cascade Kettle plugged in all day?"],
     "Why does it switch itself off early?", "cascade_kettle.md", "limescale on the element is confusing the thermostat"),  # hearth "Why does it switch itself off?"
    (["What comes in the box with the Z9 Scanner?", "Is a cable included?"],
     "How do I clean the glass?", "z9_scanner.md", "70% isopropyl alcohol"),  # x200 "To clean the glass ..."
    (["Does the Lumen Projector have a built-in speaker?"],
     "How far from the wall should it be?", "lumen_projector.md", "2.6 metres from the wall"),  # hearth "How far from the wall should it be?"
    (["My Sonar Speaker won't turn on.", "I already charged it overnight."],
     "How do I reset it?", "sonar_speaker.md", "hold the volume-up and power buttons together for ten seconds"),  # nimbus/tempo
    (["Does the Orbit Robot Vacuum work on thick carpet?"],
     "How often should I clean the filter?", "orbit_vacuum.md", "replace it every three months"),  # hearth "Clean the filter once a month"
]

# ---------------------------------------------------------------------------
# SET 3 — FILE SUBJECT
# For the ten target docs the FILE NAME IS THE ONLY CARRIER of the subject word:
# neither the body nor its "# " title line ever uses the subject word (e.g.
# kombucha_brewing.md never says "kombucha"; it speaks of "the tea", "the culture",
# "the SCOBY"). The ten distractor docs mention the subject words in passing but are
# about something else, and their file names do not contain the subject words.
#
# Targets and their subject words:
#   kombucha_brewing.md      kombucha
#   sourdough_feeding.md     sourdough
#   bonsai_pruning.md        bonsai
#   espresso_extraction.md   espresso
#   ukulele_tuning.md        ukulele
#   beekeeping_winter.md     bee / bees / beekeeping
#   aquarium_cycling.md      aquarium
#   cast_iron_skillet.md     cast iron / skillet
#   sauna_sessions.md        sauna
#   marathon_training.md     marathon
# ---------------------------------------------------------------------------

SUBJECT_DOCS = {
    # ----- targets -----
    "kombucha_brewing.md": """# Brewing Notes: Sweet Tea and a Living Culture

This is a fizzy, slightly sour drink made by letting a living culture eat the sugar in sweetened tea. The culture is a rubbery disc, usually called a SCOBY (symbiotic culture of bacteria and yeast), and it floats on top of the liquid while it works.

## First fermentation

Brew four litres of black or green tea, dissolve 250 grams of white sugar in it and let it cool to room temperature. Pour it into a wide glass jar, add the SCOBY together with about 400 ml of mature liquid from a previous batch, and cover the jar with a cloth held by a rubber band. Keep it somewhere dark at 22 to 26 °C. Let it ferment for seven to twelve days, and start tasting on day seven with a clean straw. When it is pleasantly tart but still slightly sweet, it is ready.

## Second fermentation

For bubbles, bottle the tea in swing-top bottles with a little fruit or juice and leave them at room temperature for two or three more days, then refrigerate. Open one bottle each day to check the pressure.

## Warning signs

A new, pale layer forming on top is normal growth. Fuzzy, dry spots of blue, green or black are mould: discard the whole batch and the culture. If the liquid smells like nail varnish or strong vinegar, it has gone too far and can be kept only as starter liquid for the next jar.
""",
    "sourdough_feeding.md": """# Keeping a Wild Yeast Culture Alive

A jar of flour and water that has been colonised by wild yeasts and lactic bacteria can raise bread without any packet yeast, but only if it is fed regularly.

## Feeding schedule

At room temperature (around 21 °C), feed the culture once every twelve hours. Discard all but 50 grams, then add 50 grams of flour and 50 grams of lukewarm water and stir until no dry flour is left. This 1:1:1 ratio keeps the culture lively. If you bake only once a week, store the jar in the fridge and feed it once a week instead, then give it two feedings at room temperature before baking.

## Is it ready?

A healthy culture doubles in volume within four to eight hours of feeding and is full of bubbles. Drop a spoonful into water: if it floats, it is ready to use in a dough. A flat, runny jar usually means it needs more frequent feeding or a warmer spot.

## Problems

A grey liquid on top, called hooch, means the culture is hungry; pour it off and feed. Pink or orange streaks are a sign of contamination, and the jar should be thrown away. Whole-wheat or rye flour speeds things up because it carries more wild yeast than white flour.
""",
    "bonsai_pruning.md": """# Shaping a Miniature Tree in a Shallow Pot

Keeping a tree small and beautiful in a shallow pot is mostly a matter of cutting at the right moment. There are two kinds of cutting, and they belong to different seasons.

## Structural cuts

Removing thick branches to set the shape of the tree is best done in late winter, just before the buds begin to swell. At that point the tree is still dormant, sap loss is low, and the wounds close quickly once growth starts in spring. Cut just above a bud or side branch, and seal cuts wider than a pencil with cut paste. Never remove more than a third of the foliage in one year.

## Maintenance pruning

During the growing season, from spring to late summer, trim new shoots back to one or two pairs of leaves once they have grown four or five pairs. For pines, pinch the soft candles by hand instead of using scissors. This keeps the silhouette tight and encourages fine branching close to the trunk.

## Tools and aftercare

Use sharp concave cutters, which leave a hollow wound that heals flat. Clean the blades with alcohol after each tree to avoid spreading disease. After heavy pruning, keep the tree out of strong afternoon sun for two weeks and do not fertilise until new growth appears.
""",
    "espresso_extraction.md": """# Dialling In a Concentrated Shot

A good shot is a small, concentrated coffee with a layer of golden-brown crema, made by forcing hot water through a tightly packed puck of finely ground coffee at about nine bars of pressure.

## The recipe

Start with 18 grams of ground coffee in a double basket and aim for about 36 grams of liquid in the cup, a 1:2 ratio. The shot should take 25 to 30 seconds from the moment you start the pump. Water temperature should sit between 90 and 96 °C.

## Adjusting the grind

If the shot runs faster than 25 seconds and tastes sour and thin, grind finer. If it takes longer than 30 seconds and tastes bitter or harsh, grind coarser. Change only one thing at a time, and make small steps, because a tiny change in grind size makes a large difference in flow.

## Preparing the puck

Distribute the grounds evenly in the basket, then tamp firmly and level with about 15 kilograms of pressure. Uneven tamping causes channelling: water finds a weak path through the puck, and the shot comes out both sour and bitter. Wipe the rim of the basket before locking the portafilter into the group head.

## Beans

Use beans roasted between one and four weeks ago. Very fresh beans release a lot of gas and produce a wild, bubbly flow.
""",
    "ukulele_tuning.md": """# Tuning the Little Four-String

This small four-stringed instrument is usually tuned to the notes G, C, E and A, from the string closest to your chin to the one closest to the floor. In the most common arrangement, called re-entrant tuning, the G string is tuned higher than the C string, which gives the instrument its bright, bouncy sound. A popular way to remember the notes is the phrase "My Dog Has Fleas".

## Using a tuner

A clip-on tuner that attaches to the headstock picks up vibrations directly and works well even in a noisy room. Pluck one string, watch the display, and turn the peg slowly until the needle is centred. Always tune up to the note: if a string is sharp, loosen it below the note first and then bring it up, so the string settles and holds its pitch.

## Tuning by ear

Tune the A string to a reference, such as a piano. Then press the E string at the fifth fret; it should sound the same as the open A. Press the C string at the fourth fret to match the open E, and the G string at the second fret to match the open A.

## New strings

Nylon and fluorocarbon strings stretch a lot during the first week. Expect to retune several times in every practice session until they settle.
""",
    "beekeeping_winter.md": """# Getting a Colony Through the Cold Months

A healthy colony does not hibernate. The workers cluster tightly around the queen and shiver their flight muscles to keep the centre of the cluster at about 30 °C, even when it is freezing outside. All of that effort is paid for with stored honey.

## Food stores

By the end of autumn, a colony in a standard hive needs about 20 kilograms of honey or thick sugar syrup stored in the combs. Lift the back of the hive: if it feels light, feed a 2:1 sugar syrup in early autumn while it is still warm enough for the workers to process and cap it. Once the weather turns cold, switch to solid fondant placed directly above the cluster.

## Protecting the hive

Fit a mouse guard to the entrance and reduce the opening so the colony can defend it. Make sure moisture can escape: condensation dripping onto the cluster kills more colonies than cold does. Tilt the hive slightly forward so rain runs off, and strap it down in windy sites.

## Mites

Treat for varroa mites in late summer or during the broodless period in midwinter, because a heavy mite load weakens the long-lived winter workers.

## Checking in winter

Do not open the hive on cold days. Put your ear to the side and knock; a healthy colony answers with a short, rising hum.
""",
    "aquarium_cycling.md": """# Starting a New Tank Safely

Before any fish go in, a new tank has to grow a colony of beneficial bacteria that turn toxic ammonia from fish waste into nitrite, and then nitrite into much less harmful nitrate. This process is called the nitrogen cycle, and skipping it is the most common reason fish die in their first month.

## How long it takes

With a fishless cycle, expect the process to take four to six weeks. Adding filter media from an established, healthy tank can shorten it to a week or two.

## Fishless cycling step by step

Fill the tank with dechlorinated water and run the filter and heater at about 26 °C. Add pure ammonia until a test kit reads 2 ppm. Test every two days. First ammonia falls and nitrite rises; later nitrite falls and nitrate appears. The cycle is complete when the tank can turn 2 ppm of ammonia into zero ammonia and zero nitrite within 24 hours.

## Before adding fish

Do a large water change to bring nitrate down, then add only a few fish at first. Keep feeding light for the first weeks and keep testing. Never rinse the filter sponge under the tap, because chlorine kills the bacteria you have just grown; squeeze it out in old tank water instead.
""",
    "cast_iron_skillet.md": """# Caring for a Heavy Black Frying Pan

A heavy black pan can last for generations, but its non-stick surface is not a coating from a factory: it is layers of oil baked into the metal, known as seasoning.

## Seasoning the pan

Wash the pan, dry it completely and warm it on the stove for a few minutes so any remaining moisture evaporates. Rub a very thin layer of oil with a high smoke point, such as flaxseed, canola or vegetable shortening, over every surface, inside and out, including the handle. Then wipe it off again with a clean cloth as if you had made a mistake; what remains is enough. Bake the pan upside down at 230 °C for one hour, and let it cool in the oven. Repeat three or four times for a new or stripped pan.

## Everyday care

Clean it while it is still warm with hot water and a brush; a little dish soap is fine. Dry it on the hob, then wipe a few drops of oil over the cooking surface. Avoid soaking it or putting it in the dishwasher.

## Fixing problems

Sticky spots mean too much oil was left on; bake it again. Orange rust patches can be scrubbed off with steel wool, after which the pan needs to be seasoned again from scratch.
""",
    "sauna_sessions.md": """# Taking Hot Room Sessions Safely

Sitting in a wooden hot room at 70 to 100 °C is relaxing, but the heat puts real strain on the body, so a few habits make it safer.

## How long to stay

Stay in for ten to fifteen minutes per round, and leave earlier if you feel dizzy or your heart is pounding. Beginners should start with five to eight minutes. Two or three rounds in one visit is plenty.

## Cooling down

Between rounds, cool off with a cold shower, a plunge pool or simply fresh air, then rest for at least as long as you were in the heat. Drink water during the breaks; you can lose half a litre of sweat in a single round.

## Etiquette

Shower before entering and sit on a towel so that no sweat touches the wooden benches. The upper benches are the hottest. Ask the others before throwing water on the stones, because the burst of steam raises the felt temperature sharply.

## Who should be careful

Do not go in after drinking alcohol. People with heart conditions or low blood pressure, and anyone who is pregnant, should ask a doctor first. Children can join for shorter periods at lower temperatures, always with an adult.
""",
    "marathon_training.md": """# Preparing for 42.2 Kilometres

Covering 42.2 kilometres on foot is a serious undertaking, and most of the work happens in the months before race day.

## How long to train

Plan on sixteen to twenty weeks of structured training, assuming you can already run 30 to 40 kilometres a week comfortably. Newer runners should spend a few months building that base first.

## The weekly pattern

A typical week has one long run, one faster session such as intervals or a tempo run, and two or three easy runs at a pace where you can hold a conversation. Increase your weekly distance by no more than about ten percent, and every fourth week cut back by a quarter so your body can absorb the work.

## The long run

The long run grows from around 16 kilometres to a peak of 30 to 35 kilometres about four weeks before the race. Use these runs to practise fuelling: take a gel or sports drink every 30 to 45 minutes.

## Tapering

Over the last three weeks, reduce your distance steadily while keeping a little speed work. You may feel restless, but the rest lets muscles repair and glycogen stores fill up.

## Race day

Do nothing new: wear the shoes and eat the breakfast you tested in training. Start slower than you think you should.
""",
    # ----- distractors (mention the subject words in passing, are about something else) -----
    "vegetable_pickling.md": """# Lacto-Fermented Vegetables

Lacto-fermentation turns cabbage, cucumbers and carrots into tangy pickles using nothing more than salt and time. Unlike kombucha or vinegar pickles, no starter culture or sugar is needed: the lactic bacteria already living on the vegetables do the work.

## Brine

Dissolve 20 grams of salt per litre of water. Pack the vegetables tightly into a clean jar, pour the brine over them and weigh them down so nothing floats above the surface.

## How long to ferment

Keep the jar at room temperature. Cucumbers are usually ready in three to five days, sauerkraut in two to four weeks. Taste regularly; when the sourness is right, move the jar to the fridge to slow fermentation down.

## Safety

A white film on the surface of the brine is usually harmless kahm yeast and can be skimmed off. Soft, slimy vegetables or fuzzy mould mean the batch should be thrown away. People who already brew kombucha at home often find pickling easy, because the habits of cleanliness are the same.
""",
    "bread_machine_manual.md": """# Bread Machine BM-5 – Programs and Care

The BM-5 has twelve programs, including Basic, Whole Wheat, French, Quick and Dough. Load the ingredients in this order: liquids first, then flour, and the yeast last in a small well on top so it does not touch the salt or the water before mixing starts.

## Timer

The delay timer can be set up to 13 hours ahead. Do not use the timer with recipes that contain fresh milk or eggs.

## Sourdough

The BM-5 has no dedicated sourdough program, because a wild starter rises too slowly for the machine's fixed timings. You can still add a few spoonfuls of sourdough starter to a Basic loaf for flavour, together with the usual packet yeast. Feeding and looking after the starter itself has to be done separately, outside the machine.

## Cleaning

Remove the pan and the kneading paddle after each use and soak them in warm water. Never put the pan in the dishwasher, as this damages the non-stick coating. Wipe crumbs from the baking chamber with a dry cloth once the machine has cooled.
""",
    "hedge_trimming.md": """# Trimming Garden Hedges

The best time to prune most garden hedges is late spring, after the first flush of growth, with a second light trim in late summer. Avoid hard cutting while birds are nesting, which in many areas runs from March to August, and check the hedge carefully before you start.

## Tools

Hand shears are fine for short hedges, but a powered hedge trimmer saves hours on long ones. Keep the blades sharp and clean; blunt blades tear the leaves and leave brown edges. Unlike the tiny concave cutters used for bonsai, hedge tools are built for speed rather than precision.

## Shape

Cut the hedge so it is slightly wider at the bottom than at the top. This lets light reach the lower branches and stops the base from going bare. Use a string line stretched between two canes to keep the top level.

## Renovating an old hedge

Overgrown deciduous hedges can be cut back hard in winter, one side per year. Conifers such as leylandii do not regrow from old brown wood, so never cut them back beyond the green growth.
""",
    "barista_job_posting.md": """# Job Opening: Part-Time Barista

Our café on Harbour Street is looking for a friendly part-time barista for weekend shifts, Saturday and Sunday from 7:00 to 15:00.

## What you will do

Take orders, pull espresso shots and steam milk for around 300 drinks on a busy morning, keep the counter and the machine clean, and help with the opening and closing checklists. You will also restock the pastry case and the cold drinks fridge.

## What we are looking for

Previous café experience is welcome but not required; we train every new team member over two paid shifts, including how long each espresso should run and how to steam silky milk. You need to be comfortable on your feet for a full shift and able to stay calm when the queue reaches the door.

## What we offer

Hourly pay above the city minimum, shared tips, free drinks during your shift and a bag of beans every month. Please send a short note about yourself to the manager. We reply to every application within one week.
""",
    "piano_tuning_service.md": """# Piano Tuning Service

We tune upright and grand pianos in homes, schools and churches across the county. A standard tuning takes about ninety minutes and should be done once or twice a year, ideally a few weeks after the heating has been switched on or off for the season.

## Pitch raise

If a piano has not been tuned for several years, its pitch may have dropped well below the standard A = 440 Hz. In that case we do a pitch raise first and then a fine tuning, which may need a second visit.

## What we do not tune

We only work on pianos. We are often asked about guitars, violins or a child's ukulele, but stringed instruments like these are easy to tune at home with a clip-on tuner, and a music shop can help if the pegs slip.

## Booking

Book at least two weeks ahead in autumn, our busiest season. Please clear the top of the piano before we arrive and make sure the room is quiet during the visit.
""",
    "winter_garden_prep.md": """# Preparing the Garden for Winter

Late autumn is the time to put the garden to bed. Clear away diseased leaves and stems, but leave some seed heads and hollow stems standing: they feed birds and give shelter to overwintering insects, including solitary bees and ladybirds.

## Protecting plants

Wrap tender pots in fleece or bubble wrap and move them against a house wall. Mulch borders with 5 cm of compost to protect roots from frost. Lift dahlia tubers once the first frost has blackened the leaves and store them in a dry, frost-free shed.

## Lawns and tools

Give the lawn a last cut on a high setting, then rake out moss. Clean, dry and oil your tools before storing them for the winter so they do not rust.

## Planning for spring

Plant spring bulbs now. Crocuses and early flowers such as hellebores give bees their first food when they come out on warm days at the end of winter.
""",
    "swimming_pool_opening.md": """# Opening a Swimming Pool for the Season

When the weather warms up, a pool that has been closed for the winter needs a few days of work before anyone swims.

## Water balance

Remove and clean the cover, top up the water and run the pump and filter continuously for 24 to 48 hours. Test the water and adjust the pH to between 7.2 and 7.6 before adding chlorine. Then shock the pool with a large dose of chlorine to kill algae and bacteria. This is the opposite of a new aquarium, where you want bacteria to grow; in a pool, the goal is to keep the water free of them.

## Filter care

Backwash sand filters until the water in the sight glass runs clear. Cartridge filters should be hosed down and soaked in a filter cleaner once a season.

## How long it takes

From removing the cover to clear, safe water usually takes three to five days. Green water can take a week or more.
""",
    "nonstick_pan_care.md": """# Looking After Non-Stick Pans

Non-stick pans are coated with a slippery layer that lets eggs and fish slide off with very little fat. The coating wears out over time, but good habits can make a pan last five years or more.

## Heat

Never heat an empty non-stick pan on high. Medium heat is enough for almost everything; if you need a hard sear, use a cast iron skillet or a steel pan instead.

## Utensils and washing

Use wooden or silicone utensils; metal spatulas scratch the coating. Let the pan cool before washing it by hand with a soft sponge. Dishwashers shorten its life even when the label says dishwasher-safe.

## Do non-stick pans need seasoning?

Unlike a cast iron skillet, a non-stick pan does not need to be seasoned. Some manufacturers suggest wiping a few drops of oil over a new pan before first use, but this is optional.

## When to replace

Replace the pan when the coating is visibly scratched or flaking, or when food starts to stick everywhere.
""",
    "gym_membership_rules.md": """# Gym Membership Rules

Welcome to the club. These rules keep the gym safe and pleasant for every member.

## Opening hours

The gym is open from 6:00 to 22:00 on weekdays and from 8:00 to 20:00 at weekends. The pool, the steam room and the sauna close 30 minutes before the building does.

## Guests

Members may bring one guest per visit. Guests can stay for up to two hours and must sign in at reception.

## Changing rooms and sauna

Lockers are for use during your visit only; anything left overnight is removed. In the sauna, always sit on a towel and follow the time limit posted on the door. Children under 16 may not use the sauna or the steam room.

## Classes

Book classes in the app up to seven days ahead. If you cannot attend, cancel at least two hours before the start, or you will lose one credit.

## Conduct

Wipe down equipment after use, return weights to the racks and keep phone calls out of the training areas.
""",
    "city_road_closures.md": """# Road Closures This Spring

Several roads in the city centre will be closed over the coming weeks for resurfacing work and public events.

## Resurfacing

River Road will be closed to through traffic for six weeks from Monday while the surface is replaced. Local access to homes and businesses remains open. Buses 4 and 12 will be diverted via Mill Street.

## City marathon

On the day of the city marathon, the route through the old town and along the river will be closed from 6:00 until about 15:00. Runners have been training for weeks, so please plan car journeys in advance and allow extra time to reach the train station. Parking on the route must be cleared by midnight the night before; vehicles left there will be towed.

## Market days

The Saturday market returns to Cathedral Square. Market Street will be closed every Saturday from 5:00 to 16:00 for the next twenty weeks.
""",
}

# (question naming the subject, target file, exact answer substring in the target)
SUBJECT_QUESTIONS = [
    ("How long should kombucha ferment?", "kombucha_brewing.md", "seven to twelve days"),
    ("How often should I feed a sourdough starter?", "sourdough_feeding.md", "once every twelve hours"),
    ("When is the best time to prune a bonsai?", "bonsai_pruning.md", "late winter, just before the buds begin to swell"),
    ("How long should an espresso shot take?", "espresso_extraction.md", "25 to 30 seconds"),
    ("What notes is a ukulele tuned to?", "ukulele_tuning.md", "G, C, E and A"),
    ("How much honey do bees need to get through the winter?", "beekeeping_winter.md", "about 20 kilograms of honey"),
    ("How long does it take to cycle a new aquarium?", "aquarium_cycling.md", "four to six weeks"),
    ("How do I season a cast iron skillet?", "cast_iron_skillet.md", "Bake the pan upside down at 230 °C for one hour"),
    ("How long should I stay in a sauna?", "sauna_sessions.md", "ten to fifteen minutes per round"),
    ("How many weeks should I train for a marathon?", "marathon_training.md", "sixteen to twenty weeks"),
]

# ---------------------------------------------------------------------------
# SET 4 — SUBJECT FOLLOW-UPS OVER CITY GUIDES (English and Chinese)
# Six English and six Chinese travel guides with the same sections (getting around, where to sleep,
# eating, museums, tipping, paying, weather); every title ends in the same words ("Prices and
# Practical Tips", "花费和实用信息"), as a folder of guides written alike does. Each follow-up names no
# city ("And how much for meals there?", "那里的地铁票多少钱？"); its own words are found, nearly
# verbatim, in ANOTHER city's guide (the distractor, noted in the comment), while the subject's guide
# answers in other words (the London guide says "eating out", the Paris guide "How much do meals
# cost?"). In some conversations the earlier turn names the city only by a landmark (Heathrow, 兵马俑).
# ---------------------------------------------------------------------------

CITY_DOCS = {
    "london.md": """# London: Prices and Practical Tips

London is one of the most expensive cities in Europe for visitors, yet many of its best sights cost nothing. Prices below are in pounds.

## Getting around

The Underground, which Londoners call the Tube, and the red buses are the quickest ways to travel. Tap in and out with a contactless bank card or an Oyster card: a single Tube journey in zone 1 costs £2.80, and the daily charge stops at £8.50 however many trips you make. Paper tickets cost almost twice as much. A bus ride is £1.75.

## From Heathrow

The Piccadilly line reaches the centre in about 50 minutes for £5.60; the Elizabeth line takes about 30 minutes for £12.80. The Heathrow Express runs to Paddington in 15 minutes but costs £25 if bought on the day.

## Where to sleep

A bed in a hostel dormitory costs £30 to £45. A double room in a simple hotel in zones 1 or 2 is about £150, more on summer weekends.

## Eating out

A sandwich and a coffee from a chain come to about £8. A pub lunch of fish and chips costs around £16, and dinner at a mid-range restaurant is roughly £35 a head without wine. A service charge of 12.5% is often added to the bill, so check it before leaving anything extra.

## Museums and galleries

The British Museum, the National Gallery, Tate Modern and the Natural History Museum are free to enter; only special exhibitions charge, usually £15 to £22. Most are open daily from 10:00 to 17:30, and the British Museum stays open until 20:30 on Fridays.

## When to go

Hotel rates are lowest from January to early March, outside the school half-term weeks, when a room goes for about a third less than in July. Summer brings long evenings and the highest rates.
""",
    "paris.md": """# Paris: Prices and Practical Tips

Paris rewards walkers: the centre is compact and a walk along the Seine costs nothing. Prices below are in euros.

## Getting around

A metro ticket costs €2.15 for one journey on the metro, the buses or the RER inside the city. The Navigo Easy card holds ten tickets at a lower price each. The metro runs until about 00:40, and until 01:40 on Friday and Saturday nights.

## Where to sleep

A double room in a two-star hotel costs €120 to €160; hostels start at €35 for a dormitory bed.

## Meals

How much do meals cost? A set lunch menu of two courses costs €15 to €20 in a café, and dinner in a bistro about €35. Meals are cheapest at lunchtime. Service is included in the bill; leave a euro or two for good service.

## Water

Water from the taps is good everywhere in the city, and the green Wallace fountains give it away free. In a restaurant, ask for a carafe d'eau: it costs nothing.

## Museums

Opening hours: most museums open at 9:00 or 10:00 and close at 18:00. The Louvre is closed on Tuesdays and open until 21:45 on Fridays; entry costs €22. The city's own museums, such as the Petit Palais, are free.
""",
    "rome.md": """# Rome: Prices and Practical Tips

Rome's old centre is best seen on foot, and its churches, fountains and squares are free. Prices below are in euros.

## From the airports

From Fiumicino, the Leonardo Express train reaches Termini station in 32 minutes for €14. Taxi prices are fixed from the airports: €55 from Fiumicino and €40 from Ciampino to anywhere inside the Aurelian walls. Cab drivers do not expect a tip; rounding up to the next euro is plenty.

## Getting around

A single ticket costs €1.50 and is valid for 100 minutes on buses, trams and the metro; a 24-hour pass costs €7.

## Where to stay

A room costs €110 to €180 per night in a three-star hotel near the centre, and the city tax adds €6 to €7 per person per night.

## Eating

A pizza and a drink come to about €15. In a bar, a coffee drunk standing at the counter costs €1.20, and more at a table.

## Paying

Shops and restaurants accept cards and contactless payment almost everywhere, and taxis must take them by law; keep a few coins for small bars and the ticket machines.

## When to visit

The cheapest time to visit is November to February, apart from Christmas, when hotels cost a third less than in spring.
""",
    "new_york.md": """# New York City: Prices and Practical Tips

New York is expensive, but its parks, ferries and many museums' free evenings make it manageable. Prices below are in dollars.

## From the airports

From JFK, the AirTrain and a subway or commuter train reach Manhattan in 50 to 75 minutes for $11 to $19. Yellow cabs charge a flat fare of $70 from JFK to Manhattan, plus tolls and tip.

## Getting around

The subway runs all night; a ride costs $2.90 with a contactless card, and after twelve rides in a week the rest are free.

## Hotels

Expect $250 to $350 a night for a double in Midtown; Long Island City and Brooklyn are about a third cheaper. The hotel tax adds almost 15%.

## Tipping

Tipping is expected: leave 18 to 20 percent in restaurants, tip taxi drivers 15 to 20 percent of the fare, and give hotel housekeeping a few dollars a night.

## Safety

Is New York safe? The busy neighbourhoods are safe to walk at night; keep your phone out of sight on the subway late at night and use the yellow cabs or a ride app after midnight.
""",
    "tokyo.md": """# Tokyo: Prices and Practical Tips

Tokyo is cheaper than its reputation, and it is one of the safest big cities in the world. Prices below are in yen.

## From the airports

From Narita, the trip into the city takes about an hour on the Skyliner train for ¥2,570. Haneda is closer: the monorail takes 20 minutes for ¥500.

## Getting around

Trains and subways cover the whole city. Fares start at ¥180 and depend on distance; a Suica or Pasmo card pays for every line, and a 24-hour pass for the Tokyo Metro lines costs ¥800.

## Daily costs

A traveller staying in business hotels and eating in ramen shops spends about ¥15,000 a day, transport included. A bowl of ramen costs ¥900 to ¥1,200, and a convenience-store breakfast ¥500.

## Water

The tap water is safe to drink everywhere, and public toilets are free and clean.

## Tipping

Do not tip: staff may run after you to return the money. Good service is part of the price.
""",
    "berlin.md": """# Berlin: Prices and Practical Tips

Berlin is one of the cheaper capitals of Western Europe. Prices below are in euros.

## Museums

The museums on Museum Island are open Tuesday to Sunday from 10:00 to 18:00, and until 20:00 on Thursdays; a day ticket for all of them costs €24. The Berlin Wall Memorial and the Topography of Terror are free.

## Budget per day

How much should you budget per day? A traveller in a hostel who eats at street stalls needs about €60 per day; a mid-range hotel and restaurant meals bring it to €150 per day.

## Paying

Can you pay by card? Many cafés, bakeries and late-night shops take cash only, so do not expect to pay by card everywhere, and carry some cash.

## Getting around

A single ticket for zones A and B costs €3.50 and a day ticket €10.60; validate paper tickets before boarding.
""",
}

# (previous user turns, follow-up, target file, exact answer substring)
CITY_FOLLOW_UPS = [
    (["How expensive are hotels in London?"],
     "And how much for meals there?", "london.md", "pub lunch of fish and chips costs around £16"),  # paris "How much do meals cost?"
    (["I'm flying into Heathrow next Tuesday."],
     "How much is a metro ticket?", "london.md", "single Tube journey in zone 1 costs £2.80"),  # paris "A metro ticket costs", tokyo "Metro"
    (["What's the easiest way from Fiumicino airport to the centre of Rome?"],
     "Do I need to tip taxi drivers?", "rome.md", "Cab drivers do not expect a tip"),  # new_york "tip taxi drivers"
    (["Which museums in Berlin are free?"],
     "What are the opening hours?", "berlin.md", "open Tuesday to Sunday from 10:00 to 18:00"),  # paris "Opening hours"
    (["Is New York safe for a solo traveller?", "Which neighbourhood is best to stay in?"],
     "How much does a room cost per night?", "new_york.md", "$250 to $350 a night"),  # rome "A room costs ... per night"
    (["We're planning a family trip to Paris in May."],
     "Is the tap water safe to drink?", "paris.md", "Water from the taps is good everywhere"),  # tokyo "tap water is safe to drink"
    (["How do I get around Tokyo?"],
     "How much should I budget per day?", "tokyo.md", "spends about ¥15,000 a day"),  # berlin "budget per day"
    (["Are London's museums really free?", "What about the special exhibitions?"],
     "When is the cheapest time to visit?", "london.md", "lowest from January to early March"),  # rome "cheapest time to visit"
    (["How much is a bus pass for a day in Rome?"],
     "Can I pay by card everywhere?", "rome.md", "accept cards and contactless payment"),  # berlin "pay by card everywhere"
    (["How do I get from JFK into Manhattan?"],
     "Are taxi prices fixed?", "new_york.md", "flat fare of $70"),  # rome "Taxi prices are fixed"; "prices" is in every title
]

CHINESE_CITY_DOCS = {
    "shanghai.md": """# 上海旅行：花费和实用信息

上海是中国最大的城市，外滩、豫园和迪士尼乐园吸引着大量游客。下面的价格以人民币计。

## 住宿

市中心的经济型酒店每晚三百到四百元，外滩附近的高档酒店每晚一千元以上，周末和节假日还会上涨。

## 市内交通

轨道交通覆盖全市，按里程计价，起步价三元，最远的线路单程十五元左右，可以用手机扫码进站。地铁停运时间：多数线路晚上十一点前后停运，周五和周六部分线路延长到凌晨。

## 迪士尼乐园

迪士尼乐园平日门票四百七十五元起，节假日更贵。带孩子游玩时，身高一米以下的儿童免票；园内排队时间长，建议一早入园，带好水和防晒用品。

## 付款

大多数商店和餐厅都支持手机支付。信用卡在酒店和大商场可以使用，小店一般不收信用卡，最好准备一些现金。
""",
    "beijing.md": """# 北京旅行：花费和实用信息

北京有故宫、长城和胡同，是第一次来中国的游客必去的城市。下面的价格以人民币计。

## 故宫和长城

故宫实行实名预约，需要提前在网上购票，旺季门票六十元，每周一闭馆（法定节假日除外）。八达岭长城门票四十元。

## 机场到市区

机场到市区怎么走？首都机场可以乘坐机场快轨到东直门，票价二十五元，大约二十分钟；大兴机场有专线，最快十九分钟到草桥。

## 地铁

地铁票多少钱？北京地铁票价三元起，按里程计价，最高十元左右，刷手机或交通卡都可以。

## 吃的

一顿烤鸭每人大约一百五十元，胡同里的炸酱面一碗二十多元，早点摊的煎饼果子十元左右。

## 天气

北京冬天很冷，一月白天气温也常在零度以下，风大干燥，冬天要穿厚羽绒服；春天常有沙尘。
""",
    "chengdu.md": """# 成都旅行：花费和实用信息

成都生活节奏慢，以美食和大熊猫闻名。下面的价格以人民币计。

## 小吃

火锅、串串、担担面和钟水饺都是必吃的小吃。在成都吃饭人均五十元就能吃得很好，火锅人均一百元左右。

## 景点

大熊猫繁育研究基地票价五十五元，建议早上八点前到，熊猫上午最活跃。都江堰和青城山各八十元。

## 从天府机场进城

天府国际机场离市区较远，乘地铁十八号线到火车南站约四十分钟，票价十元左右；双流机场离市区更近，乘地铁十号线即可。

## 住宿

春熙路和太古里附近的酒店每晚两三百元，青旅床位五十元左右。
""",
    "xian.md": """# 西安旅行：花费和实用信息

西安是十三朝古都，城墙、兵马俑和回民街最有名。下面的价格以人民币计。

## 行程

一般玩三到四天比较合适：一天看兵马俑，一天逛城墙和钟鼓楼，一天去陕西历史博物馆和大雁塔。

## 兵马俑

兵马俑在临潼，从火车站乘游5路公交大约一小时，票价一百二十元，建议请讲解员。

## 住宿

钟楼附近的经济型酒店每晚两百元左右，回民街一带的客栈更便宜。

## 景点门票

景点门票贵不贵？城墙五十四元，大雁塔二十五元，陕西历史博物馆免费但要提前预约。

## 气候

西安的冬季干冷，一月最低气温常到零下五度，出门要带手套和围巾；夏季炎热，七月常超过三十五度。
""",
    "hangzhou.md": """# 杭州旅行：花费和实用信息

杭州以西湖闻名，湖边的白堤、苏堤和灵隐寺最受欢迎。下面的价格以人民币计。

## 西湖

西湖免费开放，不收门票；湖上游船每人七十元，环湖骑共享单车一小时几块钱。

## 住宿

住宿一晚要花多少钱？西湖边的酒店每晚五百元以上，离湖远一点的快捷酒店两百元左右，青年旅舍床位八十元左右，有前台和储物柜，比较安全。

## 交通

出租车起步价十三元，三公里以内不加价；从西湖到火车东站大约四十元。

## 带小孩

带小孩去西湖要注意：节假日湖边人很多，推婴儿车走白堤最方便，游船上要给孩子穿救生衣。

## 付款

外国银行卡可以绑定手机支付使用，大酒店也收国际银行卡；路边小店一般只收手机支付。
""",
    "guangzhou.md": """# 广州旅行：花费和实用信息

广州是美食之都，早茶和老西关的街巷最值得体验。下面的价格以人民币计。

## 早茶

早茶一般早上六七点开始，茶位费每人五到十元，点心一份十几元到三十元。

## 地铁

广州地铁单程二元起，末班车一般在晚上十一点左右，部分线路到十一点半。

## 打车

打车贵吗？广州打车起步价十二元，用打车软件很方便，晚上十一点以后加收夜间费。

## 住宿

北京路和上下九附近的酒店每晚两三百元。
""",
}

# (previous user turns, follow-up, target file, exact answer substring)
CHINESE_CITY_FOLLOW_UPS = [
    (["上海的酒店一晚大概多少钱？"],
     "那里的地铁票多少钱？", "shanghai.md", "起步价三元"),  # beijing "地铁票多少钱"
    (["成都有哪些必吃的小吃？"],
     "景点门票贵不贵？", "chengdu.md", "大熊猫繁育研究基地票价五十五元"),  # xian "景点门票贵不贵"
    (["去西安玩几天比较合适？"],
     "住宿一晚要花多少钱？", "xian.md", "钟楼附近的经济型酒店每晚两百元左右"),  # hangzhou "住宿一晚要花多少钱"
    (["杭州西湖要收门票吗？"],
     "打车贵吗？", "hangzhou.md", "出租车起步价十三元"),  # guangzhou "打车贵吗"
    (["北京的故宫需要提前预约吗？", "周一开门吗？"],
     "吃饭人均多少？", "beijing.md", "一顿烤鸭每人大约一百五十元"),  # chengdu "吃饭人均"
    (["广州早茶一般几点开始？"],
     "那里的地铁几点停运？", "guangzhou.md", "末班车一般在晚上十一点左右"),  # shanghai "地铁停运时间"
    (["我下个月去成都出差。"],
     "机场到市区怎么走？", "chengdu.md", "乘地铁十八号线到火车南站"),  # beijing "机场到市区怎么走"
    (["上海迪士尼的门票多少钱？"],
     "带小孩去要注意什么？", "shanghai.md", "身高一米以下的儿童免票"),  # hangzhou "带小孩去西湖要注意"
    (["兵马俑怎么去？"],
     "那边冬天冷不冷？", "xian.md", "一月最低气温常到零下五度"),  # beijing "冬天很冷"; the city named only by its landmark
    (["杭州有什么便宜的住处？", "青年旅舍安全吗？"],
     "可以用信用卡吗？", "hangzhou.md", "大酒店也收国际银行卡"),  # shanghai "信用卡"
]
