import MCP

/// The tools `cilo mcp` offers, each with its input schema, a description written for a model
/// (what it does, what it costs, what it returns) and the protocol's hints.
enum ToolCatalog {
    private static let readOnly = Tool.Annotations(readOnlyHint: true, openWorldHint: false)
    private static let changing = Tool.Annotations(readOnlyHint: false, destructiveHint: false, openWorldHint: false)
    private static let destructive = Tool.Annotations(readOnlyHint: false, destructiveHint: true, openWorldHint: false)
    private static let outputLimit = Schema.integer("Keep at most this many bytes of each output stream (default 65536); the result says how much was cut.", minimum: 1, maximum: 16 << 20)
    private static let timeout = Schema.integer("Stop the command after this many seconds (default 600).", minimum: 1, maximum: 86_400)

    static let all: [Tool] = lifecycle + work + files + forks

    private static let lifecycle: [Tool] = [
        Tool(
            name: "environment_list",
            description: "List this project's cilo environments: name, status, engine, subnet, workspace folder and services. Cheap (reads cilo's records and asks Docker once).",
            inputSchema: Schema.object([:]), annotations: readOnly),
        Tool(
            name: "environment_status",
            description: "One environment in detail: status, each service's state and health, URLs and addresses, the workspace folder, the CILO_* variables its commands get, disk (exclusive bytes), memory and CPU now, and how many files the agent changed. Takes about a second.",
            inputSchema: Schema.object(["name": Schema.environment], required: ["name"]), annotations: readOnly),
        Tool(
            name: "environment_create",
            description: "Make a new isolated environment of this project and start its services: a copy-on-write clone of the workspace (or a fork of an existing environment), its own containers, network, DNS names and URLs. Takes seconds to minutes (images, health checks); sends progress. Returns the environment's record: workspace folder, URLs, addresses and the CILO_* variables. Cancelling it removes everything it made.",
            inputSchema: Schema.object([
                "name": Schema.string("The new environment's name (lower-case letters, digits and '-'); omitted: a free name agent-N is chosen."),
                "fork": Schema.string("Copy this existing environment's workspace and data (volumes) instead of cloning the project: a migrated, seeded database in about a second."),
                "template": Schema.string("Fork this environment if the project has not changed since it was made, else clone the project."),
                "start": Schema.boolean("Start the services (default true); false only makes the workspace and compose file."),
            ]), annotations: changing),
        Tool(
            name: "environment_destroy",
            description: "Remove an environment for good: its containers, network, volumes (its data), checkpoints and workspace folder with every uncommitted change in it (merge first to keep the work). Takes seconds.",
            inputSchema: Schema.object([
                "name": Schema.environment,
                "keep_workspace": Schema.boolean("Keep the workspace folder's files (default false)."),
            ], required: ["name"]), annotations: destructive),
    ]

    private static let work: [Tool] = [
        Tool(
            name: "environment_run",
            description: "Run a shell command (sh -c) in the environment's workspace folder on the host, with its CILO_* variables (CILO_BASE_URL, CILO_SERVICE_<NAME>_IP, ...) so it reaches the environment's services by URL or address. Starts the services first if they are stopped. Returns exit_code, stdout, stderr (each cut at max_output_bytes, saying how much was cut) and seconds. sandbox: true confines the command to the workspace and the environment's network.",
            inputSchema: Schema.object([
                "name": Schema.environment,
                "command": Schema.string("The shell command line, run by sh -c."),
                "sandbox": Schema.boolean("Confine the command: it may write only the workspace and reach only the environment's network (default false)."),
                "env": Schema.stringMap("More variables for the command."),
                "timeout_seconds": timeout,
                "max_output_bytes": outputLimit,
            ], required: ["name", "command"]), annotations: changing),
        Tool(
            name: "environment_service_exec",
            description: "Run a shell command (sh -c) inside one service's container of the environment (docker compose exec). Returns exit_code, stdout, stderr and seconds.",
            inputSchema: Schema.object([
                "name": Schema.environment,
                "service": Schema.string("The service, as named in the compose file."),
                "command": Schema.string("The shell command line, run by sh -c in the container."),
                "timeout_seconds": timeout,
                "max_output_bytes": outputLimit,
            ], required: ["name", "service", "command"]), annotations: changing),
        Tool(
            name: "environment_logs",
            description: "The environment's container logs (all services, or one), the last lines of each. Read-only.",
            inputSchema: Schema.object([
                "name": Schema.environment,
                "service": Schema.string("Only this service."),
                "tail": Schema.integer("Lines from the end of each service's log (default 200).", minimum: 1, maximum: 100_000),
                "since": Schema.string("Only lines since: a timestamp (2026-12-02T10:00:00) or a duration ago (10m, 2h)."),
                "max_output_bytes": outputLimit,
            ], required: ["name"]), annotations: readOnly),
        Tool(
            name: "environment_diff",
            description: "What the agent changed in the environment's workspace since it was made: each path added, modified, deleted or renamed; with patch: true also the unified diff (cut at max_output_bytes). Read-only.",
            inputSchema: Schema.object([
                "name": Schema.environment,
                "patch": Schema.boolean("Include the unified diff (default false: paths only)."),
                "paths": Schema.strings("Only these paths."),
                "max_output_bytes": outputLimit,
            ], required: ["name"]), annotations: readOnly),
        Tool(
            name: "environment_merge",
            description: "Bring the agent's work back to the source repository as a branch (default cilo/<name>): its commits, then one commit of uncommitted work. The source's checked-out branch, index and files are not touched. apply: true instead writes the changes into the source's working tree (only when the user asked for that).",
            inputSchema: Schema.object([
                "name": Schema.environment,
                "branch": Schema.string("The branch to make or update (default cilo/<name>)."),
                "message": Schema.string("The message of the commit holding uncommitted work."),
                "apply": Schema.boolean("Write the changes into the source's working tree instead of a branch (default false)."),
            ], required: ["name"]), annotations: changing),
    ]

