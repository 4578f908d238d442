-- Neovim 0.11+: `vim.lsp.enable("codie")` works even without require("codie").setup(),
-- with the defaults below; setup() overrides them.
return {
  cmd = vim.fn.executable("codie") == 1 and { "codie", "serve" } or { "python3", "-m", "codie", "serve" },
  filetypes = { "python" },
  root_markers = { "pyproject.toml", "setup.cfg", "setup.py", ".git" },
  settings = { codie = {} },
  handlers = {
    ["codie/chatChunk"] = function(...) return require("codie.chat").on_chunk(...) end,
  },
  -- Show the answers of Explain / Ask why / Propose a verified fix (Neovim drops them).
  commands = require("codie.actions").commands(),
}
