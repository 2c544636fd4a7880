"""What the Python extractor knows about model APIs and the code around a call.

Kept apart from the AST walk so the tables (method chains, keyword roles,
message classes) and the loop / retry / refusal heuristics read as data.
"""

from __future__ import annotations

import ast
import bisect
from collections.abc import Iterable, Iterator, Mapping, Sequence

from promptlint.diskcache import compile_regex

#: Chains ending like these are model calls (matched on the dotted chain as written).
_ANTHROPIC_RE = compile_regex(r"(?:^|\.)messages\.(?:create|stream|count_tokens|parse)$")
_ANTHROPIC_BATCH_RE = compile_regex(r"(?:^|\.)messages\.batches\.create$")
_OPENAI_RE = compile_regex(
    r"(?:^|\.)(?:chat\.completions\.(?:create|parse|stream)|responses\.(?:create|parse|stream)"
    r"|completions\.create|threads\.messages\.create|threads\.runs\.create|threads\.runs\.create_and_poll)$"
)
#: Methods that send a prompt when called on something that looks like a model.
_INVOKE_METHODS = frozenset(
    {"invoke", "ainvoke", "stream", "astream", "batch", "abatch", "predict", "apredict", "predict_messages",
     "generate", "agenerate", "generate_content", "generate_content_async", "complete", "acomplete", "chat",
     "achat", "completion", "acompletion", "run", "arun", "call", "converse", "converse_stream"}
)
#: Every method name a model call's chain can end with (what `call_kind` accepts), for text pre-checks.
MODEL_METHODS = frozenset({"create", "parse", "stream", "count_tokens", "create_and_poll"} | _INVOKE_METHODS)
_MODELISH_RE = compile_regex(
    r"(?i)llm|model|chat|client|chain|agent|gemini|claude|gpt|openai|anthropic|litellm|completion|ollama|mistral"
    r"|bedrock|cohere|groq"
)

SYSTEM_KWARGS = frozenset(
    {"system", "system_prompt", "system_message", "instructions", "instruction", "backstory",
     "system_instruction", "system_instructions", "preamble", "developer_message", "system_template"}
)
USER_KWARGS = frozenset({"prompt", "user_prompt", "user_message", "user_input", "human_message", "query_prompt"})
TEMPLATE_KWARGS = frozenset({"template", "prompt_template", "prefix", "suffix"})

#: Message classes (LangChain, autogen, others) -> role.
MESSAGE_CLASSES = {
    "SystemMessage": "system",
    "HumanMessage": "user",
    "UserMessage": "user",
    "AIMessage": "assistant",
    "AssistantMessage": "assistant",
    "DeveloperMessage": "system",
    "ChatMessage": "unknown",
}
#: LangChain message prompt templates: `X.from_template(text)` -> role.
MESSAGE_TEMPLATES = {
    "SystemMessagePromptTemplate": "system",
    "HumanMessagePromptTemplate": "user",
    "AIMessagePromptTemplate": "assistant",
    "ChatMessagePromptTemplate": "unknown",
}
TEMPLATE_CLASSES = frozenset({"PromptTemplate", "ChatPromptTemplate", "FewShotPromptTemplate", "StringPromptTemplate"})

#: Keywords that make an argument a prompt only for some callees (see `keyword_sink`).
SINK_KWARGS = frozenset({"description_override", "handoff_description", "tool_description", "desc", "goal", "prefix",
                         "expected_output", "role", "backstory"})
PERSONA_KWARGS = frozenset({"goal", "backstory"})
#: Agent constructors named otherwise than `*Agent` whose `prompt=` is the system prompt.
AGENT_FACTORIES = frozenset({"create_react_agent", "create_agent", "create_supervisor", "create_swarm",
                             "create_deep_agent"})
