-- Small helpers that hide the differences between Neovim 0.8 and 0.11+.
local M = {}

-- Method-call style of vim.lsp.Client (client:request on 0.11+, client.request before).
M.has_011 = vim.fn.has("nvim-0.11") == 1
-- How clients start: vim.lsp.config/enable (0.11+), else vim.lsp.start from FileType.
-- The tests turn this off on 0.11 to exercise the 0.8-0.10 path.
M.use_lsp_enable = M.has_011 and vim.lsp.config ~= nil and vim.lsp.enable ~= nil

M.METHOD_NOT_FOUND = -32601

--- Codie clients attached to bufnr (or anywhere when bufnr is nil).
function M.clients(bufnr)
  local filter = { name = "codie", bufnr = bufnr }
  if vim.lsp.get_clients then
    return vim.lsp.get_clients(filter)
  end
  return vim.lsp.get_active_clients(filter)
end

--- The Codie client of bufnr, else any running Codie client.
function M.client(bufnr)
  return M.clients(bufnr)[1] or M.clients(nil)[1]
end

--- The current buffer's Codie client (and the buffer), or nil after telling the user why.
function M.current_client(missing)
  local src = vim.api.nvim_get_current_buf()
  local client = M.client(src)
  if not client then
    M.notify(missing or "no Codie server for this buffer", vim.log.levels.WARN)
  end
  return client, src
end

--- The current buffer's client, the buffer and the finding under the cursor, or nil after
--- telling the user what is missing.
function M.finding_under_cursor()
  local client, src = M.current_client()
  if not client then
    return nil
  end
  local d = M.findings_at_cursor(src)[1]
  if not d then
    M.notify("no Codie finding on this line", vim.log.levels.WARN)
    return nil
  end
  return client, src, d
end

--- client:request on 0.11+, client.request before (the method style changed).
function M.request(client, method, params, handler, bufnr)
  if M.has_011 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

function M.cancel(client, id)
  if M.has_011 then
    return client:cancel_request(id)
  end
  return client.cancel_request(id)
end

function M.is_method_not_found(err)
  return type(err) == "table" and err.code == M.METHOD_NOT_FOUND
end

function M.notify(msg, level)
  vim.notify("Codie: " .. msg, level or vim.log.levels.INFO)
end

--- The Codie diagnostics under the cursor (0-based line of the window's cursor).
function M.findings_at_cursor(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local cursor = vim.api.nvim_win_get_cursor(0)
  local row, col = cursor[1] - 1, cursor[2]
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr, { lnum = row })) do
    if d.source == "codie" then
      local end_row = d.end_lnum or d.lnum
      local inside = (row > d.lnum or col >= d.col) and (row < end_row or col <= (d.end_col or col))
      table.insert(out, { diagnostic = d, inside = inside })
    end
  end
  -- Prefer findings that cover the cursor column; fall back to the whole line.
  table.sort(out, function(a, b) return a.inside and not b.inside end)
  return vim.tbl_map(function(x) return x.diagnostic end, out)
end

function M.rule_of(d)
  local data = d.user_data and d.user_data.lsp and d.user_data.lsp.data
  return (data and data.ruleId) or d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
end

function M.lsp_range_of(d)
  return {
    start = { line = d.lnum, character = d.col },
    ["end"] = { line = d.end_lnum or d.lnum, character = d.end_col or d.col },
  }
end

--- A scratch buffer with a fixed name, shown in a split (reused when it exists).
function M.scratch(name, filetype, split)
  local buf = vim.fn.bufnr(name)
  if buf == -1 or not vim.api.nvim_buf_is_valid(buf) then
    buf = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(buf, name)
    vim.bo[buf].filetype = filetype
    vim.bo[buf].bufhidden = "hide"
    vim.bo[buf].swapfile = false
  end
  if vim.fn.bufwinid(buf) == -1 then
    vim.cmd(split or "botright vsplit")
    vim.api.nvim_win_set_buf(0, buf)
    vim.wo.wrap = true
    vim.wo.linebreak = true
    vim.wo.number = false
    vim.wo.signcolumn = "no"
  end
  return buf
end

--- Render Markdown as Markdown: concealed markup and highlighted code fences (the
--- tree-sitter markdown parser ships with Neovim 0.10+; older versions get syntax only).
function M.render_markdown(buf)
  vim.bo[buf].filetype = "markdown"
  pcall(vim.treesitter.start, buf, "markdown")
  local win = vim.fn.bufwinid(buf)
  if win ~= -1 then
    vim.wo[win].conceallevel = 2
    vim.wo[win].concealcursor = "nc"
  end
end

function M.set_lines(buf, lines)
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
end

return M
