"""Prompts in YAML files: generic prompt keys and the layouts of known frameworks.

Each document is composed (not constructed) so that every value keeps its
marks; the format is recognised from the document's structure (promptfoo,
Semantic Kernel, LangChain, crewAI, NeMo Guardrails, smolagents, SWE-agent,
chat message lists) and otherwise prompt-named keys are collected. Only
string scalars count: `spec.template` in a Kubernetes manifest is a mapping
and never a prompt.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from promptlint.diskcache import compile_regex
from promptlint.extractors import yaml_nodes as yn
from promptlint.extractors.placeholders import find_placeholders
from promptlint.extractors.tmpl_common import ROLE_NAMES, build_prompt, line_start, trimmed_end
from promptlint.extractors.yaml_nodes import MappingNode, Node, ScalarNode, SequenceNode
from promptlint.extractors.yaml_scalars import CharMap, scalar_chars
from promptlint.model import Extraction, Prompt, Role, SourceFile

_SYSTEM_KEYS = {
    "system", "system_prompt", "system_message", "system_template", "system_instructions", "system_msg",
    "instructions", "instruction", "developer_prompt", "developer_message", "developer_instructions",
}
_USER_KEYS = {
    "user_prompt", "user_message", "user_template", "user_instructions", "human_prompt", "human_message",
    "human_template", "instance_template", "user_input_template",
}
_TEMPLATE_KEYS = {"prompt", "prompts", "template", "prompt_template", "templates", "user_prompt_template"}
_MESSAGE_LIST_KEYS = {"messages", "chat", "conversation"}
_CAMEL = compile_regex(r"(?<=[a-z0-9])(?=[A-Z])")
_SK_MESSAGE = compile_regex(r"<message\s+role\s*=\s*([\"'])(\w+)\1\s*>(.*?)</message\s*>", re.DOTALL | re.IGNORECASE)


def _snake(key: str) -> str:
    return _CAMEL.sub("_", key).replace("-", "_").lower()


def key_role(key: str) -> Role | None:
    """The role of a prompt-named key, or None if the key does not name a prompt."""
    norm = _snake(key)
    if norm in _SYSTEM_KEYS or (norm.startswith("system_") and norm.endswith(("_prompt", "_template"))):
        return "system"
    if norm.endswith("_instructions") and not norm.startswith(("user_", "human_")):
        return "system"  # `custom_instructions`, `extra_instructions`: appended to the system message
    if norm in _USER_KEYS or norm.endswith(("_user_message", "_user_prompt", "_user_input", "_user_query")):
        return "user"  # `example_user_message`, `sample_user_prompt`: a user's turn
    if norm in _TEMPLATE_KEYS or norm.endswith(("_prompt", "_prompt_template", "_system_prompt")):
        return "system" if "system" in norm else "template"
    if norm.endswith("_template") and norm not in ("jinja_template", "chat_template"):
        return "template"
    return None


def looks_like_prompt(text: str) -> bool:
    """Generic keys need prose, not a file name, flag or one-word setting."""
    stripped = text.strip()
    words = len(stripped.split())
    if words >= 4 and len(stripped) >= 20:
        return True
    return words >= 2 and bool(find_placeholders(stripped))


@dataclass
class _Ctx:
    """Per-file state: the source, what we found, and which nodes we have seen."""

    source: SourceFile
    prompts: list[Prompt] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)
    depends_on: list[str] = field(default_factory=list)

    def emit(
        self,
        node: Node,
        *,
        role: Role,
        fmt: str,
        name: str,
        key: Node | None = None,
        parent: Node | None = None,
    ) -> None:
        """A prompt from a string scalar (once per node: aliases repeat nodes)."""
        if not yn.is_str(node) or id(node) in self.seen or not node.value.strip():
            return
        self.seen.add(id(node))
        cmap = scalar_chars(self.source.text, node, yn.indent_of(parent))
        text = self.source.text
        anchor = (key or node).start_mark.index
        span = (line_start(text, anchor), trimmed_end(text, node.start_mark.index, node.end_mark.index))
        self.prompts.append(build_prompt(cmap, self.source, role=role, fmt=fmt, name=name, statement_span=span))

    def emit_template(self, node: Node, *, fmt: str, name: str, key: Node | None, parent: Node | None,
                      role: Role = "template") -> None:
        """A template string that may hold Semantic Kernel `<message role=...>` tags."""
        if not yn.is_str(node) or id(node) in self.seen:
            return
        matches = [m for m in _SK_MESSAGE.finditer(node.value) if m.group(2).lower() in ROLE_NAMES]
        if not matches:
            self.emit(node, role=role, fmt=fmt, name=name, key=key, parent=parent)
            return
        self.seen.add(id(node))
        whole = scalar_chars(self.source.text, node, yn.indent_of(parent))
        text = self.source.text
        anchor = line_start(text, (key or node).start_mark.index)
        end = trimmed_end(text, node.start_mark.index, node.end_mark.index)
        for i, match in enumerate(matches):
            part = whole.slice(match.start(3), match.end(3))
            if not part.text.strip():
                continue
            self.prompts.append(build_prompt(
                part, self.source, role=ROLE_NAMES[match.group(2).lower()], fmt=fmt,
                name=f"{name}<message {i}>", statement_span=(anchor, end),
            ))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _items(node: Node) -> Iterator[tuple[int, Node]]:
    return enumerate(node.value) if isinstance(node, SequenceNode) else iter(())


# ---------------------------------------------------------------- generic walk


def walk_generic(ctx: _Ctx, node: Node, path: str, fmt: str, visited: set[int], extra: dict[str, Role] | None = None,
                 strict: bool = True) -> None:
    """Collect prompt-named string values anywhere below `node` (each node visited once)."""
    stack: list[tuple[Node, str]] = [(node, path)]
    while stack:
        current, cpath = stack.pop()
        if id(current) in visited:
            continue
        visited.add(id(current))
        if isinstance(current, MappingNode):
            pending = _walk_mapping(ctx, current, cpath, fmt, extra, strict)
            stack.extend(reversed(pending))
        elif isinstance(current, SequenceNode):
            stack.extend(reversed([(item, f"{cpath}[{i}]") for i, item in enumerate(current.value)]))


def _walk_mapping(ctx: _Ctx, node: MappingNode, path: str, fmt: str, extra: dict[str, Role] | None,
                  strict: bool) -> list[tuple[Node, str]]:
    pending: list[tuple[Node, str]] = []
    message_role = ROLE_NAMES.get(str(yn.text_value(node, "role") or "").lower())
    for k, v in node.value:
        key = yn.key_of(k)
        if not isinstance(key, str):
            pending.append((v, path))
            continue
        kpath = _join(path, key)
        if yn.is_str(v):
            if key in ("content", "text") and message_role:
                ctx.emit(v, role=message_role, fmt=fmt, name=kpath, key=k, parent=node)
                continue
            role = (extra or {}).get(key) or key_role(key)
            if role and (not strict or looks_like_prompt(v.value)):
                ctx.emit_template(v, fmt=fmt, name=kpath, key=k, parent=node, role=role)
        elif isinstance(v, SequenceNode) and _snake(key) in ("prompts", "templates"):
            for i, item in _items(v):
                if yn.is_str(item) and looks_like_prompt(item.value):
                    ctx.emit(item, role="template", fmt=fmt, name=f"{kpath}[{i}]", parent=v)
                else:
                    pending.append((item, f"{kpath}[{i}]"))
        else:
            pending.append((v, kpath))
    return pending


# ---------------------------------------------------------------- known formats


def _is_crewai(root: Node) -> bool:
    if not isinstance(root, MappingNode) or not root.value:
        return False
    agent, task = {"role", "goal", "backstory"}, {"description", "expected_output"}
    for _k, v in root.value:
        names = yn.keys(v)
        if not (len(names & agent) >= 2 or names >= task or (names & task and "agent" in names)):
            return False
    return True


def _crewai(ctx: _Ctx, root: MappingNode) -> None:
    roles: dict[str, Role] = {"role": "system", "goal": "system", "backstory": "system",
                              "description": "user", "expected_output": "user"}
    for k, v in root.value:
        for kk, vv in v.value if isinstance(v, MappingNode) else ():
            role = roles.get(str(yn.key_of(kk)))
            if role:
                ctx.emit(vv, role=role, fmt="crewai", name=f"{k.value}.{kk.value}", key=kk, parent=v)


def _is_nemo(root: Node) -> bool:
    prompts = yn.value(root, "prompts")
    if isinstance(prompts, SequenceNode) and any("task" in yn.keys(item) for item in prompts.value):
        return True
    instructions = yn.value(root, "instructions")
    return isinstance(instructions, SequenceNode) and any(
        {"type", "content"} <= yn.keys(item) for item in instructions.value
    )


def _nemo(ctx: _Ctx, root: MappingNode) -> None:
    for i, item in _items(yn.value(root, "prompts")):
        pair = yn.get(item, "content")
        if pair:
            ctx.emit(pair[1], role="template", fmt="nemo", name=f"prompts[{i}].content", key=pair[0], parent=item)
        for j, message in _items(yn.value(item, "messages")):
            role = ROLE_NAMES.get(str(yn.text_value(message, "type") or yn.text_value(message, "role")).lower(),
                                  "template")
            pair = yn.get(message, "content")
            if pair:
                ctx.emit(pair[1], role=role, fmt="nemo", name=f"prompts[{i}].messages[{j}].content",
                         key=pair[0], parent=message)
    for i, item in _items(yn.value(root, "instructions")):
        pair = yn.get(item, "content")
        if pair:
            ctx.emit(pair[1], role="system", fmt="nemo", name=f"instructions[{i}].content", key=pair[0], parent=item)


_SMOL_ROLES: dict[str, Role] = {
    "system_prompt": "system",
    "planning.initial_plan": "user",
    "planning.update_plan_pre_messages": "system",
    "planning.update_plan_post_messages": "user",
    "final_answer.pre_messages": "system",
    "final_answer.post_messages": "user",
}


def _is_smol(root: Node) -> bool:
    names = yn.keys(root)
    return "system_prompt" in names and bool(names & {"planning", "managed_agent", "final_answer"})


def _smol(ctx: _Ctx, root: MappingNode) -> None:
    for k, v in root.value:
        key = str(yn.key_of(k))
        if yn.is_str(v):
            ctx.emit(v, role=_SMOL_ROLES.get(key, "template"), fmt="smolagents", name=key, key=k, parent=root)
        for kk, vv in v.value if isinstance(v, MappingNode) else ():
            name = f"{key}.{yn.key_of(kk)}"
            ctx.emit(vv, role=_SMOL_ROLES.get(name, "template"), fmt="smolagents", name=name, key=kk, parent=v)


def _is_swe(root: Node) -> bool:
    return isinstance(yn.value(yn.value(root, "agent"), "templates"), MappingNode)


def _swe(ctx: _Ctx, root: MappingNode) -> None:
    agent = yn.value(root, "agent")
    templates = yn.value(agent, "templates")
    for k, v in templates.value if isinstance(templates, MappingNode) else ():
        key = str(yn.key_of(k))
        role: Role = "system" if key.startswith("system") else "user" if key.startswith("instance") else "template"
        ctx.emit(v, role=role, fmt="swe-agent", name=f"agent.templates.{key}", key=k, parent=templates)
    variables = yn.value(yn.value(agent, "tools"), "registry_variables")
    for k, v in variables.value if isinstance(variables, MappingNode) else ():
        name = f"agent.tools.registry_variables.{yn.key_of(k)}"
        if yn.is_str(v) and looks_like_prompt(v.value):
            ctx.emit(v, role="template", fmt="swe-agent", name=name, key=k, parent=variables)
        for i, item in _items(v):
            if yn.is_str(item) and looks_like_prompt(item.value):
                ctx.emit(item, role="template", fmt="swe-agent", name=f"{name}[{i}]", parent=v)


def _is_langchain(root: Node) -> bool:
    return yn.text_value(root, "_type") is not None


def _langchain(ctx: _Ctx, root: MappingNode, visited: set[int]) -> None:
    extra: dict[str, Role] = {"prefix": "template", "suffix": "template"}
    walk_generic(ctx, root, "", "langchain", visited, extra, strict=False)


def _is_semantic_kernel(root: Node) -> bool:
    names = yn.keys(root)
    if yn.is_str(yn.value(root, "template")) and names & {"template_format", "execution_settings", "input_variables"}:
        return True
    agent_type = yn.text_value(root, "type") or ""
    return "instructions" in names and (agent_type.endswith("_agent") or "model" in names)


def _semantic_kernel(ctx: _Ctx, root: MappingNode) -> None:
    pair = yn.get(root, "template")
    if pair:
        ctx.emit_template(pair[1], fmt="semantic-kernel", name="template", key=pair[0], parent=root)
    pair = yn.get(root, "instructions")
    if pair:
        ctx.emit_template(pair[1], fmt="semantic-kernel", name="instructions", key=pair[0], parent=root,
                          role="system")


def _is_message_list(root: Node) -> bool:
    return isinstance(root, SequenceNode) and bool(root.value) and all(
        {"role", "content"} <= yn.keys(item) for item in root.value
    )


def emit_messages(ctx: _Ctx, root: Node, fmt: str, path: str = "") -> None:
    """A chat message list: [{role, content}] with string or [{type: text, text}] content."""
    for i, item in _items(root):
        role = ROLE_NAMES.get(str(yn.text_value(item, "role")).lower())
        pair = yn.get(item, "content")
        if role is None or pair is None:
            continue
        name = f"{path}[{i}].content"
        if isinstance(pair[1], SequenceNode):
            for j, part in _items(pair[1]):
                text_pair = yn.get(part, "text")
                if text_pair:
                    ctx.emit(text_pair[1], role=role, fmt=fmt, name=f"{name}[{j}].text", key=text_pair[0], parent=part)
        else:
            ctx.emit(pair[1], role=role, fmt=fmt, name=name, key=pair[0], parent=item)


def extract_document(ctx: _Ctx, root: Node) -> None:
    """Recognise one document's format and collect its prompts."""
    visited: set[int] = set()
    if _is_message_list(root):
        emit_messages(ctx, root, "messages")
    elif not isinstance(root, MappingNode):
        walk_generic(ctx, root, "", "yaml", visited)
    elif _is_promptfoo(ctx.source, root):
        from promptlint.extractors import yaml_promptfoo

        yaml_promptfoo.extract_config(ctx, root)
    elif _is_langchain(root):
        _langchain(ctx, root, visited)
    elif _is_semantic_kernel(root):
        _semantic_kernel(ctx, root)
    elif _is_smol(root):
        _smol(ctx, root)
    elif _is_swe(root):
        _swe(ctx, root)
    elif _is_nemo(root):
        _nemo(ctx, root)
    elif _is_crewai(root):
        _crewai(ctx, root)
    else:
        walk_generic(ctx, root, "", "yaml", visited)


def _is_promptfoo(source: SourceFile, root: Node) -> bool:
    names = yn.keys(root)
    if PurePath(source.path).name.lower().startswith("promptfooconfig"):
        return True
    markers = {"providers", "targets", "tests", "defaultTest", "redteam", "scenarios", "evaluateOptions"}
    if "prompts" in names and names & markers:
        return True
    return "redteam" in names and bool(names & (markers - {"redteam"}))


def extract(source: SourceFile) -> Extraction:
    """All prompts of a YAML file; invalid YAML becomes `Extraction.problem`."""
    docs, problem = yn.compose_documents(source)
    ctx = _Ctx(source)
    for doc in docs:
        extract_document(ctx, doc)
    return Extraction(source=source, prompts=ctx.prompts, problem=problem, depends_on=ctx.depends_on)


def chars_of(ctx: _Ctx, node: ScalarNode, parent: Node | None) -> CharMap:
    """Exposed for the promptfoo module: a scalar's mapped characters."""
    return scalar_chars(ctx.source.text, node, yn.indent_of(parent))