#: Methods that take the user's turn as `message=` (`interpreter.chat(message=...)`, `agent.achat(message=...)`).
CHAT_METHODS = frozenset({"chat", "achat", "send_message", "asend_message"})
#: Decorators whose function docstring is a tool description sent to the model.
TOOL_DECORATORS = frozenset({"tool", "function_tool", "tool_plain", "kernel_function", "register_for_llm"})
#: Calls that make a tool of the function handed to them (its docstring becomes the tool's description).
TOOL_FACTORIES = frozenset({"from_callable", "from_function", "from_defaults", "function_tool", "as_tool",
                            "convert_to_openai_tool", "convert_to_openai_function"})
#: Calls that name a file to read (`open(path)`, `env.get_template(name)`, `PromptTemplate.from_file(path)`).
FILE_LOADERS = frozenset({"open", "get_template", "from_file", "from_template_file", "load_prompt", "read_text"})
#: Methods that return a file's text.
FILE_READERS = frozenset({"read_text", "read"})


def is_template_class(name: str) -> bool:
    """`PromptTemplate`, `RichPromptTemplate`, `SelectorPromptTemplate`, CAMEL's `TextPrompt`, ...: a prompt
    template constructor (a class named like a prompt, called with its text)."""
    return name in TEMPLATE_CLASSES or name.endswith("PromptTemplate") or (
        name.endswith("Prompt") and name[:1].isupper() and name not in NOT_TEMPLATE_CLASSES)


#: Classes named like a prompt that are a terminal question, not a prompt template (rich, prompt_toolkit).
NOT_TEMPLATE_CLASSES = frozenset({"Prompt", "IntPrompt", "FloatPrompt", "Confirm", "PromptSession"})
#: Message classes with no role that are chat turns all the same (AutoGen's, whose other `*Message` classes are
#: events: `StopMessage`, `HandoffMessage`).
TURN_CLASSES = frozenset({"TextMessage", "MultiModalMessage"})
#: Message factories: `ChatMessage.from_user(text)`, `BaseMessage.make_assistant_message(name, text)`,
#: `stack.add_system_message(text)`, Vanna's `self.system_message(text)` -> the role word (group 1 or 2).
MESSAGE_FACTORY_RE = compile_regex(
    r"(?:from|make|add|create|new|append)_(system|user|human|assistant|ai|developer)(?:_message|_msg|_prompt|_turn)?"
    r"|(system|user|human|assistant|ai|developer)_(?:message|msg)"
)
#: Classes that wrap a text (`TextArtifact("...")`, `TextContent(text=...)`): at a sink, their text is the prompt.
WRAPPER_SUFFIXES = ("Text", "Artifact", "Content", "Block", "Part")
#: Keywords that give a model the class its answer (or a tool's arguments) must fit.
SCHEMA_KWARGS = frozenset({"response_schema", "response_format", "response_model", "output_type", "output_schema",
                           "text_format", "args_schema", "output_cls", "result_type"})
#: Methods whose first argument is such a class (`llm.with_structured_output(Answer)`).
SCHEMA_METHODS = frozenset({"with_structured_output", "as_structured_llm", "pydantic_function_tool"})
#: Web framework routes, whose `response_model=` is an HTTP API's schema (FastAPI), not a model's.
WEB_ROUTES = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "route", "api_route",
                        "add_api_route", "websocket"})
#: Keys that make a dict with a "description" a tool's specification (OpenAI / Anthropic / MCP / griptape).
TOOL_SPEC_KEYS = frozenset({"parameters", "input_schema", "inputSchema", "schema", "args_schema", "json_schema"})


