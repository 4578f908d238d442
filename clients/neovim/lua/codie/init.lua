-- Codie for Neovim: starts `codie serve` for Python buffers and adds chat, explain,
-- hotspots and feedback commands. Works with vim.lsp.config/enable (0.11+) and with
-- vim.lsp.start from a FileType autocmd (0.8-0.10).
local util = require("codie.util")
local chat = require("codie.chat")
local status = require("codie.status")

local M = {}

M.defaults = {
  -- The server command; nil: `codie serve` when `codie` is on PATH, else `python3 -m codie serve`.
  cmd = nil,
  filetypes = { "python" },
  root_markers = { "pyproject.toml", "setup.cfg", "setup.py", ".git" },
  -- Sent as initializationOptions and answered to workspace/configuration (section "codie").
  settings = {
    minConfidence = nil, -- e.g. 0.5
    select = nil, -- e.g. { "SEC", "Q001" }
    ignore = nil,
    llm = nil, -- e.g. { provider = "ollama", endpoint = "http://localhost:11434" }
    sandbox = nil, -- e.g. { backend = "process" }
  },
  -- Show diagnostics as virtual text for Codie (0.11 turns virtual text off by default);
  -- the text keeps the server's "(NN% confidence)".
  virtual_text = true,
  on_attach = nil,
  -- Show code lenses (function metrics) above functions.
  codelens = true,
  -- Also attach to dependency manifests and lockfiles (requirements*.txt, constraints*.txt,
  -- pyproject.toml, poetry.lock, uv.lock, Pipfile.lock, pylock.toml): vulnerable pins.
  manifests = true,
  chat = { split = "botright vsplit" },
}

M.options = vim.deepcopy(M.defaults)

function M.resolve_cmd(opts)
  if type(opts.cmd) == "table" and #opts.cmd > 0 then
    return opts.cmd
  end
  if type(opts.cmd) == "string" and opts.cmd ~= "" then
    return { opts.cmd, "serve" }
  end
  if vim.fn.executable("codie") == 1 then
    return { "codie", "serve" }
  end
  local venv = vim.env.VIRTUAL_ENV
  if venv and vim.fn.executable(venv .. "/bin/python") == 1 then
    return { venv .. "/bin/python", "-m", "codie", "serve" }
  end
  return { "python3", "-m", "codie", "serve" }
end

--- The confidence leads ("[97%] message"), so truncated virtual text keeps it; older
--- servers put it last ("(97% confidence)"): move it to the front.
function M.format_diagnostic(d)
  local data = d.user_data and d.user_data.lsp and d.user_data.lsp.data
  local msg = d.message
  local old_pct, rest = nil, nil
  rest, old_pct = msg:match("^(.-)%s*%((%d+)%% confidence%)$")
  if old_pct then
    msg = string.format("[%s%%] %s", old_pct, rest)
  elseif data and type(data.confidence) == "number" and not msg:find("^%[%d+%%%]") then
    msg = string.format("[%d%%] %s", math.floor(data.confidence * 100 + 0.5), msg)
  end
  local rule = util.rule_of(d)
  return rule and string.format("%s [%s]", msg, rule) or msg
end

local function configure_diagnostics(client)
  if not M.options.virtual_text then
    return
  end
  local config = { virtual_text = { format = M.format_diagnostic, spacing = 2 }, float = { format = M.format_diagnostic } }
  for _, is_pull in ipairs({ false, true }) do
    local ok, ns = pcall(vim.lsp.diagnostic.get_namespace, client.id, is_pull)
    if ok and ns then
      vim.diagnostic.config(config, ns)
    end
  end
end