    private static let files: [Tool] = [
        Tool(
            name: "environment_file_read",
            description: "Read a file of the environment's workspace (for when your own file tools cannot reach it). Paths are relative to the workspace; none may leave it (no '..', absolute path elsewhere or symlink out). Returns text (or base64 when not UTF-8), the file's size and how many bytes remain past what was read.",
            inputSchema: Schema.object([
                "name": Schema.environment,
                "path": Schema.string("The file, relative to the workspace."),
                "offset": Schema.integer("Start at this byte (default 0).", minimum: 0),
                "max_bytes": Schema.integer("Read at most this many bytes (default 262144).", minimum: 1, maximum: 16 << 20),
            ], required: ["name", "path"]), annotations: readOnly),
        Tool(
            name: "environment_file_write",
            description: "Write a file of the environment's workspace: the content given becomes its whole content (a new file is made 0644). Paths are relative to the workspace and cannot leave it. The change shows in environment_diff.",
            inputSchema: Schema.object([
                "name": Schema.environment,
                "path": Schema.string("The file, relative to the workspace."),
                "content": Schema.string("The file's new content (text)."),
                "content_base64": Schema.string("The file's new content as base64 (binary), instead of content."),
                "make_folders": Schema.boolean("Make missing folders on the way (default false)."),
            ], required: ["name", "path"]), annotations: changing),
        Tool(
            name: "environment_file_list",
            description: "List a folder of the environment's workspace: each entry's path, kind (file, directory, symlink, other) and size. .git folders are listed but not entered.",
            inputSchema: Schema.object([
                "name": Schema.environment,
                "path": Schema.string("The folder, relative to the workspace (default: its top)."),
                "depth": Schema.integer("How many levels down (default 1).", minimum: 1, maximum: 32),
                "limit": Schema.integer("At most this many entries (default 2000).", minimum: 1, maximum: 100_000),
            ], required: ["name"]), annotations: readOnly),
    ]

    private static let forks: [Tool] = [
        Tool(
            name: "environment_fork",
            description: "A new environment whose workspace and data (volumes: databases) are copy-on-write copies of an existing one's, taken at one instant (its services paused for that instant, usually well under a second), then started on its own network. Returns the new environment's record with forkSeconds and pausedSeconds.",
            inputSchema: Schema.object([
                "from": Schema.environment,
                "name": Schema.string("The new environment's name; omitted: a free name agent-N is chosen."),
                "start": Schema.boolean("Start its services (default true)."),
            ], required: ["from"]), annotations: changing),
        Tool(
            name: "environment_checkpoint",
            description: "Save the environment's workspace and data (volumes) as a named checkpoint, copy-on-write (its services paused for that instant). environment_restore returns to it.",
            inputSchema: Schema.object([
                "name": Schema.environment,
                "checkpoint": Schema.string("The checkpoint's name (default: the time, like 20261202-141217)."),
            ], required: ["name"]), annotations: changing),
        Tool(
            name: "environment_checkpoints",
            description: "The environment's checkpoints: name, kind, time and exclusive bytes. Read-only.",
            inputSchema: Schema.object(["name": Schema.environment], required: ["name"]), annotations: readOnly),
        Tool(
            name: "environment_restore",
            description: "Put the environment's workspace and data back as a checkpoint holds them (stops its services, swaps the state, starts them again). What it replaces is kept as a checkpoint named replaced-<time> unless discard is true.",
            inputSchema: Schema.object([
                "name": Schema.environment,
                "checkpoint": Schema.string("The checkpoint (environment_checkpoints lists them; 'initial' is the state after the first start)."),
                "discard": Schema.boolean("Delete the state replaced instead of keeping it (default false)."),
            ], required: ["name", "checkpoint"]), annotations: destructive),
    ]
}