def keyword_sink(key: str, chain: str, agent_like: bool, persona: bool,
                 wraps_function: bool = False) -> tuple[str, str] | None:
    """(role, what) for a keyword that is a prompt only for this callee, else None.

    Tool and agent descriptions (the model reads them to choose; `wraps_function`: the call is handed a
    function of the file, it makes a tool of it), DSPy field descriptions and instructions, CrewAI
    role / goal / backstory and task outputs, LangGraph's `prompt=`."""
    low = chain.lower()
    callee = chain.rsplit(".", 1)[-1]
    if key in ("description", "description_override", "tool_description") and ("tool" in low or wraps_function):
        return "unknown", "tool description"
    if key == "handoff_description":
        return "unknown", "handoff description"
    if key == "desc" and callee in ("InputField", "OutputField", "Field"):
        return "unknown", "field description"
    if key == "prefix" and callee in ("InputField", "OutputField"):
        return "unknown", "field prefix"
    if key == "desc" and "tool" in low:  # DSPy `Tool(func, name=..., desc=...)`
        return "unknown", "tool description"
    if key == "instructions" and callee in ("Signature", "make_signature"):
        return "system", "DSPy signature instructions"
    if agent_like:
        if key in ("role", "goal", "backstory") and persona:
            return "system", f"agent {key}"
        if key == "description":
            return "unknown", "agent description"
        if key == "prompt" and callee in AGENT_FACTORIES:
            return "system", "system prompt"
    if key == "message" and callee in CHAT_METHODS:
        return "user", "user message"  # `agent.chat(message=text)`: the user's turn
    if key == "expected_output" and callee == "Task":
        return "user", "task expected output"
    return None

#: Chat role strings -> Prompt.role; None means "not a prompt" (tool results, placeholders).
ROLE_NAMES = {
    "system": "system", "developer": "system",
    "user": "user", "human": "user",
    "assistant": "assistant", "ai": "assistant", "model": "assistant", "bot": "assistant",
    "tool": None, "function": None, "placeholder": None, "ipython": None,
}

_NO_PROMPT_CALLS = frozenset({"print", "pprint", "warn", "warning", "debug", "info", "error", "exception",
                              "critical", "fatal", "log", "echo", "secho", "write", "fail", "skip", "xfail"})
_LOGGER_RE = compile_regex(
    r"(?i)(?:^|\.)(?:log|logger|logging|_log|_logger|warnings|click|typer|console|stderr|stdout|pytest|st)$"
)


def dotted(node: ast.AST) -> str:
    """The attribute chain of a call's function as written: `self.client.messages.create`."""
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            break
        elif isinstance(node, ast.Call):
            parts.append(dotted(node.func) + "()")
            break
        elif isinstance(node, ast.Subscript):
            parts.append(dotted(node.value) + "[]")
            break
        else:
            parts.append("…")
            break
    return ".".join(reversed(parts))


def call_kind(chain: str) -> str | None:
    """'anthropic', 'anthropic_batch', 'openai', 'invoke' or None for a dotted call chain."""
    if _ANTHROPIC_BATCH_RE.search(chain):
        return "anthropic_batch"
    if _OPENAI_RE.search(chain):
        return "openai"
    if _ANTHROPIC_RE.search(chain):
        return "openai" if ".threads." in chain else "anthropic"
    head, _, last = chain.rpartition(".")
    if last in _INVOKE_METHODS and head and _MODELISH_RE.search(head):
        return "invoke"
    if last in {"completion", "acompletion"}:  # litellm.completion(...)
        return "invoke"
    return None


def looks_like_model(chain: str) -> bool:
    """`llm.something(...)`, `self.chat_model.run(...)`: a receiver named like a model or client."""
    return bool(_MODELISH_RE.search(chain))


def provider_of(chain: str, kind: str | None) -> str:
    low = chain.lower()
    if kind in ("anthropic", "anthropic_batch") or "anthropic" in low or "claude" in low:
        return "anthropic"
    if kind == "openai" or "openai" in low or "chat.completions" in low:
        return "openai"
    last = chain.rsplit(".", 1)[-1]
    if last.split("(")[0] in TEMPLATE_CLASSES or "PromptTemplate" in chain or (kind == "invoke" and "llm" in low):
        return "langchain"
    return "unknown"


