-- A clean Neovim for the tests: only this plugin on the runtimepath, no user config.
local root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h")
vim.opt.runtimepath:prepend(root)
vim.opt.swapfile = false
vim.opt.shadafile = "NONE"
vim.cmd("filetype on")
vim.cmd("runtime plugin/codie.lua")
