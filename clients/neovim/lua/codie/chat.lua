-- The chat buffer: questions go to `codie/chat`; the answer streams in through
-- `codie/chatChunk` notifications and is appended as it arrives.
local util = require("codie.util")

local M = {}

M.BUFFER = "codie://chat"
---@type table<string, {buf: integer, start: integer, text: string, status: string, chunks: integer, request_id: integer?, client: table?, on_done: function?}>
M.chats = {}
M.current = nil
local counter = 0

local function new_chat_id()
  counter = counter + 1
  return string.format("nvim-%d-%d", vim.fn.getpid(), counter)
end

local function chat_buffer(split)
  local buf = util.scratch(M.BUFFER, "markdown", split)
  util.render_markdown(buf)
  return buf
end

-- Verified fixes offered by the answers (codie/chat result.fixes), numbered for
-- :CodieApplyFix N. Code blocks in the answers are excerpts: nothing applies them.
M.fixes = {}

local function append(buf, lines)
  vim.bo[buf].modifiable = true
  local count = vim.api.nvim_buf_line_count(buf)
  local first = vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1]
  if count == 1 and first == "" then
    vim.api.nvim_buf_set_lines(buf, 0, 1, false, lines)
  else
    vim.api.nvim_buf_set_lines(buf, count, count, false, lines)
  end
end

--- Rewrite the answer of a chat (from its first line to the end of the buffer).
local function render_answer(entry, suffix)
  if not vim.api.nvim_buf_is_valid(entry.buf) then
    return
  end
  local lines = vim.split(entry.text, "\n", { plain = true })
  if suffix then
    table.insert(lines, suffix)
  end
  vim.bo[entry.buf].modifiable = true
  vim.api.nvim_buf_set_lines(entry.buf, entry.start, -1, false, lines)
  local win = vim.fn.bufwinid(entry.buf)
  if win ~= -1 then
    vim.api.nvim_win_set_cursor(win, { vim.api.nvim_buf_line_count(entry.buf), 0 })
  end
end

--- Handler for the server's `codie/chatChunk` notification (registered in setup).
function M.on_chunk(_, params)
  local entry = params and M.chats[params.chatId]
  if not entry or entry.status ~= "streaming" or type(params.delta) ~= "string" then
    return -- a chunk of a finished or unknown chat
  end
  entry.text = entry.text .. params.delta
  entry.chunks = entry.chunks + 1
  render_answer(entry, "…")
end

local function fix_lines(fixes, client, src)
  local lines = {}
  for _, fix in ipairs(fixes or {}) do
    table.insert(M.fixes, { fix = fix, client = client, bufnr = src })
    local n = #M.fixes
    table.insert(lines, "")
    table.insert(lines, string.format("### Verified fix %d%s (version %s): apply with `:CodieApplyFix %d`",
      n, fix.ruleId and fix.ruleId ~= "" and (" for " .. fix.ruleId) or "", tostring(fix.version), n))
    table.insert(lines, "")
    table.insert(lines, "```diff")
    vim.list_extend(lines, vim.split(fix.diff or "", "\n", { plain = true }))
    table.insert(lines, "```")
  end
  return lines
end

