"""Drives `cilo mcp` with the official MCP Python SDK (`mcp` from PyPI), as an agent's client would.

Usage: mcp_client.py SCENARIO CILO PROJECT_DIR [PIDFILE]
Scenarios: main (the whole flow), cancel (a cancelled create), errors (bad calls), killed (the client
dies mid-call). Prints one JSON line of findings; any failed check raises (exit status 1).
"""
import json
import os
import signal
import subprocess
import sys

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError

SCENARIO, CILO, PROJECT = sys.argv[1], sys.argv[2], sys.argv[3]
PIDFILE = sys.argv[4] if len(sys.argv) > 4 else None
found = {}


def server():
    # A shell that records the server's pid, then becomes it: the test waits on that pid.
    command = f'echo $$ > "{PIDFILE}"; exec "{CILO}" mcp' if PIDFILE else f'exec "{CILO}" mcp'
    return StdioServerParameters(command="sh", args=["-c", command], env=dict(os.environ), cwd=PROJECT)


def text(result):
    return " ".join(getattr(item, "text", "") for item in result.content)


def ok(result):
    assert not result.is_error, f"tool call failed: {text(result)}"
    return result.structured_content


async def names(session):
    listed = ok(await session.call_tool("environment_list", {}))
    return sorted(env["name"] for env in listed["environments"])


async def main_flow(session):
    tools = (await session.list_tools()).tools
    by_name = {tool.name: tool for tool in tools}
    expected = {
        "environment_list", "environment_status", "environment_create", "environment_run", "environment_service_exec",
        "environment_logs", "environment_file_read", "environment_file_write", "environment_file_list", "environment_diff",
        "environment_merge", "environment_destroy", "environment_fork", "environment_checkpoint", "environment_checkpoints",
        "environment_restore",
    }
    assert expected <= set(by_name), f"tools missing: {expected - set(by_name)}"
    for tool in tools:
        assert tool.input_schema.get("type") == "object", tool.name
        assert tool.description and len(tool.description) > 40, tool.name
    assert by_name["environment_destroy"].annotations.destructive_hint is True
    assert by_name["environment_restore"].annotations.destructive_hint is True
    for name in ("environment_list", "environment_status", "environment_diff", "environment_file_read", "environment_logs"):
        assert by_name[name].annotations.read_only_hint is True, name
    found["tools"] = len(tools)

    # Two creates at once, names left to cilo: two environments, each with its own name and URL.
    created, steps = {}, []

    async def create(slot):
        async def progress(value, total, message):
            steps.append(message)
        result = await session.call_tool("environment_create", {}, progress_callback=progress)
        created[slot] = ok(result)

    async with anyio.create_task_group() as group:
        group.start_soon(create, 1)
        group.start_soon(create, 2)
    envs = sorted(record["name"] for record in created.values())
    assert len(set(envs)) == 2, f"two creates made {envs}"
    assert await names(session) == envs
    for record in created.values():
        assert record["status"] == "running", record["status"]
        assert record["variables"]["CILO_BASE_URL"].startswith("http://"), record["variables"]
        assert record["workspace"].startswith("/"), record["workspace"]
    assert any("starting the services" in step for step in steps), f"no progress step named the start: {steps}"
    found["environments"] = envs
    found["steps"] = sorted(set(steps))
    first = envs[0]

    # A command in the workspace reaches the environment's service by its URL.
    fetch = "python3 -c \"import os, urllib.request; print(urllib.request.urlopen(os.environ['CILO_BASE_URL'] + '/index.html', timeout=10).read().decode())\""
    run = ok(await session.call_tool("environment_run", {"name": first, "command": fetch}))
    assert run["exit_code"] == 0, run
    assert f"hello from {first}" in run["stdout"], run
    failing = ok(await session.call_tool("environment_run", {"name": first, "command": "echo out; echo err >&2; exit 7"}))
    assert failing["exit_code"] == 7 and failing["stdout"] == "out\n" and failing["stderr"] == "err\n", failing
    cut = ok(await session.call_tool("environment_run", {"name": first, "command": "head -c 5000 /dev/zero", "max_output_bytes": 100}))
    assert len(cut["stdout"]) == 100 and cut["stdout_cut_bytes"] == 4900, {k: v for k, v in cut.items() if k != "stdout"}
    timed = ok(await session.call_tool("environment_run", {"name": first, "command": "sleep 30", "timeout_seconds": 1}))
    assert timed.get("timed_out") is True and timed["seconds"] < 20, timed
    inside = ok(await session.call_tool("environment_service_exec", {"name": first, "service": "web", "command": "cat /www/index.html"}))
    assert f"hello from {first}" in inside["stdout"], inside

    # A file written through the tools shows in the diff, and reads back.
    ok(await session.call_tool("environment_file_write", {"name": first, "path": "notes/agent.txt", "content": "made by the agent\n", "make_folders": True}))
    back = ok(await session.call_tool("environment_file_read", {"name": first, "path": "notes/agent.txt"}))
    assert back["text"] == "made by the agent\n" and back["size"] == 18, back
    listing = ok(await session.call_tool("environment_file_list", {"name": first, "path": "notes"}))
    assert [entry["path"] for entry in listing["entries"]] == ["notes/agent.txt"], listing
    diff = ok(await session.call_tool("environment_diff", {"name": first, "patch": True}))
    assert {"path": "notes/agent.txt", "change": "added"} in [{k: c[k] for k in ("path", "change")} for c in diff["changes"]], diff
    assert "+made by the agent" in diff["patch"], diff["patch"][:500]
    status = ok(await session.call_tool("environment_status", {"name": first}))
    assert status["changedPaths"] >= 1 and "usage" in status and "disk" in status, sorted(status)

    # Merged to a branch of the source: the file is in it; the source's own files untouched.
    merged = ok(await session.call_tool("environment_merge", {"name": first}))
    assert merged["branch"] == f"cilo/{first}", merged
    shown = subprocess.run(["git", "-C", PROJECT, "show", f"cilo/{first}:notes/agent.txt"], capture_output=True, text=True)
    assert shown.returncode == 0 and shown.stdout == "made by the agent\n", shown
    assert not os.path.exists(os.path.join(PROJECT, "notes")), "the merge wrote into the source's working tree"
    found["merged"] = merged["branch"]

    for env in envs:
        destroyed = ok(await session.call_tool("environment_destroy", {"name": env}))
        assert destroyed["destroyed"] == env
    assert await names(session) == []