def is_no_prompt_call(chain: str) -> bool:
    """print / logging / warnings / exception constructors / questions asked on the console (`input(q)`,
    `getpass(q)`, `click.prompt(q)`, `Confirm.ask(q)`, `io.confirm_ask(q)`): their strings are never prompts."""
    head, _, last = chain.rpartition(".")
    if last in ("print", "pprint", "input") and not head:
        return True
    if last == "getpass" or last.startswith("confirm") or (last == "ask" and head.endswith(("Prompt", "Confirm"))):
        return True
    if last == "prompt" and head.rpartition(".")[2] in ("click", "typer", "questionary"):
        return True
    if last.endswith(("Error", "Exception", "Warning")) or last in ("Exception", "AssertionError"):
        return True
    return last in _NO_PROMPT_CALLS and bool(head) and bool(_LOGGER_RE.search(head))


# --------------------------------------------------------------------------- loops, retries, refusals

_RETRY_NAME_RE = compile_regex(r"(?i)retr(?:y|ies|ied)|attempt|tries|tried|backoff")
_REFUSAL_NAME_RE = compile_regex(r"(?i)refus")
_REFUSAL_PHRASE_RE = compile_regex(
    r"(?i)^\s*(?:i\s+can['’]?t|i\s+cannot|i['’]?m\s+sorry|i\s+am\s+sorry|i\s+apologi[sz]e|i['’]?m\s+unable|"
    r"i\s+am\s+unable|i['’]?m\s+not\s+able|i\s+am\s+not\s+able|i\s+won['’]?t|as\s+an\s+ai|i\s+must\s+decline|"
    r"i['’]?m\s+not\s+comfortable|sorry,?\s+(?:but\s+)?i|unable\s+to\s+(?:help|assist|comply)"
    r"|(?:sorry|unfortunately|i['’]?m\s+afraid)\W*$)"  # a decline's opener on its own (`startswith("Sorry")`)
)


def _names(node: ast.AST) -> list[str]:
    out = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            out.append(sub.id)
        elif isinstance(sub, ast.Attribute):
            out.append(sub.attr)
    return out


def is_retry_loop(node: ast.For | ast.AsyncFor | ast.While) -> bool:
    """`for attempt in range(max_retries)`, `while retries < 3`, `while not done and tries < n`."""
    if isinstance(node, ast.While):
        return any(_RETRY_NAME_RE.search(n) for n in _names(node.test))
    if any(_RETRY_NAME_RE.search(n) for n in _names(node.target)):
        return True
    it = node.iter
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id in ("range", "enumerate"):
        return any(_RETRY_NAME_RE.search(n) for arg in it.args for n in _names(arg))
    return False


def is_retry_decorator(node: ast.expr) -> bool:
    """tenacity `@retry(...)`, backoff `@backoff.on_exception(...)`, `@with_retries`."""
    target = node.func if isinstance(node, ast.Call) else node
    chain = dotted(target)
    return bool(_RETRY_NAME_RE.search(chain)) or chain.startswith("backoff.")


#: Stop / finish reasons that mean "the model declined": Anthropic `refusal`, OpenAI `content_filter`.
REFUSAL_REASONS = frozenset({"refusal", "content_filter"})
#: A refusal name that says the opposite: `not_refused`, `no_refusal`, `non_refusal`.
_NOT_REFUSAL_NAME_RE = compile_regex(r"(?i)(?:^|_)(?:not|no|non)_?refus")
_TRUTH_CONSTANTS = (None, False, True)