--- Code lenses (each function's metrics): shown on attach and kept fresh on save and
--- when leaving insert mode.
function M.enable_codelens(client, bufnr)
  if not (client.server_capabilities or {}).codeLensProvider then
    return
  end
  local function refresh()
    if not vim.api.nvim_buf_is_valid(bufnr) then
      return
    end
    if util.has_011 then
      pcall(vim.lsp.codelens.refresh, { bufnr = bufnr })
    elseif vim.api.nvim_get_current_buf() == bufnr then
      pcall(vim.lsp.codelens.refresh)
    end
  end
  local group = vim.api.nvim_create_augroup("codie_codelens_" .. bufnr, { clear = true })
  vim.api.nvim_create_autocmd({ "BufEnter", "BufWritePost", "InsertLeave" }, {
    group = group, buffer = bufnr, callback = refresh,
  })
  refresh()
end

local function on_attach(client, bufnr)
  configure_diagnostics(client)
  if M.options.codelens ~= false then
    M.enable_codelens(client, bufnr)
  end
  if M.options.on_attach then
    M.options.on_attach(client, bufnr)
  end
end

function M.client_config()
  local opts = M.options
  local settings = vim.tbl_extend("force", {}, opts.settings or {})
  return {
    name = "codie",
    cmd = M.resolve_cmd(opts),
    filetypes = opts.filetypes,
    root_markers = opts.root_markers,
    init_options = settings,
    settings = { codie = settings },
    handlers = {
      -- what is running now, for require("codie").status(); Neovim's handler runs too
      ["$/progress"] = status.on_progress,
      ["codie/chatChunk"] = chat.on_chunk,
      ["codie/runtimeResult"] = function(_, r) M.on_runtime_result(r) end,
    },
    -- Code actions that run a server command whose answer is for the user (Explain, Ask
    -- why, Propose a verified fix...): Neovim would drop the answer; these show it.
    commands = require("codie.actions").commands(),
    on_attach = on_attach,
    on_exit = function(_, _, client_id) status.forget_client(client_id) end,
  }
end

--- What the server is doing now (test runs, model requests, workspace analysis), for a
--- statusline: `set statusline+=%{v:lua.require'codie'.status()}`; "" when idle. The
--- `User CodieStatus` autocmd fires whenever it changes.
function M.status()
  return status.text()
end

local function root_dir(bufnr, markers)
  local name = vim.api.nvim_buf_get_name(bufnr)
  local start = name ~= "" and vim.fs.dirname(name) or vim.fn.getcwd()
  local found = vim.fs.find(markers, { upward = true, path = start })[1]
  return found and vim.fs.dirname(found) or start
end

local augroup = nil

--- Is this file name a dependency manifest or lockfile the server checks? (The same
--- names as the server's manifest_format.)
function M.is_manifest(name)
  local base = (name or ""):match("([^/\\]+)$") or ""
  if base == "pyproject.toml" or base == "poetry.lock" or base == "uv.lock" or base == "Pipfile.lock"
    or base == "pylock.toml" or base:match("^pylock%.[^./]+%.toml$") then
    return true
  end
  local lower = base:lower()
  return (lower:match("req[^/]*%.txt$") or lower:match("req[^/]*%.in$")
    or lower:match("constraint[^/]*%.txt$") or lower:match("constraint[^/]*%.in$")) ~= nil
end

--- Attach a manifest buffer to the Codie client of its project (starting one if needed):
--- manifests have filetypes (requirements, toml, json) that Codie is not configured for.
function M.attach_manifest(bufnr, cfg)
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= "" then
    return
  end
  if not M.is_manifest(vim.api.nvim_buf_get_name(bufnr)) or #util.clients(bufnr) > 0 then
    return
  end
  local root = root_dir(bufnr, cfg.root_markers)
  for _, client in ipairs(util.clients(nil)) do
    if client.config.root_dir == root then
      vim.lsp.buf_attach_client(bufnr, client.id)
      return
    end
  end
  local c = vim.deepcopy(cfg)
  c.on_attach, c.handlers, c.commands, c.on_exit = cfg.on_attach, cfg.handlers, cfg.commands, cfg.on_exit
  c.root_dir = root
  vim.lsp.start(c, { bufnr = bufnr })
end

local function watch_manifests(cfg)
  local group = vim.api.nvim_create_augroup("codie_manifests", { clear = true })
  if not M.options.manifests then
    return
  end
  vim.api.nvim_create_autocmd({ "BufReadPost", "BufNewFile", "FileType" }, {
    group = group,
    callback = function(ev) M.attach_manifest(ev.buf, cfg) end,
  })
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) then
      M.attach_manifest(bufnr, cfg)
    end
  end
end

function M.setup(opts)
  M.options = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts or {})
  local cfg = M.client_config()
  watch_manifests(cfg)
  if util.use_lsp_enable then
    vim.lsp.config("codie", cfg)
    vim.lsp.enable("codie")
    return
  end
  -- 0.8-0.10: start (or reuse, by name and root) a client for each Python buffer.
  augroup = vim.api.nvim_create_augroup("codie", { clear = true })
  local function start(bufnr)
    local c = vim.deepcopy(cfg)
    c.on_attach = cfg.on_attach
    c.handlers = cfg.handlers
    c.on_exit = cfg.on_exit
    c.root_dir = root_dir(bufnr, cfg.root_markers)
    vim.lsp.start(c, { bufnr = bufnr })
  end
  vim.api.nvim_create_autocmd("FileType", {
    group = augroup,
    pattern = cfg.filetypes,
    callback = function(ev) start(ev.buf) end,
  })
  -- Buffers opened before setup().
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(cfg.filetypes, vim.bo[bufnr].filetype) then
      start(bufnr)
    end
  end
