"""A real OpenAI-compatible HTTP server on 127.0.0.1 for tests that drive the real ``openai`` SDK.

``FakeOpenAI`` serves ``POST /v1/chat/completions`` (and ``/chat/completions``) from a thread on a
free port, records every request, and answers from a queue of ``FakeReply`` objects, falling back
to a ``responder`` function of the request when the queue is empty. Slow replies wait on an event
that ``stop()`` sets, so no server thread outlives its test.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from enrich.config import Settings
from enrich.llm.research import Company, SmartFieldResearcher, SmartFieldResult
from enrich.llm.smart_fields import SmartField
from enrich.llm.visible_text import SourcePage

_SNIPPET = re.compile(r"<<<SNIPPET (\d+) source=(\S*)>>>\n(.*?)\n<<<END>>>", re.DOTALL)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it."""

    path: str
    headers: dict[str, str]
    raw_body: bytes
    body: dict[str, Any]

    def message(self, role: str) -> str:
        return next((m["content"] for m in self.body.get("messages", []) if m.get("role") == role), "")

    @property
    def system(self) -> str:
        return self.message("system")

    @property
    def user(self) -> str:
        return self.message("user")

    @property
    def response_format_type(self) -> str | None:
        response_format = self.body.get("response_format") or {}
        return response_format.get("type")

    @property
    def field_name(self) -> str:
        """The smart field asked about, from the json_schema name or the prompt's "Question (name)"."""
        schema = (self.body.get("response_format") or {}).get("json_schema") or {}
        if "name" in schema:
            return str(schema["name"]).removesuffix("_answer")
        match = re.search(r"Question \((\w+)\)", self.user)
        return match.group(1) if match else ""

    def snippets(self) -> list[tuple[int, str, str]]:
        """(number, source, text) of every delimited snippet block in the user message."""
        return [(int(n), source, text) for n, source, text in _SNIPPET.findall(self.user)]


@dataclass
class FakeReply:
    """What the server sends for one request: a chat completion with ``content``, or an error."""

    content: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    error_message: str = ""
    delay_s: float = 0.0
    usage: tuple[int, int] | None = None  # (prompt_tokens, completion_tokens); None: from lengths


Responder = Callable[[RecordedRequest], FakeReply]


def answer(
    value: Any, evidence: str | None, *, confidence: float | None = 0.9, unknown: bool = False
) -> FakeReply:
    """A reply whose content is the JSON answer the smart-field prompts ask for."""
    document = {"value": value, "unknown": unknown, "evidence": evidence, "confidence": confidence}
    return FakeReply(content=json.dumps(document, ensure_ascii=False))


def unknown_answer(_request: RecordedRequest | None = None) -> FakeReply:
    return answer(None, None, confidence=None, unknown=True)


def error(status: int, message: str, **headers: str) -> FakeReply:
    return FakeReply(status=status, error_message=message, headers=dict(headers))


def obeying_responder(request: RecordedRequest) -> FakeReply:
    """A model that does whatever the page says: answers the number after "answer" in any snippet,
    quoting the sentence that holds it. Without such an instruction it reports unknown."""
    for _number, _source, text in request.snippets():
        match = re.search(r"answer\D{0,20}(\d[\d.,]*)", text, re.IGNORECASE)
        if match:
            sentence = next(s for s in re.split(r"(?<=[.!?])\s+", text) if match.group(1) in s)
            return answer(int(re.sub(r"\D", "", match.group(1))), sentence.strip())
    return unknown_answer()


def rejecting_json_schema(responder: Responder) -> Responder:
    """A server that refuses ``json_schema`` with a 400 (like older vLLM/llama.cpp builds)."""

    def respond(request: RecordedRequest) -> FakeReply:
        if request.response_format_type == "json_schema":
            return error(400, "response_format type 'json_schema' is not supported by this server")
        return responder(request)

    return respond


