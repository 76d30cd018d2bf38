"""A chat template cannot hang or exhaust the machine: loops, huge texts and lists, deep or wide calls are
stopped inside Jinja with one sentence, and a model whose own template does so stays usable on a preset.
Real templates (the presets, the tool-calling families) render long conversations without noticing."""

from __future__ import annotations

import threading
import tracemalloc
from pathlib import Path

import pytest
from tiny_gguf import write_tiny_model
from tool_templates import FAMILIES

from chatapp.core.errors import TemplateBudgetError, TemplateError
from chatapp.core.runtime import template_budget, templates
from chatapp.core.runtime.engine import Engine
from chatapp.core.runtime.model_host import ModelHost
from chatapp.core.types import LoadOptions, Message, SamplingParams

MEMORY_BOUND = 80_000_000  # bytes a refused render may allocate at its peak (the limits are 8M characters)

HOSTILE = {
    "loop of 10^10 iterations": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "loop over its own big text": "{% set s = 'ab' * 100000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
    "2 GB string at once": "{{ 'x' * 2000000000 }}",
    "string doubled in a namespace": "{% set ns = namespace(s='xx') %}{% for i in range(40) %}"
                                     "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
    "list doubled 60 times": "{% set ns = namespace(l=[1]) %}{% for i in range(60) %}"
                             "{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l|length }}",
    "text doubled through a macro": "{% macro f(s, n) %}{% if n > 0 %}{{ f(s ~ s, n - 1) }}{% else %}"
                                    "{{ s|length }}{% endif %}{% endmacro %}{{ f('ab', 40) }}",
    "macro calling itself twice": "{% macro f(n) %}{% if n > 0 %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}"
                                  "{% endmacro %}{{ f(40) }}",
    "endless recursion": "{% macro f(n) %}{{ f(n+1) }}{% endmacro %}{{ f(0) }}",
    "filter width": "{{ 'x'|center(1000000000) }}",
    "printf width": "{{ '%0999999999d'|format(1) }}",
    "str.format width": "{{ '{:>{w}}'.format(1, w=999999999) }}",
    "replace that multiplies": "{% set s = 'a' * 1000000 %}{{ s|replace('a', s)|length }}",
    "huge power": "{{ 2 ** 100000000 }}",
    "output without end": "{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}",
}


@pytest.fixture
def short_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(template_budget, "SECONDS", 0.5)


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_templates_are_stopped_at_bounded_memory(source: str, short_budget: None) -> None:
    template = templates.custom(source)
    tracemalloc.start()
    try:
        with pytest.raises(TemplateBudgetError) as caught:
            templates.render(template, [Message("user", "hi")])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BOUND
    assert str(caught.value).startswith("The template ") and str(caught.value).endswith(" and was stopped.")


def test_the_sentence_says_what_the_template_tried(short_budget: None) -> None:
    with pytest.raises(TemplateBudgetError, match=r"ran for more than 0\.5 seconds"):
        templates.render(templates.custom(HOSTILE["loop of 10^10 iterations"]), [])
    with pytest.raises(TemplateBudgetError, match=r"text of 2,000,000,000 characters \(the limit is 8,000,000\)"):
        templates.render(templates.custom(HOSTILE["2 GB string at once"]), [])
    with pytest.raises(TemplateBudgetError, match=r"list of 1,048,576 items"):
        templates.render(templates.custom(HOSTILE["list doubled 60 times"]), [])


def test_a_template_too_long_to_be_real_is_not_compiled() -> None:
    with pytest.raises(TemplateError, match=r"The template is 2,000,000 characters long"):
        templates.custom("x" * 2_000_000)


def _conversation(turns: int) -> list[Message]:
    messages = [Message("system", "Be brief.")]
    for i in range(turns):
        messages += [Message("user", f"Question {i}: what about {'this ' * 20}?"), Message("assistant", f"Answer {i}.")]
    return [*messages, Message("user", "And the last one?")]


@pytest.mark.parametrize("name", [*templates.PRESET_NAMES, *FAMILIES])
def test_real_templates_render_long_conversations_unchanged(name: str) -> None:
    """The budget changes nothing a real template does: the same text as Jinja's plain sandbox."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    source = templates.PRESETS[name][0] if name in templates.PRESETS else FAMILIES[name]
    messages = _conversation(1000)
    plain = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
    plain.filters["tojson"] = templates._tojson
    plain.globals["raise_exception"] = templates._raise_exception
    context = {"messages": [templates.template_message(m) for m in messages], "bos_token": "<s>",
               "eos_token": "</s>", "add_generation_prompt": True, "tools": None,
               "date_string": templates.datetime.now().strftime("%d %b %Y")}
    expected = plain.from_string(source).render(**context)
    assert templates.render(templates.custom(source), messages, bos_token="<s>", eos_token="</s>") == expected
    assert "And the last one?" in expected


def test_loops_keep_their_length_and_loop_variables() -> None:
    source = "{% for m in messages %}{{ loop.index }}/{{ loop.length }}{% if loop.last %}!{% endif %} {% endfor %}" \
             "{{ messages|length }}{% for k, v in {'a': 1}.items() %}{{ k }}{{ v }}{% endfor %}" \
             "{% for x in [] %}never{% else %}empty{% endfor %}"
    rendered = templates.render(templates.custom(source), [Message("user", "a"), Message("user", "b")])
    assert rendered == "1/2 2/2! 2a1empty"


@pytest.fixture(scope="module")
def looping_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A chat model whose own template (ChatML, then a loop without end) hangs any renderer without a budget."""
    chatml_then_loop = templates.PRESETS["chatml"][0] + HOSTILE["loop of 10^10 iterations"]
    return write_tiny_model(tmp_path_factory.mktemp("hostile") / "looping-template.gguf",
                            chat_template=chatml_then_loop)


def test_a_model_whose_template_never_ends_is_refused_then_chats_on_a_preset(looping_model: Path) -> None:
    engine = Engine()
    summary = engine.load(looping_model, LoadOptions(n_threads=2))
    assert summary.template_name == "auto"
    try:
        with pytest.raises(TemplateError) as caught:
            list(engine.chat([Message("user", "hi")], SamplingParams(max_tokens=3)))
        sentence = str(caught.value)
        assert sentence.startswith("The chat template inside looping-template.gguf ran for more than 3 seconds")
        assert sentence.endswith("chatapp uses its chatml template for this model from now on.")
        assert engine.summary is not None and engine.summary.template_name == "auto → chatml"

        reply = engine.chat([Message("user", "hi")], SamplingParams(max_tokens=3)).text()
        assert reply == " Hello world."
        assert engine.template_for(None).name == "auto → chatml"  # "auto" (a new chat, an API request): the preset
    finally:
        engine.unload()


def test_the_model_thread_comes_back_and_serves_the_next_job(looping_model: Path) -> None:
    """What the window and the API share: a job stuck in a template would block every later one."""
    host = ModelHost()
    try:
        host.call(lambda e: e.load(looping_model, LoadOptions(n_threads=2)))
        failed = threading.Event()

        def first(engine: Engine) -> None:
            try:
                list(engine.chat([Message("user", "hi")], SamplingParams(max_tokens=3)))
            except TemplateError:
                failed.set()

        host.submit(first)
        second = host.call(lambda e: e.chat([Message("user", "hi")], SamplingParams(max_tokens=3)).text())
        assert failed.is_set()
        assert second == " Hello world."
    finally:
        host.shutdown()