end

--- Stop every Codie client and start again for the Python buffers.
function M.restart()
  local bufs = {}
  for _, client in ipairs(util.clients(nil)) do
    for bufnr in pairs(client.attached_buffers or {}) do
      table.insert(bufs, bufnr)
    end
    if util.has_011 then client:stop() else client.stop() end
  end
  vim.defer_fn(function()
    for _, bufnr in ipairs(bufs) do
      if vim.api.nvim_buf_is_valid(bufnr) then
        vim.api.nvim_exec_autocmds("FileType", { buffer = bufnr })
      end
    end
  end, 500)
end

-- Chat ------------------------------------------------------------------------------------
function M.chat(message, opts)
  return chat.ask(message, vim.tbl_extend("force", { split = M.options.chat.split }, opts or {}))
end

M.chat_cancel = chat.cancel
M.apply_fix = chat.apply_fix

-- Explain ---------------------------------------------------------------------------------
local function show_markdown(name, markdown)
  local buf = util.scratch(name, "markdown", "botright split")
  util.set_lines(buf, vim.split(markdown, "\n", { plain = true }))
  vim.bo[buf].modifiable = false
  util.render_markdown(buf)
  return buf
end

--- Explain the finding under the cursor: `codie/explain` when the server has it, else the
--- rule's documentation through the `codie.explain` command every Codie server has.
function M.explain(on_done)
  local client, src, d = util.finding_under_cursor()
  if not client then
    return
  end
  local rule = util.rule_of(d)
  local function show(result)
    local markdown = result and (result.markdown or result.text)
    if not markdown then
      util.notify("no explanation for " .. tostring(rule), vim.log.levels.WARN)
      return
    end
    local buf = show_markdown("codie://explain", markdown)
    if on_done then on_done(buf) end
  end
  util.request(client, "codie/explain", {
    uri = vim.uri_from_bufnr(src), range = util.lsp_range_of(d), ruleId = rule,
  }, function(err, result)
    if not err then
      return show(result)
    end
    util.request(client, "workspace/executeCommand", { command = "codie.explain", arguments = { rule } },
      function(err2, result2)
        if err2 then
          util.notify("explain failed: " .. (err2.message or ""), vim.log.levels.ERROR)
        else
          show(result2)
        end
      end, src)
  end, src)
end

-- Hotspots --------------------------------------------------------------------------------
local function hotspot_items(rows, root, kind)
  local items = {}
  for i, h in ipairs(rows or {}) do
    local file = (h.uri and vim.uri_to_fname(h.uri)) or (h.path and (root .. "/" .. h.path)) or ""
    local what = (h["function"] ~= nil and h["function"] ~= "") and h["function"] or (h.path or "")
    table.insert(items, {
      filename = file,
      lnum = (h.line and h.line > 0) and h.line or 1,
      text = string.format("%s #%d %s: score %s (%s commits x complexity %s)", kind, i, what,
        tostring(h.score or "?"), tostring(h.commits or "?"), tostring(h.complexity or "?")),
    })
  end
  return items
end

--- Hotspots (churn x complexity) into the quickfix list: functions, then files.
function M.hotspots(on_done)
  local client, src = util.current_client("no Codie server is running")
  if not client then
    return
  end
  local root = client.config.root_dir or vim.fn.getcwd()
  -- The folder of the client's root (not the current buffer, which may be codie://chat).
  util.request(client, "codie/hotspots", { folder = vim.uri_from_fname(root), top = 30 }, function(err, result)
    if err or (result and result.error) then
      local text = err and (util.is_method_not_found(err) and "this Codie server has no hotspots (codie/hotspots)"
        or ("hotspots failed: " .. (err.message or ""))) or ("hotspots: " .. result.error)
      util.notify(text, vim.log.levels.WARN)
      if on_done then on_done(nil, err or { message = result.error }) end
      return
    end
    local items = hotspot_items(result and result.functions, root, "function")
    vim.list_extend(items, hotspot_items(result and (result.files or result.hotspots), root, "file"))
    vim.fn.setqflist({}, " ", { title = "Codie hotspots", items = items })
    vim.cmd("copen")
    if on_done then on_done(items) end
  end, src)
end

-- Runtime tests ---------------------------------------------------------------------------
M.last_runtime = nil

--- A background test run ended (codie/runtimeResult): remember it and tell the user.
function M.on_runtime_result(r)
  if type(r) ~= "table" then
    return
  end
  M.last_runtime = r
  if r.summary then
    util.notify("tests: " .. r.summary, r.error and vim.log.levels.WARN or vim.log.levels.INFO)
  end
end