def is_refusal_test(test: ast.expr, predicates: Mapping[str, int] | None = None,
                    flags: Mapping[str, int] | None = None) -> bool:
    """Does an `if` / `while` / conditional test check for a refusal? The one definition, shared by the
    extractor (`CallSite.after_refusal_check`) and the code checks.

    A test checks for a refusal when it names one (`is_refusal(text)`, `msg.refusal`, `if refused:`),
    compares with a refusal stop / finish reason (`stop_reason == "refusal"`, `finish_reason ==
    "content_filter"`), or looks for a refusal phrase (`"I can't" in text`, `text.startswith("Sorry, I")`).
    `predicates`: names of this module's functions whose result is itself a refusal test
    (`refusal_predicates`), so `if blocked(r):` counts when `def blocked(r): return r.stop_reason == ...`.
    `flags`: names assigned a refusal test (`refusal_flags`), so `if ok:` counts after `ok = r.stop_reason != ...`.
    """
    for sub in ast.walk(test):
        if isinstance(sub, ast.Name) and _REFUSAL_NAME_RE.search(sub.id):
            return True
        if isinstance(sub, ast.Attribute) and _REFUSAL_NAME_RE.search(sub.attr):
            return True
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            if sub.value in REFUSAL_REASONS or _REFUSAL_PHRASE_RE.match(sub.value):
                return True
            if _REFUSAL_NAME_RE.search(sub.value) and len(sub.value) < 40:
                return True
        if predicates and isinstance(sub, ast.Call) and _called_name(sub) in predicates:
            return True
        if flags and isinstance(sub, ast.Name) and sub.id in flags:
            return True
    return False


def refusal_polarity(test: ast.expr, predicates: Mapping[str, int] | None = None,
                     flags: Mapping[str, int] | None = None) -> int:
    """+1 when `test` holds only after a refusal, -1 when it holds only when there was none, 0 when it
    is no refusal test. Read from the test's form: `not`, `!=` / `not in` / `is not`, a comparison with
    None or False (`msg.refusal is None` holds when there was *no* refusal), a name that says the
    opposite (`not_refused`), a predicate's own polarity; `and` / `or` keep the polarity their refusal
    operands agree on. A refusal test whose direction the form does not settle counts as +1."""
    polarity = _polarity(test, predicates or {}, flags or {})
    return 0 if polarity is None else polarity


def _polarity(node: ast.expr, predicates: Mapping[str, int], flags: Mapping[str, int] | None = None) -> int | None:
    flags = flags or {}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _polarity(node.operand, predicates, flags)
        return -inner if inner is not None else None
    if isinstance(node, ast.BoolOp):
        found = {p for value in node.values if (p := _polarity(value, predicates, flags)) is not None}
        return None if not found else found.pop() if len(found) == 1 else 1
    if not is_refusal_test(node, predicates, flags):
        return None
    if isinstance(node, ast.Call):
        name = _called_name(node)
        if name in predicates:
            return predicates[name]
        return -1 if name and _NOT_REFUSAL_NAME_RE.search(name) else 1
    if isinstance(node, ast.Name) and node.id in flags:
        return flags[node.id]
    if isinstance(node, ast.Name | ast.Attribute):
        name = node.id if isinstance(node, ast.Name) else node.attr
        return -1 if _NOT_REFUSAL_NAME_RE.search(name) else 1
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        sign = -1 if isinstance(node.ops[0], ast.NotEq | ast.NotIn | ast.IsNot) else 1
        for side, other in ((node.left, node.comparators[0]), (node.comparators[0], node.left)):
            if isinstance(other, ast.Constant) and any(other.value is c for c in _TRUTH_CONSTANTS):
                inner = _polarity(side, predicates, flags)
                if inner is not None:  # `msg.refusal is None`: no refusal; `is_refusal(r) == False` likewise
                    return sign * (inner if other.value is True else -inner)
        return sign
    return 1


def _called_name(call: ast.Call) -> str | None:
    """`blocked` of `blocked(r)`, `self.blocked(r)`, `cls.blocked(r)`: a function or method of this module."""
    return _own_name(call.func)


