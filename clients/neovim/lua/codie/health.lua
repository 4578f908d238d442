-- :checkhealth codie: is the server there, which Python runs it, does it answer, what can it do.
local M = {}

local health = vim.health or require("health")
local start = health.start or health.report_start
local ok = health.ok or health.report_ok
local warn = health.warn or health.report_warn
local error_ = health.error or health.report_error
local info = health.info or health.report_info

--- Run a command synchronously; returns its output (trimmed) and whether it succeeded.
local function run(cmd)
  local out = vim.fn.system(cmd)
  return vim.trim(out or ""), vim.v.shell_error == 0
end

function M.check()
  local codie = require("codie")
  local util = require("codie.util")
  start("Codie: server")
  local cmd = codie.resolve_cmd(codie.options)
  local exe = cmd[1]
  if vim.fn.executable(exe) ~= 1 then
    error_(string.format("`%s` is not executable", exe), {
      "pip install codie (in the project's virtualenv), or set require(\"codie\").setup{ cmd = {...} }",
    })
    return
  end
  ok("server command: " .. table.concat(cmd, " "))
  -- The interpreter behind it: `python -m codie serve` or a `codie` script's shebang.
  local python = exe:match("python[%d.]*$") and exe or nil
  if not python then
    local first = (vim.fn.readfile(vim.fn.exepath(exe), "", 1)[1] or "")
    python = first:match("^#!%s*(%S*python%S*)")
  end
  if python then
    local version, ran = run({ python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])" })
    local major, minor = version:match("^(%d+)%.(%d+)")
    if not ran then
      error_("cannot run " .. python .. ": " .. version)
    elseif tonumber(major) == 3 and tonumber(minor) >= 11 then
      ok(string.format("Python %s (%s)", version, python))
    else
      error_(string.format("Python %s (%s): Codie needs 3.11 or newer", version, python))
    end
  end
  local args = vim.deepcopy(cmd)
  if args[#args] == "serve" then
    args[#args] = "--version"
  else
    table.insert(args, "--version")
  end
  local version, ran = run(args)
  if ran then
    ok("installed: " .. (version:match("^[^\n]*") or version))
  else
    error_("`" .. table.concat(args, " ") .. "` failed: " .. version, { "reinstall Codie: pip install -U codie" })
  end

  start("Codie: running servers")
  local clients = util.clients(nil)
  if #clients == 0 then
    warn("no Codie server is running", { "open a Python file or a requirements.txt; :CodieRestart restarts it" })
    return
  end
  for _, client in ipairs(clients) do
    local server_info = client.server_info or (client.initialize_result and client.initialize_result.serverInfo) or {}
    local stopped = (util.has_011 and client:is_stopped()) or (not util.has_011 and client.is_stopped())
    if stopped then
      error_(string.format("client %d (%s) has stopped", client.id, tostring(client.config.root_dir)))
    else
      ok(string.format("client %d: %s %s, root %s, %d buffer(s)", client.id, tostring(server_info.name or "codie"),
        tostring(server_info.version or "?"), tostring(client.config.root_dir), vim.tbl_count(client.attached_buffers or {})))
    end
    local caps = client.server_capabilities or {}
    local features = {}
    for key, name in pairs({ hoverProvider = "hover", codeActionProvider = "code actions", codeLensProvider = "code lenses",
      callHierarchyProvider = "call hierarchy", diagnosticProvider = "pull diagnostics" }) do
      if caps[key] then table.insert(features, name) end
    end
    table.sort(features)
    info("features: " .. table.concat(features, ", "))
    local commands = (caps.executeCommandProvider or {}).commands or {}
    info("commands: " .. table.concat(commands, ", "))
    for _, needed in ipairs({ "codie.explain", "codie.askWhy", "codie.proposeFix" }) do
      if not vim.tbl_contains(commands, needed) then
        warn(needed .. " is missing: this server is older than the plugin", { "pip install -U codie" })
      end
    end
  end
end

return M