--- Run the tests related to the current file in the server's sandbox (command codie.runTests).
function M.run_tests(on_done)
  local client, src = util.current_client()
  if not client then
    return
  end
  local commands = (client.server_capabilities.executeCommandProvider or {}).commands or {}
  if not vim.tbl_contains(commands, "codie.runTests") then
    util.notify("this Codie server does not run tests (no codie.runTests command)", vim.log.levels.WARN)
    if on_done then on_done(nil, { code = util.METHOD_NOT_FOUND }) end
    return
  end
  local file = vim.api.nvim_buf_get_name(src)
  util.request(client, "workspace/executeCommand", {
    command = "codie.runTests", arguments = file ~= "" and { vim.uri_from_bufnr(src) } or {},
  }, function(err, result)
    if err or (result and result.started == false) then
      util.notify("tests not started: " .. ((err and err.message) or (result and result.reason) or "?"), vim.log.levels.WARN)
    else
      util.notify("related tests started; failures appear as diagnostics")
    end
    if on_done then on_done(result, err) end
  end, src)
end

-- Feedback --------------------------------------------------------------------------------
--- Tell Codie a finding is right ("accept") or noise ("dismiss"); it adjusts the rule's
--- confidence for this project.
function M.feedback(verdict, on_done)
  if verdict ~= "accept" and verdict ~= "dismiss" and verdict ~= "suppress" then
    util.notify("feedback is accept, dismiss or suppress", vim.log.levels.ERROR)
    return
  end
  local client, src, d = util.finding_under_cursor()
  if not client then
    return
  end
  local data = d.user_data and d.user_data.lsp and d.user_data.lsp.data or {}
  util.request(client, "codie/feedback", {
    uri = vim.uri_from_bufnr(src), ruleId = util.rule_of(d), verdict = verdict, fingerprint = data.fingerprint,
  }, function(err, result)
    if err then
      util.notify(util.is_method_not_found(err) and "this Codie server takes no feedback (codie/feedback)"
        or ("feedback failed: " .. (err.message or "")), vim.log.levels.WARN)
    else
      local precision = result and type(result.precision) == "number"
        and string.format("; estimated precision now %d%%", math.floor(result.precision * 100 + 0.5)) or ""
      util.notify(string.format("%s recorded for %s%s", verdict, tostring(util.rule_of(d)), precision))
    end
    if on_done then on_done(result, err) end
  end, src)
end

-- Call graph ------------------------------------------------------------------------------
--- The callers and callees of the root of a codie/callGraph answer {root, nodes, edges}.
function M.neighbourhood(result)
  if type(result) ~= "table" or result.error or not result.edges then
    return nil
  end
  local nodes = {}
  for _, n in ipairs(result.nodes or {}) do
    nodes[n.id] = n
  end
  local out = { symbol = result.root, callers = {}, callees = {} }
  for _, e in ipairs(result.edges) do
    if e.callee == result.root then
      table.insert(out.callers, nodes[e.caller] or { id = e.caller, external = true })
    end
    if e.caller == result.root then
      table.insert(out.callees, nodes[e.callee] or { id = e.callee, external = true })
    end
  end
  return out
end

--- Callers and callees of the function under the cursor, in a `codie://callgraph` buffer.
function M.call_graph(on_done)
  local client, src = util.current_client()
  if not client then
    return
  end
  local cursor = vim.api.nvim_win_get_cursor(0)
  util.request(client, "codie/callGraph", {
    textDocument = { uri = vim.uri_from_bufnr(src) },
    position = { line = cursor[1] - 1, character = cursor[2] }, depth = 1,
  }, function(err, result)
    local graph = not err and M.neighbourhood(result)
    if not graph then
      local text = err and (util.is_method_not_found(err) and "this Codie server has no call graph (codie/callGraph)"
        or ("call graph failed: " .. (err.message or ""))) or ("call graph: " .. tostring(result and result.error or "no graph here"))
      util.notify(text, vim.log.levels.WARN)
      if on_done then on_done(nil, err or { message = text }) end
      return
    end
    local lines = { "# Call graph of " .. tostring(graph.symbol), "" }
    for _, key in ipairs({ "callers", "callees" }) do
      table.insert(lines, string.format("## %s (%d)", key, #graph[key]))
      for _, n in ipairs(graph[key]) do
        local where = n.uri and string.format("  %s:%d", vim.fn.fnamemodify(vim.uri_to_fname(n.uri), ":~:."),
          (n.range and n.range.start.line or 0) + 1) or "  (external)"
        table.insert(lines, "- " .. tostring(n.id) .. where)
      end
      table.insert(lines, "")
    end
    show_markdown("codie://callgraph", table.concat(lines, "\n"))
    if on_done then on_done(graph) end
  end, src)
end

return M