def _own_name(func: ast.expr) -> str | None:
    """`blocked` of `blocked`, `self.blocked`, `cls.blocked`: a name of this module (a function, a class)."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in ("self", "cls"):
        return func.attr
    return None


def refusal_phrase_lists(body: Iterable[ast.stmt]) -> dict[str, int]:
    """Name -> +1 of the module constants that hold refusal phrases (`NOPE = ("i can't", "i cannot")`,
    `SORRY = frozenset({...})`): a test reading one (`text.startswith(NOPE)`, `any(s in t for s in SORRY)`)
    looks for a refusal. Only top-level statements are read."""
    found: dict[str, int] = {}
    for stmt in body:
        if not isinstance(stmt, ast.Assign | ast.AnnAssign) or stmt.value is None:
            continue
        value = stmt.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and len(value.args) == 1 \
                and value.func.id in ("frozenset", "set", "tuple", "list"):
            value = value.args[0]
        if not isinstance(value, ast.Tuple | ast.List | ast.Set):
            continue
        if any(isinstance(e, ast.Constant) and isinstance(e.value, str) and _REFUSAL_PHRASE_RE.match(e.value)
               for e in value.elts):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            found.update((t.id, 1) for t in targets if isinstance(t, ast.Name))
    return found


def refusal_exceptions(tested: Iterable[ast.expr | ast.stmt], predicates: Mapping[str, int],
                       flags: Mapping[str, int]) -> dict[str, int]:
    """Exception classes this module raises only in the branch a refusal takes (`if text.startswith("I'm sorry"):
    raise ContentPolicyError(text)`), as flags of polarity +1: a handler `except ContentPolicyError:` runs only
    after a refusal, whatever the class is called."""
    found: dict[str, int] = {}
    for node in tested:
        for stmt in _refusal_branch(node, predicates, flags):
            if isinstance(stmt, ast.Raise) and stmt.exc is not None:
                name = _own_name(stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc)
                if name and name not in _GENERIC_EXCEPTIONS:
                    found[name] = 1
    return found


def _refusal_branch(node: ast.AST, predicates: Mapping[str, int], flags: Mapping[str, int]) -> list[ast.stmt]:
    """The statements of an `if` that run only after a refusal: its body for a refusal test, its `else` for the
    test that there was none; nothing for any other statement."""
    if not isinstance(node, ast.If):
        return []
    polarity = refusal_polarity(node.test, predicates, flags)
    return node.body if polarity > 0 else node.orelse if polarity < 0 else []


def refusal_sentinels(functions: Iterable[ast.FunctionDef | ast.AsyncFunctionDef], predicates: Mapping[str, int],
                      flags: Mapping[str, int]) -> set[str]:
    """Functions of this module that answer a refusal with an empty value (`if choice.finish_reason ==
    "content_filter": return None`, else the reply's text): a caller's `if result is None:` on their result then
    tests for a refusal."""
    found: set[str] = set()
    for function in functions:
        empty = any(isinstance(stmt, ast.Return) and (stmt.value is None or (
            isinstance(stmt.value, ast.Constant) and stmt.value.value in (None, "", False)))
            for node in ast.walk(function) for stmt in _refusal_branch(node, predicates, flags))
        if empty and any(r.value is not None and not isinstance(r.value, ast.Constant)
                         for r in returns_of(function.body)):
            found.add(function.name)
    return found


def sentinel_flags(assignments: Iterable[ast.Assign], sentinels: set[str]) -> dict[str, int]:
    """`result = primary_answer(q)` of a refusal sentinel: `result` holds the reply only when there was no
    refusal (polarity -1: `if result is None:` / `if not result:` hold after one)."""
    return {node.targets[0].id: -1 for node in assignments
            if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Call)
            and _called_name(node.value) in sentinels}


#: Exceptions raised for many reasons: raising one after a refusal does not make catching it refusal handling.
_GENERIC_EXCEPTIONS = frozenset({"Exception", "RuntimeError", "ValueError", "TypeError", "KeyError", "IOError",
                                 "OSError", "AssertionError", "NotImplementedError", "BaseException"})


def refusal_predicates(functions: Iterable[ast.FunctionDef | ast.AsyncFunctionDef],
                       lines: Sequence[int] | None = None, phrases: Mapping[str, int] | None = None) -> dict[str, int]:
    """Name -> polarity of the functions (of one module) that answer "was this a refusal?": every value
    they return is a refusal test of one polarity (`return r.stop_reason == "refusal"`: +1; `return
    r.stop_reason != "refusal"`, "is this answer usable": -1). Followed one level: a predicate built on
    another (`return not blocked(r)`) counts too. Pass only the functions that can hold one (a caller with
    the source text can rule out those without a refusal word, as `CheckContext.refusal_predicates` does).
    `lines`: the lines that can hold a refusal word, when known: a function returning anything on other
    lines that is not a call is no predicate, so most are ruled out without looking at their returns.
    `phrases`: this module's refusal phrase lists (`refusal_phrase_lists`): a return reading one is a test."""
    returns: dict[str, list[ast.expr]] = {}
    for function in functions:
        values = [r.value for r in returns_of(function.body) if r.value is not None]
        if values:
            returns[function.name] = returns.get(function.name, []) + values
    found: dict[str, int] = {}
    for _round in range(2):
        for name, values in returns.items():
            if name in found or not all(lines is None or _on_lines(v, lines) or found
                                        or (phrases and not phrases.keys().isdisjoint(_names(v))) for v in values):
                continue  # a return with no refusal word (and no predicate found yet to call)
            signs = {_polarity(v, found, phrases) for v in values}
            if len(signs) == 1 and None not in signs:
                found[name] = signs.pop()  # type: ignore[assignment]
        if not found:
            break
    return found


def refusal_flags(assignments: Iterable[ast.Assign], predicates: Mapping[str, int] | None = None) -> dict[str, int]:
    """Name -> polarity of the variables that hold a refusal test (`ok = r.stop_reason != "refusal"`: -1,
    `blocked = is_refusal(text)`: +1); a name assigned tests of both polarities holds none. Constants
    assigned to the same name (`ok = False` before the loop) do not count against it."""
    found: dict[str, set[int]] = {}
    for node in assignments:
        if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            continue
        if isinstance(node.value, ast.Constant):
            continue
        polarity = _polarity(node.value, predicates or {})
        found.setdefault(node.targets[0].id, set()).add(polarity or 0)
    return {name: signs.pop() for name, signs in found.items() if len(signs) == 1 and 0 not in signs}


def _on_lines(node: ast.expr, lines: Sequence[int]) -> bool:
    """Does one of the (sorted) `lines` fall within the node's lines?"""
    at = bisect.bisect_left(lines, node.lineno)
    return at < len(lines) and lines[at] <= (node.end_lineno or node.lineno)


def returns_of(body: list[ast.stmt]) -> Iterator[ast.Return]:
    """The `return` statements of a function body, not of functions or classes nested in it."""
    for stmt in body:
        if isinstance(stmt, ast.Return):
            yield stmt
        elif not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for name in ("body", "orelse", "finalbody"):
                block = getattr(stmt, name, None)
                if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                    yield from returns_of(block)
            for handler in getattr(stmt, "handlers", ()):
                yield from returns_of(handler.body)
            for case in getattr(stmt, "cases", ()):
                yield from returns_of(case.body)


#: A superset, on the raw source, of what `is_refusal_test` (and the checks' `is_refusal_check`) can find:
#: a name, attribute or string holding "refus", `content_filter`, or a string constant that opens (after a
#: quote, a closing f-string brace, a backslash escape or line continuation, or whitespace) with a refusal
#: phrase's first word ("I ...", "Im ", "sorry", "unable", "as an"). Searched in lower-cased ASCII text
#: (far faster than IGNORECASE), one pattern per literal start: sre scans fast for a pattern that opens
#: with a literal or a character set, slowly for an alternation of them.
MAYBE_REFUSAL_RES = (
    compile_regex("refus"),
    compile_regex("content_filter"),
    compile_regex(r"""["'}\\](?:(?<=\\)[ntrfv\n])?(?:\s|\\[ntrfv])*(?:i(?:[\s'’\\]|m[\s\\])|sorry|unable|as[\s\\])"""),
)


def may_hold_refusal(lower: str) -> bool:
    """False only when no `if` / `while` / conditional test in this lower-cased ASCII source is a refusal test."""
    return any(pattern.search(lower) for pattern in MAYBE_REFUSAL_RES)
