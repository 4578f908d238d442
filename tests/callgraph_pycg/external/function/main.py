import ext

ext.func()
