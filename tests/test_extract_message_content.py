"""Text given to a chat message after it is made: `msg["content"] = ...` and content parts
(`{"type": "text", "text": ...}`) appended to a message's content (issue 18)."""

from __future__ import annotations

from extracted import found, runner

run = runner("convert.py")


def test_text_assigned_to_a_message_content_item() -> None:
    source, prompts = run('''
        def describe(img_msg, description, ocr):
            img_msg["content"] = (
                description
                + "\\n---\\nI've OCR'd the image, this is the result: "
                + ocr
            )
            if not ocr:
                new_message[
                    "content"
                ] = "No output was produced."
    ''')
    ocr, empty = prompts
    assert ocr.text == "{description}\n---\nI've OCR'd the image, this is the result: {ocr}"
    assert source.position(ocr.positions.file_offset(ocr.text.index("I've")))[0] == 5
    assert found(source, [empty]) == [(11, "No output was produced.", "message content")]
    assert ocr.sink is not None and ocr.sink.kind == "message content"


def test_content_attributes_and_other_keys_stay_out() -> None:
    # an HTTP response's or a file's `.content`, and other keys of a dict, are no chat message's content
    _source, prompts = run('''
        def save(response, row):
            response.content = "Upload finished without problems"
            row["contents"] = "Upload finished without problems"
            row["content_type"] = "text plain with spaces"
    ''')
    assert prompts == []


def test_content_parts_appended_to_a_message() -> None:
    # (each reported once: a part is read by one mechanism only)
    source, prompts = run('''
        def convert(message, new_message, path):
            if message["role"] == "computer":
                new_message["content"].append(
                    {"type": "text", "text": "This image is the result of the last tool output. What does it mean?"}
                )
            new_message["content"].append({"type": "text", "text": "This image is at this path: " + path})
    ''')
    assert found(source, prompts) == [
        (5, "This image is the result of the last tool output. What does it mean?", "message content"),
        (7, "This image is at this path: {path}", "message content")]


def test_a_part_inside_a_message_is_reported_once_and_other_typed_dicts_stay_out() -> None:
    _source, prompts = run('''
        import anthropic
        client = anthropic.Anthropic()

        def ask(q):
            blocks = [{"type": "mrkdwn", "text": "Deploy finished without problems"},
                      {"type": "text", "text": "Deploy finished", "url": "https://example.com"}]
            chunks = [AIMessageChunk(content=[{"type": "text", "text": "hello"}]),
                      AIMessageChunk(content=[{"type": "text", "text": "world"}])]   # one-word stream chunks
            return client.messages.create(model="m", max_tokens=9, messages=[
                {"role": "user", "content": [{"type": "text", "text": "Summarize this: " + q}]}])
    ''')
    assert [p.text for p in prompts] == ["Summarize this: {q}"]
