from pkg.sub import run

run()
