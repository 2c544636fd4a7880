"""PL404 chain-context-loss on more shapes of code than its YAML examples.

Bad cases name the exact code the finding must cover; good cases must stay quiet. Besides model calls in the
step loop, a step is followed into the helper function or method the loop calls; a message list rebuilt every
step is no history, a server-side conversation (`previous_response_id`, `thread_id`) is.
"""

from __future__ import annotations

import pytest

from promptlint.rules_engine.examples import python_flagged as flagged

PL404_BAD = {
    "openai_subtasks_from_planner": ('''
        def execute(client, subtasks):
            out = []
            for subtask in subtasks:
                c = client.chat.completions.create(
                    model="gpt-x",
                    messages=[{"role": "user", "content": f"Do this: {subtask}"}],
                )
                out.append(c.choices[0].message.content)
            return out
        ''', ['[{"role": "user", "content": f"Do this: {subtask}"}]']),
    "step_message_built_in_two_hops": ('''
        def execute(client, plan):
            for n, step in enumerate(plan):
                text = step.strip()
                prompt = f"Step {n}: {text}"
                client.messages.create(model="claude-x", max_tokens=10, messages=[{"role": "user", "content": prompt}])
        ''', ['[{"role": "user", "content": prompt}]']),
    "async_loop_over_plan_attribute": ('''
        async def execute(client, plan):
            for step in plan.steps:
                await client.messages.create(model="claude-x", max_tokens=10,
                                             messages=[{"role": "user", "content": step.description}])
        ''', ['[{"role": "user", "content": step.description}]']),
    "method_helper_per_step": ('''
        class Runner:
            def _ask(self, text):
                r = self.client.messages.create(model="m", max_tokens=5, messages=[{"role": "user", "content": text}])
                return r.content[0].text
            def run(self, plan):
                return [self._ask(f"Do: {step}") for step in plan] + [self._ask(s) for s in []]
            def run2(self, plan):
                out = []
                for step in plan:
                    out.append(self._ask(step))
                return out
        ''', ['self._ask(f"Do: {step}")', 'self._ask(step)']),
    "helper_template_const": ('''
        TEMPLATE = "Carry out this step: {step}"
        def ask(client, step):
            prompt = TEMPLATE.format(step=step)
            return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}])
        def run(client, steps):
            return [ask(client, s) for s in steps] or [ask(client, step) for step in steps]
        def run2(client, steps):
            for step in steps:
                ask(client, step)
        ''', ['ask(client, s)', 'ask(client, step)', 'ask(client, step)']),
    "model_object_invoke": ('''
        from langchain_openai import ChatOpenAI
        worker = ChatOpenAI(model="gpt-4o-mini")
        def run(plan):
            for step in plan.steps:
                worker.invoke(step)
        ''', ['step']),
    "message_list_rebuilt_every_step": ('''
        def run(client, actions):
            for action in actions:
                messages = []
                messages.append({"role": "user", "content": action})
                client.chat.completions.create(model="gpt-4o", messages=messages)
        ''', ["messages"]),
    "gathered_steps_through_a_helper": ('''
        import asyncio
        async def run_step(client, step):
            return await client.messages.create(model="claude-x", max_tokens=10,
                                                messages=[{"role": "user", "content": step}])
        async def run(client, plan):
            return await asyncio.gather(*(run_step(client, step) for step in plan.steps))
        ''', ["run_step(client, step)"]),
    "queue_of_todos_drained_by_a_while": ('''
        from collections import deque
        import litellm
        def work_through(todos):
            queue = deque(todos)
            done = []
            while queue:
                todo = queue.popleft()
                resp = litellm.completion(model="openai/gpt-4o-mini",
                                          messages=[{"role": "user", "content": todo}])
                done.append((todo, resp.choices[0].message.content))
            return done
        ''', ['[{"role": "user", "content": todo}]']),
    "recursion_on_the_rest_of_the_steps": ('''
        import anthropic
        client = anthropic.Anthropic()
        def _ask(text):
            r = client.messages.create(model="claude-opus-4-1", max_tokens=1000,
                                       messages=[{"role": "user", "content": text}])
            return r.content[0].text
        def run_steps(steps, acc=None):
            acc = [] if acc is None else acc
            if not steps:
                return acc
            acc.append(_ask(steps[0]))
            return run_steps(steps[1:], acc)
        ''', ['_ask(steps[0])']),
}

