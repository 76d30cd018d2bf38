"""Templates render byte-exact prompts, pick sensibly for template-less models, and refuse hostile code."""

from __future__ import annotations

import pytest

from chatapp.core.errors import TemplateError
from chatapp.core.runtime import templates
from chatapp.core.types import Message

CONVERSATION = [
    Message("system", "You are terse."),
    Message("user", "Hi"),
    Message("assistant", "Hello!"),
    Message("user", "Tell me a joke."),
]

EXPECTED = {
    "chatml": (
        "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nTell me a joke.<|im_end|>\n"
        "<|im_start|>assistant\n"
    ),
    "llama-2": "<s>[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\nHi [/INST] Hello! </s><s>[INST] Tell me a joke. [/INST]",
    "llama-3": (
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nTell me a joke.<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
    ),
    "mistral": "<s>[INST] You are terse.\n\nHi [/INST]Hello!</s>[INST] Tell me a joke. [/INST]",
    "gemma": (
        "<bos><start_of_turn>user\nYou are terse.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n"
        "<start_of_turn>user\nTell me a joke.<end_of_turn>\n<start_of_turn>model\n"
    ),
    "phi-3": (
        "<|system|>\nYou are terse.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello!<|end|>\n"
        "<|user|>\nTell me a joke.<|end|>\n<|assistant|>\n"
    ),
    "alpaca": (
        "You are terse.\n\n### Instruction:\nHi\n\n### Response:\nHello!\n\n"
        "### Instruction:\nTell me a joke.\n\n### Response:\n"
    ),
    "vicuna": "You are terse. USER: Hi ASSISTANT: Hello!</s>USER: Tell me a joke. ASSISTANT:",
    "plain": "You are terse.\n\nHiHello!Tell me a joke.",
}
BOS = {"llama-2": "<s>", "llama-3": "<|begin_of_text|>", "mistral": "<s>", "gemma": "<bos>"}


def test_every_preset_has_an_expected_render() -> None:
    assert set(EXPECTED) == set(templates.PRESET_NAMES)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_preset_renders_byte_exact(name: str) -> None:
    rendered = templates.render(templates.preset(name), CONVERSATION, bos_token=BOS.get(name, "<s>"), eos_token="</s>")
    assert rendered == EXPECTED[name]


def test_presets_without_system_prompt_use_defaults_where_the_format_has_one() -> None:
    msgs = [Message("user", "Hi")]
    alpaca = templates.render(templates.preset("alpaca"), msgs)
    assert alpaca.startswith(templates.ALPACA_DEFAULT_SYSTEM + "\n\n### Instruction:")
    assert templates.render(templates.preset("gemma"), msgs, bos_token="<bos>") == (
        "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n"
    )


def test_stop_strings_follow_the_template() -> None:
    assert "<|im_end|>" in templates.preset("chatml").stops
    assert "<end_of_turn>" in templates.preset("gemma").stops
    assert templates.preset("plain").stops == ()
    own = "{% for m in messages %}<|user|>{{ m['content'] }}<|end|>{% endfor %}"
    assert templates.custom(own).stops == ("<|end|>", "<|user|>")


# A real chat template as models ship it (Qwen2-style ChatML with a default system prompt).
QWEN_STYLE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def test_auto_uses_the_models_own_template() -> None:
    t = templates.auto({"general.name": "Qwen2"}, QWEN_STYLE, lambda _: False)
    assert t.name == "auto"
    assert templates.render(t, CONVERSATION) == EXPECTED["chatml"]
    assert templates.render(t, [Message("user", "Hi")]) == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    assert t.stops == ("<|im_end|>", "<|im_start|>")


def test_auto_without_template_picks_by_vocabulary_and_says_which() -> None:
    vocab = {"<start_of_turn>"}
    t = templates.auto({"general.name": "gemma-3-1b-it"}, None, vocab.__contains__)
    assert t.name == "auto → gemma"
    assert "no chat template" in t.note and "gemma" in t.note
    assert templates.auto({"general.name": "Mystery Chat"}, None, {"<|im_start|>"}.__contains__).name == "auto → chatml"


def test_auto_without_template_on_a_base_model_uses_plain() -> None:
    t = templates.auto({"general.name": "Gemma 3 270m"}, None, {"<start_of_turn>"}.__contains__)
    assert t.name == "auto → plain"
    assert "base model" in t.note


def test_auto_template_conventions_are_available() -> None:
    source = (
        "{{ bos_token }}{% if messages|length > 5 %}{{ raise_exception('too long') }}{% endif %}"
        "{{ strftime_now('%Y') | length }}{% for m in messages %}{{ m.content }}{% endfor %}"
        "{% if add_generation_prompt %}>{% endif %}{{ eos_token }}"
    )
    t = templates.custom(source)
    assert templates.render(t, [Message("user", "x")], bos_token="B", eos_token="E") == "B4x>E"
    assert templates.render(t, [Message("user", "x")], add_generation_prompt=False) == "4x"
    with pytest.raises(TemplateError, match="refused this conversation: too long"):
        templates.render(t, [Message("user", "x")] * 6)


@pytest.mark.parametrize(
    "hostile",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''['__class__'] }}",
        "{{ ''|attr('__class__') }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ lipsum.__globals__['os'].listdir('/') }}",
        "{% include '/etc/passwd' %}",
        "{% import 'os' as os %}{{ os }}",
        "{% extends '/etc/passwd' %}",
    ],
)
def test_hostile_template_is_refused(hostile: str) -> None:
    with pytest.raises(TemplateError, match="not allowed"):
        templates.custom(hostile)


def test_sandbox_stops_what_static_checks_cannot_see() -> None:
    with pytest.raises(TemplateError, match="unsafe"):
        templates.render(templates.custom("{{ messages.append(1) }}"), [Message("user", "x")])
    with pytest.raises(TemplateError, match="Range too big"):
        templates.render(templates.custom("{% for i in range(10**9) %}x{% endfor %}"), [])


def test_hostile_template_in_a_model_file_falls_back_to_a_preset() -> None:
    t = templates.auto({"general.name": "Evil Instruct"}, "{{ ''.__class__.__mro__[1].__subclasses__() }}",
                       {"<|im_start|>"}.__contains__)
    assert t.name == "auto → chatml"
    assert "refused" in t.note


def test_from_choice_reads_template_files_and_names_bad_choices(tmp_path) -> None:
    assert templates.from_choice("auto") is None
    assert templates.from_choice("gemma").name == "gemma"
    f = tmp_path / "mine.jinja"
    f.write_text("{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}", encoding="utf-8")
    t = templates.from_choice(str(f))
    assert t.name == "custom (mine.jinja)"
    assert templates.render(t, [Message("user", "hi")]) == "[user] hi\n"
    with pytest.raises(TemplateError, match="Unknown template 'nope'"):
        templates.from_choice("nope")
    with pytest.raises(TemplateError, match="syntax error on line 1"):
        templates.custom("{% for %}")
