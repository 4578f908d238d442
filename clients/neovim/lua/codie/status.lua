-- What the Codie server is doing now (test runs, model requests, workspace analysis), for a
-- statusline: `require("codie").status()`. Built from the server's `$/progress`: an item
-- appears at `begin`, follows each `report` and goes at `end` (or when its client stops),
-- so the statusline never shows work that has finished. Neovim's own `$/progress` handler
-- still runs after ours: `vim.lsp.status()` and `LspProgress` see the same messages.
local M = {}

--- "client_id:token" -> { client_id, title, message, percentage }, in begin order.
M.active = {}
M.order = {}

local function changed()
  pcall(vim.api.nvim_exec_autocmds, "User", { pattern = "CodieStatus", modeline = false })
  pcall(vim.cmd, "redrawstatus")
end

local function drop(key)
  M.active[key] = nil
  for i, k in ipairs(M.order) do
    if k == key then
      table.remove(M.order, i)
      break
    end
  end
end

--- Track one `$/progress` notification (then hand it to Neovim's handler).
function M.on_progress(err, result, ctx, config)
  if type(result) == "table" and result.token ~= nil and type(result.value) == "table" then
    local v = result.value
    local key = tostring(ctx and ctx.client_id) .. ":" .. tostring(result.token)
    if v.kind == "begin" then
      if not M.active[key] then
        table.insert(M.order, key)
      end
      M.active[key] = { client_id = ctx and ctx.client_id, title = v.title, message = v.message, percentage = v.percentage }
      changed()
    elseif v.kind == "report" and M.active[key] then
      local item = M.active[key]
      item.message = v.message or item.message
      item.percentage = v.percentage or item.percentage
      changed()
    elseif v.kind == "end" and M.active[key] then
      drop(key)
      changed()
    end
  end
  local default = vim.lsp.handlers["$/progress"]
  if default and default ~= M.on_progress and ctx and vim.lsp.get_client_by_id(ctx.client_id) then
    return default(err, result, ctx, config)
  end
end

local function alive(id)
  local client = id and vim.lsp.get_client_by_id(id)
  if not client then
    return false
  end
  if type(client.is_stopped) == "function" then
    local ok, stopped = pcall(client.is_stopped, client)
    if ok and stopped then
      return false
    end
  end
  return true
end

--- Forget what a stopped client was doing (a crashed server sends no `end`).
function M.forget_client(id)
  local gone = false
  for _, key in ipairs(vim.list_extend({}, M.order)) do
    if M.active[key].client_id == id then
      drop(key)
      gone = true
    end
  end
  if gone then
    changed()
  end
end

--- One line for a statusline: "Codie: running tests test_shop.py 40%", several joined by
--- " | "; "" when nothing is running.
function M.text()
  local parts = {}
  for _, key in ipairs(vim.list_extend({}, M.order)) do
    local item = M.active[key]
    if not alive(item.client_id) then
      drop(key)
    else
      local text = item.title or "Codie"
      if item.message and item.message ~= "" then
        text = text .. " " .. item.message
      end
      if item.percentage then
        text = text .. " " .. item.percentage .. "%"
      end
      table.insert(parts, text)
    end
  end
  return table.concat(parts, " | ")
end

return M
