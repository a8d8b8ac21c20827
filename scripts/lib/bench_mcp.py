"""Measures `cilo mcp` against the cilo command line, with the official MCP Python SDK.

usage: bench_mcp.py CILO PROJECT ENV ROUNDS
For each operation, ROUNDS alternating runs of the tool call (one server, already started) and
of the same command line (a new cilo process, as a shell or agent runs it); prints the medians
and the overhead (tool call median minus command line median). Then the idle server's resident
memory and the CPU it used over 10 idle seconds. Prints JSON.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

CILO, PROJECT, ENV, ROUNDS = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
PIDFILE = os.path.join(tempfile.mkdtemp(), "pid")

OPERATIONS = [
    ("list", "environment_list", {}, ["list", "--json"]),
    ("file read", "environment_file_read", {"name": ENV, "path": "docker-compose.yml"}, ["file", "read", ENV, "docker-compose.yml", "--json"]),
    ("run echo", "environment_run", {"name": ENV, "command": "echo hi"}, ["run", "sh", ENV, "-c", "echo hi"]),
    ("diff", "environment_diff", {"name": ENV}, ["diff", ENV, "--json"]),
]


def memory(pid):
    """VmRSS, its anonymous and file-backed parts, and Pss (shared pages divided among their users)."""
    figures = {}
    for path, keys in ((f"/proc/{pid}/status", ("VmRSS", "RssAnon", "RssFile")), (f"/proc/{pid}/smaps_rollup", ("Pss",))):
        with open(path) as source:
            for line in source:
                key = line.split(":")[0]
                if key in keys:
                    figures[key] = int(line.split()[1]) * 1024
    return figures


def process_figures(pid):
    with open(f"/proc/{pid}/status") as status:
        rss = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    return rss, ticks / os.sysconf("SC_CLK_TCK")


async def main():
    command = f'echo $$ > "{PIDFILE}"; exec "{CILO}" mcp'
    params = StdioServerParameters(command="sh", args=["-c", command], env=dict(os.environ), cwd=PROJECT)
    results = {}
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            await session.list_tools()
            pid = int(open(PIDFILE).read())
            await anyio.sleep(1)
            results["memory_after_start"] = memory(pid)
            for label, tool, arguments, line in OPERATIONS:
                tool_times, line_times = [], []
                for _ in range(ROUNDS):
                    start = time.perf_counter()
                    result = await session.call_tool(tool, arguments)
                    tool_times.append(time.perf_counter() - start)
                    assert not result.is_error, f"{tool}: {result.content}"
                    start = time.perf_counter()
                    subprocess.run([CILO] + line, cwd=PROJECT, check=True, capture_output=True)
                    line_times.append(time.perf_counter() - start)
                tool_median, line_median = statistics.median(tool_times), statistics.median(line_times)
                results[label] = {
                    "tool_call_median_ms": round(tool_median * 1000, 1),
                    "command_line_median_ms": round(line_median * 1000, 1),
                    "overhead_median_ms": round((tool_median - line_median) * 1000, 1),
                }
            rss_before, cpu_before = process_figures(pid)
            await anyio.sleep(10)
            rss_after, cpu_after = process_figures(pid)
            results["idle_rss_bytes"] = rss_after
            results["memory_idle_after_calls"] = memory(pid)
            results["idle_cpu_percent_over_10s"] = round((cpu_after - cpu_before) / 10 * 100, 3)
    print(json.dumps(results, indent=2))


anyio.run(main)
