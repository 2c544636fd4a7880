"""What of a model's output is the reply: reasoning blocks and leaked chat-template tokens removed.

Small local models and reasoning models put things around the reply that are not the assistant answering:
a `<think>...</think>` block (DeepSeek-R1, QwQ; the block may lack its opening tag when the template opened it),
special tokens of a chat template that leaked into the text (`<|eot_id|>`, `<|im_end|>`, `[/INST]`, `</s>`,
`<end_of_turn>`), a role label the reply opens with (`### Assistant:`), and a next turn the model began writing
itself (`### Human:`, `USER:` and what follows). The reasoning often weighs the request ("I should not give
tactics for this"), which is not the reply declining; the tags split or hide sentences. Only `re`.
"""

from __future__ import annotations

import re

#: A reasoning block, closed or running to the end of the text (a reply cut off while thinking).
_REASONING = re.compile(r"<(think|thinking|reasoning|reflection)>.*?(?:</\1>|\Z)", re.S | re.I)
#: A closing tag with no opening one: everything before it was the reasoning.
_REASONING_TAIL = re.compile(r"\A.*?</(?:think|thinking|reasoning)>", re.S | re.I)
#: Special tokens of chat templates; a header token takes its role name with it.
_TEMPLATE_TOKENS = re.compile(r"<\|start_header_id\|>\s*\w*\s*<\|end_header_id\|>|<\|im_start\|>\s*(?:assistant|user|"
                              r"system)?|<start_of_turn>\s*(?:model|user)?|<\|(?:eot_id|im_end|end|endoftext|"
                              r"eos|assistant|user|system|begin_of_text|end_of_text)\|>|<end_of_turn>|</?s>|"
                              r"\[/?INST\]|<</?SYS>>", re.I)  # fmt: skip
#: A role label at the very start of the reply.
_ROLE_OPENING = re.compile(r"\A\s*(?:#{1,3}\s*)?(?:assistant|gpt|bot)\s*:[ \t]*", re.I)
#: The start of a next turn the model wrote itself: a user role label on its own line, and all after it.
_NEXT_TURN = re.compile(r"(?:\n|\A)[ \t]*(?:#{1,3}[ \t]*)?(?:[Hh]uman|HUMAN|[Uu]ser|USER)[ \t]*:.*\Z", re.S)
_MANY_BLANK_LINES = re.compile(r"\n{3,}")


def reply_text(text: str) -> str:
    """The reply in `text` (see the module docstring); `text` itself when nothing would be left."""
    if "<" not in text and "[" not in text and not _ROLE_OPENING.match(text):
        return text  # most replies: nothing to remove
    out = _REASONING.sub("\n", text)
    out = _REASONING_TAIL.sub("\n", out)
    out = _TEMPLATE_TOKENS.sub("\n", out)
    out = _ROLE_OPENING.sub("", out)
    if _ROLE_OPENING.match(text) or out != text:
        # A labelled or tagged transcript: a user turn after the reply is the model running on, not the reply.
        out = _NEXT_TURN.sub("", out)
    if out == text:
        return text
    out = _MANY_BLANK_LINES.sub("\n\n", out).strip()
    return out if out else text