PL404_GOOD = {
    "queue_drained_with_the_goal_in_each_message_good": '''
        from collections import deque
        import litellm
        def work_through(goal, todos):
            queue = deque(todos)
            while queue:
                todo = queue.popleft()
                yield litellm.completion(model="openai/gpt-4o-mini",
                                         messages=[{"role": "user", "content": f"Goal: {goal}. Now: {todo}"}])
        ''',
    "queue_of_retries_not_steps_good": '''
        import litellm
        def ask(question):
            attempts = [0.2, 0.5]
            while attempts:
                t = attempts.pop(0)
                r = litellm.completion(model="gpt-4o", temperature=t,
                                       messages=[{"role": "user", "content": question}])
                if r.choices[0].message.content:
                    return r
        ''',
    "recursion_threads_the_history_good": '''
        import anthropic
        client = anthropic.Anthropic()
        def run_steps(steps, history=None):
            history = history or [{"role": "user", "content": "We are writing a moderator quiz; steps follow."},
                                  {"role": "assistant", "content": "Send the first step."}]
            if not steps:
                return history
            history = history + [{"role": "user", "content": steps[0]}]
            r = client.messages.create(model="claude-opus-4-1", max_tokens=1000, messages=history)
            history = history + [{"role": "assistant", "content": r.content[0].text}]
            return run_steps(steps[1:], history)
        ''',
    "method_builds_messages_with_the_system_prompt_good": '''
        from openai import OpenAI
        class PlanExecutor:
            def __init__(self, goal, audience):
                self.client = OpenAI()
                self.system_prompt = f"You help {audience}. The overall goal is: {goal}"
            def _messages_for(self, action):
                return [{"role": "system", "content": self.system_prompt},
                        {"role": "user", "content": f"Next action: {action}"}]
            def _call(self, action):
                r = self.client.chat.completions.create(model="gpt-4.1", messages=self._messages_for(action))
                return r.choices[0].message.content
            def run(self, actions):
                return [self._call(action) for action in actions]
        ''',
    "previous_result_travels_with_the_next_step": '''
        def run(client, plan):
            previous = ""
            for step in plan:
                r = client.messages.create(model="claude-x", max_tokens=10,
                                           messages=[{"role": "user", "content": f"{previous}\\n{step}"}])
                previous = r.content[0].text
        ''',
    "previous_response_id_chains_the_steps": '''
        def run(client, stages):
            prev = None
            for stage in stages:
                r = client.responses.create(model="gpt-4.1", previous_response_id=prev, input=stage)
                prev = r.id
        ''',
    "helper_with_system_good": '''
        def ask(client, text):
            return client.messages.create(model="m", max_tokens=5, system="You help Acme's SREs.",
                                          messages=[{"role": "user", "content": text}])
        def run(client, plan):
            for step in plan:
                ask(client, step)
        ''',
    "helper_goal_passed_good": '''
        def ask(client, text):
            return client.messages.create(model="m", max_tokens=5, messages=[{"role": "user", "content": text}])
        def run(client, goal, plan):
            for step in plan:
                ask(client, f"Overall goal: {goal}. Now: {step}")
        ''',
    "assistants_thread_good": '''
        def run(client, thread, plan):
            for step in plan:
                client.beta.threads.messages.create(thread_id=thread.id, role="user", content=step)
                client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id="a")
        ''',
    "fresh_list_with_system_good": '''
        SYSTEM = {"role": "system", "content": "You assist our pentest team on systems they own."}
        def run(client, actions):
            for action in actions:
                messages = [SYSTEM]
                messages.append({"role": "user", "content": action})
                client.chat.completions.create(model="gpt-4o", messages=messages)
        ''',
    "helper_history_on_self_good": '''
        class Agent:
            def _ask(self, text):
                self.history.append({"role": "user", "content": text})
                return self.client.messages.create(model="m", max_tokens=5, messages=self.history)
            def run(self, plan):
                for step in plan:
                    self._ask(step)
        ''',

    "system_message_in_list": '''
        def execute(client, plan):
            for step in plan:
                client.chat.completions.create(model="gpt-x", messages=[
                    {"role": "system", "content": "You help Acme's SRE team run incident runbooks."},
                    {"role": "user", "content": step},
                ])
        ''',
    "instructions_keyword": '''
        def execute(client, plan, instructions):
            for step in plan:
                client.responses.create(model="gpt-x", instructions=instructions, input=step)
        ''',
    "history_plus_equals": '''
        def execute(client, plan):
            history = []
            for step in plan:
                history += [{"role": "user", "content": step}]
                client.messages.create(model="claude-x", max_tokens=10, messages=history)
        ''',
    "task_parameter_interpolated": '''
        def execute(client, task, plan):
            for step in plan:
                client.messages.create(model="claude-x", max_tokens=10,
                                       messages=[{"role": "user", "content": f"{task}\\n\\nNext: {step}"}])
        ''',
    "chain_carries_its_own_prompt": '''
        def execute(chain, plan):
            for step in plan:
                chain.invoke({"input": step})
        ''',
    "independent_benchmark_tasks": '''
        def evaluate(client, benchmark_tasks):
            for task in benchmark_tasks:
                client.messages.create(model="claude-x", max_tokens=10,
                                       messages=[{"role": "user", "content": task["prompt"]}])
        ''',
    "messages_do_not_depend_on_step": '''
        def execute(client, plan, messages):
            for step in plan:
                client.messages.create(model="claude-x", max_tokens=10, messages=messages)
        ''',
}


@pytest.mark.parametrize(("src", "expected"), PL404_BAD.values(), ids=PL404_BAD.keys())
def test_pl404_bad(src: str, expected: list[str]) -> None:
    assert flagged("PL404", src) == expected


@pytest.mark.parametrize("src", PL404_GOOD.values(), ids=PL404_GOOD.keys())
def test_pl404_good(src: str) -> None:
    assert flagged("PL404", src) == []