async def errors(session):
    cases = {
        "wrong type": ("environment_status", {"name": 5}, "name"),
        "unknown argument": ("environment_list", {"verbose": True}, "verbose"),
        "missing argument": ("environment_run", {"name": "x"}, "command"),
        "bad name": ("environment_status", {"name": "Not A Name"}, "Not A Name"),
        "unknown environment": ("environment_status", {"name": "nothere"}, "nothere"),
        "out of range": ("environment_logs", {"name": "nothere", "tail": 0}, "tail"),
    }
    for label, (tool, arguments, named) in cases.items():
        result = await session.call_tool(tool, arguments)
        assert result.is_error, f"{label}: not an error: {text(result)}"
        message = text(result)
        assert named in message and "\n" not in message.strip(), f"{label}: {message!r}"
        found[label] = message
    try:
        result = await session.call_tool("environment_teleport", {})
        assert result.is_error, "an unknown tool answered"
        found["unknown tool"] = text(result)
    except MCPError as error:
        found["unknown tool"] = str(error)
    assert "environment_teleport" in found["unknown tool"], found["unknown tool"]
    # A path leaving the workspace: refused, however it is spelled.
    ok(await session.call_tool("environment_create", {"name": "files", "start": False}))
    workspace = ok(await session.call_tool("environment_status", {"name": "files"}))["workspace"]
    os.symlink("/etc", os.path.join(workspace, "outside"))
    for path in ("../../../../etc/passwd", "/etc/passwd", "outside/passwd", "notes/../../x"):
        for tool, extra in (("environment_file_read", {}), ("environment_file_write", {"content": "x"}), ("environment_file_list", {})):
            result = await session.call_tool(tool, {"name": "files", "path": path, **extra})
            assert result.is_error, f"{tool} {path}: {text(result)}"
    found["escape"] = text(await session.call_tool("environment_file_read", {"name": "files", "path": "outside/passwd"}))
    ok(await session.call_tool("environment_destroy", {"name": "files"}))
    # The server still answers after all of that.
    assert await names(session) == []
    malformed()


def malformed():
    """Raw lines, no SDK: a line that is not JSON and a request of no known method get JSON-RPC
    errors; the server answers the next request and ends when its input does."""
    lines = [
        "{not json",
        json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json.dumps({"jsonrpc": "2.0", "id": 2, "method": "no/such/method"}),
        json.dumps({"jsonrpc": "2.0", "id": 3, "method": "tools/list"}),
    ]
    # As a client does: the requests, each answer read, then the input closed (the end of the session).
    server = subprocess.Popen([CILO, "mcp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=PROJECT)
    server.stdin.write("\n".join(lines) + "\n")
    server.stdin.flush()
    answers = [json.loads(server.stdout.readline()) for _ in range(4)]
    server.stdin.close()
    returncode = server.wait(timeout=60)
    rest = server.stdout.read()
    assert rest == "", f"more on stdout than protocol answers: {rest!r}"
    errors = {answer["error"]["code"] for answer in answers if "error" in answer}
    assert -32700 in errors and -32601 in errors, answers
    by_id = {answer.get("id"): answer for answer in answers}
    assert by_id[1]["result"]["protocolVersion"] == "2025-06-18", by_id[1]
    assert len(by_id[3]["result"]["tools"]) >= 16, by_id[3]
    assert returncode == 0, (returncode, server.stderr.read()[-500:])
    found["malformed"] = sorted(errors)


async def cancel(session):
    started = anyio.Event()
    steps = []

    async def progress(value, total, message):
        steps.append(message)
        if "starting the services" in message:
            started.set()

    async def create():
        await session.call_tool("environment_create", {"name": "cancelled"}, progress_callback=progress)

    async with anyio.create_task_group() as group:
        group.start_soon(create)
        with anyio.fail_after(120):
            await started.wait()
        group.cancel_scope.cancel()
    found["steps"] = steps
    # The rollback runs on in the server: bounded wait until nothing of it is listed.
    for _ in range(240):
        if "cancelled" not in await names(session):
            break
        await anyio.sleep(0.5)
    assert "cancelled" not in await names(session), "the cancelled create left an environment"
    # The server still serves.
    ok(await session.call_tool("environment_list", {}))


async def killed(session):
    async def progress(value, total, message):
        if "starting the services" in message:
            os.kill(os.getpid(), signal.SIGKILL)

    await session.call_tool("environment_create", {"name": "orphaned"}, progress_callback=progress)
    raise AssertionError("the create finished before the client could die")


async def run():
    async with stdio_client(server()) as (read, write):
        async with ClientSession(read, write) as session:
            initialized = await session.initialize()
            found["protocol"] = initialized.protocol_version
            found["server"] = initialized.server_info.name
            await {"main": main_flow, "errors": errors, "cancel": cancel, "killed": killed}[SCENARIO](session)
    print(json.dumps(found))


anyio.run(run)
