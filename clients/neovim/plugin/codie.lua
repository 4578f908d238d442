-- Commands of the Codie plugin; the module loads only when one is used.
if vim.g.loaded_codie then
  return
end
vim.g.loaded_codie = true

local function range_of(opts)
  if opts.range == 0 then
    return nil
  end
  local last = vim.api.nvim_buf_get_lines(0, opts.line2 - 1, opts.line2, false)[1] or ""
  return { start = { line = opts.line1 - 1, character = 0 }, ["end"] = { line = opts.line2 - 1, character = #last } }
end

vim.api.nvim_create_user_command("CodieChat", function(opts)
  local codie = require("codie")
  local range = range_of(opts)
  if opts.args ~= "" then
    codie.chat(opts.args, { range = range })
    return
  end
  vim.ui.input({ prompt = "Ask Codie: " }, function(message)
    if message and message ~= "" then
      codie.chat(message, { range = range })
    end
  end)
end, { nargs = "*", range = true, desc = "Ask Codie about this file (or the selected lines)" })

vim.api.nvim_create_user_command("CodieChatCancel", function()
  require("codie").chat_cancel()
end, { desc = "Stop the Codie answer being streamed" })

vim.api.nvim_create_user_command("CodieApplyFix", function(opts)
  require("codie").apply_fix(opts.args ~= "" and opts.args or nil)
end, { nargs = "?", desc = "Apply verified fix N from the Codie chat (the last one by default)" })

vim.api.nvim_create_user_command("CodieExplain", function()
  require("codie").explain()
end, { desc = "Explain the Codie finding under the cursor" })

vim.api.nvim_create_user_command("CodieHotspots", function()
  require("codie").hotspots()
end, { desc = "Codie hotspots (churn x complexity) in the quickfix list" })

vim.api.nvim_create_user_command("CodieFeedback", function(opts)
  require("codie").feedback(opts.fargs[1])
end, {
  nargs = 1,
  complete = function() return { "accept", "dismiss", "suppress" } end,
  desc = "Tell Codie the finding under the cursor is right (accept) or noise (dismiss, suppress)",
})

vim.api.nvim_create_user_command("CodieCallGraph", function()
  require("codie").call_graph()
end, { desc = "Callers and callees of the function under the cursor" })

vim.api.nvim_create_user_command("CodieRunTests", function()
  require("codie").run_tests()
end, { desc = "Run the tests related to this file in Codie's sandbox" })

vim.api.nvim_create_user_command("CodieRestart", function()
  require("codie").restart()
end, { desc = "Restart the Codie language server" })