--- Apply verified fix n exactly, and only to the buffer version it was verified on.
--- Returns true when applied; otherwise tells the user why and returns false.
function M.apply_fix(n)
  local item = M.fixes[tonumber(n) or #M.fixes]
  if not item then
    util.notify("no verified fix " .. tostring(n or "") .. " in the chat (ask for a fix first)", vim.log.levels.WARN)
    return false
  end
  local fix = item.fix
  local bufnr = vim.uri_to_bufnr(fix.uri)
  local versions = vim.lsp.util.buf_versions or {}
  local now = versions[bufnr]
  if not vim.api.nvim_buf_is_loaded(bufnr) or (fix.version ~= nil and fix.version ~= vim.NIL and now ~= fix.version) then
    util.notify(string.format("%s changed since this fix was verified (version %s, now %s); nothing was applied. "
      .. "Ask again for a fix of the current text.", vim.fn.fnamemodify(vim.uri_to_fname(fix.uri), ":t"),
      tostring(fix.version), tostring(now)), vim.log.levels.WARN)
    return false
  end
  vim.lsp.util.apply_workspace_edit(fix.edit, item.client.offset_encoding or "utf-16")
  return true
end

local function finish(chat_id, status, text, message, fixes)
  local entry = M.chats[chat_id]
  if not entry or entry.status ~= "streaming" then
    return
  end
  entry.status = status
  if text and text ~= "" then
    entry.text = text -- the final text is authoritative; chunks were a preview
  end
  local suffix = nil
  if status == "cancelled" then
    suffix = "_(cancelled)_"
  elseif status ~= "done" then
    suffix = "_(" .. (message or status) .. ")_"
  end
  render_answer(entry, suffix)
  if fixes and #fixes > 0 then
    append(entry.buf, fix_lines(fixes, entry.client, entry.src))
  end
  append(entry.buf, { "" })
  if M.current == chat_id then
    M.current = nil
  end
  if entry.on_done then
    entry.on_done(entry)
  end
end

--- Codie's findings on the asked-about lines (all of the buffer's without a range).
function M.findings_in(bufnr, range)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local last = d.end_lnum or d.lnum
    if d.source == "codie" and (not range or (d.lnum <= range["end"].line and last >= range.start.line)) then
      local data = d.user_data and d.user_data.lsp and d.user_data.lsp.data or {}
      table.insert(out, {
        ruleId = util.rule_of(d), message = d.message, confidence = data.confidence,
        range = util.lsp_range_of(d),
      })
    end
  end
  return #out > 0 and out or nil
end

--- Ask Codie. opts: {range = {start=..., end=...}?, bufnr = source buffer?, on_done = fn?}
--- Returns the chat id, or nil when there is no Codie client.
function M.ask(message, opts)
  opts = opts or {}
  local src = opts.bufnr or vim.api.nvim_get_current_buf()
  local client = util.client(src)
  if not client then
    util.notify("no Codie server is running for this buffer", vim.log.levels.WARN)
    return nil
  end
  if M.current then
    util.notify("an answer is still streaming; :CodieChatCancel stops it", vim.log.levels.WARN)
    return nil
  end
  local uri = vim.uri_from_bufnr(src)
  local buf = chat_buffer(opts.split)
  local where = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(src), ":t")
  if opts.range then
    where = string.format("%s:%d-%d", where, opts.range.start.line + 1, opts.range["end"].line + 1)
  end
  append(buf, { "## You (" .. where .. ")", "", message, "", "## Codie", "" })
  local chat_id = new_chat_id()
  local entry = {
    buf = buf, start = vim.api.nvim_buf_line_count(buf) - 1, text = "", status = "streaming",
    chunks = 0, client = client, on_done = opts.on_done, src = src,
  }
  M.chats[chat_id] = entry
  M.current = chat_id
  render_answer(entry, "…")
  local ok, request_id = util.request(client, "codie/chat", {
    chatId = chat_id, message = message, uri = uri, range = opts.range,
    findings = M.findings_in(src, opts.range),
  }, function(err, result)
    if err then
      if util.is_method_not_found(err) then
        finish(chat_id, "unsupported", nil, "this Codie server has no chat (codie/chat); update Codie")
      else
        finish(chat_id, "error", nil, err.message or tostring(err))
      end
      return
    end
    finish(chat_id, "done", result and result.text or "", nil, result and result.fixes)
  end, src)
  if not ok then
    finish(chat_id, "error", nil, "the server is not running")
    return nil
  end
  entry.request_id = request_id
  return chat_id
end

--- Cancel the answer being streamed. Neovim never calls the request's handler after a
--- cancel, so the entry is marked cancelled here.
function M.cancel()
  local chat_id = M.current
  local entry = chat_id and M.chats[chat_id]
  if not entry then
    return false
  end
  if entry.request_id and entry.client then
    util.cancel(entry.client, entry.request_id)
  end
  finish(chat_id, "cancelled")
  return true
end

function M.open()
  return chat_buffer()
end

return M
