"""Full-text search over a large history: 10,000 messages in 500 conversations, real SQLite file,
once with English messages and once with Chinese ones (CJK words found inside sentences).

    python benchmarks/bench_history.py [--messages N] [--write]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report import markdown_table, publish  # noqa: E402

from chatapp.core.storage.history import HistoryStore  # noqa: E402

WORDS = [
    "model", "token", "context", "python", "rust", "lighthouse", "keeper", "storm", "ocean", "graph",
    "cache", "thread", "window", "search", "history", "export", "branch", "reply", "prompt", "template",
    "sampler", "memory", "download", "library", "quantized", "weights", "gradient", "matrix", "vector",
    "kernel", "compile", "network", "socket", "server", "client", "request", "response", "error",
]
# Chinese words as a chat about local models uses them, written without spaces, with punctuation.
WORDS_ZH = [
    "模型", "量化", "上下文", "温度", "提示词", "模板", "显存", "内存", "生成", "速度", "推理", "参数",
    "深度学习", "语言模型", "向量", "矩阵", "线程", "窗口", "搜索", "历史", "导出", "分支", "回复", "下载",
    "服务器", "客户端", "请求", "响应", "错误", "灯塔", "守护者", "风暴", "海洋", "编译", "网络", "缓存",
    "的", "是", "了", "在", "和", "我们", "可以", "因为", "所以",
]


def fill(store: HistoryStore, rng: random.Random, messages: int, sentence: Callable[[], str]) -> float:
    started = time.perf_counter()
    per_conv = 20
    for _c in range(messages // per_conv):
        conv = store.create_conversation()
        parent = None
        for i in range(per_conv):
            parent = store.add_message(conv.id, "user" if i % 2 == 0 else "assistant", sentence(), parent_id=parent).id
    return time.perf_counter() - started


def time_queries(store: HistoryStore, queries: list[str]) -> dict[str, float]:
    timings = {}
    for q in queries:
        runs = []
        for _ in range(20):
            t = time.perf_counter()
            store.search(q)
            runs.append(time.perf_counter() - t)
        timings[q] = statistics.median(runs)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    rng = random.Random(3)

    english = HistoryStore(Path(tempfile.mkdtemp()) / "history.sqlite3")
    fill_en = fill(english, rng, args.messages,
                   lambda: " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 120))))
    english.add_message(english.conversations()[0].id, "user", "a unique xylophone question")
    en = time_queries(english, ["lighthouse", "storm ocean", "pyth", "xylophone", "quantized weights kernel", "error"])
    english.close()

    def chinese() -> str:
        words = [rng.choice(WORDS_ZH) for _ in range(rng.randint(20, 120))]
        return "".join(w + ("，" if rng.random() < 0.1 else "。" if rng.random() < 0.05 else "") for w in words)

    zh_store = HistoryStore(Path(tempfile.mkdtemp()) / "history.sqlite3")
    fill_zh = fill(zh_store, rng, args.messages, chinese)
    zh_store.add_message(zh_store.conversations()[0].id, "user", "一个关于木琴的独特问题")
    zh = time_queries(zh_store, ["灯塔", "风暴 海洋", "语言模型", "木琴", "量化 显存 速度", "错误"])
    zh_store.close()

    header = (
        f"{args.messages:,} messages per language (20–120 words each) in {args.messages // 20} conversations, "
        f"SQLite FTS5 with CJK characters indexed one by one (core/cjk_search.py), 50 hits per query with "
        f"snippets, median of 20 runs; filling took {fill_en:.1f} s (English) and {fill_zh:.1f} s (Chinese); "
        f"{time.strftime('%Y-%m-%d')}. The queries are alike in shape: one common word, two words, a word inside "
        "others, a unique word, three words, a frequent word."
    )
    rows = [(f"`{q_en}`", f"{t_en * 1000:.1f} ms", f"`{q_zh}`", f"{t_zh * 1000:.1f} ms", f"{t_zh / t_en:.2f}")
            for (q_en, t_en), (q_zh, t_zh) in zip(en.items(), zh.items(), strict=True)]
    total_en, total_zh = sum(en.values()), sum(zh.values())
    rows.append(("all six", f"{total_en * 1000:.1f} ms", "all six", f"{total_zh * 1000:.1f} ms",
                 f"{total_zh / total_en:.2f}"))
    table = markdown_table(("English query", "median", "Chinese query", "median", "zh ÷ en"), rows)
    publish("History search", header, table, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
