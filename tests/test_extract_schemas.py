"""Descriptions the model reads in the shape of its answer or of a tool's arguments: the parameter descriptions
of a tool's JSON schema, and the docstring and `Field(description=...)` texts of a class given to a model as its
response schema (issue 18)."""

from __future__ import annotations

from extracted import found, runner

run = runner("agent.py")


def test_parameter_descriptions_of_a_tool_schema() -> None:
    source, prompts = run('''
        tool_schema = {
            "type": "function",
            "function": {
                "name": "execute",
                "description": "Executes code on the user's machine and returns the output",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "language": {"type": "string", "description": "The programming language to run"},
                        "options": {
                            "type": "object",
                            "properties": {"timeout": {"type": "integer", "description": "Seconds to wait"}},
                        },
                        "files": {"type": "array", "items": {"type": "object", "properties": {
                            "path": {"type": "string", "description": "Path of a file to attach"}}}},
                    },
                    "required": ["language"],
                },
            },
        }
    ''')
    assert found(source, prompts) == [
        (6, "Executes code on the user's machine and returns the output", "tool description"),
        (10, "The programming language to run", "tool parameter description"),
        (13, "Seconds to wait", "tool parameter description"),
        (16, "Path of a file to attach", "tool parameter description"),
    ]


def test_a_json_schema_that_is_no_tool_or_model_schema_stays_out() -> None:
    _source, prompts = run('''
        CONFIG_SCHEMA = {"type": "object", "properties": {"port": {"type": "integer", "description": "Port to bind"}}}
        settings = {"name": "server", "description": "Where the server listens for requests", "port": 80}
    ''')
    assert prompts == []


def test_docstring_and_field_descriptions_of_a_response_schema() -> None:
    source, prompts = run('''
        from pydantic import BaseModel, Field

        async def extract_questions(query):
            class DocumentQueries(BaseModel):
                """Choose searches to run on user documents."""

                queries: list[str] = Field(..., min_items=1, description="List of search queries to run.")
                limit: int = Field(3, title="Limit")

            return await send_message_to_model_wrapper(query=query, response_schema=DocumentQueries)
    ''')
    assert found(source, prompts) == [
        (6, "Choose searches to run on user documents.", "response schema description"),
        (8, "List of search queries to run.", "field description"),
    ]


def test_a_schema_made_by_a_factory_method_and_its_subclass() -> None:
    source, prompts = run('''
        from pydantic import BaseModel, Field

        class Planning(BaseModel):
            scratchpad: str = Field(..., description="Scratchpad to reason about which tool to use next")

            @classmethod
            def with_tools(cls, options):
                class PlanningWithTool(Planning):
                    """Pick a tool from the options and a query to send to it."""

                    tool: str = Field(..., description="Name of the tool to use")

                return PlanningWithTool

        async def plan(llm, options):
            model = Planning.with_tools(options)
            return await llm.generate(response_format=model)
    ''')
    texts = [t for _line, t, _kind in found(source, prompts)]
    assert texts == ["Scratchpad to reason about which tool to use next",
                     "Pick a tool from the options and a query to send to it.", "Name of the tool to use"]


def test_api_models_not_given_to_a_model_stay_out() -> None:
    _source, prompts = run('''
        from fastapi import FastAPI
        from pydantic import BaseModel, Field

        app = FastAPI()

        class FeedbackData(BaseModel):
            """Feedback a user sends about an answer."""

            sentiment: str = Field(..., description="Whether the user liked the answer")

        @app.post("/feedback", response_model=FeedbackData)
        def feedback(data: FeedbackData):
            return {"status": "ok"}
    ''')
    assert prompts == []


def test_the_args_schema_of_a_tool_class_and_a_config_objects_response_schema() -> None:
    source, prompts = run('''
        from google.genai import types
        from langchain_core.tools import BaseTool
        from pydantic import BaseModel, Field

        class SearchInput(BaseModel):
            query: str = Field(description="The words to search the notes for")

        class Verdict(BaseModel):
            safe: bool = Field(description="Whether the request is safe to answer")

        class SearchTool(BaseTool):
            name: str = "search"
            args_schema: type[BaseModel] = SearchInput

        config = types.GenerateContentConfig(response_schema=Verdict)
    ''')
    assert [(line, text) for line, text, _kind in found(source, prompts)] == [
        (7, "The words to search the notes for"), (10, "Whether the request is safe to answer")]


def test_a_tool_generic_over_its_arguments_with_a_description_property() -> None:
    """Vanna-style tools: `class RunSql(Tool[RunSqlArgs])` with `@property def description` and
    `get_args_schema()`: the description and the argument model's docstring and field descriptions are read by
    the model; a model of the same file no tool uses stays out."""
    source, prompts = run('''
        from pydantic import BaseModel, Field

        class RunSqlArgs(BaseModel):
            """Arguments for running one SQL query."""
            sql: str = Field(description="The SQL query to execute against the warehouse")

        class SearchArgs(BaseModel):
            query: str = Field(description="Text to look for in file names")

        class Settings(BaseModel):
            """Connection settings for the service."""
            url: str = Field(description="Where the service listens")

        class RunSqlTool(Tool[RunSqlArgs]):
            @property
            def name(self) -> str:
                return "run_sql"

            @property
            def description(self) -> str:
                return "Execute SQL queries against the configured database"

        class SearchTool(Tool):
            def get_args_schema(self):
                return SearchArgs
    ''')
    assert sorted(found(source, prompts)) == [
        (5, "Arguments for running one SQL query.", "response schema description"),
        (6, "The SQL query to execute against the warehouse", "field description"),
        (9, "Text to look for in file names", "field description"),
        (22, "Execute SQL queries against the configured database", "tool description"),
    ]


def test_a_tool_class_that_sets_its_description_and_inputs_in_init() -> None:
    """smolagents-style tools (txtai's): `self.description` and the descriptions of `self.inputs` set in
    `__init__` are what the model reads; the same settings on a class that is no tool stay out."""
    source, prompts = run('''
        from smolagents import Tool

        class BashTool(Tool):
            def __init__(self):
                self.name = "bash"
                self.description = "Runs a shell command and returns the output."
                self.inputs = {
                    "command": {"type": "string", "description": "Command to run in the shell"},
                }
                self.output_type = "string"

        class Report:
            def __init__(self):
                self.description = "Quarterly numbers for the board meeting"
                self.inputs = {"x": {"type": "string", "description": "A column of the table"}}
    ''')
    assert sorted(found(source, prompts)) == [
        (7, "Runs a shell command and returns the output.", "tool description"),
        (9, "Command to run in the shell", "tool parameter description"),
    ]
