"""What a tool gives back to the model -- the texts a `@tool` function or a `*Tool` class's method returns --
is prompt text the model reads to decide its next step (issue 18)."""

from __future__ import annotations

from extracted import found, runner

run = runner("tools.py")


def test_texts_returned_by_the_methods_of_a_tool_class() -> None:
    source, prompts = run('''
        class EditTool(BaseAnthropicTool):
            def insert(self, path, snippet):
                success_msg = f"The file {path} has been edited. "
                success_msg += "Review the changes and make sure they are as expected."
                return CLIResult(output=success_msg)

            def view(self, path):
                return ToolResult(error="The path does not exist. Please provide a valid path.")

            def path_of(self, path):
                return path

            def lines(self, text):
                return text.count("x")

            def _app_code(self, name):
                return f"from tools import {name}\\n\\napp = launch_demo({name}())"
    ''')
    assert found(source, prompts) == [
        (4, "The file {path} has been edited. Review the changes and make sure they are as expected.", "tool result"),
        (9, "The path does not exist. Please provide a valid path.", "tool result"),
    ]
    assert source.position(prompts[0].positions.file_offset(prompts[0].text.index("Review")))[0] == 5


def test_texts_returned_by_a_tool_function() -> None:
    source, prompts = run('''
        from langchain_core.tools import tool

        @tool
        def search(query: str) -> str:
            """Search the web for a query."""
            hits = run_search(query)
            if not hits:
                return f"No results found for {query}. Try a broader query."
            return "\\n".join(hits)
    ''')
    assert found(source, prompts) == [
        (6, "Search the web for a query.", "tool description"),
        (9, "No results found for {query}. Try a broader query.", "tool result"),
    ]


def test_returns_of_functions_and_classes_that_are_no_tools_stay_out() -> None:
    _source, prompts = run('''
        class Formatter:
            def describe(self, path):
                return f"The file {path} has been edited by the formatter."

        def status(path):
            return f"The file {path} has been saved to disk."

        class ReadTool(BaseTool):
            def run(self, path):
                return {"path": path, "status": "read"}
    ''')
    assert prompts == []
