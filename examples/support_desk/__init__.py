"""Support desk: an example LLM application linted by promptlint."""
