-- The server commands behind Codie's code actions, run by the client so that their answer
-- reaches the user: Neovim's default runs workspace/executeCommand and drops the result.
-- "Explain" and "Ask why" open the Markdown in a split, "Propose a verified fix" shows the
-- verified diff (or says why there is none and what to set), feedback is confirmed.
local util = require("codie.util")

local M = {}

M.RESULT_BUFFER = "codie://result"
M.last = nil -- {command, result, err, buf}: what the last command showed (for the tests)

--- Show Markdown lines in the `codie://result` split (reused), read-only.
function M.show(lines, title)
  local buf = util.scratch(M.RESULT_BUFFER, "markdown", "botright split")
  if title then
    table.insert(lines, 1, "# " .. title)
    table.insert(lines, 2, "")
  end
  util.set_lines(buf, lines)
  vim.bo[buf].modifiable = false
  util.render_markdown(buf)
  return buf
end

local function markdown_lines(text)
  return vim.split(text or "", "\n", { plain = true })
end

--- What to say after "Propose a verified fix": {level, message}, in words that say what to do.
function M.propose_fix_message(result, rule)
  rule = rule or "this finding"
  if type(result) == "table" and result.verified then
    return vim.log.levels.INFO, string.format(
      "a verified fix for %s is ready: run the code action \"Apply fix (verified)\" (or :CodieApplyFix from the chat)", rule)
  end
  local reason = type(result) == "table" and result.reason and (" (" .. result.reason .. ")") or ""
  if type(result) ~= "table" or result.provider == nil or result.provider == "offline" then
    return vim.log.levels.WARN, string.format(
      "no verified fix for %s%s. Without a model Codie only fixes what its rules fix: set settings.llm = "
        .. "{ provider = \"ollama\" or \"openai\", endpoint = ... } in require(\"codie\").setup()", rule, reason)
  end
  return vim.log.levels.WARN, string.format(
    "the model's fix for %s did not pass verification%s; nothing was changed", rule, reason)
end

local function shown(command, result, err, buf)
  M.last = { command = command, result = result, err = err, buf = buf }
end

local function on_result(command, result, err)
  local name = command.command
  local arg = command.arguments and command.arguments[1]
  local rule = type(arg) == "table" and arg.ruleId or (type(arg) == "string" and arg or nil)
  if err then
    local text = util.is_method_not_found(err) and (name .. " is not available in this Codie server")
      or string.format("%s failed: %s", name, err.message or tostring(err))
    util.notify(text, vim.log.levels.ERROR)
    return shown(command, nil, err, nil)
  end
  if name == "codie.proposeFix" then
    local level, text = M.propose_fix_message(result, rule)
    util.notify(text, level)
    local buf = nil
    if type(result) == "table" and result.verified and result.diff and result.diff ~= "" then
      local lines = { "```diff" }
      vim.list_extend(lines, markdown_lines(result.diff))
      table.insert(lines, "```")
      buf = M.show(lines, "Verified fix for " .. tostring(rule))
    end
    return shown(command, result, nil, buf)
  end
  if type(result) == "table" and (result.markdown or result.text) then
    local title = (name == "codie.askWhy" and "Why: " or "Explain: ") .. tostring(result.ruleId or rule or "")
    return shown(command, result, nil, M.show(markdown_lines(result.markdown or result.text), title))
  end
  if name == "codie.feedback" and type(result) == "table" and result.precision then
    util.notify(string.format("feedback recorded for %s; estimated precision now %d%%",
      tostring(result.ruleId or rule), math.floor(result.precision * 100 + 0.5)))
    return shown(command, result, nil, nil)
  end
  if name == "codie.functionMetrics" and type(result) == "table" then
    local lines = {}
    for k, v in pairs(result) do
      table.insert(lines, string.format("- **%s**: %s", k, vim.inspect(v)))
    end
    table.sort(lines)
    return shown(command, result, nil, M.show(lines, "Metrics of " .. tostring(command.arguments and command.arguments[2] or "")))
  end
  if type(result) == "table" and result.started ~= nil then
    util.notify(result.started and "started; results appear as diagnostics"
      or ("not started: " .. tostring(result.reason or "?")), result.started and vim.log.levels.INFO or vim.log.levels.WARN)
  end
  return shown(command, result, nil, nil)
end

--- Run a server command for a code action or code lens and show its answer.
function M.run(command, ctx)
  local client = ctx and ctx.client_id and vim.lsp.get_client_by_id(ctx.client_id) or util.client(ctx and ctx.bufnr)
  if not client then
    util.notify("no Codie server is running", vim.log.levels.WARN)
    return
  end
  util.request(client, "workspace/executeCommand", { command = command.command, arguments = command.arguments },
    function(err, result) on_result(command, result, err) end, ctx and ctx.bufnr)
end

--- The client `commands` table: every server command Codie's actions and lenses use.
M.COMMANDS = { "codie.explain", "codie.askWhy", "codie.proposeFix", "codie.feedback", "codie.functionMetrics",
  "codie.runTests" }

function M.commands()
  local out = {}
  for _, name in ipairs(M.COMMANDS) do
    out[name] = M.run
  end
  return out
end

return M