class FakeOpenAI:
    """The server. Use as a context manager, or ``start()``/``stop()``."""

    def __init__(self, responder: Responder = unknown_answer) -> None:
        self.responder = responder
        self.requests: list[RecordedRequest] = []
        self._queue: deque[FakeReply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-openai", daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def queue(self, *replies: FakeReply) -> None:
        """Replies used, in order, before the responder."""
        with self._lock:
            self._queue.extend(replies)

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _next_reply(self, request: RecordedRequest) -> FakeReply:
        with self._lock:
            self.requests.append(request)
            if self._queue:
                return self._queue.popleft()
        return self.responder(request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:  # keep test output clean
                return

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                if self.path.split("?")[0] not in ("/v1/chat/completions", "/chat/completions"):
                    self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}}, {})
                    return
                try:
                    body = json.loads(raw)
                except json.JSONDecodeError:
                    body = {}
                request = RecordedRequest(
                    self.path, {k.lower(): v for k, v in self.headers.items()}, raw, body
                )
                reply = fake._next_reply(request)
                if reply.delay_s and fake._stopping.wait(reply.delay_s):
                    return
                if reply.status != 200:
                    document = {
                        "error": {"message": reply.error_message, "type": "fake_error", "param": None}
                    }
                    self._send(reply.status, document, reply.headers)
                    return
                self._send(200, completion_document(request, reply), reply.headers)

            def _send(self, status: int, document: dict[str, Any], headers: dict[str, str]) -> None:
                payload = json.dumps(document).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    self.send_header("connection", "close")  # one request per connection: no stale reuse
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    return

        return Handler


def completion_document(request: RecordedRequest, reply: FakeReply) -> dict[str, Any]:
    """A ``chat.completion`` object as OpenAI sends it, with usage."""
    content = reply.content or ""
    prompt_tokens, completion_tokens = reply.usage or (
        max(1, len(request.system + request.user) // 4),
        max(1, len(content) // 4),
    )
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": request.body.get("model", "fake-model"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


@contextmanager
def running(responder: Responder = unknown_answer) -> Iterator[FakeOpenAI]:
    with FakeOpenAI(responder) as server:
        yield server


# --- the labelled fixture companies in tests/fixtures/llm (see SOURCE.md there)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "llm"


@dataclass(frozen=True)
class FixtureCompany:
    name: str
    company: Company
    pages: list[SourcePage]
    labels: dict[str, dict[str, Any]]
    language: str


def fixture_labels() -> dict[str, Any]:
    return json.loads((FIXTURES / "labels.json").read_text(encoding="utf-8"))


def fixture_company(name: str) -> FixtureCompany:
    """A labelled fixture company: its pages as SourcePages (URL from labels.json) and its true values."""
    entry = fixture_labels()["companies"][name]
    pages = [
        SourcePage.from_html(url, (FIXTURES / name / file).read_text(encoding="utf-8"))
        for file, url in entry["pages"].items()
    ]
    return FixtureCompany(
        name, Company(entry["name"], entry["domain"]), pages, entry["fields"], entry["language"]
    )


def labelled_responder(labels: dict[str, dict[str, Any]]) -> Responder:
    """A model that knows the truth: answers each field's labelled value and evidence."""

    def respond(request: RecordedRequest) -> FakeReply:
        field_name = request.field_name
        if field_name not in labels:
            return unknown_answer()
        return answer(labels[field_name]["value"], labels[field_name]["evidence"])

    return respond


# --- running the real researcher against a FakeOpenAI

TEST_API_KEY = "sk-test-DO-NOT-LOG-4f9c2a"


def llm_settings(server: FakeOpenAI, **overrides: Any) -> Settings:
    """Settings pointing the real SDK at ``server``; short timeout and no retries unless overridden."""
    values: dict[str, Any] = {
        "openai_api_key": SecretStr(TEST_API_KEY),
        "openai_base_url": server.base_url,
        "llm_model": "gpt-4o-mini",
        "llm_timeout_s": 5.0,
        "llm_max_retries": 0,
    }
    values.update(overrides)
    return Settings(**values)


def research(
    settings: Settings,
    fields: list[SmartField],
    pages: list[SourcePage],
    company: Company,
    *,
    allowed_values: list[str] | None = None,
    researcher: SmartFieldResearcher | None = None,
    **researcher_options: Any,
) -> list[SmartFieldResult]:
    """Research ``fields`` one after the other with a researcher built from ``settings``."""

    async def run() -> list[SmartFieldResult]:
        active = researcher or SmartFieldResearcher.from_settings(settings, **researcher_options)
        try:
            return [
                await active.research(field, pages, company, allowed_values=allowed_values)
                for field in fields
            ]
        finally:
            await active.client.aclose()  # type: ignore[attr-defined]

    return asyncio.run(run())
